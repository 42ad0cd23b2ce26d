"""`cywatch crawl` and `cywatch mirror`: fetch the sources (or a local copy of them), and serve that copy."""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.sources import SOURCES
from cywatch.commands import Commands
from cywatch.commands.common import date_arg, open_db, say, with_mirror
from settings import Settings


def _setting(text: str) -> str:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return text


def register(commands: Commands) -> None:
    """Add `crawl` and `mirror`."""
    crawl = commands.add_parser("crawl", help="crawl the sources for new articles and their indicators")
    crawl.add_argument("sources", nargs="*", metavar="NAME", help=f"{', '.join(SOURCES)} (default: all)")
    crawl.add_argument("--since", type=date_arg, help="first day (default: where the last clean crawl ended)")
    crawl.add_argument("--until", type=date_arg, help="last day (default: today in CYWATCH_TIMEZONE)")
    crawl.add_argument("--mirror", metavar="URL",
                       help="crawl a mirror at URL instead of the sites (default: $CYWATCH_MIRROR)")
    crawl.add_argument("--verbose", action="store_true", help="show Scrapy's own log")
    crawl.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", type=_setting,
                       help="override a Scrapy setting, as scrapy crawl -s does (repeatable)")
    crawl.set_defaults(handler=cmd_crawl)

    mirror = commands.add_parser("mirror", help="serve a local copy of the sites for offline crawls")
    mirror.add_argument("--root", default="tests/fixtures/sites",
                        help="folder laid out HOST/PATH (default: tests/fixtures/sites, the bundled copy)")
    mirror.add_argument("--port", type=int, default=8800, help="port on 127.0.0.1 (default: 8800; 0: any free one)")
    mirror.set_defaults(handler=cmd_mirror)


def cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    """Crawl the sources (all by default) and print a per-source summary."""
    from crawler.run import crawl
    from cywatch.table import render_table
    from scheduler.cycle import OFFLINE_HINT, looks_offline

    open_db(settings).close()  # fail early, with one clear line, if the database is unreachable
    settings = with_mirror(settings, args.mirror)
    if settings.mirror:
        say(f"crawling the mirror at {settings.mirror} (stored URLs stay the real sites')")
    overrides = dict(item.split("=", 1) for item in args.set)
    try:
        runs = crawl(settings, args.sources, args.since, args.until, verbose=args.verbose, overrides=overrides)
    except ValueError as error:
        say(f"cywatch crawl: {error}")
        return 2
    print(render_table(
        ["source", "status", "pages", "304", "new", "relevant", "indicators", "errors", "detail"],
        [[r.source, r.status, r.pages, r.not_modified, r.new_articles, r.relevant_articles, r.indicators,
          r.errors, r.detail or ""] for r in runs]))
    if looks_offline([(r.status, r.detail) for r in runs]):
        say(OFFLINE_HINT)
    return 0 if all(r.status in ("ok", "empty") for r in runs) else 1


def cmd_mirror(args: argparse.Namespace, settings: Settings) -> int:
    """Serve a mirror folder (HOST/PATH) on 127.0.0.1 until interrupted."""
    from devtools.mirror import MirrorServer

    root = Path(args.root)
    if not root.is_dir():
        say(f"cywatch mirror: {root}: no such folder")
        return 2
    try:
        server = MirrorServer(root, args.port)
    except OSError as error:  # the port is taken (or not ours to bind): say so, serve nothing
        say(f"cywatch mirror: cannot listen on 127.0.0.1:{args.port}: {error.strerror}"
            + ("; pick another with --port, or --port 0 for any free one" if args.port else ""))
        return 2
    print(f"serving {root} at {server.url}; crawl it with: cywatch crawl --mirror {server.url}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.stop()
    return 0
