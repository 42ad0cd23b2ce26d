"""The lexicon entries kept in the database: aliases and distinct pairs that review decisions made.

They apply on top of the data files (crawler/extract/data/metrics.toml) wherever figures are extracted or
compared: `apply` hands them to the extractor's lexicon, which then also counts them in its fingerprint.
`cywatch lexicon export` writes them into the data file (crawler/extract/catalogue.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler.extract.lexicon import StoredEntries, use_stored_entries
from db.connection import Connection


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored entry: `metric` is an alias of `other`, or `metric` and `other` are distinct."""

    id: int
    kind: str  # alias | distinct
    metric: str
    other: str
    decision_id: int | None
    created_at: datetime
    exported_at: datetime | None


def entries(conn: Connection) -> list[Entry]:
    """Every stored entry, oldest first."""
    rows = conn.execute("SELECT id, kind, metric, other, decision_id, created_at, exported_at "
                        "FROM lexicon_entries ORDER BY id").fetchall()
    return [Entry(**row) for row in rows]


def stored_entries(conn: Connection) -> StoredEntries:
    """The stored entries as the lexicon takes them."""
    found = entries(conn)
    return StoredEntries(aliases=tuple((e.metric, e.other) for e in found if e.kind == "alias"),
                         distinct=tuple((e.metric, e.other) for e in found if e.kind == "distinct"))


def apply(conn: Connection) -> bool:
    """Make the extractor's lexicon (and so the matcher and the fingerprint) use the stored entries;
    False when it already did."""
    return use_stored_entries(stored_entries(conn))


def add(conn: Connection, kind: str, metric: str, other: str, decision_id: int | None = None) -> bool:
    """Store an entry (False: it was there already). An alias replaces a distinct pair of the same two
    metrics and the other way round: the latest decision holds."""
    pair = [metric, other, other, metric]
    conn.execute("DELETE FROM lexicon_entries WHERE kind <> %s AND ((metric = %s AND other = %s) "
                 "OR (metric = %s AND other = %s))", [kind, *pair])
    if kind == "alias":  # an alias points at a canonical name, never at another alias
        conn.execute("UPDATE lexicon_entries SET other = %s WHERE kind = 'alias' AND other = %s AND metric <> %s",
                     [other, metric, other])
    row = conn.execute("INSERT INTO lexicon_entries (kind, metric, other, decision_id) VALUES (%s, %s, %s, %s) "
                       "ON CONFLICT DO NOTHING RETURNING id", [kind, metric, other, decision_id]).fetchone()
    return row is not None


def mark_exported(conn: Connection, ids: list[int]) -> None:
    """Record that these entries were written into the data file."""
    conn.execute("UPDATE lexicon_entries SET exported_at = now() WHERE id = ANY(%s)", [ids])
