"""What several command groups share: argument types, messages on stderr, the database, the baseline."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import date
from typing import TYPE_CHECKING

from settings import Settings

if TYPE_CHECKING:
    from db.connection import Connection


def date_arg(text: str) -> date:
    """An argparse type: a YYYY-MM-DD date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def say(message: str) -> None:
    """One line on stderr, at once (scripts and logs read stdout and stderr interleaved)."""
    print(message, file=sys.stderr, flush=True)


def open_db(settings: Settings) -> Connection:
    """A connection to a database whose schema is up to date."""
    from db.connection import connect
    from db.migrate import migrate

    conn = connect(settings)
    migrate(conn)
    return conn


def ensure_baseline(conn: Connection) -> None:
    """Load the bundled baseline (2024-06-22) when none is loaded; there is nothing to compare with otherwise."""
    from crawler.baseline import ensure_loaded

    loaded = ensure_loaded(conn)
    if loaded is not None:
        say(f"no baseline was loaded: loaded the bundled one ({loaded.indicators} figures, version {loaded.version})")


def with_mirror(settings: Settings, mirror: str | None) -> Settings:
    """The settings with --mirror (when given) in place of CYWATCH_MIRROR, checked as CYWATCH_MIRROR is."""
    from settings import ConfigError, values

    if mirror is None:
        return settings
    try:
        return dataclasses.replace(settings, mirror=values.http_url(mirror) if mirror else None)
    except ValueError as error:
        raise ConfigError(f"--mirror {error}, got {mirror!r}") from None
