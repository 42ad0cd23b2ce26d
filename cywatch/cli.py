"""`cywatch`: the command line, a thin layer over the stages (crawler -> db -> alerts, scheduler on top).

Each subcommand's contract (arguments, output, exit status) is fixed by the project's issues; scripts rely
on them. Exit status: 0 success, 1 the work failed, 2 bad usage or an unreachable database.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cywatch.config import Settings

if TYPE_CHECKING:
    import psycopg

Handler = Callable[[argparse.Namespace, Settings], int]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _setting(text: str) -> str:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return text


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- extract ------------------------------------------------------------------------------------------------

def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    """Print one JSON object per indicator per line for each FILE."""
    from crawler.encoding import NotText, decode_document
    from crawler.extract import extract_indicators, to_json_line

    failed = 0
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            _say(f"cywatch extract: {name}: no such file")
            failed += 1
            continue
        except (IsADirectoryError, PermissionError) as error:
            _say(f"cywatch extract: {name}: cannot read: {error.strerror}")
            failed += 1
            continue
        try:
            text, encoding = decode_document(data)
        except NotText as error:
            _say(f"cywatch extract: {name}: {error}")
            failed += 1
            continue
        if not text.strip():
            _say(f"cywatch extract: {name}: empty, no indicators")
            continue
        records = extract_indicators(text, args.date, default_region=args.region)
        for record in records:
            print(to_json_line({"doc": name, **record.to_dict()}))
        note = f" (decoded as {encoding})" if encoding not in ("utf-8", "utf-8-sig") else ""
        _say(f"cywatch extract: {name}: {len(records)} indicators{note}")
    return 1 if failed else 0


# --- db -----------------------------------------------------------------------------------------------------

def open_db(settings: Settings) -> psycopg.Connection:
    """A connection to a database whose schema is up to date."""
    from db.connection import connect
    from db.migrate import migrate

    conn = connect(settings)
    migrate(conn)
    return conn


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


# --- baseline -----------------------------------------------------------------------------------------------

def cmd_baseline_load(args: argparse.Namespace, settings: Settings) -> int:
    """Store the baseline article (the bundled one, or FILE) as a named baseline version."""
    from crawler.encoding import NotText, decode_document
    from db import baseline

    if args.file is None:
        source = baseline.bundled()
    else:
        missing = [flag for flag, value in (("--date", args.date), ("--title", args.title)) if value is None]
        if missing:
            _say(f"cywatch baseline load: a FILE needs {' and '.join(missing)}")
            return 2
        try:
            text, _ = decode_document(Path(args.file).read_bytes())
        except FileNotFoundError:
            _say(f"cywatch baseline load: {args.file}: no such file")
            return 2
        except NotText as error:
            _say(f"cywatch baseline load: {args.file}: {error}")
            return 2
        source = baseline.BaselineSource(text, args.date, args.source, args.title, args.file)
    with open_db(settings) as conn:
        result = baseline.load(conn, source, args.name)
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
            _say(f"no {which}baseline named {args.name!r} is loaded; run: cywatch baseline load")
            return 1
        rows = baseline.observations(conn, args.name, head["version"])
    print(f"baseline {args.name!r} version {head['version']}: {head['title']} "
          f"({head['source']}, {head['published_at']:%Y-%m-%d}), {len(rows)} indicators")
    table = [[r["metric"], r["region"], r["period"] or "", r["kind"],
              humanize(r["value"], r["unit"], r["kind"]), r["qualifier"] or "",
              "目标" if r["status"] == "target" else ""] for r in rows]
    print(render_table(["metric", "region", "period", "kind", "value", "qualifier", "status"], table))
    return 0


# --- crawl --------------------------------------------------------------------------------------------------

def cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    """Crawl the sources (all by default) and print a per-source summary."""
    from crawler.run import crawl
    from cywatch.table import render_table

    open_db(settings).close()  # fail early, with one clear line, if the database is unreachable
    mirror = args.mirror or None
    if mirror:
        _say(f"crawling the mirror at {mirror} (stored URLs stay the real sites')")
    overrides = dict(item.split("=", 1) for item in args.set)
    try:
        runs = crawl(args.sources, args.since, args.until, mirror=mirror, verbose=args.verbose,
                     overrides=overrides)
    except ValueError as error:
        _say(f"cywatch crawl: {error}")
        return 2
    print(render_table(
        ["source", "status", "pages", "304", "new", "relevant", "indicators", "errors", "detail"],
        [[r.source, r.status, r.pages, r.not_modified, r.new_articles, r.relevant_articles, r.indicators,
          r.errors, r.detail or ""] for r in runs]))
    return 0 if all(r.status in ("ok", "empty") for r in runs) else 1


def cmd_mirror(args: argparse.Namespace, settings: Settings) -> int:
    """Serve a mirror folder (HOST/PATH) on 127.0.0.1 until interrupted."""
    from crawler.mirror import MirrorServer

    root = Path(args.root)
    if not root.is_dir():
        _say(f"cywatch mirror: {root}: no such folder")
        return 2
    server = MirrorServer(root, args.port)
    print(f"serving {root} at {server.url}; crawl it with: cywatch crawl --mirror {server.url}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.stop()
    return 0


# --- wiring -------------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cywatch",
        description="Watch Chengdu–Chongqing (成渝) reporting and email which official figures moved.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    extract = commands.add_parser("extract", help="print the indicators of text files as JSON lines")
    extract.add_argument("files", nargs="+", metavar="FILE")
    extract.add_argument("--date", type=_date, default=None,
                         help="publication date, for 今年/去年/1—5月 (default: today)")
    extract.add_argument("--region", default=None, help="what 全省/全市 mean when the text names no place")
    extract.set_defaults(handler=cmd_extract)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("migrate", help="apply pending schema migrations").set_defaults(handler=cmd_db_migrate)

    base = commands.add_parser("baseline", help="the figures everything is compared with") \
        .add_subparsers(dest="baseline_command", required=True)
    load = base.add_parser("load", help="store the baseline article and its indicators as a version")
    load.add_argument("file", nargs="?", metavar="FILE", help="default: the bundled 重庆日报 2024-06-22 report")
    load.add_argument("--date", type=_date, help="publication date of FILE")
    load.add_argument("--source", default="cqrb", help="source id of FILE (default: cqrb)")
    load.add_argument("--title", help="title of FILE")
    load.add_argument("--name", default="default", help="baseline name (default: default)")
    load.set_defaults(handler=cmd_baseline_load)
    show = base.add_parser("show", help="print the baseline as a table")
    show.add_argument("--name", default="default")
    show.add_argument("--version", type=int, default=None, help="default: the newest")
    show.set_defaults(handler=cmd_baseline_show)
    crawl = commands.add_parser("crawl", help="crawl the sources for new articles and their indicators")
    crawl.add_argument("sources", nargs="*", metavar="NAME", help="cqrb, sc_gov, sc_fgw, cq_gov (default: all)")
    crawl.add_argument("--since", type=_date, help="first day (default: where the last clean crawl ended)")
    crawl.add_argument("--until", type=_date, help="last day (default: today, Asia/Shanghai)")
    crawl.add_argument("--mirror", default=os.environ.get("CYWATCH_MIRROR", ""),
                       help="crawl a mirror at URL instead of the sites (default: $CYWATCH_MIRROR)")
    crawl.add_argument("--verbose", action="store_true", help="show Scrapy's own log")
    crawl.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", type=_setting,
                       help="override a Scrapy setting, as scrapy crawl -s does (repeatable)")
    crawl.set_defaults(handler=cmd_crawl)

    mirror = commands.add_parser("mirror", help="serve a local copy of the sites for offline crawls")
    mirror.add_argument("--root", default="tests/fixtures/sites", help="folder laid out HOST/PATH")
    mirror.add_argument("--port", type=int, default=8800)
    mirror.set_defaults(handler=cmd_mirror)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cywatch` command."""
    from db.connection import DatabaseUnavailable
    from db.migrate import MigrationError

    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        return args.handler(args, settings)
    except DatabaseUnavailable as error:
        _say(f"cywatch: {error}")
        return 2
    except MigrationError as error:
        _say(f"cywatch: {error}")
        return 1
    except KeyboardInterrupt:
        _say("cywatch: interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
