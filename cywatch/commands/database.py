"""`cywatch db migrate` and `cywatch baseline load|show`: the schema, and the figures everything is compared with."""

from __future__ import annotations

import argparse

from cywatch.commands import Commands
from cywatch.commands.common import date_arg, open_db, say
from settings import Settings


def register(commands: Commands) -> None:
    """Add `db` and `baseline`."""
    db = commands.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("migrate", help="apply pending schema migrations").set_defaults(handler=cmd_db_migrate)

    base = commands.add_parser("baseline", help="the figures everything is compared with") \
        .add_subparsers(dest="baseline_command", required=True)
    load = base.add_parser("load", help="store the baseline article and its indicators as a version")
    load.add_argument("file", nargs="?", metavar="FILE", help="default: the bundled 重庆日报 2024-06-22 report")
    load.add_argument("--date", type=date_arg, help="publication date of FILE")
    load.add_argument("--source", default="cqrb", help="source id of FILE (default: cqrb)")
    load.add_argument("--title", help="title of FILE")
    load.add_argument("--name", default="default", help="baseline name (default: default)")
    load.set_defaults(handler=cmd_baseline_load)
    show = base.add_parser("show", help="print the baseline as a table")
    show.add_argument("--name", default="default")
    show.add_argument("--version", type=int, default=None, help="default: the newest")
    show.set_defaults(handler=cmd_baseline_show)


def cmd_db_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending schema migrations."""
    from db.connection import connect
    from db.migrate import available, migrate

    with connect(settings) as conn:
        applied = migrate(conn)
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    latest = available()[-1]
    print(f"schema is at version {latest.version:04d} ({len(applied)} applied now)")
    return 0


def cmd_baseline_load(args: argparse.Namespace, settings: Settings) -> int:
    """Store the baseline article (the bundled one, or FILE) as a named baseline version."""
    from crawler.baseline import BaselineFileError, load, source_for

    try:
        source = source_for(args.file, args.date, args.source, args.title)
    except BaselineFileError as error:
        say("cywatch baseline load: " + (f"a FILE needs {' and '.join('--' + m for m in error.missing)}"
                                         if error.missing else str(error)))
        return 2
    with open_db(settings) as conn:
        result = load(conn, source, args.name)
    if result.created:
        print(f"baseline {result.name!r} version {result.version}: {result.indicators} indicators "
              f"from {source.label}")
    else:
        print(f"baseline {result.name!r} version {result.version} already holds this text "
              f"({result.indicators} indicators); nothing changed")
    return 0


def cmd_baseline_show(args: argparse.Namespace, settings: Settings) -> int:
    """Print a baseline version as a table."""
    from crawler.extract.numbers import humanize
    from cywatch.table import render_table
    from db import baseline

    with open_db(settings) as conn:
        head = baseline.version_info(conn, args.name, args.version)
        if head is None:
            which = f"version {args.version} of " if args.version else ""
            say(f"no {which}baseline named {args.name!r} is loaded; run: cywatch baseline load")
            return 1
        rows = baseline.observations(conn, args.name, head["version"])
    print(f"baseline {args.name!r} version {head['version']}: {head['title']} "
          f"({head['source']}, {head['published_at']:%Y-%m-%d}), {len(rows)} indicators")
    table = [[r["metric"], r["region"], r["period"] or "", r["kind"],
              humanize(r["value"], r["unit"], r["kind"]), r["qualifier"] or "",
              "目标" if r["status"] == "target" else ""] for r in rows]
    print(render_table(["metric", "region", "period", "kind", "value", "qualifier", "status"], table))
    return 0
