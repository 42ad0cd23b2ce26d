"""The digest's "targets against actuals": each target beside the latest actual of its indicator, and how far.

How far is measured as a reader of these reports measures it: a rate (增速, 占比) in percentage points
(actual minus target: 6.2% against 全年增长6%左右 is +0.2个百分点), a level as the per cent of the target the
actual reaches, with what is left to reach it (4,620亿元 of 力争突破5000亿元: 92.4%, 尚差380亿元). Both periods
are shown (a 1—7月 actual against a full-year target is on its way, not behind), and both sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from crawler.extract.numbers import display_value, format_change, format_decimal, humanize
from crawler.extract.periods import reader_period
from db.targets import TargetActualRow

KIND_LABELS = {"growth": "增速", "share": "占比"}


@dataclass(frozen=True, slots=True)
class Quote:
    """A figure's sentence, split around the figure, with its article."""

    before: str
    surface: str
    after: str
    title: str
    url: str
    source: str
    published: str


@dataclass(frozen=True, slots=True)
class TargetItem:
    """One indicator's target beside its latest actual, as a digest shows it."""

    metric: str
    region: str
    kind_label: str
    target: str  # 6%左右, 突破5000亿元
    target_period: str  # 2024年
    actual: str
    actual_period: str  # 2024年1—7月
    distance: str  # +0.2个百分点 · 完成目标的92.4%，尚差380亿元
    reached: bool  # the actual is at or beyond the target
    target_quote: Quote
    actual_quote: Quote

    def to_json(self) -> dict[str, object]:
        """The item as the generic webhook's JSON carries it."""
        def side(value: str, period: str, quote: Quote) -> dict[str, object]:
            return {"value": value, "period": period, "sentence": quote.before + quote.surface + quote.after,
                    "article": {"title": quote.title, "url": quote.url, "source": quote.source,
                                "published": quote.published}}

        return {"metric": self.metric, "region": self.region, "kind": self.kind_label, "distance": self.distance,
                "reached": self.reached, "target": side(self.target, self.target_period, self.target_quote),
                "actual": side(self.actual, self.actual_period, self.actual_quote)}


def split_quote(sentence: str, surface: str) -> tuple[str, str, str]:
    """(before, figure, after) of a sentence; the whole sentence before an empty figure if it is not in it."""
    at = sentence.find(surface)
    if at < 0 or not surface:
        return sentence, "", ""
    return sentence[:at], surface, sentence[at + len(surface):]


def distance(row: TargetActualRow) -> tuple[str, bool]:
    """How far the actual is from the target, in words, and whether it reached it."""
    target, actual = row["t_value"], row["a_value"]
    if row["kind"] != "level":  # a rate: percentage points, the actual minus the target
        gap = actual - target
        return f"实际比目标 {format_change(gap, '%', row['kind'])} (actual minus target)", gap >= 0
    if target == 0:
        return "", actual >= target
    share = (actual / target * 100).quantize(Decimal("0.1"))
    text = f"完成目标的{format_decimal(share)}% ({format_decimal(share)}% of the target)"
    if actual < target:
        text += f"，尚差{humanize(target - actual, row['unit'])} ({humanize(target - actual, row['unit'])} to go)"
    return text, actual >= target


def _quote(sentence: str, surface: str, published: datetime, title: str, url: str, source: str,
           zone: tzinfo) -> Quote:
    before, figure, after = split_quote(sentence, surface)
    return Quote(before, figure, after, title, url, source, f"{published.astimezone(zone):%Y-%m-%d}")


def items(rows: list[TargetActualRow], zone: tzinfo) -> list[TargetItem]:
    """The section's items, one per indicator, in the rows' order; dates in `zone` (CYWATCH_TIMEZONE)."""
    shown = []
    for row in rows:
        how_far, reached = distance(row)
        shown.append(TargetItem(
            metric=row["metric"], region=row["region"], kind_label=KIND_LABELS.get(row["kind"], ""),
            target=display_value(row["t_value"], row["unit"], row["kind"], row["t_qualifier"]),
            target_period=reader_period(row["t_period"], target=True),
            actual=display_value(row["a_value"], row["unit"], row["kind"], row["a_qualifier"]),
            actual_period=reader_period(row["a_period"]),
            distance=how_far, reached=reached,
            target_quote=_quote(row["t_sentence"], row["t_surface"], row["t_published_at"], row["t_title"],
                                row["t_url"], row["t_source_name"], zone),
            actual_quote=_quote(row["a_sentence"], row["a_surface"], row["a_published_at"], row["a_title"],
                                row["a_url"], row["a_source_name"], zone)))
    return shown
