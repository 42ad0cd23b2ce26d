"""Rate limits of the forms that mail someone (subscribe) and of operator logins, shared by every web process.

A token bucket per (limit, key) in PostgreSQL (table web_rate_limits): `count` attempts at once, given back
at `count` per `window` seconds. One UPSERT refills the bucket for the time gone by and takes a token, or
says no, atomically: two `cywatch web` workers behind a balancer share one allowance (in memory, each had
its own, and the limit multiplied). A refused attempt takes nothing. Buckets that have filled up again are
deleted now and then: a missing bucket is a full one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from db.connection import Connection

_TAKE = """
INSERT INTO web_rate_limits AS b (name, key, tokens, updated_at, allowed)
VALUES (%(name)s, %(key)s, %(count)s - 1, now(), true)
ON CONFLICT (name, key) DO UPDATE SET
    allowed = least(%(count)s, b.tokens + extract(epoch FROM now() - b.updated_at) * %(rate)s) >= 1,
    tokens = least(%(count)s, b.tokens + extract(epoch FROM now() - b.updated_at) * %(rate)s)
             - CASE WHEN least(%(count)s, b.tokens + extract(epoch FROM now() - b.updated_at) * %(rate)s) >= 1
                    THEN 1 ELSE 0 END,
    updated_at = now()
RETURNING allowed
"""
_FORGET = "DELETE FROM web_rate_limits WHERE name = %s AND updated_at < now() - make_interval(secs => %s)"


@dataclass(frozen=True, slots=True)
class Limiter:
    """At most `count` attempts per `window` seconds per key (a burst of `count`, then one per window/count)."""

    name: str
    count: int
    window: float

    def allow(self, conn: Connection, key: str) -> bool:
        """Count an attempt for `key` (committed); False, and nothing taken, when its allowance is used up."""
        row = conn.execute(_TAKE, {"name": self.name, "key": key, "count": float(self.count),
                                   "rate": self.count / self.window}).fetchone()
        if random.random() < 0.01:
            conn.execute(_FORGET, [self.name, self.window])
        conn.commit()
        return bool(row and row["allowed"])
