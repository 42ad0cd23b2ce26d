"""Print the identity scores: `python -m tests.gold.identity [--problems | --heldout DIR]`."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.gold.identity import EXACT_ONLY, heldout_documents, score_identity


def main(argv: list[str]) -> int:
    documents = None
    if "--heldout" in argv:  # score it rarely, never tune on it, never print its problems
        documents = heldout_documents(Path(argv[argv.index("--heldout") + 1]))
    exact = score_identity(EXACT_ONLY, documents)
    matched = score_identity(None, documents)
    print(f"exact keys only: {exact.summary()}")
    print(f"with the matcher: {matched.summary()}")
    if "--problems" in argv and documents is None:
        print("\n".join(matched.problems))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
