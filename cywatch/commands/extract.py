"""`cywatch extract`: the indicators of text files, as JSON lines or a table."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from cywatch.commands import Commands
from cywatch.commands.common import date_arg, say
from settings import Settings


def register(commands: Commands) -> None:
    """Add `extract`."""
    extract = commands.add_parser("extract", help="print the indicators of text files as JSON lines")
    extract.add_argument("files", nargs="+", metavar="FILE", help="text or HTML files; - reads standard input")
    extract.add_argument("--date", type=date_arg, default=None,
                         help="publication date, for 今年/去年/1—5月 (default: a date in the file name or its "
                              "first lines, else today)")
    extract.add_argument("--region", default=None, help="what 全省/全市 mean when the text names no place")
    extract.add_argument("--format", choices=["json", "table"], default="json",
                         help="JSON lines (default) or a table")
    extract.set_defaults(handler=cmd_extract)


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    """Print one JSON object per indicator per line for each FILE (plain-text tables are read as tables)."""
    from alerts.subscribers import SubscriberError, canonical_regions
    from crawler.encoding import NotText, decode_document
    from crawler.extract import to_json_line
    from crawler.extract.numbers import humanize
    from crawler.extract.tables import extract_document
    from crawler.parsing import publication_date
    from cywatch.table import render_table

    try:
        region = canonical_regions([args.region])[0] if args.region else None
    except SubscriberError as error:  # the same regions as subscribers' filters, or a clear refusal
        say(f"cywatch extract: --region: {error}")
        return 2
    failed = 0
    rows: list[list[object]] = []
    for name in args.files:
        path = Path(name)
        try:
            data = sys.stdin.buffer.read() if name == "-" else path.read_bytes()
        except FileNotFoundError:
            say(f"cywatch extract: {name}: no such file")
            failed += 1
            continue
        except (IsADirectoryError, PermissionError) as error:
            say(f"cywatch extract: {name}: cannot read: {error.strerror}")
            failed += 1
            continue
        try:
            text, encoding = decode_document(data)
        except NotText as error:
            say(f"cywatch extract: {name}: {error}")
            failed += 1
            continue
        if not text.strip():
            say(f"cywatch extract: {name}: empty, no indicators")
            continue
        published, origin = (args.date, "") if args.date else publication_date(
            "" if name == "-" else path.name, text) or (
            datetime.now(settings.zone).date(), "as today: no date in the file name or its first lines")
        records = extract_document(text, published, default_region=region)
        for record in records:
            if args.format == "json":
                print(to_json_line({"doc": name, **record.to_dict()}))
            else:  # the qualifier has a column of its own here: the value alone
                rows.append([name, record.metric, record.region, record.period or "", record.kind,
                             humanize(record.value, record.unit, record.kind), record.qualifier or "",
                             "目标" if record.status == "target" else ""])
        notes = [f"decoded as {encoding}"] if encoding not in ("utf-8", "utf-8-sig") else []
        if origin:
            notes.append(f"dated {published} {origin}; --date sets it")
        say(f"cywatch extract: {name}: {len(records)} indicator{'' if len(records) == 1 else 's'}"
            + (f" ({'; '.join(notes)})" if notes else ""))
    if args.format == "table" and rows:
        print(render_table(["doc", "metric", "region", "period", "kind", "value", "qualifier", "status"], rows))
    return 1 if failed else 0
