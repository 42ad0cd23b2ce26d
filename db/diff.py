"""The diff: each new figure against the baseline and against the latest earlier figure of its key.

Computed in PostgreSQL. The key is (metric, region, kind, status, unit); the period rides along, and how it
compares with the baseline figure's is decided by db/periods.py and stored with the comparison: 1—6月 after
1—5月 is a later period (`period_relation`), another value for the same period is a restatement
(`restated`), flagged, never written over the baseline. Outcomes:
- `changed`: the value differs from the baseline's;
- `confirmed`: the same value again (a qualifier alone never makes a change: 突破2800亿元 then 2800亿元);
- `new`: the baseline has no figure of that key.
Re-published copies and the baseline's own article are not compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict, cast

from crawler.extract.identity import DEFAULT_OPTIONS, Match, MatchOptions, best_match, could_match
from db import lexicon_store, periods
from db.baseline import DEFAULT_NAME
from db.connection import Connection

# What has not been compared yet: the listed figures (diff_uncompared, kept by triggers: migration 0050)
# that pass the tests, settled in a temporary table before anything is inserted: read while the insert
# below adds to indicator_changes, the "not yet compared" test would scan a growing table once per row.
_PENDING = """
CREATE TEMP TABLE diff_pending ON COMMIT DROP AS
SELECT o.id FROM diff_uncompared u
JOIN indicator_observations o ON o.id = u.observation_id
JOIN articles a ON a.id = o.article_id
WHERE a.duplicate_of IS NULL
  AND NOT EXISTS (SELECT 1 FROM indicator_changes c WHERE c.observation_id = o.id)
  AND NOT EXISTS (SELECT 1 FROM baselines b WHERE b.article_id = o.article_id)
  AND (%(articles)s::bigint[] IS NULL OR o.article_id = ANY(%(articles)s::bigint[]))
"""
# What the list may drop once this comparison is in: what it compared (or another diff at the same time
# did: ON CONFLICT below); then, outside a scope, whatever else will never be compared (figures gone, or
# compared meanwhile). What stays is a baseline's figures, a few dozen rows.
_LISTED_COMPARED = "DELETE FROM diff_uncompared u USING diff_pending d WHERE u.observation_id = d.id"
_LISTED_LEFTOVERS = """
DELETE FROM diff_uncompared u
WHERE EXISTS (SELECT 1 FROM indicator_changes c WHERE c.observation_id = u.observation_id)
   OR NOT EXISTS (SELECT 1 FROM indicator_observations o WHERE o.id = u.observation_id)
