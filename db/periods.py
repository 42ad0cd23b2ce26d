"""Comparing like with like: what the periods of a figure and of its baseline figure allow to say.

A figure covers a period of one of these shapes:
- `ytd`: a cumulative total or rate from January (1—5月, 上半年, 今年以来 before the year is over);
- `single`: one month, quarter or half that does not start in January (10月, 二季度, 下半年);
- `year`: a whole year (2023年, 全年, a target's year);
- `stock`: a level as of a date (截至7月底, 累计, 增至16条: a count of things that stands, not a flow).
Then, for a figure against its baseline figure:
- the same span (and, for a stock, the same date) is the `same` period: another value is a restatement;
- a later (or earlier) total from January of the same year is a `later` (`earlier`) period: their ratio
  is no change (1—7月 against 1—5月 adds two months), so for flow totals the months added are shown, not
  a delta; rates and shares of two such periods, and stocks of two dates, do compare;
- the same span of another year is `year_on_year`;
- anything else is later or earlier by its end, and a flow total is not compared with another shape.

Pure functions over the rows of `db.diff.changes`. The diff stores what `of_change` says (`period_relation`,
`restated`: db.diff settles each comparison once), and the digest, `cywatch diff` and the web show the
stored answer, so they never disagree; the months added and whether a delta means a change follow from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from db.articles import period_bounds
from settings import SITES_TIMEZONE

if TYPE_CHECKING:
    from db.diff import ChangeRow

Shape = Literal["ytd", "single", "year", "stock", "unknown"]
Relation = Literal["same", "later", "earlier", "year_on_year", "unknown"]

# A level that stands as of a date rather than adds up over the period.
_STOCK_CUE = re.compile(r"截至|截止|累计|至今|目前|现有|已有|共有|总数|底|年末|月末")
_STOCK_QUALIFIERS = frozenset({"增至", "达到", "累计"})
_COUNT_UNITS = frozenset({"个", "条", "家", "项", "座", "所", "处", "支", "位"})
_FLOW_METRIC = re.compile(r"(?:量|额|值|收入|投资|利润|产量|客流|次)$")


@dataclass(frozen=True, slots=True)
class Span:
    """The period a figure covers, and its shape."""

    shape: Shape
    start: date | None = None
    end: date | None = None

    @property
    def months(self) -> int:
        """How many months the span covers (0 when unknown)."""
        if self.start is None or self.end is None:
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


def is_stock(kind: str, metric: str, unit: str, qualifier: str | None, sentence: str, surface: str) -> bool:
    """Whether a level stands as of a date (a count of corridors) rather than adds up (a trade total)."""
    if kind != "level":
        return False
    before = sentence[:max(0, sentence.find(surface))] if surface else sentence
    if _STOCK_CUE.search(before) or (qualifier or "") in _STOCK_QUALIFIERS:
        return not _FLOW_METRIC.search(metric) or unit in _COUNT_UNITS
    return unit in _COUNT_UNITS and not _FLOW_METRIC.search(metric)


def span_of(period: str | None, published: date, *, kind: str, metric: str, unit: str, qualifier: str | None,
            status: str, sentence: str, surface: str) -> Span:
    """The span and shape of a figure's period (`published`: its article's day, Asia/Shanghai)."""
    try:
        start, end = period_bounds(period)
    except ValueError:
        return Span("unknown")
    if start is None or end is None:
        return Span("unknown")
    if status == "actual" and period is not None and re.fullmatch(r"\d{4}", period) and published < end:
        end = published  # 今年以来: the year so far, up to the day it was reported
    if is_stock(kind, metric, unit, qualifier, sentence, surface):
        return Span("stock", start, end)
    if start.month != 1:
        return Span("single", start, end)
    if end.month == 12 and end.day == 31 and end.year == start.year:
        return Span("year", start, end)
    return Span("ytd", start, end)


@dataclass(frozen=True, slots=True)
class Comparison:
    """What a figure against its baseline figure says, given their periods."""

    relation: Relation
    restated: bool  # the same period, another value
    comparable: bool  # whether the difference of the two values means a change
    months_added: int | None = None  # two totals from January of one year: how many months the later adds
    new: Span | None = None
    baseline: Span | None = None


def compare(new: Span, baseline: Span, *, kind: str, same_value: bool) -> Comparison:
    """Compare the periods of a figure and of its baseline figure (see the module's docstring)."""
    if "unknown" in (new.shape, baseline.shape) or new.end is None or baseline.end is None:
        return Comparison("unknown", False, True, None, new, baseline)
    assert new.start is not None and baseline.start is not None
    stocks = new.shape == baseline.shape == "stock"
    flows = kind == "level" and "stock" not in (new.shape, baseline.shape)
    same = new.end == baseline.end if stocks else (new.start, new.end) == (baseline.start, baseline.end)
    if same:
        return Comparison("same", not same_value, True, None, new, baseline)
    by_end: Relation = "later" if new.end > baseline.end else "earlier"
    from_january = {new.shape, baseline.shape} <= {"ytd", "year"}
    if from_january and new.start.year == baseline.start.year and not stocks:
        added = new.months - baseline.months
        return Comparison(by_end, False, not flows, added if flows else None, new, baseline)
    if (not stocks and new.shape == baseline.shape and new.months == baseline.months
            and (new.start.month, new.start.day) == (baseline.start.month, baseline.start.day)):
        return Comparison("year_on_year", False, True, None, new, baseline)
    return Comparison(by_end, False, not flows or new.shape == baseline.shape == "stock", None, new, baseline)


def _day(moment: datetime | None) -> date:
    return (moment or datetime.now(SITES_TIMEZONE)).astimezone(SITES_TIMEZONE).date()


def of_change(row: ChangeRow) -> Comparison | None:
    """The comparison of a row of `db.diff.changes` (None: it met no baseline figure)."""
    if row.get("baseline_value") is None:
        return None
    new = span_of(row["period"], _day(row["published_at"]), kind=row["kind"], metric=row["metric"],
                  unit=row["unit"], qualifier=row["qualifier"], status=row["status"], sentence=row["sentence"],
                  surface=row["surface"])
    base = span_of(row["baseline_period"], _day(row["baseline_published_at"]), kind=row["kind"],
                   metric=row.get("baseline_metric") or row["metric"], unit=row["baseline_unit"] or row["unit"],
                   qualifier=row["baseline_qualifier"], status=row["status"],
                   sentence=row.get("baseline_sentence") or "", surface=row.get("baseline_surface") or "")
    return compare(new, base, kind=row["kind"], same_value=row["value"] == row["baseline_value"])


RELATION_LABELS = {"later": "更新期数据 later period", "earlier": "早于基线的时期 earlier period than the baseline",
                   "year_on_year": "同比 year on year", "same": "", "unknown": ""}


def months_added_label(months: int) -> str:
    """Two totals from January: the months the later one adds, instead of a change (多2个月 · 2 more months)."""
    if months >= 0:
        return f"多{months}个月的累计 ({months} more month{'s' if months != 1 else ''}, not a change)"
    return f"少{-months}个月的累计 ({-months} month{'s' if months != -1 else ''} fewer, not a change)"


def _value(value: Any, unit: str, kind: str, qualifier: str | None) -> str:
    from crawler.extract.numbers import display_value

    return "" if value is None else display_value(value, unit, kind, qualifier)


def baseline_cell(row: ChangeRow) -> str:
    """`cywatch diff`'s baseline column: the baseline's value with its period and date (16条 上半年 2024-06-22)."""
    from crawler.extract.periods import reader_period

    if row.get("baseline_value") is None:
        return ""
    day = _day(row["baseline_published_at"])
    period = reader_period(row["baseline_period"], day, target=row["status"] == "target") or "时期不详"
    shown = _value(row["baseline_value"], row["baseline_unit"] or row["unit"], row["kind"], row["baseline_qualifier"])
    return f"{shown} ({period} {day:%Y-%m-%d})"


def delta_cell(row: ChangeRow) -> str:
    """`cywatch diff`'s delta column: the change, or the months a later total adds (no change, then)."""
    from crawler.extract.numbers import format_change

    if row["delta"] is None or row["outcome"] != "changed":
        return ""
    comparison = of_change(row)
    if comparison is not None and not comparison.comparable:
        return "" if comparison.months_added is None else f"+{comparison.months_added}个月" \
            if comparison.months_added >= 0 else f"{comparison.months_added}个月"
    return format_change(row["delta"], row["unit"], row["kind"], row["delta_ratio"])


def outcome_cell(row: ChangeRow) -> str:
    """`cywatch diff`'s outcome column: the outcome, the kind of figure and how its period compares."""
    restated, relation = row["restated"], row["period_relation"]
    note = (" !restated" if restated else " (earlier period)" if relation == "earlier"
            else " (year on year)" if relation == "year_on_year" else "")
    kind = {"growth": "增速", "share": "占比", "rank": "排名", "change": "差值"}.get(row["kind"], "")
    return str(row["outcome"]) + note + (f" {kind}" if kind else "")


def json_fields(row: ChangeRow) -> dict[str, object]:
    """What `cywatch diff --json` adds to a comparison: how the periods compare."""
    comparison = of_change(row)
    if comparison is None:
        return {"relation": None, "comparable": None, "months_added": None,
                "baseline_published_at": row.get("baseline_published_at")}
    return {"relation": row["period_relation"], "restated": row["restated"], "comparable": comparison.comparable,
            "months_added": comparison.months_added, "baseline_published_at": row.get("baseline_published_at"),
            "period_shape": comparison.new.shape if comparison.new else None,
            "baseline_period_shape": comparison.baseline.shape if comparison.baseline else None}
