"""Identity gold: which later figures restate which baseline figure, to score the diff's comparisons.

Two sources of later figures, both linked by hand to the 36 figures of `tests/gold/baseline.jsonl`
(numbered 0..35 in file order):
- `real.jsonl`: figures of the real texts listed in `real_docs.tsv` (`tests/gold/real/`, by doc and offset;
  texts never copied);
- `own/`: paragraphs written for the project that restate baseline indicators in other words, with decoys;
  `own/gold.jsonl` annotates their figures, `own/identity.jsonl` links them.

A comparison is *made* when the figure the extractor finds at a linked figure's offset is paired by the
matcher (exactly or inferred; a *possible* match is not made) with the baseline figure at the linked
baseline figure's offset. Precision counts every pair the matcher makes, linked or not.

    python -m tests.gold.identity            # recall and precision of the comparisons, first exact-only
    python -m tests.gold.identity --problems
    python -m tests.gold.identity --heldout DIR   # the held-out set (heldout/README.md), texts in DIR
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from crawler.extract import Indicator, extract_indicators
from crawler.extract.identity import MatchOptions, best_match
from tests.gold import real
from tests.gold.scoring import load_gold

HERE = Path(__file__).parent
GOLD = HERE.parent
BASELINE = GOLD.parents[1] / "db" / "baseline" / "cqrb-2024-06-22-shuangchengji.txt"
EXACT_ONLY = MatchOptions(accept=2.0, possible=2.0)  # today's diff: exact keys only


@dataclass
class IdentityScore:
    links: int = 0
    made: int = 0
    made_true: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.made_true / self.links if self.links else 1.0

    @property
    def precision(self) -> float:
        return self.made_true / self.made if self.made else 1.0

    def summary(self) -> str:
        return (f"{self.links} true comparisons, {self.made} made, {self.made_true} right: "
                f"recall {self.recall:.3f}, precision {self.precision:.3f}")


def _offset(text: str, context: str, surface: str) -> int:
    assert text.count(context) == 1, f"context not unique or missing: {context!r}"
    return text.index(context) + context.index(surface)


def _baseline() -> tuple[list[Indicator], dict[int, int]]:
    """The baseline's extracted figures, and for each gold index the position of its extracted figure."""
    text = BASELINE.read_text(encoding="utf-8")
    figures = extract_indicators(text, date(2024, 6, 22))
    positions: dict[int, int] = {}
    for index, record in enumerate(load_gold(GOLD / "baseline.jsonl")):
        start = _offset(text, record["context"], record["surface"])
        same = [i for i, f in enumerate(figures) if f.start == start]
        same.sort(key=lambda i: figures[i].metric != record["metric"])
        if same:
            positions[index] = same[0]
    return figures, positions


Document = tuple[str, str, date, str | None, dict[int, int | None]]


def _documents() -> list[Document]:
    """(name, text, published, home region, {offset: baseline index or None for a decoy}) of each article."""
    docs = []
    if real.missing_reason() is None and (HERE / "real.jsonl").exists():
        links: dict[str, dict[int, int | None]] = {}
        for line in (HERE / "real.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                links.setdefault(record["doc"], {})[int(record["start"])] = record["baseline_index"]
        annotated = {line.strip() for line in (HERE / "real_docs.tsv").read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#")}
        for doc in real.documents():
            if doc.name in annotated:
                text = (real.realtext_dir() / doc.name).read_text(encoding="utf-8")
                docs.append((doc.name, text, doc.published, doc.home_region or None, links.get(doc.name, {})))
    own = HERE / "own"
    if (own / "identity.jsonl").exists():
        by_doc: dict[str, dict[int, int | None]] = {}
        texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(own.glob("*.txt"))}
        for record in load_gold(own / "identity.jsonl"):
            text = texts[record["doc"]]
            start = _offset(text, record["context"], record["surface"])
            by_doc.setdefault(record["doc"], {})[start] = record.get("baseline_index")
        for name, text in texts.items():
            docs.append((name, text, date.fromisoformat(name[:10]), None, by_doc.get(name, {})))
    return docs


def heldout_documents(texts: Path) -> list[Document]:
    """The held-out set (`heldout/`: docs.tsv, links.jsonl) with its texts from `texts`, each checked by its
    sha1 (ValueError when one is missing or differs)."""
    import hashlib

    links: dict[str, dict[int, int | None]] = {}
    for line in (HERE / "heldout" / "links.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            links.setdefault(record["doc"], {})[int(record["start"])] = record["baseline_index"]
    docs: list[Document] = []
    for line in (HERE / "heldout" / "docs.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sha1, published, home = line.split("\t")[:4]
        path = texts / name
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if hashlib.sha1(text.encode()).hexdigest() != sha1:
            raise ValueError(f"{path}: missing, or not the text annotated (sha1 differs)")
        docs.append((name, text, date.fromisoformat(published), home or None, links.get(name, {})))
    return docs


def score_identity(options: MatchOptions | None = None, documents: list[Document] | None = None) -> IdentityScore:
    """How many true comparisons with the baseline the matcher makes, and how many of those it makes are right
    (on the development set, or on `documents`)."""
    baseline, positions = _baseline()
    result = IdentityScore()
    for name, text, published, home, links in (_documents() if documents is None else documents):
        result.links += sum(1 for target in links.values() if target is not None)
        for figure in extract_indicators(text, published, default_region=home):
            match = best_match(figure, baseline, options or MatchOptions())
            made = match is not None and match.verdict in ("exact", "inferred")
            want = links.get(figure.start)
            want_position = positions.get(want) if want is not None else None
            if made:
                assert match is not None
                result.made += 1
                if want_position is not None and match.index == want_position:
                    result.made_true += 1
                else:
                    result.problems.append(f"{name} WRONG {figure.surface} {figure.metric}/{figure.region} -> "
                                           f"{baseline[match.index].metric}/{baseline[match.index].region} "
                                           f"({match.verdict} {match.score}: {match.reason})")
            elif want_position is not None:
                near = (f" (possible {match.score} -> {baseline[match.index].metric})" if match else "")
                result.problems.append(f"{name} MISSED {figure.surface} {figure.metric}/{figure.region} -> "
                                       f"{baseline[want_position].metric}/{baseline[want_position].region}{near}")
    return result
