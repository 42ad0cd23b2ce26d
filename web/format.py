"""Figures as readers read them on the web: the project's one value formatter (display_value), as the
digest and the CLI write them."""

from __future__ import annotations

from datetime import date, tzinfo
from decimal import Decimal

from alerts.digest import KIND_LABELS
from crawler.extract.numbers import display_value, format_change, format_decimal
from crawler.extract.periods import reader_period
from db.browse import Figure, Point

__all__ = ["KIND_LABELS", "change", "exact", "period", "reader_period", "value"]


def value(amount: Decimal, unit: str, kind: str, qualifier: str | None = None) -> str:
    """A figure as the genre writes it: 309.6亿元, 增长9.1%, 第3 (with its qualifier: 突破2800亿元)."""
    return display_value(amount, unit, kind, qualifier)


def change(delta: Decimal | None, unit: str, kind: str, ratio: Decimal | None = None) -> str:
    """A difference as readers want it: +2条（+12.5%）, −0.4个百分点; empty when there is none."""
    return "" if delta is None else format_change(delta, unit, kind, ratio)


def exact(amount: Decimal | None) -> str | None:
    """An exact decimal as a string (what the API and CSV give): never a float, no exponent."""
    return None if amount is None else format_decimal(amount)


def period(figure: Figure | Point, zone: tzinfo, *, with_year: bool = False) -> str:
    """A figure's period as readers write it (1—7月; 2024年1—7月 when `with_year` or not of its article's year)."""
    published: date | None = None if with_year else figure.published_at.astimezone(zone).date()
    return reader_period(figure.period, published, target=figure.status == "target")
