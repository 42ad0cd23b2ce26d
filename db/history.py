"""A figure over time: every observation of a metric, oldest first, one series per region, kind and unit.

What the digest reports one change at a time, this shows whole: the baseline's figure, then each later one,
each with the step from the one before it. Re-published copies are left out, as in the diff.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from decimal import Decimal
from typing import TypedDict, cast

from db.connection import Connection


class SeriesRow(TypedDict):
    """A row of `series`: one observation with its article, and its step from the one before in its series."""

    metric: str
    region: str
    kind: str
    status: str
    unit: str
    period: str | None
    value: Decimal
    qualifier: str | None
    surface: str
    sentence: str
    published_at: datetime
    title: str
    canonical_url: str
    source: str
    source_name: str
    baseline: bool
    step: Decimal | None


_SERIES = """
SELECT o.metric, o.region, o.kind, o.status, o.unit, o.period, o.value, o.qualifier, o.surface, o.sentence,
       a.published_at, a.title, a.canonical_url, a.source, s.name AS source_name,
       EXISTS (SELECT 1 FROM baselines b WHERE b.article_id = a.id) AS baseline
FROM indicator_observations o
JOIN articles a ON a.id = o.article_id
JOIN sources s ON s.id = a.source
WHERE strpos(o.metric, %(metric)s) > 0
  AND (%(region)s::text IS NULL OR o.region = %(region)s)
  AND (%(kind)s::text IS NULL OR o.kind = %(kind)s)
  AND a.duplicate_of IS NULL
ORDER BY o.metric, o.region, o.kind, o.status, o.unit, a.published_at, o.id
"""


def series(conn: Connection, metric: str, *, region: str | None = None,
           kind: str | None = None) -> list[SeriesRow]:
    """Observations of every metric containing `metric` (as subscribers' filters match), oldest first per series.

    Each row gets `step`: its value minus the one before it in the same series (metric, region, kind, status,
    unit), None for the first.
    """
    rows = conn.execute(_SERIES, {"metric": metric, "region": region, "kind": kind}).fetchall()
    previous: dict[tuple[object, ...], Decimal] = {}
    for row in rows:
        key = (row["metric"], row["region"], row["kind"], row["status"], row["unit"])
        row["step"] = row["value"] - previous[key] if key in previous else None
        previous[key] = row["value"]
    return cast(list[SeriesRow], rows)


def metrics_like(conn: Connection, text: str, limit: int = 8) -> list[str]:
    """Known metrics that look like `text` (difflib, character by character): suggestions when none matched."""
    known = [r["metric"] for r in conn.execute("SELECT DISTINCT metric FROM indicator_observations")]
    return difflib.get_close_matches(text, known, n=limit, cutoff=0.4)


_RECENT = """
SELECT t.id AS of, h.value
FROM unnest(%(ids)s::bigint[]) t(id)
JOIN indicator_observations m ON m.id = t.id
CROSS JOIN LATERAL (
    SELECT o.value, coalesce(o.period_end, (o.published_at AT TIME ZONE 'Asia/Shanghai')::date) AS day,
           o.published_at, o.id
    FROM indicator_observations o JOIN articles a ON a.id = o.article_id
    WHERE o.metric = m.metric AND o.region = m.region AND o.kind = m.kind AND o.unit = m.unit
      AND o.status = m.status AND a.duplicate_of IS NULL
      AND (coalesce(o.period_end, (o.published_at AT TIME ZONE 'Asia/Shanghai')::date), o.published_at, o.id)
          <= (coalesce(m.period_end, (m.published_at AT TIME ZONE 'Asia/Shanghai')::date), m.published_at, m.id)
    ORDER BY 2 DESC, 3 DESC, 4 DESC
    LIMIT %(limit)s) h
ORDER BY t.id, h.day, h.published_at, h.id
"""


def recent_values(conn: Connection, observation_ids: list[int], limit: int = 12) -> dict[int, list[Decimal]]:
    """For each figure, the last `limit` values of its indicator and status up to it (itself last), oldest
    first, in the web's series order (period, then publication); re-published copies left out. One query."""
    found: dict[int, list[Decimal]] = {i: [] for i in observation_ids}
    if observation_ids:
        for row in conn.execute(_RECENT, {"ids": observation_ids, "limit": limit}).fetchall():
            found[row["of"]].append(row["value"])
    return found
