"""Gold for real articles that the project never copies: records point into the texts by offsets.

The texts live outside the project, in `../shared/realtext/` beside the checkout (or wherever
`CYWATCH_REALTEXT` names). `docs.tsv` lists each text with its sha1, publication date, the publisher's home
region (what 全省/全市 mean to it), its script and its split: `dev` texts are developed on, `heldout` texts are
scored rarely and never tuned on. `gold.jsonl` holds the hand annotation (tests/gold/CONVENTIONS.md).

    python -m tests.gold.real dev            # scores, overall and by script
    python -m tests.gold.real dev --problems # and every miss, wrong value and spurious record
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tests.gold.scoring import Score, score

HERE = Path(__file__).parent
ROOT = HERE.parents[2]


def realtext_dir() -> Path:
    """Where the real texts are: `CYWATCH_REALTEXT`, else `../shared/realtext/` beside the checkout."""
    return Path(os.environ.get("CYWATCH_REALTEXT") or ROOT.parent / "shared" / "realtext")


@dataclass(frozen=True)
class RealDoc:
    name: str
    sha1: str
    published: date
    home_region: str
    script: str
    split: str


def documents() -> list[RealDoc]:
    """The texts listed in `docs.tsv`."""
    docs = []
    for line in (HERE / "docs.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sha1, published, home, script, split = line.split("\t")
        docs.append(RealDoc(name, sha1, date.fromisoformat(published), home, script, split))
    return docs


def missing_reason() -> str | None:
    """Why the real texts cannot be scored here, or None when they can."""
    directory = realtext_dir()
    if not directory.is_dir():
        return f"the real texts are not here ({directory} is absent; set CYWATCH_REALTEXT)"
    for doc in documents():
        path = directory / doc.name
        if not path.exists():
            return f"{doc.name} is missing from {directory}"
        if hashlib.sha1(path.read_bytes()).hexdigest() != doc.sha1:
            return f"{doc.name} in {directory} is not the text the gold was annotated on (sha1 differs)"
    return None


def score_split(split: str, script: str | None = None) -> Score:
    """Score the extractor on every text of `split` (and `script`, when given) against `gold.jsonl`."""
    from crawler.extract import extract_indicators

    gold = [json.loads(line) for line in (HERE / "gold.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    total = Score(name=split if script is None else f"{split}/{script}")
    for doc in documents():
        if doc.split != split or (script and doc.script != script):
            continue
        text = (realtext_dir() / doc.name).read_text(encoding="utf-8")
        records = [r for r in gold if r["doc"] == doc.name]
        for record in records:
            surface = text[record["start"]:record["end"]]
            if hashlib.sha1(surface.encode()).hexdigest()[:10] != record["surface_sha1"]:
                raise ValueError(f"{doc.name} gold at {record['start']} does not point at its surface")
        extracted = extract_indicators(text, doc.published, default_region=doc.home_region or None)
        total.add(score(text, records, extracted, doc.name))
    return total