"""

# Where a figure's period really ends. A whole year that is not over when the article appears (今年以来,
# an actual figure) runs to the publication day: two such figures of different dates are a later figure,
# not a restatement. A named period (1—5月, 上半年) or a target's year is the same period whoever reports it.
_PERIOD_END = """CASE WHEN {o}.status = 'actual' AND {o}.period ~ '^[0-9]{{4}}$'
      AND ({o}.published_at AT TIME ZONE 'Asia/Shanghai')::date < {o}.period_end
    THEN ({o}.published_at AT TIME ZONE 'Asia/Shanghai')::date ELSE {o}.period_end END"""

# "The latest earlier figure of this key" (of another article, never a baseline's) for every pending
# figure at once, in one ordered pass over each key's history instead of one index walk per figure: in the
# key's order (published_at, id), a figure's previous one is the last row before the run of rows of its own
# article that it sits in, i.e. what lag() saw at the start of that run. The pass starts, per key, at the
# latest figure of another article before the key's earliest pending figure (one index probe per key): no
# pending figure's previous one is older, so a daily diff reads a few rows of a long history, a reprocess
# reads what it must. The run start's lag rides forward as max() over [row number, id, value] (row numbers
# only grow), in the same window, so the history is sorted once.
_PREVIOUS = """
WITH baseline_articles AS (  -- every version's: an old version read with another lexicon is no report either
    SELECT article_id FROM baselines
),
first_pending AS MATERIALIZED (
    SELECT DISTINCT ON (p.metric, p.region, p.kind, p.status, p.unit)
           p.metric, p.region, p.kind, p.status, p.unit, p.published_at, p.id, p.article_id
    FROM diff_pending d JOIN indicator_observations p ON p.id = d.id
    ORDER BY p.metric, p.region, p.kind, p.status, p.unit, p.published_at, p.id
),
bounds AS MATERIALIZED (  -- once per key: left inline, the planner may probe once per history row
    SELECT f.metric, f.region, f.kind, f.status, f.unit, e.published_at AS from_at, e.id AS from_id
    FROM first_pending f
    LEFT JOIN LATERAL (
        SELECT e.published_at, e.id FROM indicator_observations e
        WHERE e.metric = f.metric AND e.region = f.region AND e.kind = f.kind AND e.status = f.status
          AND e.unit = f.unit AND e.article_id <> f.article_id
          AND e.article_id NOT IN (SELECT article_id FROM baseline_articles)
          AND (e.published_at, e.id) < (f.published_at, f.id)
        ORDER BY e.published_at DESC, e.id DESC LIMIT 1
    ) e ON true
),
history AS (
    SELECT e.id, e.article_id, e.metric, e.region, e.kind, e.status, e.unit, e.published_at,
           row_number() OVER w AS position,
           lag(e.article_id) OVER w AS lag_article, lag(e.id) OVER w AS lag_id, lag(e.value) OVER w AS lag_value
    FROM bounds b
    JOIN indicator_observations e ON e.metric = b.metric AND e.region = b.region AND e.kind = b.kind
                                 AND e.status = b.status AND e.unit = b.unit
    WHERE e.article_id NOT IN (SELECT article_id FROM baseline_articles)
      AND (b.from_id IS NULL OR (e.published_at, e.id) >= (b.from_at, b.from_id))
    WINDOW w AS (PARTITION BY e.metric, e.region, e.kind, e.status, e.unit ORDER BY e.published_at, e.id)
),
carried AS (
    SELECT h.id, max(CASE WHEN h.lag_article IS DISTINCT FROM h.article_id
                          THEN ARRAY[h.position::numeric, h.lag_id::numeric, h.lag_value] END) OVER w AS run_start
    FROM history h
    WINDOW w AS (PARTITION BY h.metric, h.region, h.kind, h.status, h.unit ORDER BY h.published_at, h.id)
)
SELECT c.id, c.run_start[2]::bigint AS previous_id, c.run_start[3] AS previous_value
FROM carried c JOIN diff_pending d ON d.id = c.id
"""

# The current baseline and the newest figure of each of its keys (a few dozen rows), which a pending figure
# of the same key meets exactly; with what the periods rule (db/periods.py) reads of them.
_BASELINE_KEYS = """
WITH current_baseline AS (
    SELECT id, article_id FROM baselines WHERE name = %(name)s ORDER BY version DESC LIMIT 1
),
baseline_figures AS (
    SELECT DISTINCT ON (metric, region, kind, status, unit) id, value, BASELINE_END AS period_end, metric, region,
           kind, status, unit, period, published_at, qualifier, sentence, surface
    FROM indicator_observations b WHERE article_id = (SELECT article_id FROM current_baseline)
    ORDER BY metric, region, kind, status, unit, period_end DESC NULLS LAST, start_offset
)""".replace("BASELINE_END", _PERIOD_END.format(o="b"))
# The pending figures that meet a baseline figure exactly, with what the periods rule reads of both: judged
# before the comparisons are inserted (diff_periods), so that each is written once, settled, not inserted
# and then updated (_settle_periods judges what is left: inferred matches, comparisons of a changed rule).
_EXACT = """BASELINE_KEYS,
pending_keys AS MATERIALIZED (  -- the key's five columns guess one row a key: left inline, the planner
    SELECT p.id, p.metric, p.region, p.kind, p.status, p.unit  -- scans the pending list once per figure
    FROM diff_pending d JOIN indicator_observations p ON p.id = d.id
)
SELECT p.id, p.value, p.period, p.published_at, p.kind, p.metric, p.unit, p.qualifier, p.status, p.sentence,
       p.surface, b.value AS baseline_value, b.period AS baseline_period, b.published_at AS baseline_published_at,
       b.metric AS baseline_metric, b.unit AS baseline_unit, b.qualifier AS baseline_qualifier,
       b.sentence AS baseline_sentence, b.surface AS baseline_surface
