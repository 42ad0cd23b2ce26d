"""Signals, handled in one place for every command that runs for a while (`run`, `scheduler`, `web`).

- `exit_on_sigterm`: SIGTERM ends a command as Ctrl-C does, cleanly, so that atexit hooks run (they stop
  the embedded PostgreSQL). Python's default for SIGTERM ends the process at once, skipping them.
- `stop_on_signals`: SIGTERM and SIGINT ask the work to stop instead: the current step ends cleanly and
  records its state (a cycle, the scheduler).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType


def exit_on_sigterm() -> None:
    """Make SIGTERM raise SystemExit(128 + 15), as an interrupt would, so cleanup runs."""

    def leave(number: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, leave)


def stop_on_signals(on_signal: Callable[[str], None]) -> None:
    """Call `on_signal` with the signal's name (SIGTERM, SIGINT) in place of ending the process."""

    def handler(number: int, frame: FrameType | None) -> None:
        on_signal(signal.Signals(number).name)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
