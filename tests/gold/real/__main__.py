"""Print the real-text scores: `python -m tests.gold.real {dev|heldout} [--problems]`."""

from __future__ import annotations

import sys

from tests.gold.real import missing_reason, score_split


def main(argv: list[str]) -> int:
    split = argv[0] if argv and not argv[0].startswith("-") else "dev"
    if split not in ("dev", "heldout"):
        print(f"split must be dev or heldout, got {split!r}", file=sys.stderr)
        return 2
    reason = missing_reason()
    if reason:
        print(f"cannot score: {reason}", file=sys.stderr)
        return 2
    overall = score_split(split)
    for result in (overall, score_split(split, "simplified"), score_split(split, "traditional")):
        print(f"{result.name:>22}: {result.summary()}")
    if "--problems" in argv:
        print("\n".join(overall.problems))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