FROM pending_keys k
JOIN baseline_figures b ON (b.metric, b.region, b.kind, b.status, b.unit) = (k.metric, k.region, k.kind, k.status, k.unit)
JOIN indicator_observations p ON p.id = k.id
""".replace("BASELINE_KEYS", _BASELINE_KEYS)
_COMPUTE = """BASELINE_KEYS,
pending AS (
    SELECT p.*, prev.previous_id, prev.previous_value
    FROM diff_pending d JOIN indicator_observations p ON p.id = d.id
    LEFT JOIN diff_previous prev ON prev.id = d.id
)
INSERT INTO indicator_changes (observation_id, baseline_id, baseline_observation_id, previous_observation_id,
                               outcome, period_relation, restated, periods_settled, delta, delta_ratio,
                               previous_delta, match)
SELECT p.id, cb.id, b.id, p.previous_id,
       CASE WHEN b.id IS NULL THEN 'new' WHEN p.value = b.value THEN 'confirmed' ELSE 'changed' END,
       s.relation, coalesce(s.restated, false), s.id IS NOT NULL,  -- how the periods compare: judged before
       p.value - b.value,
       CASE WHEN b.value <> 0 THEN (p.value - b.value) / abs(b.value) END,
       p.value - p.previous_value,
       CASE WHEN b.id IS NULL THEN 'none' ELSE 'exact' END
FROM pending p
LEFT JOIN current_baseline cb ON true
LEFT JOIN baseline_figures b ON (b.metric, b.region, b.kind, b.status, b.unit) =
                                (p.metric, p.region, p.kind, p.status, p.unit)
