"""Rate limits of the forms that mail someone (subscribe): per client address and per address asked for.

In memory, per process: a sliding window of recent attempts per key. Enough for one `cywatch web`; a
deployment with several processes behind a balancer gets as many allowances (the limit then multiplies).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class Limiter:
    """At most `count` attempts per `window` seconds per key."""

    def __init__(self, count: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.count, self.window, self.clock = count, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count an attempt for `key`; False (and not counted) when the key has used its allowance."""
        now = self.clock()
        with self._lock:
            recent = self._seen.setdefault(key, deque())
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.count:
                return False
            recent.append(now)
            if len(self._seen) > 100_000:  # forget keys that have gone quiet, so memory stays bounded
                self._seen = {k: v for k, v in self._seen.items() if v and v[-1] > now - self.window}
            return True
