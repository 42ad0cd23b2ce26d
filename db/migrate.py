"""Versioned schema migrations: `db/migrations/NNNN_name.sql`, applied in order, recorded in the database.

Safe to run again (applied versions are skipped) and from several processes at once (a PostgreSQL advisory
lock serialises them; the second finds the work done). Each migration runs in its own transaction.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from db.connection import Connection

_LOCK_KEY = 0x6379_6D69  # "cymi": one lock for all migrators of this database
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    """A migration failed, or an applied migration's file was edited afterwards."""


def available() -> list[Migration]:
    """The migrations shipped with the project, in version order."""
    found = []
    for entry in (resources.files("db") / "migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version: {versions}")
    return found


def migrate(conn: Connection) -> list[Migration]:
    """Apply the migrations this database lacks; returns those applied now. Expects dict rows."""
    conn.autocommit = True
    conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
            " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        applied = {row["version"]: row["checksum"]
                   for row in conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()}
        done = []
        for migration in available():
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} was edited after it was applied;"
                        " add a new migration instead")
                continue
            try:
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                                 [migration.version, migration.name, migration.checksum])
            except psycopg.Error as error:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} failed: {error}") from error
            done.append(migration)
        return done
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
        conn.autocommit = False