LEFT JOIN diff_periods s ON s.id = p.id
ON CONFLICT (observation_id) DO NOTHING
""".replace("BASELINE_KEYS", _BASELINE_KEYS)


_MANY = 10_000  # figures compared at once past which the list of uncompared figures is analysed again


class NoBaseline(LookupError):
    """There is no baseline to compare with; the message says how to load one."""


def compute(conn: Connection, baseline: str = DEFAULT_NAME, options: MatchOptions = DEFAULT_OPTIONS) -> int:
    """Compare every observation not compared yet; returns how many were compared now.

    Figures that meet no baseline figure on the exact key go through the identity matcher (`options`):
    an inferred match is compared like an exact one; a possible one stays `new`, with its candidate.

    NoBaseline when none is loaded: a comparison made then would record every figure as new, for good.
    """
    return _compute(conn, baseline, options, None)


def compute_articles(conn: Connection, article_ids: Sequence[int], baseline: str = DEFAULT_NAME,
                     options: MatchOptions = DEFAULT_OPTIONS) -> int:
    """Compare the observations of these articles not compared yet (as `compute` does); returns how many.

    For recomputing a scope: delete the articles' comparisons (or observations) first, then call this.
    Their previous figures are looked up in the whole history, as `compute` does.
    """
    return _compute(conn, baseline, options, list(article_ids))


def _compute(conn: Connection, baseline: str, options: MatchOptions, article_ids: list[int] | None) -> int:
    with conn.transaction():  # committed on return when called outside a transaction, as callers do
        if not conn.execute("SELECT 1 FROM baselines WHERE name = %s", [baseline]).fetchone():
            raise NoBaseline(f"no baseline named {baseline!r} is loaded; run: cywatch baseline load")
        lexicon_store.apply(conn)  # reviewers' decisions (distinct pairs) hold for the matcher too
        conn.execute("SET LOCAL jit = off")  # compiling costs more than a daily diff takes
        conn.execute("SET LOCAL work_mem = '64MB'")  # a reprocess sorts the history of its keys once
        conn.execute("DROP TABLE IF EXISTS pg_temp.diff_pending")  # left by an earlier call in this transaction
        conn.execute("DROP TABLE IF EXISTS pg_temp.diff_previous")
        conn.execute(_PENDING, {"articles": article_ids})
        conn.execute("ANALYZE diff_pending")
        conn.execute("CREATE TEMP TABLE diff_previous ON COMMIT DROP AS " + _PREVIOUS, {"name": baseline})
        conn.execute("ANALYZE diff_previous")
        _judge_exact(conn, baseline)
        compared = conn.execute(_COMPUTE, {"name": baseline}).rowcount
        conn.execute(_LISTED_COMPARED)
        if article_ids is None:
            conn.execute(_LISTED_LEFTOVERS)
        if compared >= _MANY:  # the list's statistics still count what it dropped, until autovacuum comes:
            conn.execute("ANALYZE diff_uncompared")  # the next diff would plan a scan of every figure
        # Inside a caller's transaction this block is a savepoint, and SET LOCAL would outlive it.
        conn.execute("SET LOCAL jit TO DEFAULT")
        conn.execute("SET LOCAL work_mem TO DEFAULT")
        infer_matches(conn, baseline, options)
        _settle_periods(conn)
        return compared


# The comparisons that met a baseline figure (exactly or inferred) whose periods the rule has not judged
# yet (migration 0042): this diff's, and after a change of the rule every one, once.
_UNSETTLED = """
SELECT c.id, o.value, o.period, o.published_at, o.kind, o.metric, o.unit, o.qualifier, o.status, o.sentence,
       o.surface, b.value AS baseline_value, b.period AS baseline_period, b.published_at AS baseline_published_at,
       b.metric AS baseline_metric, b.unit AS baseline_unit, b.qualifier AS baseline_qualifier,
       b.sentence AS baseline_sentence, b.surface AS baseline_surface
FROM indicator_changes c
JOIN indicator_observations o ON o.id = c.observation_id
JOIN indicator_observations b ON b.id = c.baseline_observation_id
WHERE NOT c.periods_settled AND c.baseline_observation_id IS NOT NULL
"""
_SETTLE = """
UPDATE indicator_changes c SET period_relation = s.relation, restated = s.restated, periods_settled = true
FROM unnest(%s::bigint[], %s::text[], %s::boolean[]) AS s(id, relation, restated) WHERE c.id = s.id
"""


def _judge_exact(conn: Connection, baseline: str, batch: int = 5000) -> None:
    """How the periods of each pending figure that meets a baseline figure exactly compare with its (the rule
    of db/periods.py), into diff_periods for the comparison's insert."""
    conn.execute("DROP TABLE IF EXISTS pg_temp.diff_periods")  # left by an earlier call in this transaction
    conn.execute("CREATE TEMP TABLE diff_periods (id bigint PRIMARY KEY, relation text, restated boolean) "
                 "ON COMMIT DROP")
    with conn.cursor(name="diff_exact") as exact:
        exact.itersize = batch
        judged = [(row["id"], periods.of_change(cast(ChangeRow, row)))
                  for row in exact.execute(_EXACT, {"name": baseline})]
    with conn.cursor() as cursor, cursor.copy("COPY diff_periods (id, relation, restated) FROM STDIN") as copy:
        for figure, comparison in judged:
            if comparison is not None:
                copy.write_row((figure, comparison.relation, comparison.restated))
    conn.execute("ANALYZE diff_periods")


