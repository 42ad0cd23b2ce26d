"""Indicator identity: a restated figure meets its earlier figure, a look-alike never does."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from crawler.extract.identity import MatchOptions, best_match, never_merge


@dataclass(frozen=True)
class Fig:
    metric: str
    region: str = "川渝"
    kind: str = "level"
    unit: str = "条"
    value: Decimal = Decimal(18)
    metric_raw: str = ""
    status: str = "actual"
    sentence: str = ""


BASELINE = [Fig("重大项目", unit="个", value=Decimal(300)), Fig("省际高速公路通道", value=Decimal(16)),
            Fig("出口总额", region="重庆", unit="元", value=Decimal(10**11)),
            Fig("地区生产总值", region="重庆", kind="growth", unit="%", value=Decimal("6.1"))]


def test_the_same_key_is_an_exact_match():
    match = best_match(Fig("省际高速公路通道"), BASELINE)
    assert match is not None and (match.index, match.verdict, match.score) == (1, "exact", 1.0)


def test_a_shorter_name_of_the_same_indicator_is_inferred_with_its_reason():
    match = best_match(Fig("省际高速公路", value=Decimal(18)), BASELINE)
    assert match is not None and (match.index, match.verdict) == (1, "inferred")
    assert "metric" in match.reason


@pytest.mark.parametrize(("figure", "why"), [
    (Fig("进出口总额", region="重庆", unit="元", value=Decimal(10**11)), "出口 is never 进出口"),
    (Fig("省际高速公路通道", region="成渝"), "成渝 is not 川渝"),
    (Fig("地区生产总值", region="重庆", kind="level", unit="元", value=Decimal(3 * 10**12)), "a level is not a growth"),
    (Fig("省际高速公路通道", status="target"), "a target is not an actual figure"),
])
def test_look_alikes_are_never_matched(figure, why):
    match = best_match(figure, BASELINE)
    assert match is None or match.verdict == "possible" and match.index != 1, why


def test_scope_words_and_never_merge_pairs_come_from_the_lexicon():
    assert never_merge("规上工业增加值", "工业增加值")
    assert never_merge("出口总额", "进出口总额")
    assert not never_merge("省际高速公路", "省际高速公路通道")


def test_between_the_thresholds_a_figure_is_only_a_possible_match():
    strict = MatchOptions(accept=0.99, possible=0.5)
    match = best_match(Fig("省际高速公路", value=Decimal(18)), BASELINE, strict)
    assert match is not None and match.verdict == "possible"
    assert best_match(Fig("跨省公交线路", value=Decimal(18)), BASELINE) is None


def test_restated_baseline_indicators_meet_their_baseline_figure():
    """tests/gold/identity: hand links from later figures (real dev texts where present, and paragraphs
    written for the project) to the baseline's. Tuned on: a floor against regressions (issue 12's goal)."""
    from tests.gold.identity import score_identity

    result = score_identity()
    assert result.recall >= 0.90 and result.precision >= 0.95, result.summary() + "\n" + "\n".join(result.problems)


def test_the_thresholds_come_from_the_settings():
    from settings import Settings

    options = MatchOptions.of(Settings.from_env({"CYWATCH_MATCH_ACCEPT": "0.9", "CYWATCH_MATCH_POSSIBLE": "0.7"}))
    assert (options.accept, options.possible) == (0.9, 0.7)


def test_stored_entries_apply_to_names_and_the_matcher_and_change_the_fingerprint():
    from crawler.extract import lexicon as lex

    before = lex.fingerprint()
    try:
        lex.use_stored_entries(lex.StoredEntries(aliases=(("协作平台", "毗邻地区合作平台"),),
                                                 distinct=(("省际高速公路", "省际高速公路通道"),)))
        assert lex.lexicon().canonical_metric("协作平台") == "毗邻地区合作平台"
        assert never_merge("省际高速公路", "省际高速公路通道")
        assert best_match(Fig("省际高速公路", value=Decimal(18)), BASELINE) is None
        assert lex.fingerprint() != before
    finally:
        lex.use_stored_entries(lex.StoredEntries())
    assert lex.fingerprint() == before and not never_merge("省际高速公路", "省际高速公路通道")


def test_the_catalogue_writer_keeps_the_file_and_refuses_what_it_cannot_edit():
    from crawler.extract.catalogue import CatalogueError, merge

    text = '# kept\n[aliases]\n"甲" = ["乙"]  \n\n[never_merge]\npairs = []\ndistinct = []\n'
    merged = merge(text, [("丙", "甲"), ("乙", "甲"), ("戊", "丁")], [("己", "庚")])
    assert merged.startswith("# kept\n[aliases]\n")
    assert '"甲" = ["乙", "丙"]' in merged and '"丁" = ["戊"]' in merged
    assert 'distinct = [["己", "庚"]]' in merged
    assert merge(merged, [("丙", "甲")], [("庚", "己")]) == merged  # nothing twice
    with pytest.raises(CatalogueError):
        merge("[aliases]\n", [], [("己", "庚")])  # no [never_merge] table
