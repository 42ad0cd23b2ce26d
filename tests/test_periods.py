"""Comparing like with like (issue 12, item 5): the periods of a figure and of its baseline figure."""

from __future__ import annotations

from datetime import date

import pytest

from crawler import baseline as baseline_loading
from db import baseline, diff, periods
from db.periods import Span, compare, span_of


def span(period: str | None, *, kind: str = "level", metric: str = "技术合同成交额", unit: str = "元",
         qualifier: str | None = None, sentence: str = "", surface: str = "", published=date(2024, 8, 10),
         status: str = "actual") -> Span:
    return span_of(period, published, kind=kind, metric=metric, unit=unit, qualifier=qualifier, status=status,
                   sentence=sentence, surface=surface)


@pytest.mark.parametrize(("found", "shape"), [
    (span("2024-01/2024-05"), "ytd"),
    (span("2024-01/2024-03"), "ytd"),  # 一季度 is also 1—3月
    (span("2024-04/2024-06"), "single"),
    (span("2024-10/2024-10"), "single"),
    (span("2023"), "year"),
    (span("2024"), "ytd"),  # 今年以来, reported in August: the year so far
    (span("2024", status="target"), "year"),
    (span("2024-01/2024-07", metric="省际高速公路通道", unit="条", sentence="截至7月底，川渝省际高速公路通道增至18条",
          surface="18条"), "stock"),
    (span("2024-01/2024-06", metric="综保区数量", unit="个", qualifier="增至"), "stock"),
    (span("2024-01/2024-07", metric="中欧班列(成渝)开行量", unit="列", sentence="1—7月，累计开行2000列",
          surface="2000列"), "ytd"),  # 累计 of a flow is still its total from January
    (span(None), "unknown"),
])
def test_the_shape_of_a_period(found, shape):
    assert found.shape == shape


def test_a_later_total_of_the_same_year_adds_months_and_is_no_change():
    result = compare(span("2024-01/2024-07"), span("2024-01/2024-05"), kind="level", same_value=False)
    assert (result.relation, result.comparable, result.months_added, result.restated) == ("later", False, 2, False)
    rate = compare(span("2024-01/2024-07", kind="growth", unit="%"), span("2024-01/2024-05", kind="growth", unit="%"),
                   kind="growth", same_value=False)
    assert (rate.relation, rate.comparable, rate.months_added) == ("later", True, None)  # rates do compare


def test_the_same_period_of_another_year_is_year_on_year_and_only_the_same_period_is_restated():
    yoy = compare(span("2024-01/2024-06"), span("2023-01/2023-06"), kind="level", same_value=False)
    assert (yoy.relation, yoy.comparable, yoy.restated) == ("year_on_year", True, False)
    assert compare(span("2023"), span("2022"), kind="level", same_value=False).relation == "year_on_year"
    restated = compare(span("2024-01/2024-06"), span("2024-01/2024-06"), kind="level", same_value=False)
    assert (restated.relation, restated.restated) == ("same", True)
    quarter = compare(span("2024-04/2024-06"), span("2024-01/2024-06"), kind="level", same_value=False)
    assert (quarter.relation, quarter.restated, quarter.comparable) == ("earlier", False, False)  # 二季度 ≠ 上半年


def test_stocks_of_two_dates_compare():
    corridors = dict(metric="省际高速公路通道", unit="条", qualifier="增至")
    result = compare(span("2024-01/2024-07", **corridors), span("2024-01/2024-06", **corridors), kind="level",
                     same_value=False)
    assert (result.relation, result.comparable, result.months_added) == ("later", True, None)


def test_digest_and_diff_show_months_added_for_a_later_total_and_the_baselines_period(db, settings):
    from tests.test_reprocess import digest_text, store

    baseline_loading.load(db, baseline.bundled())
    store(db, "重庆科技创新", "1—7月重庆技术合同成交额420.3亿元，增长9.1%。")
    from alerts import subscribers

    subscribers.add(db, "analyst@example.org")
    db.commit()
    text = digest_text(db, settings, "2024-08-12")
    assert text is not None
    line = next(x for x in text.splitlines() if x.startswith("* 技术合同成交额（重庆）"))
    assert "309.6亿元（基线 baseline：1—5月 · 2024-06-22）→ 420.3亿元（1—7月）" in line
    assert "多2个月的累计" in line and "%" not in line.split("→")[1]  # no "+35.8%"
    assert "技术合同成交额 · 增速（重庆）: 8.2%（基线 baseline：1—5月 · 2024-06-22）→ 9.1%（1—7月）  +0.9个百分点" in text
    rows = {(r["metric"], r["kind"]): r for r in diff.changes(db)}
    total = rows[("技术合同成交额", "level")]
    assert periods.baseline_cell(total) == "309.6亿元 (1—5月 2024-06-22)"
    assert periods.delta_cell(total) == "+2个月"
    assert periods.outcome_cell(rows[("技术合同成交额", "growth")]) == "changed 增速"


@pytest.mark.parametrize(("body", "metric", "kind", "relation", "restated"), [
    ("1—7月，重庆技术合同成交额420.3亿元。", "技术合同成交额", "level", "later", False),  # a later total from January
    ("7月，重庆技术合同成交额60亿元。", "技术合同成交额", "level", "later", False),  # a single month
    ("2023年，重庆技术合同成交额800亿元。", "技术合同成交额", "level", "earlier", False),  # a full year
    ("2023年1—5月，重庆技术合同成交额280亿元。", "技术合同成交额", "level", "year_on_year", False),
    ("截至7月底，川渝省际高速公路通道增至18条。", "省际高速公路通道", "level", "later", False),  # a stock
    ("1—5月，重庆技术合同成交额310亿元。", "技术合同成交额", "level", "same", True),  # the same period restated
    ("1—5月，重庆技术合同成交额309.6亿元。", "技术合同成交额", "level", "same", False),  # and confirmed
])
def test_the_stored_period_relation_is_the_rule_that_the_digest_and_diff_show(db, body, metric, kind, relation,
                                                                              restated):
    from tests.test_reprocess import store

    baseline_loading.load(db, baseline.bundled())
    store(db, "重庆科技创新与交通", body)
    diff.compute(db)
    db.commit()
    row = next(r for r in diff.changes(db) if (r["metric"], r["kind"]) == (metric, kind))
    judged = periods.of_change(row)
    assert judged is not None
    assert (row["period_relation"], row["restated"]) == (judged.relation, judged.restated) == (relation, restated)
    shown = periods.json_fields(row)  # what `cywatch diff --json` prints next to period_relation
    assert (shown["relation"], shown["restated"]) == (relation, restated)
    assert ("!restated" in periods.outcome_cell(row)) is restated