def _settle_periods(conn: Connection, batch: int = 5000) -> int:
    """Store how the periods of each comparison not judged yet compare with its baseline figure's, by the
    one rule of db/periods.py (later period, year on year, restated...); returns how many were judged."""
    settled = 0
    with conn.cursor(name="diff_unsettled") as unsettled:
        unsettled.itersize = batch
        judged = [(row["id"], periods.of_change(cast(ChangeRow, row))) for row in unsettled.execute(_UNSETTLED)]
    for start in range(0, len(judged), batch):
        chunk = [(i, c) for i, c in judged[start:start + batch] if c is not None]
        conn.execute(_SETTLE, [[i for i, _ in chunk], [c.relation for _, c in chunk], [c.restated for _, c in chunk]])
        settled += len(chunk)
    return settled


# The figures of this comparison that met nothing exactly, grouped by what the matcher reads of their names
# (metric, raw metric, region, kind, unit, status), in one set-based pass: a figure whose key meets a
# baseline figure exactly is skipped on its key (as the comparison did), not looked up in indicator_changes
# one by one; a group is kept only when a baseline figure shares its kind, unit and status in a region it
# could be (the same, or unknown on one side). Each group is ruled out as one, on a sample figure of it.
_UNMATCHED_GROUPS = """
CREATE TEMP TABLE diff_unmatched ON COMMIT DROP AS
WITH baseline_figures AS MATERIALIZED (
    SELECT metric, region, kind, unit, status FROM indicator_observations
    WHERE article_id = (SELECT article_id FROM baselines WHERE name = %s ORDER BY version DESC LIMIT 1)
)
SELECT row_number() OVER () AS grp, g.* FROM (
    SELECT o.metric, o.metric_raw, o.region, o.kind, o.unit, o.status, min(o.id) AS sample_id
    FROM diff_pending d JOIN indicator_observations o ON o.id = d.id
    WHERE NOT EXISTS (SELECT 1 FROM baseline_figures b WHERE (b.metric, b.region, b.kind, b.status, b.unit) =
                                                             (o.metric, o.region, o.kind, o.status, o.unit))
    GROUP BY o.metric, o.metric_raw, o.region, o.kind, o.unit, o.status
) g
WHERE EXISTS (SELECT 1 FROM baseline_figures b WHERE (b.kind, b.unit, b.status) = (g.kind, g.unit, g.status)
                                                 AND (b.region = g.region OR b.region = '' OR g.region = ''))
"""
_GROUPS = """
SELECT u.grp, o.metric, o.metric_raw, o.region, o.kind, o.unit, o.status, o.value, o.sentence,
       o.start_offset AS start, o.sentence_start
FROM diff_unmatched u JOIN indicator_observations o ON o.id = u.sample_id ORDER BY u.grp
"""
# The figures of the groups that could match, with their comparisons (still 'new': met nothing exactly).
_UNMATCHED = """
SELECT c.id AS change_id, o.metric, o.metric_raw, o.region, o.kind, o.unit, o.status, o.value, o.sentence,
       o.start_offset AS start, o.sentence_start
FROM diff_unmatched u
JOIN indicator_observations o ON (o.metric, o.region, o.kind, o.status, o.unit, o.metric_raw) =
                                 (u.metric, u.region, u.kind, u.status, u.unit, u.metric_raw)
JOIN diff_pending d ON d.id = o.id
JOIN indicator_changes c ON c.observation_id = o.id AND c.outcome = 'new'
WHERE u.grp = ANY(%s)
"""
_BASELINE_FIGURES = """
SELECT o.id, o.metric, o.metric_raw, o.region, o.kind, o.unit, o.status, o.value, o.sentence,
       o.start_offset AS start, o.sentence_start
FROM indicator_observations o
WHERE o.article_id = (SELECT article_id FROM baselines WHERE name = %s ORDER BY version DESC LIMIT 1)
ORDER BY o.start_offset, o.id
"""
# An inferred match is compared as the exact pass compares: outcome, delta (the periods: _settle_periods).
_APPLY_INFERRED = """
UPDATE indicator_changes c SET
    baseline_observation_id = b.id, match = 'inferred', match_score = %(score)s, match_reason = %(reason)s,
    outcome = CASE WHEN p.value = b.value THEN 'confirmed' ELSE 'changed' END,
    delta = p.value - b.value,
    delta_ratio = CASE WHEN b.value <> 0 THEN (p.value - b.value) / abs(b.value) END
FROM indicator_observations p, indicator_observations b
WHERE c.id = %(change)s AND p.id = c.observation_id AND b.id = %(baseline)s
"""
_APPLY_POSSIBLE = """
UPDATE indicator_changes SET match = 'possible', candidate_observation_id = %(baseline)s,
       match_score = %(score)s, match_reason = %(reason)s
WHERE id = %(change)s
"""


