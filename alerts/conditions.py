"""A subscriber's conditions: alerts only when a figure matters, decided on typed figures, not on text.

Stored as data on the subscriber (`subscribers.conditions`, JSON), all optional:
- `min_change`: the change from the baseline is at least this much: percentage points for rates and
  shares (增速, 占比: 6.5% → 7.8% is 1.3), per cent of the old value for levels (2,800亿元 → 3,000 is 7.1),
  places for ranks;
- `flip`: the direction flipped: a growth rate that turns into a decline, or a decline into growth;
- `thresholds`: METRIC=VALUE pairs: the figure of that metric (a metric containing it, as the filters
  match) crossed VALUE, from either side;
- `new_high`: the value is higher than every earlier figure of its series (same metric, region, kind,
  status and unit).
With no condition set, a digest holds everything, as always. With any, it holds only the changed
figures that meet at least one of them (and, for operators, source health): figures with nothing to
compare against and the list of new articles are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from db.connection import Connection
from db.diff import ChangeRow

RATE_KINDS = ("growth", "share")


class ConditionError(ValueError):
    """A condition that cannot be accepted; the message says why."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """A value a metric's figures are watched crossing."""

    metric: str
    value: Decimal


@dataclass(frozen=True, slots=True)
class Conditions:
    """What makes a figure worth an alert to one subscriber (see the module's docstring)."""

    min_change: Decimal | None = None
    flip: bool = False
    thresholds: tuple[Threshold, ...] = field(default_factory=tuple)
    new_high: bool = False

    def active(self) -> bool:
        """Whether any condition is set (none: the digest holds everything)."""
        return self.min_change is not None or self.flip or bool(self.thresholds) or self.new_high

    def to_json(self) -> dict[str, Any]:
        """As stored in `subscribers.conditions` (decimals as strings, exact)."""
        data: dict[str, Any] = {}
        if self.min_change is not None:
            data["min_change"] = str(self.min_change)
        if self.flip:
            data["flip"] = True
        if self.thresholds:
            data["thresholds"] = [{"metric": t.metric, "value": str(t.value)} for t in self.thresholds]
        if self.new_high:
            data["new_high"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Conditions:
        """From `subscribers.conditions`."""
        data = data or {}
        return cls(min_change=Decimal(data["min_change"]) if data.get("min_change") is not None else None,
                   flip=bool(data.get("flip")), new_high=bool(data.get("new_high")),
                   thresholds=tuple(Threshold(t["metric"], Decimal(t["value"])) for t in data.get("thresholds", ())))

    def describe(self) -> str:
        """One line for listings: 变动≥2 · 转向 · 规上工业增加值=6 · 新高 (empty: none)."""
        parts = [f"变动≥{self.min_change}"] if self.min_change is not None else []
        parts += ["转向"] if self.flip else []
        parts += [f"{t.metric}={t.value}" for t in self.thresholds]
        parts += ["新高"] if self.new_high else []
        return " · ".join(parts)


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise ConditionError(f"{what} must be a number, got {text!r}") from None
    if not value.is_finite():
        raise ConditionError(f"{what} must be a number, got {text!r}")
    return value


CLI_NAMES = {"min_change": "--min-change", "threshold": "--threshold"}


def edit(current: Conditions, *, min_change: str | None = None, flip: bool | None = None,
         thresholds: list[str] | None = None, new_high: bool | None = None, clear: bool = False,
         names: Mapping[str, str] = CLI_NAMES) -> Conditions:
    """`current` with what is given changed (None: kept); `clear` starts from none. Thresholds are
    METRIC=VALUE; given ones replace the stored ones. `names` says what errors call the fields (the CLI's
    options, or a form's labels)."""
    base = Conditions() if clear else current
    change = base.min_change
    if min_change is not None:
        change = None if min_change.strip() in ("", "0", "off") else _decimal(min_change, names["min_change"])
        if change is not None and change < 0:
            raise ConditionError(f"{names['min_change']} must be zero or more, got {min_change!r}")
    watched = base.thresholds
    if thresholds is not None:
        parsed = []
        for item in thresholds:
            metric, sep, value = item.partition("=")
            if not sep or not metric.strip():
                raise ConditionError(f"{names['threshold']} takes METRIC=VALUE (规上工业增加值=6), got {item!r}")
            parsed.append(Threshold(metric.strip(), _decimal(value, f"{names['threshold']} {metric.strip()}")))
        watched = tuple(parsed)
    return Conditions(min_change=change, flip=base.flip if flip is None else flip, thresholds=watched,
                      new_high=base.new_high if new_high is None else new_high)


def _change_size(row: ChangeRow) -> Decimal | None:
    """How much a changed figure moved, in the unit `min_change` speaks (pp, per cent, places)."""
    if row["delta"] is None:
        return None
    if row["kind"] in RATE_KINDS or row["kind"] in ("rank", "change"):
        return abs(Decimal(row["delta"]))
    if row["delta_ratio"] is None:
        return None
    return abs(Decimal(row["delta_ratio"])) * 100


def _flipped(row: ChangeRow) -> bool:
    old, new = row["baseline_value"], row["value"]
    return row["kind"] == "growth" and old is not None and new is not None and (old > 0 > new or old < 0 < new)


def _crossed(row: ChangeRow, thresholds: Iterable[Threshold]) -> bool:
    old, new = row["baseline_value"], row["value"]
    if old is None or new is None:
        return False
    return any(t.metric in row["metric"] and (old < t.value <= new or old > t.value >= new) for t in thresholds)


def earlier_highs(conn: Connection, rows: list[ChangeRow]) -> dict[int, Decimal | None]:
    """For each figure, the highest earlier figure of its series (None: it is the first)."""
    ids = [r["observation_id"] for r in rows]
    if not ids:
        return {}
    found = conn.execute(
        """
        SELECT o.id, (SELECT max(e.value) FROM indicator_observations e
                      WHERE e.metric = o.metric AND e.region = o.region AND e.kind = o.kind
                        AND e.status = o.status AND e.unit IS NOT DISTINCT FROM o.unit
                        AND e.published_at < o.published_at) AS high
        FROM indicator_observations o WHERE o.id = ANY(%s)
        """, [ids]).fetchall()
    return {r["id"]: r["high"] for r in found}


def reasons(conditions: Conditions, row: ChangeRow, high: Decimal | None) -> list[str]:
    """Which of the conditions a changed figure meets (empty: none)."""
    met = []
    size = _change_size(row)
    if conditions.min_change is not None and size is not None and size >= conditions.min_change:
        met.append("min_change")
    if conditions.flip and _flipped(row):
        met.append("flip")
    if conditions.thresholds and _crossed(row, conditions.thresholds):
        met.append("threshold")
    if conditions.new_high and high is not None and row["value"] is not None and row["value"] > high:
        met.append("new_high")
    return met


def select(conn: Connection, conditions: Conditions, rows: list[ChangeRow]) -> list[ChangeRow]:
    """The changed figures among `rows` that meet at least one condition."""
    changed = [r for r in rows if r["outcome"] == "changed"]
    highs = earlier_highs(conn, changed) if conditions.new_high else {}
    return [r for r in changed if reasons(conditions, r, highs.get(r["observation_id"]))]


def key(data: dict[str, Any] | None) -> str:
    """A stable text of stored conditions (subscribers with the same conditions share a rendering)."""
    return json.dumps(data or {}, sort_keys=True, ensure_ascii=False)
