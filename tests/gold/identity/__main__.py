"""Print the identity scores: `python -m tests.gold.identity [--problems]`."""

from __future__ import annotations

import sys

from tests.gold.identity import EXACT_ONLY, score_identity


def main(argv: list[str]) -> int:
    exact = score_identity(EXACT_ONLY)
    matched = score_identity()
    print(f"exact keys only: {exact.summary()}")
    print(f"with the matcher: {matched.summary()}")
    if "--problems" in argv:
        print("\n".join(matched.problems))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
