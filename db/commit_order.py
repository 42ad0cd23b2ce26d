"""Commit order for articles and indicator changes, so that digest watermarks never skip a row.

Ids are not commit order: a transaction that inserted first may commit last. Each inserted row gets a
`commit_seq` number while its transaction holds the commit-order lock (migration 0007: each INSERT takes
the advisory lock before its rows are numbered; the lock is held until the transaction ends). `committed_marks`
takes the same lock for a moment: once it has it, no writer holds a number it has not committed, so every
row numbered at or below the marks it returns is committed (or rolled back) and visible to the statements
that follow. Rows numbered later belong to the next digest.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Connection, one

LOCK_KEY = 0x6379_636F  # "cyco"; the same number is in db/migrations/0007_commit_order.sql


@dataclass(frozen=True, slots=True)
class Marks:
    """The highest commit numbers below which every article and change is settled."""

    article: int
    change: int


def committed_marks(conn: Connection) -> Marks:
    """Wait for writers that are committing, then read how far the articles and changes are numbered."""
    conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        row = one(conn.execute(
            "SELECT (SELECT last_value - (NOT is_called)::int FROM article_commit_seq) AS article, "
            "(SELECT last_value - (NOT is_called)::int FROM change_commit_seq) AS change"
        ))
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    return Marks(int(row["article"]), int(row["change"]))
