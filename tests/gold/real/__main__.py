"""Print the real-text scores: `python -m tests.gold.real [--gold-dir D] [--texts T] {dev|heldout} [--problems]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.gold.real import HERE, missing_reason, score_split, split_documents


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.gold.real")
    parser.add_argument("split", nargs="?", default="dev", choices=("dev", "heldout"))
    parser.add_argument("--problems", action="store_true", help="list every miss, wrong value and spurious record")
    parser.add_argument("--gold-dir", type=Path, default=HERE, help="a directory with docs.tsv and gold.jsonl")
    parser.add_argument("--texts", type=Path, default=None, help="where its texts are (default: the real texts)")
    args = parser.parse_args(argv)
    reason = missing_reason(args.gold_dir, args.texts)
    if reason:
        print(f"cannot score: {reason}", file=sys.stderr)
        return 2
    if not split_documents(args.split, args.gold_dir):
        print(f"cannot score: no text of {args.gold_dir / 'docs.tsv'} is in the {args.split} split", file=sys.stderr)
        return 2
    scored = [score_split(args.split, script, gold_dir=args.gold_dir, texts=args.texts)
              for script in (None, "simplified", "traditional")]
    for result in scored:
        print(f"{result.name:>22}: {result.summary()}")
    if args.problems:
        print("\n".join(scored[0].problems))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
