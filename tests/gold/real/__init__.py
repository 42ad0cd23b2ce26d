"""Gold for real articles that the project never copies: records point into the texts by offsets.

The texts live outside the project, in `../shared/realtext/` beside the checkout (or wherever
`CYWATCH_REALTEXT` names). `docs.tsv` lists each text with its sha1, publication date, the publisher's home
region (what 全省/全市 mean to it), its script and its split: `dev` texts are developed on, `heldout` texts are
scored rarely and never tuned on. `gold.jsonl` holds the hand annotation (tests/gold/CONVENTIONS.md).

Another gold directory of the same shape (its own `docs.tsv` and `gold.jsonl`, texts elsewhere) is scored the
same way: a fresh held-out set is kept apart from this one so that nobody tunes on it by accident.

    python -m tests.gold.real dev            # scores, overall and by script
    python -m tests.gold.real dev --problems # and every miss, wrong value and spurious record
    python -m tests.gold.real --gold-dir D --texts T heldout   # a held-out set kept elsewhere
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


def documents(gold_dir: Path = HERE) -> list[RealDoc]:
    """The texts listed in `gold_dir/docs.tsv`."""
    docs = []
    for line in (gold_dir / "docs.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sha1, published, home, script, split = line.split("\t")
        docs.append(RealDoc(name, sha1, date.fromisoformat(published), home, script, split))
    return docs


def missing_reason(gold_dir: Path = HERE, texts: Path | None = None) -> str | None:
    """Why the texts of `gold_dir` cannot be scored from `texts` (default `realtext_dir()`), or None."""
    directory = texts or realtext_dir()
    if not (gold_dir / "docs.tsv").is_file() or not (gold_dir / "gold.jsonl").is_file():
        return f"{gold_dir} holds no docs.tsv and gold.jsonl"
    if not directory.is_dir():
        return f"the real texts are not here ({directory} is absent; set CYWATCH_REALTEXT)"
    for doc in documents(gold_dir):
        path = directory / doc.name
        if not path.exists():
            return f"{doc.name} is missing from {directory}"
        if hashlib.sha1(path.read_bytes()).hexdigest() != doc.sha1:
            return f"{doc.name} in {directory} is not the text the gold was annotated on (sha1 differs)"
    return None


def split_documents(split: str, gold_dir: Path = HERE) -> list[RealDoc]:
    """The texts of one split (`dev`, `heldout`) of `gold_dir`."""
    return [doc for doc in documents(gold_dir) if doc.split == split]


def score_split(split: str, script: str | None = None, *, gold_dir: Path = HERE,
                texts: Path | None = None) -> Score:
    """Score the extractor on every text of `split` (and `script`, when given) against `gold_dir/gold.jsonl`.

    The texts are read from `texts` (default `realtext_dir()`) and extracted as the crawl extracts a page:
    its tables (also tables flattened one cell a line) read as tables, the rest as prose.
    """
    from crawler.extract.tables import extract_document

    directory = texts or realtext_dir()
    gold = [json.loads(line) for line in (gold_dir / "gold.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    total = Score(name=split if script is None else f"{split}/{script}")
    for doc in split_documents(split, gold_dir):
        if script and doc.script != script:
            continue
        text = (directory / doc.name).read_text(encoding="utf-8")
        records = [r for r in gold if r["doc"] == doc.name]
        for record in records:
            surface = text[record["start"]:record["end"]]
            if hashlib.sha1(surface.encode()).hexdigest()[:10] != record["surface_sha1"]:
                raise ValueError(f"{doc.name} gold at {record['start']} does not point at its surface")
        extracted = extract_document(text, doc.published, default_region=doc.home_region or None)
        total.add(score(text, records, extracted, doc.name))
    return total