def infer_matches(conn: Connection, baseline: str = DEFAULT_NAME,
                  options: MatchOptions = DEFAULT_OPTIONS) -> tuple[int, int]:
    """Match the figures of this comparison that met no baseline figure exactly; returns (inferred, possible).

    Runs inside `compute`'s transaction, on its pending figures. The baseline has a few dozen figures; each
    unmatched figure is scored against those of its kind, unit and status (crawler.extract.identity), after
    whole groups of figures alike in name, region, kind, unit and status are ruled out (`could_match`).
    """
    candidates = [_Figure(**row) for row in conn.execute(_BASELINE_FIGURES, [baseline]).fetchall()]
    by_shape: dict[tuple[str, str, str], list[int]] = {}
    for index, figure in enumerate(candidates):
        by_shape.setdefault((figure.kind, figure.unit, figure.status), []).append(index)
    updates: dict[str, list[dict[str, object]]] = {"inferred": [], "possible": []}
    conn.execute("DROP TABLE IF EXISTS pg_temp.diff_unmatched")
    conn.execute(_UNMATCHED_GROUPS, [baseline])
    hopeful = []
    for group in conn.execute(_GROUPS).fetchall():
        figure = _Figure(**{k: v for k, v in group.items() if k != "grp"})
        shape = [candidates[i] for i in by_shape.get((figure.kind, figure.unit, figure.status), ())]
        if could_match(figure, shape, options):  # no candidate of another shape is compatible
            hopeful.append(group["grp"])
    with conn.cursor(name="diff_unmatched_rows") as unmatched:  # streamed: a reprocess may leave millions
        unmatched.itersize = 5000
        for row in unmatched.execute(_UNMATCHED, [hopeful]):
            match = _match_one(row, candidates, by_shape, options)
            if match is not None:
                updates["possible" if match.verdict == "possible" else "inferred"].append(
                    {"change": row["change_id"], "baseline": candidates[match.index].id, "score": match.score,
                     "reason": match.reason})
    with conn.cursor() as cursor:
        cursor.executemany(_APPLY_INFERRED, updates["inferred"])
        cursor.executemany(_APPLY_POSSIBLE, updates["possible"])
    return len(updates["inferred"]), len(updates["possible"])


def _match_one(row: dict[str, object], candidates: list[_Figure],
               by_shape: dict[tuple[str, str, str], list[int]], options: MatchOptions) -> Match | None:
    """The identity match of one unmatched figure, as an index into `candidates`."""
    figure = _Figure(**{k: v for k, v in row.items() if k != "change_id"})  # type: ignore[arg-type]
    shape = by_shape.get((figure.kind, figure.unit, figure.status))
    if not shape:
        return None
    found = best_match(figure, [candidates[i] for i in shape], options)
    return found and Match(shape[found.index], found.score, found.verdict, found.reason)


@dataclass(frozen=True, slots=True)
class _Figure:
    """A stored observation as the identity matcher reads it."""

    metric: str
    metric_raw: str
    region: str
    kind: str
    unit: str
    status: str
    value: Decimal
    sentence: str
    start: int
    sentence_start: int
    id: int = 0


