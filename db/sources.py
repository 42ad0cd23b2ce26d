"""The `sources` table, written from the registry (crawler/sources.py), never declared in SQL.

The storage layer knows the row shape only; which sources exist is the crawler's registry, passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Connection

_LOCK_KEY = 0x6379_7372  # "cysr": one sync at a time, so two starting crawls do not interleave updates


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of `sources`, as the registry declares it."""

    id: str
    name: str
    base_url: str
    kind: str
    official: bool
    home_region: str
    domains: list[str]


def sync(conn: Connection, rows: list[SourceRow]) -> None:
    """Upsert `rows` and mark every other row undeclared (kept: articles and runs still refer to it).

    Idempotent: a row that already says the same is not rewritten. One transaction, under a lock.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO sources AS s (id, name, base_url, kind, official, home_region, domains, declared) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, true) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, base_url = excluded.base_url, "
                "kind = excluded.kind, official = excluded.official, home_region = excluded.home_region, "
                "domains = excluded.domains, declared = true "
                "WHERE (s.name, s.base_url, s.kind, s.official, s.home_region, s.domains, s.declared) "
                "IS DISTINCT FROM (excluded.name, excluded.base_url, excluded.kind, excluded.official, "
                "excluded.home_region, excluded.domains, true)",
                [(r.id, r.name, r.base_url, r.kind, r.official, r.home_region, r.domains) for r in rows])
        conn.execute("UPDATE sources SET declared = false WHERE declared AND NOT (id = ANY(%s))",
                     [[r.id for r in rows]])


def declared(conn: Connection) -> list[SourceRow]:
    """The rows the registry declared at its last sync, by id."""
    return [SourceRow(id=r["id"], name=r["name"], base_url=r["base_url"], kind=r["kind"], official=r["official"],
                      home_region=r["home_region"], domains=list(r["domains"]))
            for r in conn.execute("SELECT * FROM sources WHERE declared ORDER BY id")]
