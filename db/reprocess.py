"""Reprocessing stored figures: an article's observations replaced by a new extraction, comparisons recomputed.

The extractor runs above this module (crawler/reprocess.py); here figures are stored and compared.

`replace_observations` keeps the row of each figure that is still there (the same number at the same place
of the text, however it is now named), so that everything pointing at it stays; it updates what changed,
inserts what is new and deletes what is gone. `recompute` compares a set of figures again. A recomputed
comparison is a new row in commit order; `first_seq`, `revised_seq` and `revision` (migration 0040) tell a
digest what to make of it: a figure it already reported is not reported again (re-keyed or not), unless its
comparison changed, which is reported once, as a correction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, cast

from crawler.extract import Indicator
from crawler.extract.identity import DEFAULT_OPTIONS, MatchOptions
from crawler.extract.version import Stamp, current
from db import diff
from db.articles import insert_observations, observation_row
from db.baseline import DEFAULT_NAME
from db.connection import Connection


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """A stored article to extract again, with what the crawl knew of it."""

    id: int
    source: str
    title: str
    published_at: datetime
    body: str
    metadata: dict[str, Any]


_SCOPE = """
FROM articles a
WHERE a.relevant AND a.duplicate_of IS NULL
  AND NOT EXISTS (SELECT 1 FROM baselines b WHERE b.article_id = a.id)
  AND (%(since)s::date IS NULL OR a.published_at >= %(since)s::date::timestamptz)
  AND (%(source)s::text IS NULL OR a.source = %(source)s)
  AND (%(all)s OR NOT EXISTS (SELECT 1 FROM indicator_observations o WHERE o.article_id = a.id)
       OR EXISTS (SELECT 1 FROM indicator_observations o WHERE o.article_id = a.id
                  AND (o.extractor_version IS DISTINCT FROM %(extractor)s
                       OR o.lexicon_fingerprint IS DISTINCT FROM %(lexicon)s)))
