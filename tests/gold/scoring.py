"""Score extracted indicators against a hand-annotated gold file.

A gold record names its number either by a `context` snippet (unique in the document) and the `surface`
inside it (gold for texts the project wrote), or by the surface's `start` offset (gold for real texts, which
are never copied into the project; see `tests/gold/real/`). Extracted and gold records are paired by the
surface's offset (several records may share one, e.g. one rank broadcast to two subjects; pairs with the
same metric are preferred). A pair is *correct* when
value, unit and kind agree; precision and recall count correct pairs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from crawler.extract import Indicator

FIELDS = ("metric", "region", "period", "qualifier", "status")


@dataclass
class Score:
    name: str = ""
    gold: int = 0
    extracted: int = 0
    correct: int = 0
    field_right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    problems: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> float:
        """Share of correct pairs whose `name` field is right too."""
        return self.field_right[name] / self.correct if self.correct else 1.0

    def add(self, other: Score) -> None:
        self.gold += other.gold
        self.extracted += other.extracted
        self.correct += other.correct
        for name in FIELDS:
            self.field_right[name] += other.field_right[name]
        self.problems += other.problems

    def summary(self) -> str:
        fields = ", ".join(f"{name} {self.accuracy(name):.3f}" for name in FIELDS)
        return (f"gold {self.gold}, extracted {self.extracted}, correct {self.correct}: precision "
                f"{self.precision:.3f}, recall {self.recall:.3f}, F1 {self.f1:.3f}; among correct: {fields}")


def load_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _offset(text: str, record: dict) -> int:
    if "start" in record:
        return int(record["start"])
    context = record["context"]
    assert text.count(context) == 1, f"gold context not unique or missing: {context!r}"
    return text.index(context) + context.index(record["surface"])


def _surface(text: str, record: dict) -> str:
    if "surface" in record:
        return str(record["surface"])
    return text[int(record["start"]):int(record["end"])]


def score(text: str, gold: list[dict], extracted: list[Indicator], doc: str = "") -> Score:
    result = Score(gold=len(gold), extracted=len(extracted))
    unused = list(extracted)
    for record in gold:
        start = _offset(text, record)
        candidates = [r for r in unused if r.start == start]
        candidates.sort(key=lambda r: r.metric != record["metric"])
        if not candidates:
            result.problems.append(f"{doc} MISSED {_surface(text, record)} ({record['metric']})")
            continue
        found = candidates[0]
        unused.remove(found)
        if (found.value, found.unit, found.kind) != (Decimal(record["value"]), record["unit"], record["kind"]):
            result.problems.append(f"{doc} WRONG {_surface(text, record)}: got {found.value} {found.unit} "
                                   f"{found.kind}, want {record['value']} {record['unit']} {record['kind']}")
            continue
        result.correct += 1
        for name in FIELDS:
            want = record.get(name, "actual" if name == "status" else None)
            got = getattr(found, name)
            if got == want:
                result.field_right[name] += 1
            else:
                result.problems.append(f"{doc} {name} of {_surface(text, record)}: got {got!r}, want {want!r}")
    for spurious in unused:
        result.problems.append(f"{doc} SPURIOUS {spurious.surface} {spurious.kind} ({spurious.metric}) "
                               f"in {spurious.sentence[:40]}")
    return result


def score_directory(directory: Path) -> Score:
    """Score every `YYYY-MM-DD-*.txt` of a gold sample directory against its `gold.jsonl`.

    `sources.tsv` gives each file's publisher home region, which the crawler passes to the extractor as
    what 全省/全市 mean (四川 for the Sichuan government's site).
    """
    from datetime import date

    from crawler.extract import extract_indicators

    regions: dict[str, str] = {}
    sources = directory / "sources.tsv"
    if sources.exists():
        for line in sources.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, region = line.partition("\t")
                regions[name] = region.strip()
    gold = load_gold(directory / "gold.jsonl")
    total = Score()
    for path in sorted(directory.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        records = [r for r in gold if r["doc"] == path.name]
        extracted = extract_indicators(text, date.fromisoformat(path.name[:10]),
                                       default_region=regions.get(path.name) or None)
        total.add(score(text, records, extracted, path.name))
    return total
