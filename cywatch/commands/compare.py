"""`cywatch diff` and `cywatch history`: what moved against the baseline, and a metric over time."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from cywatch.commands import Commands
from cywatch.commands.common import date_arg, ensure_baseline, open_db, say
from settings import Settings

if TYPE_CHECKING:
    from decimal import Decimal


DIFF_JSON_KEYS = (
    "outcome", "metric", "region", "kind", "period", "value", "unit", "qualifier", "baseline_value",
    "baseline_qualifier", "baseline_period", "delta", "delta_ratio", "period_relation", "restated",
    "match", "match_score", "match_reason", "baseline_metric",
    "status", "surface", "sentence", "title", "canonical_url", "source", "published_at")
HISTORY_FIELDS = (
    "metric", "region", "kind", "status", "period", "value", "unit", "qualifier", "step", "surface",
    "sentence", "published_at", "source", "title", "canonical_url", "baseline")


def register(commands: Commands) -> None:
    """Add `diff` and `history`."""
    diff = commands.add_parser("diff", help="what moved against the baseline")
    diff.add_argument("--since", type=date_arg, help="only figures of articles published from this day on")
    diff.add_argument("--format", choices=["table", "json"], default="table",
                      help="a table (default) or JSON lines")
    diff.add_argument("--json", dest="format", action="store_const", const="json",
                      help="the same as --format json (kept for scripts)")
    diff.set_defaults(handler=cmd_diff)

    hist = commands.add_parser("history", help="a metric over time, from the baseline on")
    hist.add_argument("metric", metavar="METRIC", help="a metric, or part of one (投资 matches every investment)")
    hist.add_argument("--region", help="only this region (重庆市, 重庆 …)")
    hist.add_argument("--kind", choices=["level", "growth", "share", "rank", "change"])
    hist.add_argument("--format", choices=["table", "json", "csv"], default="table",
                      help="a table (default), JSON lines, or CSV for a spreadsheet")
    hist.set_defaults(handler=cmd_history)


def cmd_diff(args: argparse.Namespace, settings: Settings) -> int:
    """Compare new figures with the baseline and print what moved."""
    from alerts import confirmation
    from crawler.extract.extractor import to_json_line
    from crawler.extract.identity import MatchOptions
    from crawler.extract.numbers import display_value
    from cywatch.table import render_table
    from db import confirm, diff, periods

    with open_db(settings) as conn:
        ensure_baseline(conn)
        compared = diff.compute(conn, options=MatchOptions.of(settings))
        confirm.refresh(conn)
        rows = diff.changes(conn, since=args.since)
        standings = confirm.standings(conn, [r["observation_id"] for r in rows])
    if args.format == "json":
        for row in rows:
            fields: dict[str, object] = dict(row)
            print(to_json_line({k: fields[k] for k in DIFF_JSON_KEYS} | periods.json_fields(row)
                               | confirmation.json_fields(standings.get(row["observation_id"]))))
        return 0
    if compared:
        say(f"compared {compared} new figure(s) with the baseline")
    if not rows:
        say("nothing to show: no figure has been compared yet (crawl first: cywatch crawl)")
        return 0

    def figure(value: Decimal | None, unit: str, kind: str, qualifier: str | None) -> str:
        return "" if value is None else display_value(value, unit, kind, qualifier)

    table = [[periods.outcome_cell(r), r["metric"], r["region"], periods.baseline_cell(r),
              figure(r["value"], r["unit"], r["kind"], r["qualifier"]), periods.delta_cell(r),
              r["period"] or "", confirmation.cell(standings.get(r["observation_id"])),
              f"{r['source']} {r['published_at']:%Y-%m-%d}"] for r in rows]
    print(render_table(["outcome", "metric", "region", "baseline", "new", "delta", "period", "sources", "source"],
                       table))
    return 0


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    """Print a metric over time: the baseline's figure, then each later one, with the step between them."""
    from alerts.export import write_csv
    from alerts.subscribers import SubscriberError, canonical_metrics, canonical_regions
    from crawler.extract.extractor import to_json_line
    from crawler.extract.numbers import display_value, format_change
    from cywatch.table import render_table
    from db import history

    try:
        [metric] = canonical_metrics([args.metric]) or [""]
        region = canonical_regions([args.region])[0] if args.region else None
    except SubscriberError as error:
        say(f"cywatch history: {error}")
        return 2
    if not metric:
        say("cywatch history: name a metric, e.g. cywatch history 技术合同成交额")
        return 2
    with open_db(settings) as conn:
        ensure_baseline(conn)
        rows = history.series(conn, metric, region=region, kind=args.kind)
        suggestions = [] if rows else history.metrics_like(conn, metric)
    if not rows:
        hint = f"; known metrics like it: {'、'.join(suggestions)}" if suggestions else ""
        say(f"cywatch history: no figures of {metric}" + (f" in {region}" if region else "") + hint)
        return 1
    if args.format == "json":
        for row in rows:
            fields: dict[str, object] = dict(row)
            print(to_json_line({k: fields[k] for k in HISTORY_FIELDS}))
    elif args.format == "csv":
        write_csv(sys.stdout, HISTORY_FIELDS, rows)
    else:
        print(render_table(["metric", "region", "kind", "date", "period", "value", "step", "source"], [
            [r["metric"], r["region"], r["kind"] + (" (target)" if r["status"] == "target" else ""),
             f"{r['published_at']:%Y-%m-%d}", r["period"] or "",
             display_value(r["value"], r["unit"], r["kind"], r["qualifier"]),
             format_change(r["step"], r["unit"], r["kind"]) if r["step"] is not None else "",
             "baseline" if r["baseline"] else r["source"]] for r in rows]))
    return 0
