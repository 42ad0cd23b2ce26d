"""Cell F1 of the table reader against gold that names cells by offsets (tests/tables, real tables).

Gold records: {"doc", "start", "end", "value", "unit", "kind", "metric", "region", "period", …} with either
"surface" (texts the project wrote) or "surface_sha1" (real texts: the first 10 hex of the cell's sha1).
A figure of a table is a record whose `sentence` is a line of a table: a line with a tab, or one of a
plain-text table (`find_tables`), whichever reader (table or prose) produced it. A pair (same start) is correct
when value, unit and kind agree; metric, region and period agreement are counted among correct pairs
(the prose scorer's `Score`, so both read the same way).
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

from crawler.extract import Indicator
from crawler.extract.tables import find_tables
from tests.gold.scoring import FIELDS, Score

AGREEMENT = ("metric", "region", "period")


def load_gold(path: Path) -> dict[str, list[dict]]:
    """Gold records by document."""
    by_doc: dict[str, list[dict]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            by_doc.setdefault(record["doc"], []).append(record)
    return by_doc


def check_gold(text: str, gold: list[dict]) -> None:
    """Fail loudly when a gold record no longer points at its cell (the text changed)."""
    for record in gold:
        surface = text[record["start"]:record["end"]]
        if "surface" in record:
            assert surface == record["surface"], f"{record['doc']}@{record['start']}: {surface!r} is not {record['surface']!r}"
        else:
            assert hashlib.sha1(surface.encode()).hexdigest()[:10] == record["surface_sha1"], \
                f"{record['doc']}@{record['start']}: the text changed"


def score_cells(name: str, text: str, records: list[Indicator], gold: list[dict]) -> Score:
    """Score the table records of one document."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    rows = {starts[line] for first, last in find_tables(text) for line in range(first, last)}
    rows |= {start for start, line in zip(starts, text.split("\n"), strict=False) if "\t" in line}
    cells = [r for r in records if r.sentence_start in rows]
    score = Score(name=name, gold=len(gold), extracted=len(cells))
    by_start = {r.start: r for r in cells}
    for expected in gold:
        found = by_start.get(expected["start"])
        want = (Decimal(expected["value"]), expected["unit"], expected["kind"])
        if found is None:
            score.problems.append(f"{name}@{expected['start']}: missed {want}")
            continue
        if (found.value, found.unit, found.kind) != want:
            score.problems.append(f"{name}@{expected['start']}: {(found.value, found.unit, found.kind)} != {want}")
            continue
        score.correct += 1
        for field_name in FIELDS:  # as the prose scorer counts them; tables are held to AGREEMENT
            want_field = expected.get(field_name, "actual" if field_name == "status" else None)
            if getattr(found, field_name) == want_field:
                score.field_right[field_name] += 1
            elif field_name in AGREEMENT:
                score.problems.append(f"{name}@{expected['start']} {field_name}: {getattr(found, field_name)!r} != "
                                      f"{want_field!r}")
    gold_starts = {g["start"] for g in gold}
    score.problems += [f"{name}@{r.start}: extra {r.surface} {r.metric}" for r in cells if r.start not in gold_starts]
    return score
