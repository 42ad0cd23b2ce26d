"""Extraction accuracy against hand-annotated gold files (tests/gold/).

- baseline.jsonl: every indicator of the baseline article, annotated by hand before the extractor existed;
- sample1/: paragraphs written to cover the constructions beyond the baseline's wording;
- sample2/, heldout2/: paragraphs written and annotated by two people who had not seen the extractor
  (each measured untouched first, then used to improve it: the untouched figures are on issue 2).
  heldout2's annotator names some metrics differently from sample2's (出口额 vs 出口总额, 年度投资完成率 vs
  投资完成率), conventions the lexicon cannot satisfy both ways, so its metric floor is 0.80.
- sample3/: paragraphs we wrote on the constructions real reporting uses (issue 9), annotated before the
  extractor ran on them (first score F1 0.595).
Real articles are scored in tests/test_extraction_realtext.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.extract import extract_indicators
from tests.gold.scoring import Score, load_gold, score, score_directory

GOLD = Path(__file__).parent / "gold"
BASELINE = Path(__file__).parents[1] / "db" / "baseline" / "cqrb-2024-06-22-shuangchengji.txt"


def _baseline() -> Score:
    text = BASELINE.read_text(encoding="utf-8")
    return score(text, load_gold(GOLD / "baseline.jsonl"), extract_indicators(text, date(2024, 6, 22)),
                 "baseline")


SETS = {"baseline": _baseline, "sample1": lambda: score_directory(GOLD / "sample1"),
        "sample2": lambda: score_directory(GOLD / "sample2"),
        "heldout2": lambda: score_directory(GOLD / "heldout2"),
        "sample3": lambda: score_directory(GOLD / "sample3")}
# sample3 names metrics by the stricter rules of CONVENTIONS.md (ratio nouns, peeled predicates), which
# the extractor meets for about half of them: a floor against regressions, not a goal.
METRIC_FLOOR = {"heldout2": 0.80, "sample3": 0.45}


@pytest.fixture(scope="module", params=list(SETS))
def result(request) -> Score:
    score = SETS[request.param]()
    score.name = request.param
    return score


def _report(result: Score) -> str:
    return result.summary() + "\n" + "\n".join(result.problems)


def test_value_unit_kind_precision_and_recall(result):
    assert result.precision >= 0.95, _report(result)
    assert result.recall >= 0.95, _report(result)


def test_metric_is_right_for_at_least_90_percent_of_matches_80_on_heldout2(result):
    assert result.accuracy("metric") >= METRIC_FLOOR.get(result.name, 0.90), _report(result)


def test_region_period_qualifier_and_status_are_right_for_most_figures(result):
    for name in ("region", "period", "qualifier", "status"):
        assert result.accuracy(name) >= 0.90, _report(result)
