"""`cywatch`: the command line, a thin layer over the stages (crawler -> db -> alerts, scheduler on top).

The subcommands live in `cywatch/commands/`, one module per group, each with `register(commands)`; this
module builds the root parser from `GROUPS`, loads the settings once, dispatches, and turns the errors
every command may meet into one line. Each subcommand's contract (arguments, output, exit status) is fixed
by the project's issues; scripts rely on them. Exit status: 0 success, 1 the work failed, 2 bad usage, a bad
setting or an unreachable database.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cywatch.commands import (
    compare,
    crawl,
    cycle,
    database,
    extract,
    lexicon,
    mail,
    reprocess,
    review,
    subscribers,
    web,
)
from cywatch.commands.common import say
from settings import Settings

# The command groups, in the order `cywatch --help` lists them; a new group is a module and one entry here.
GROUPS = [extract, database, crawl, compare, reprocess, review, lexicon, subscribers, mail, web, cycle]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chengyu-watch")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cywatch",
        description="Watch Chengdu–Chongqing (成渝) reporting and email which official figures moved.")
    parser.add_argument("--version", action="version", version=f"cywatch {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cywatch` command."""
    args = build_parser().parse_args(argv)  # before the stages are imported: --help and usage errors need none
    from crawler.extract import lexicon
    from db.connection import DatabaseUnavailable
    from db.migrate import MigrationError
    from scheduler.signals import exit_on_sigterm
    from settings import ConfigError

    exit_on_sigterm()  # `run` and `scheduler` install their own handler: finish the current step
    try:
        settings = Settings.from_env()
        lexicon.set_cache_dir(settings.data_dir / "cache")
        code: int = args.handler(args, settings)
        return code
    except DatabaseUnavailable as error:
        say(f"cywatch: {error}")
        return 2
    except MigrationError as error:
        say(f"cywatch: {error}")
        return 1
    except ConfigError as error:
        say(f"cywatch: {error}")
        return 2
    except KeyboardInterrupt:
        say("cywatch: interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