class ChangeRow(TypedDict):
    """A row of `changes`: one compared figure, its comparison, its baseline figure (None's when it met none)
    and its article."""

    change_id: int
    outcome: str
    period_relation: str | None
    restated: bool
    delta: Decimal | None
    delta_ratio: Decimal | None
    previous_delta: Decimal | None
    match: str
    match_score: Decimal | None
    match_reason: str | None
    commit_seq: int
    first_seq: int | None
    revised_seq: int | None
    revision: dict[str, Any] | None
    observation_id: int
    metric: str
    region: str
    kind: str
    period: str | None
    value: Decimal
    unit: str
    qualifier: str | None
    status: str
    surface: str
    sentence: str
    baseline_value: Decimal | None
    baseline_unit: str | None
    baseline_qualifier: str | None
    baseline_period: str | None
    baseline_surface: str | None
    baseline_published_at: datetime | None
    baseline_sentence: str | None
    baseline_metric: str | None
    article_id: int
    title: str
    canonical_url: str
    source: str
    source_name: str
    published_at: datetime
    fetched_at: datetime


_CHANGES = """
SELECT c.id AS change_id, c.outcome, c.period_relation, c.restated, c.delta, c.delta_ratio, c.previous_delta,
       c.match, c.match_score, c.match_reason, c.commit_seq, c.first_seq, c.revised_seq, c.revision,
       o.id AS observation_id, o.metric, o.region, o.kind, o.period, o.value, o.unit, o.qualifier, o.status,
       o.surface, o.sentence,
       b.value AS baseline_value, b.unit AS baseline_unit, b.qualifier AS baseline_qualifier,
       b.period AS baseline_period, b.surface AS baseline_surface, b.published_at AS baseline_published_at,
       b.sentence AS baseline_sentence,
       coalesce(b.metric, cand.metric) AS baseline_metric,
       a.id AS article_id, a.title, a.canonical_url, a.source, s.name AS source_name, a.published_at,
       a.fetched_at
FROM indicator_changes c
JOIN indicator_observations o ON o.id = c.observation_id
JOIN articles a ON a.id = o.article_id
JOIN sources s ON s.id = a.source
LEFT JOIN indicator_observations b ON b.id = c.baseline_observation_id
LEFT JOIN indicator_observations cand ON cand.id = c.candidate_observation_id
WHERE (%(since)s::date IS NULL OR a.published_at >= %(since)s::date::timestamptz)
  AND c.commit_seq > %(after)s AND (%(upto)s::bigint IS NULL OR c.commit_seq <= %(upto)s)
  AND (%(before)s::timestamptz IS NULL OR a.fetched_at < %(before)s)
  AND (cardinality(%(regions)s::text[]) = 0 OR o.region = ANY(%(regions)s))
  AND (cardinality(%(metrics)s::text[]) = 0
       OR EXISTS (SELECT 1 FROM unnest(%(metrics)s::text[]) m WHERE strpos(o.metric, m) > 0))
ORDER BY CASE c.outcome WHEN 'changed' THEN 0 WHEN 'new' THEN 1 ELSE 2 END, o.metric, o.region,
         a.published_at, o.start_offset
"""


def changes(conn: Connection, *, since: date | None = None, after_change: int = 0,
            upto_change: int | None = None, fetched_before: datetime | None = None, regions: list[str] | None = None,
            metrics: list[str] | None = None) -> list[ChangeRow]:
    """Compared figures with their baseline and article: changed first, then new, then confirmed.

    `since` keeps figures of articles published on or after that day (from its midnight in the session's
    time zone, CYWATCH_TIMEZONE: see db.connection); `after_change` and `upto_change` (commit order,
    db.commit_order: never ids, which are not) and `fetched_before` bound a digest; `regions` and `metrics`
    are a subscriber's filters (a metric filter matches every metric that contains it).
    """
    rows = conn.execute(_CHANGES, {"since": since, "after": after_change, "upto": upto_change,
                                   "before": fetched_before,
                                   "regions": regions or [], "metrics": metrics or []}).fetchall()
    return cast(list[ChangeRow], rows)
