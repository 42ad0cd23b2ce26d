"""Review of the identity matcher's possible matches: a person says whether two figures state one indicator.

`list_possible_matches` is what waits for a decision; `decide` records one. An accepted match makes the
figure's metric an alias of the baseline figure's (a stored lexicon entry, db/lexicon_store.py): every stored
figure of that metric is re-keyed to the baseline's name at once, later extraction uses the alias, and the
comparisons of the figures it touches are made again (db/reprocess.py: reported once, as a correction). A
rejected one makes the two metrics a distinct pair, which the matcher never merges again; the figures that
were matched or possibly matched across it are compared again. `cywatch lexicon export` writes the stored
entries into the data file.

Functions for the command line and the web endpoint alike; they commit nothing themselves but run in one
transaction (a savepoint inside the caller's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crawler.extract.identity import DEFAULT_OPTIONS, MatchOptions
from db import lexicon_store
from db.baseline import DEFAULT_NAME
from db.connection import Connection
from db.reprocess import Key, Recomputed, recompute


class ReviewError(LookupError):
    """The comparison named does not exist or has no match to decide on; the message says which."""


@dataclass(frozen=True, slots=True)
class PossibleMatch:
    """A figure, the baseline figure it may restate, how sure the matcher was, and both sentences."""

    change_id: int
    match: str  # possible (waiting for review) or inferred (matched; it may still be rejected)
    score: Decimal | None
    reason: str
    metric: str
    region: str
    kind: str
    unit: str
    value: Decimal
    surface: str
    period: str | None
    sentence: str
    title: str
    url: str
    published_at: datetime
    candidate_id: int
    candidate_metric: str
    candidate_region: str
    candidate_value: Decimal
    candidate_surface: str
    candidate_period: str | None
    candidate_sentence: str


_MATCHES = """
SELECT c.id AS change_id, c.match, c.match_score AS score, coalesce(c.match_reason, '') AS reason,
       o.metric, o.region, o.kind, o.unit, o.value, o.surface, o.period, o.sentence,
       a.title, a.canonical_url AS url, a.published_at,
       k.id AS candidate_id, k.metric AS candidate_metric, k.region AS candidate_region,
       k.value AS candidate_value, k.surface AS candidate_surface, k.period AS candidate_period,
       k.sentence AS candidate_sentence
FROM indicator_changes c
JOIN indicator_observations o ON o.id = c.observation_id
JOIN articles a ON a.id = o.article_id
JOIN indicator_observations k ON k.id = CASE c.match WHEN 'possible' THEN c.candidate_observation_id
                                                     ELSE c.baseline_observation_id END
WHERE c.match = ANY(%(matches)s) AND (%(change)s::bigint IS NULL OR c.id = %(change)s)
ORDER BY c.match_score DESC NULLS LAST, o.metric, c.id
"""


def list_possible_matches(conn: Connection, *, inferred: bool = False) -> list[PossibleMatch]:
    """The possible matches waiting for a decision, surest first (with `inferred`, the inferred ones too)."""
    matches = ["possible", "inferred"] if inferred else ["possible"]
    rows = conn.execute(_MATCHES, {"matches": matches, "change": None}).fetchall()
    return [PossibleMatch(**row) for row in rows]


@dataclass(frozen=True, slots=True)
class Decision:
    """What a decision did."""

    id: int
    accepted: bool
    metric: str  # the figure's metric, now an alias of `candidate_metric` (accepted) or distinct from it
    candidate_metric: str
    rekeyed: int  # stored figures renamed to the baseline's metric (accepted)
    recomputed: Recomputed


_REKEY = """
UPDATE indicator_observations o SET metric = %(canonical)s
WHERE o.metric = %(alias)s
  AND NOT EXISTS (SELECT 1 FROM baselines b WHERE b.article_id = o.article_id)
  AND NOT EXISTS (SELECT 1 FROM indicator_observations t WHERE t.article_id = o.article_id
                  AND t.start_offset = o.start_offset AND t.metric = %(canonical)s AND t.region = o.region
                  AND t.kind = o.kind)
RETURNING o.id, o.region, o.kind, o.unit, o.status
"""
_ACROSS = """
SELECT c.observation_id FROM indicator_changes c
JOIN indicator_observations o ON o.id = c.observation_id
JOIN indicator_observations k ON k.id = coalesce(c.baseline_observation_id, c.candidate_observation_id)
WHERE c.match IN ('possible', 'inferred')
  AND ((o.metric = %(a)s AND k.metric = %(b)s) OR (o.metric = %(b)s AND k.metric = %(a)s))
"""


def decide(conn: Connection, change_id: int, accept: bool, *, decided_by: str | None = None,
           note: str | None = None, baseline: str = DEFAULT_NAME,
           options: MatchOptions = DEFAULT_OPTIONS) -> Decision:
    """Accept or reject the match of comparison `change_id` (possible, or inferred), and apply it everywhere.

    ReviewError when there is no such comparison, or it has no match to decide on.
    """
    with conn.transaction():
        found = conn.execute(_MATCHES, {"matches": ["possible", "inferred"], "change": change_id}).fetchone()
        if found is None:
            raise ReviewError(_missing(conn, change_id))
        match = PossibleMatch(**found)
        decision = conn.execute(
            "INSERT INTO review_decisions (change_id, metric, candidate_metric, region, kind, unit, score, accepted, "
            "decided_by, note) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [change_id, match.metric, match.candidate_metric, match.region, match.kind, match.unit, match.score,
             accept, decided_by, note]).fetchone()
        assert decision is not None
        touched: list[int] = []
        left: dict[int, Key] = {}  # re-keyed figures: the key each had before
        rekeyed = 0
        if match.metric != match.candidate_metric:
            kind = "alias" if accept else "distinct"
            lexicon_store.add(conn, kind, match.metric, match.candidate_metric, decision["id"])
            if accept:
                left = {r["id"]: Key(match.metric, r["region"], r["kind"], r["unit"], r["status"])
                        for r in conn.execute(_REKEY, {"canonical": match.candidate_metric, "alias": match.metric})}
                touched = sorted(left)
                rekeyed = len(touched)
            else:
                touched = [r["observation_id"] for r in conn.execute(
                    _ACROSS, {"a": match.metric, "b": match.candidate_metric})]
        lexicon_store.apply(conn)
        if accept and not touched:  # the same name already (a region or kind the matcher was unsure of)
            touched = [r["observation_id"] for r in conn.execute(
                "SELECT observation_id FROM indicator_changes WHERE id = %s", [change_id])]
        recomputed = recompute(conn, touched, baseline, options, left)
    return Decision(decision["id"], accept, match.metric, match.candidate_metric, rekeyed, recomputed)


def _missing(conn: Connection, change_id: int) -> str:
    """Why comparison `change_id` cannot be decided on. Its number survives a recompute (db/reprocess.py):
    it is gone only when its figure is (a reprocess no longer found it), or it never was."""
    exists = conn.execute("SELECT match FROM indicator_changes WHERE id = %s", [change_id]).fetchone()
    if exists is not None:
        return (f"comparison {change_id} has no possible or inferred match to decide on "
                f"(its match is {exists['match']})")
    gone = conn.execute("SELECT metric, surface FROM withdrawn_changes WHERE change_id = %s ORDER BY id DESC LIMIT 1",
                        [change_id]).fetchone()
    if gone is not None:
        return (f"comparison {change_id} is gone: its figure ({gone['metric']} {gone['surface']}) is no longer found "
                "in its article, read again; see cywatch review for what waits")
    return f"no comparison {change_id}"
