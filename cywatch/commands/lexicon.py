"""`cywatch lexicon export`: the lexicon entries reviewers made, written into the data file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cywatch.commands import Commands
from cywatch.commands.common import open_db, say
from settings import Settings


def register(commands: Commands) -> None:
    """Add `cywatch lexicon export [--file PATH]` to the command line."""
    lexicon = commands.add_parser("lexicon", help="the lexicon entries stored by reviews") \
        .add_subparsers(dest="lexicon_command", required=True)
    export = lexicon.add_parser("export", help="write the stored aliases and distinct pairs into metrics.toml")
    export.add_argument("--file", metavar="PATH",
                        help="the metrics.toml to edit (default: the extractor's own; - prints the result)")
    export.set_defaults(handler=cmd_lexicon_export)


def cmd_lexicon_export(args: argparse.Namespace, settings: Settings) -> int:
    """Merge the stored entries into metrics.toml, keeping its comments and layout."""
    from crawler.extract import lexicon
    from crawler.extract.catalogue import CatalogueError, merge
    from db import lexicon_store

    target = Path(str(lexicon.DATA / "metrics.toml")) if args.file in (None, "-") else Path(args.file)
    with open_db(settings) as conn:
        entries = lexicon_store.entries(conn)
        try:
            text = merge(target.read_text(encoding="utf-8"),
                         [(e.metric, e.other) for e in entries if e.kind == "alias"],
                         [(e.metric, e.other) for e in entries if e.kind == "distinct"])
        except (OSError, CatalogueError) as error:
            say(f"cywatch lexicon export: {target}: {error}")
            return 1
        if args.file == "-":
            sys.stdout.write(text)
            return 0
        target.write_text(text, encoding="utf-8")
        lexicon_store.mark_exported(conn, [e.id for e in entries])
        conn.commit()
    print(f"wrote {len(entries)} stored entr{'y' if len(entries) == 1 else 'ies'} into {target}")
    return 0
