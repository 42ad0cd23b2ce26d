"""Targets against actuals: for an indicator, its latest target (全年增长6%左右, 力争突破5000亿元) and its latest
actual figure, each with its period, sentence and article.

An indicator is one metric, region, kind and unit: a growth target meets growth actuals, a level target
level actuals. The latest target is the one of the latest period (then the newest article); the latest
actual is the one of the latest period that does not end after the target's (a 2024 target is set beside
1—7月 of 2024, not beside a figure of 2025). Re-published copies are left out, as in the diff.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict, cast

from db.connection import Connection


class TargetActualRow(TypedDict):
    """A row of `against_actuals`: one indicator's latest target (`t_…`) and latest actual (`a_…`)."""

    metric: str
    region: str
    kind: str
    unit: str
    t_value: Decimal
    t_qualifier: str | None
    t_period: str | None
    t_period_end: date | None
    t_surface: str
    t_sentence: str
    t_published_at: datetime
    t_title: str
    t_url: str
    t_source_name: str
    a_value: Decimal
    a_qualifier: str | None
    a_period: str | None
    a_period_end: date | None
    a_surface: str
    a_sentence: str
    a_published_at: datetime
    a_title: str
    a_url: str
    a_source_name: str


_AGAINST = """
WITH k AS (SELECT DISTINCT * FROM unnest(%(metrics)s::text[], %(regions)s::text[], %(kinds)s::text[], %(units)s::text[])
           AS k(metric, region, kind, unit)),
f AS (SELECT o.id, o.metric, o.region, o.kind, o.unit, o.status, o.value, o.qualifier, o.period, o.period_end,
             o.surface, o.sentence, a.published_at, a.title, a.canonical_url AS url, s.name AS source_name
      FROM k JOIN indicator_observations o ON (o.metric, o.region, o.kind, o.unit) = (k.metric, k.region, k.kind, k.unit)
      JOIN articles a ON a.id = o.article_id JOIN sources s ON s.id = a.source
      WHERE a.duplicate_of IS NULL),
t AS (SELECT DISTINCT ON (metric, region, kind, unit) * FROM f WHERE status = 'target'
      ORDER BY metric, region, kind, unit, period_end DESC NULLS LAST, published_at DESC, id DESC),
act AS (SELECT DISTINCT ON (f.metric, f.region, f.kind, f.unit) f.* FROM f JOIN t USING (metric, region, kind, unit)
        WHERE f.status = 'actual' AND (f.period_end IS NULL OR t.period_end IS NULL OR f.period_end <= t.period_end)
        ORDER BY f.metric, f.region, f.kind, f.unit, f.period_end DESC NULLS LAST, f.published_at DESC, f.id DESC)
SELECT t.metric, t.region, t.kind, t.unit,
       t.value AS t_value, t.qualifier AS t_qualifier, t.period AS t_period, t.period_end AS t_period_end,
       t.surface AS t_surface, t.sentence AS t_sentence, t.published_at AS t_published_at, t.title AS t_title,
       t.url AS t_url, t.source_name AS t_source_name,
       act.value AS a_value, act.qualifier AS a_qualifier, act.period AS a_period, act.period_end AS a_period_end,
       act.surface AS a_surface, act.sentence AS a_sentence, act.published_at AS a_published_at,
       act.title AS a_title, act.url AS a_url, act.source_name AS a_source_name
FROM t JOIN act USING (metric, region, kind, unit)
ORDER BY t.metric, t.region, t.kind, t.unit
"""

KINDS = ("level", "growth", "share")  # ranks and differences have no "how far" a reader would use


def against_actuals(conn: Connection, keys: list[tuple[str, str, str, str]]) -> list[TargetActualRow]:
    """For each indicator (metric, region, kind, unit) of `keys` that has both a target and an actual, the
    latest of each; indicators of other kinds than KINDS, and those lacking either, are left out."""
    keys = [k for k in dict.fromkeys(keys) if k[2] in KINDS]
    if not keys:
        return []
    metrics, regions, kinds, units = (list(column) for column in zip(*keys, strict=True))
    rows = conn.execute(_AGAINST, {"metrics": metrics, "regions": regions, "kinds": kinds, "units": units}).fetchall()
    return cast(list[TargetActualRow], rows)
