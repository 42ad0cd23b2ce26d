"""`cywatch reprocess`: read stored articles again with the extractor and lexicon of now."""

from __future__ import annotations

import argparse
import sys
import time

from cywatch.commands import Commands
from cywatch.commands.common import date_arg, open_db, say
from settings import Settings


def register(commands: Commands) -> None:
    """Add `cywatch reprocess` to the command line."""
    parser = commands.add_parser(
        "reprocess", help="extract stored articles again with the current extractor and lexicon")
    parser.add_argument("--since", type=date_arg, help="only articles published from this day on")
    parser.add_argument("--source", help="only articles of this source (cqrb, sc_gov, sc_fgw, cq_gov)")
    parser.add_argument("--all", action="store_true",
                        help="also articles this extractor and lexicon already read (default: skip them)")
    parser.set_defaults(handler=cmd_reprocess)


def cmd_reprocess(args: argparse.Namespace, settings: Settings) -> int:
    """Re-extract stored articles, replace their figures and recompute their comparisons."""
    from crawler.extract.identity import MatchOptions
    from crawler.reprocess import Progress, reprocess
    from crawler.sources import SOURCES
    from db.diff import NoBaseline

    if args.source is not None and args.source not in SOURCES:
        say(f"cywatch reprocess: unknown source {args.source!r}; known: {', '.join(SOURCES)}")
        return 2
    shown = [0.0]
    interval = settings.progress_interval

    def progress(p: Progress) -> None:
        if interval and (time.monotonic() - shown[0] >= interval or p.done == p.total):
            shown[0] = time.monotonic()
            print(f"reprocess: {p.done}/{p.total} articles, {p.figures} figures, {p.revised} comparisons revised "
                  f"({p.elapsed:.0f}s)", file=sys.stderr, flush=True)

    with open_db(settings) as conn:
        try:
            result = reprocess(conn, since=args.since, source=args.source, options=MatchOptions.of(settings),
                               everything=args.all, on_progress=progress)
        except NoBaseline as error:
            say(f"cywatch reprocess: {error}")
            return 1
    if result.baseline is not None:
        print(f"baseline {result.baseline.name!r} read again as version {result.baseline.version} "
              f"(the lexicon changed): {result.baseline.indicators} indicators")
    print(f"reprocessed {result.done} article(s): {result.figures} figures ({result.added} new, "
          f"{result.removed} gone, {result.rekeyed} re-keyed); {result.revised} comparison(s) revised, "
          f"each reported once as a correction in the next digest")
    return 0