"""


def _scope(since: date | None, source: str | None, stamp: Stamp | None) -> dict[str, object]:
    return {"since": since, "source": source, "all": stamp is None,
            "extractor": stamp.extractor if stamp else None, "lexicon": stamp.lexicon if stamp else None}


def count_articles(conn: Connection, *, since: date | None = None, source: str | None = None,
                   stale: Stamp | None = None) -> int:
    """How many articles `articles` would hand out (see there)."""
    row = conn.execute("SELECT count(*) AS n " + _SCOPE, _scope(since, source, stale)).fetchone()
    return int(row["n"]) if row else 0


def articles(conn: Connection, *, since: date | None = None, source: str | None = None, stale: Stamp | None = None,
             after_id: int = 0, limit: int = 100) -> list[StoredArticle]:
    """Relevant stored articles (never a baseline's, never a re-published copy), in id order from `after_id`.

    `since` keeps those published from that day on, `source` those of one source; with `stale`, only those
    with no figure, or with a figure that another extractor or lexicon than `stale` extracted.
    """
    rows = conn.execute(
        "SELECT a.id, a.source, a.title, a.published_at, a.body, a.metadata " + _SCOPE
        + " AND a.id > %(after)s ORDER BY a.id LIMIT %(limit)s",
        _scope(since, source, stale) | {"after": after_id, "limit": limit}).fetchall()
    return [StoredArticle(**row) for row in rows]


class Key(NamedTuple):
    """What the diff compares a figure by (db.diff): its history is the figures of the same key."""

    metric: str
    region: str
    kind: str
    unit: str
    status: str


@dataclass(frozen=True, slots=True)
class Replaced:
    """What replacing an article's observations did, by observation id."""

    kept: list[int]  # the same figure, updated in place (possibly re-keyed)
    added: list[int]
    removed: int
    rekeyed: int  # kept figures whose metric, region, kind, unit or status changed
    orphans: list[int] = field(default_factory=list)  # figures elsewhere whose previous figure was removed
    left: dict[int, Key] = field(default_factory=dict)  # re-keyed kept figures: the key each had before

    @property
    def touched(self) -> list[int]:
        """Observations whose comparison has to be made again."""
        return self.kept + self.added + self.orphans


_KEY = ("metric", "region", "kind", "unit", "status")


def replace_observations(conn: Connection, article_id: int, indicators: Iterable[Indicator],
                         stamp: Stamp | None = None) -> Replaced:
    """Replace an article's observations with a new extraction of it, in one transaction.

    A figure found again (the same value at the same offsets, or overlapping ones) keeps its row and id;
    the rest are inserted or deleted. Comparisons are not touched here: `recompute` the `touched` ones.
    """
    stamp = stamp or current()
    with conn.transaction():
        article = conn.execute("SELECT published_at FROM articles WHERE id = %s FOR UPDATE", [article_id]).fetchone()
        if article is None:
            raise LookupError(f"no article {article_id}")
        old = conn.execute("SELECT id, start_offset, end_offset, value, metric, region, kind, unit, status, period "
                           "FROM indicator_observations WHERE article_id = %s AND attachment_figure_id IS NULL "
                           "ORDER BY id", [article_id]).fetchall()  # an attachment's figures are kept
        fresh = _unique(indicators)
        pairs = _pair(old, fresh)
        kept = {old_id: fresh[i] for i, old_id in pairs.items()}
        removed = [r["id"] for r in old if r["id"] not in kept]
        orphans: list[int] = []
        if removed:  # later comparisons that took a removed figure as their previous one are recomputed
            orphans = [r["observation_id"] for r in conn.execute(
                "UPDATE indicator_changes SET previous_observation_id = NULL "
                "WHERE previous_observation_id = ANY(%s) RETURNING observation_id", [removed])]
            conn.execute(_WITHDRAW, [removed])  # a digest may have reported them: corrected once
            conn.execute("DELETE FROM indicator_observations WHERE id = ANY(%s)", [removed])
        by_id = {r["id"]: r for r in old}
        left = {old_id: Key(*(by_id[old_id][k] for k in _KEY)) for old_id, ind in kept.items()
                if tuple(by_id[old_id][k] for k in _KEY) != tuple(getattr(ind, k) for k in _KEY)}
        with conn.cursor() as cursor:
            # two steps, so that figures trading names within the article never meet the unique key halfway
            cursor.executemany("UPDATE indicator_observations SET metric = E'\\x01' || id WHERE id = %s",
                               [[old_id] for old_id in kept])
            cursor.executemany(_UPDATE, [observation_row(ind, stamp) | {"id": old_id} for old_id, ind in kept.items()])
        added_indicators = [ind for i, ind in enumerate(fresh) if i not in pairs]
        insert_observations(conn, article_id, article["published_at"], added_indicators, stamp)
        added = [r["id"] for r in conn.execute(
            "SELECT id FROM indicator_observations WHERE article_id = %s AND NOT id = ANY(%s) "
            "AND attachment_figure_id IS NULL ORDER BY id",
            [article_id, list(kept)])]
    return Replaced(kept=sorted(kept), added=added, removed=len(removed), rekeyed=len(left),
                    orphans=[o for o in orphans if o not in removed], left=left)


# What a digest reported of figures about to be removed (migration 0043): changed and new ones, which its
# sections list (a confirmed figure is only counted).
_WITHDRAW = """
INSERT INTO withdrawn_changes (change_id, observation_id, article_id, first_seq, outcome, match, match_reason,
    metric, region, kind, unit, status, period, value, qualifier, surface, sentence, published_at, delta,
    delta_ratio, baseline_metric, baseline_value, baseline_unit, baseline_qualifier, baseline_period,
    baseline_published_at)
SELECT c.id, o.id, o.article_id, coalesce(c.first_seq, c.commit_seq), c.outcome, c.match, c.match_reason,
       o.metric, o.region, o.kind, o.unit, o.status, o.period, o.value, o.qualifier, o.surface, o.sentence,
       o.published_at, c.delta, c.delta_ratio, coalesce(b.metric, k.metric), b.value, b.unit, b.qualifier,
       b.period, b.published_at
FROM indicator_changes c
JOIN indicator_observations o ON o.id = c.observation_id
LEFT JOIN indicator_observations b ON b.id = c.baseline_observation_id
LEFT JOIN indicator_observations k ON k.id = c.candidate_observation_id
WHERE c.observation_id = ANY(%s) AND c.outcome IN ('changed', 'new')
ORDER BY c.commit_seq
"""

_UPDATE = """
UPDATE indicator_observations SET metric = %(metric)s, metric_raw = %(metric_raw)s, region = %(region)s,
    kind = %(kind)s, period = %(period)s, period_start = %(period_start)s, period_end = %(period_end)s,
    value = %(value)s, unit = %(unit)s, qualifier = %(qualifier)s, status = %(status)s, surface = %(surface)s,
    sentence = %(sentence)s, start_offset = %(start_offset)s, end_offset = %(end_offset)s,
    sentence_start = %(sentence_start)s, extractor_version = %(extractor_version)s,
    lexicon_fingerprint = %(lexicon_fingerprint)s
WHERE id = %(id)s
"""


def _unique(indicators: Iterable[Indicator]) -> list[Indicator]:
    """The indicators the store would keep: the first of each (offset, metric, region, kind)."""
    seen: set[tuple[object, ...]] = set()
    kept = []
    for ind in indicators:
        key = (ind.start, ind.metric, ind.region, ind.kind)
        if key not in seen:
            seen.add(key)
            kept.append(ind)
    return kept


def _pair(old: Sequence[dict[str, Any]], fresh: Sequence[Indicator]) -> dict[int, int]:
    """Which new indicator (index) is which old figure (id): the same value at the same offsets first, then
    the same value at overlapping offsets (a qualifier now read into the surface), then the same value of
    the same key and period elsewhere in the text (a figure now read at another of its mentions): so a
    figure found again is never withdrawn and reported anew."""
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for rule in ("same", "overlap", "key"):
        for i, ind in enumerate(fresh):
            if i in pairs:
                continue
            for row in old:
                if row["id"] in taken or Decimal(row["value"]) != ind.value:
                    continue
                found = {"same": (row["start_offset"], row["end_offset"]) == (ind.start, ind.end),
                         "overlap": row["start_offset"] < ind.end and ind.start < row["end_offset"],
                         "key": all(row[k] == getattr(ind, k) for k in (*_KEY, "period"))}
                if found[rule]:
                    pairs[i] = row["id"]
                    taken.add(row["id"])
                    break
    return pairs


@dataclass
class Recomputed:
    """What recomputing comparisons did."""

    compared: int = 0  # comparisons made (the figures given, those depending on them, and any not compared yet)
    revised: int = 0  # comparisons that now differ from the one before: reported once, as a correction
    revised_ids: list[int] = field(default_factory=list)  # their observations


_SIGNATURE = """
SELECT c.id, c.observation_id, c.commit_seq, c.first_seq, c.revised_seq, c.revision, c.outcome, c.match,
       c.restated, c.period_relation, b.value AS b_value, b.unit AS b_unit, b.period AS b_period,
       b.qualifier AS b_qualifier, b.surface AS b_surface, b.sentence AS b_sentence, b.metric AS b_metric,
       o.kind, p.value AS p_value, p.unit AS p_unit, p.qualifier AS p_qualifier, p.article_id AS p_article,
       p.published_at AS p_published_at
FROM indicator_changes c
JOIN indicator_observations o ON o.id = c.observation_id
LEFT JOIN indicator_observations b ON b.id = c.baseline_observation_id
LEFT JOIN indicator_observations p ON p.id = c.previous_observation_id
WHERE c.observation_id = ANY(%s)
"""


def _signature(row: dict[str, Any]) -> tuple[object, ...]:
    """What a reader learns from a comparison: what it was compared with, and how, and which earlier figure
    of its series it follows (a re-key may give it another: its article and value tell, however that
    article is read now). Not the figure's own name (a re-keyed figure still says the same), nor the
    baseline figure's row (a baseline read again with another lexicon has new rows for the same sentences)."""
    matched = row["match"] in ("exact", "inferred")
    return (row["outcome"], matched, row["b_sentence"], row["b_surface"], row["b_value"], row["b_unit"],
            row["b_period"], row["restated"], row["period_relation"], row["p_article"], row["p_value"],
            row["p_unit"])


_AGAINST_BASELINE = 9  # the first elements of a signature: the comparison with the baseline; then the series


def _revision(row: dict[str, Any], now: dict[str, Any]) -> str:
    """The comparison before a revision, as the digest's correction line shows it, and what changed (`what`:
    `baseline`, the comparison with the baseline; `series`, only the earlier figure it follows)."""
    fields = ("outcome", "match", "kind", "b_value", "b_unit", "b_period", "b_qualifier", "b_metric",
              "p_value", "p_unit", "p_qualifier", "p_published_at")
    what = "series" if _signature(row)[:_AGAINST_BASELINE] == _signature(now)[:_AGAINST_BASELINE] else "baseline"
    return json.dumps({k: (str(row[k]) if isinstance(row[k], Decimal | datetime) else row[k]) for k in fields}
                      | {"what": what}, ensure_ascii=False)


# The later history of the keys touched: every figure of a touched figure's key (now, or before a re-key:
# `left`) published at or after the earliest touched figure of that key. A figure re-keyed, added or moved
# into a key's history may be the previous figure of any of them now, and no longer that of its old key's.
_LATER_HISTORY = """
WITH touched AS (
    SELECT o.metric, o.region, o.kind, o.unit, o.status, o.published_at
    FROM indicator_observations o WHERE o.id = ANY(%(ids)s)
    UNION ALL
    SELECT l.metric, l.region, l.kind, l.unit, l.status, o.published_at
    FROM unnest(%(left_ids)s::bigint[], %(metrics)s::text[], %(regions)s::text[], %(kinds)s::text[],
                %(units)s::text[], %(statuses)s::text[]) AS l(id, metric, region, kind, unit, status)
    JOIN indicator_observations o ON o.id = l.id
),
starts AS (
    SELECT metric, region, kind, unit, status, min(published_at) AS from_at FROM touched
    GROUP BY metric, region, kind, unit, status
)
SELECT e.id FROM starts s
JOIN indicator_observations e ON (e.metric, e.region, e.kind, e.unit, e.status)
                               = (s.metric, s.region, s.kind, s.unit, s.status)
WHERE e.published_at >= s.from_at
"""


def later_history(conn: Connection, observation_ids: Sequence[int], left: Mapping[int, Key]) -> list[int]:
    """The figures whose previous figure may have changed when these figures were stored, moved or re-keyed
    (`left`: the key a re-keyed figure had before): every figure of their keys, old and new, published at
    or after the earliest of them in that key (themselves included)."""
    keys = list(left.items())
    return [r["id"] for r in conn.execute(_LATER_HISTORY, {
        "ids": list(observation_ids), "left_ids": [i for i, _ in keys],
        "metrics": [k.metric for _, k in keys], "regions": [k.region for _, k in keys],
        "kinds": [k.kind for _, k in keys], "units": [k.unit for _, k in keys],
        "statuses": [k.status for _, k in keys]})]


def recompute(conn: Connection, observation_ids: Iterable[int], baseline: str = DEFAULT_NAME,
              options: MatchOptions = DEFAULT_OPTIONS, left: Mapping[int, Key] | None = None) -> Recomputed:
    """Compare these figures again (and those whose previous figure is one of them, or may now be: the
    later history of their keys, old and new, `later_history`), in one transaction.

    Each comparison is made anew against the current baseline (db.diff.compute). A figure compared before
    keeps the number of its first comparison; when the new comparison says something else than the old
    one (another baseline figure, outcome, period relation), it is marked revised, with the old one kept
    for the digest's correction line. NoBaseline (db.diff) when there is no baseline.
    """
    left = dict(left or {})
    ids = sorted(set(observation_ids) | set(left))
    result = Recomputed()
    if not ids:
        return result
    with conn.transaction():
        dependents = [r["observation_id"] for r in conn.execute(
            "SELECT observation_id FROM indicator_changes WHERE previous_observation_id = ANY(%s)", [ids])]
        scope = sorted(set(ids) | set(dependents) | set(later_history(conn, ids, left)))
        before = {r["observation_id"]: r for r in conn.execute(_SIGNATURE, [scope]).fetchall()}
        conn.execute("DELETE FROM indicator_changes WHERE observation_id = ANY(%s)", [scope])
        result.compared = diff.compute(conn, baseline, options)
        # each comparison made again keeps its number, so a review or a decision naming it still finds it
        kept = [(obs, row["id"]) for obs, row in before.items()]
        conn.execute("UPDATE indicator_changes c SET id = k.id FROM unnest(%s::bigint[], %s::bigint[]) "
                     "AS k(observation_id, id) WHERE c.observation_id = k.observation_id",
                     [[obs for obs, _ in kept], [i for _, i in kept]])
        updates = []
        for row in conn.execute(_SIGNATURE, [scope]).fetchall():
            old = before.get(row["observation_id"])
            if old is None:
                continue  # compared for the first time
            first = old["first_seq"] or old["commit_seq"]
            if _signature(old) == _signature(row):
                updates.append([first, old["revised_seq"], old["revision"] and json.dumps(old["revision"]),
                                row["observation_id"]])
            else:
                updates.append([first, row["commit_seq"], _revision(old, row), row["observation_id"]])
                result.revised += 1
                result.revised_ids.append(row["observation_id"])
        with conn.cursor() as cursor:
            cursor.executemany("UPDATE indicator_changes SET first_seq = %s, revised_seq = %s, revision = %s::jsonb "
                               "WHERE observation_id = %s", updates)
    return result


_WITHDRAWN = """
SELECT w.change_id, w.outcome, NULL::text AS period_relation, false AS restated, w.delta, w.delta_ratio,
       NULL::numeric AS previous_delta, w.match, NULL::numeric AS match_score, w.match_reason, w.commit_seq,
       w.first_seq, NULL::bigint AS revised_seq, NULL::jsonb AS revision, w.observation_id, w.metric, w.region,
       w.kind, w.period, w.value, w.unit, w.qualifier, w.status, w.surface, w.sentence, w.baseline_value,
       w.baseline_unit, w.baseline_qualifier, w.baseline_period, NULL::text AS baseline_surface,
       w.baseline_published_at, NULL::text AS baseline_sentence, w.baseline_metric, a.id AS article_id, a.title,
       a.canonical_url, a.source, s.name AS source_name, w.published_at, a.fetched_at
FROM withdrawn_changes w
JOIN articles a ON a.id = w.article_id
JOIN sources s ON s.id = a.source
WHERE w.commit_seq > %(after)s AND w.commit_seq <= %(upto)s AND w.first_seq <= %(after)s
  AND (cardinality(%(regions)s::text[]) = 0 OR w.region = ANY(%(regions)s))
  AND (cardinality(%(metrics)s::text[]) = 0
       OR EXISTS (SELECT 1 FROM unnest(%(metrics)s::text[]) m WHERE strpos(w.metric, m) > 0))
ORDER BY w.metric, w.region, w.published_at, w.id
"""


def withdrawn(conn: Connection, *, after_change: int, upto_change: int, regions: list[str] | None = None,
              metrics: list[str] | None = None) -> list[diff.ChangeRow]:
    """Figures a digest covering up to `after_change` reported that a reprocess then no longer found, withdrawn
    after that mark and up to `upto_change` (commit order), as they were reported (rows like db.diff.changes';
    `regions` and `metrics` are a subscriber's filters). A reader who never got one is not told."""
    rows = conn.execute(_WITHDRAWN, {"after": after_change, "upto": upto_change, "regions": regions or [],
                                     "metrics": metrics or []}).fetchall()
    return cast(list[diff.ChangeRow], rows)
