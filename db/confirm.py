"""Confirmation across sources: reprints, confirmed figures, conflicts, the official record (migration 0022).

Run right after the diff (`refresh`). Two figures are of one indicator when they share the diff's key
(metric, region, kind, status, unit) and the same period (its first and last day, a year to date ending on
the day it was published, as the diff reads it). Two figures are *independent* when their articles are of
different sources and neither is a reprint of the other (db/minhash.py: near-duplicate texts, linked to the
earliest article of their kind). Of two independent figures of one indicator:
- they *agree* when their values are equal at the coarser one's precision, the precision being the last
  digit written (8.1% is 8.1 ± 0.05, so 8.1% and 8.10% agree, as do 8.1% and a bureau's 8.12%; 2.8万亿元 is
  counted in hundred billions, so it agrees with 28123.4亿元); a figure is then *confirmed*;
- they *conflict* when they do not (8.1% and 8.3%; 16 and 18).
A news figure of an indicator that a statistics bureau (an `official` source) also reports is judged
against the bureau's figures only: the bureau's release is the record, and news figures that disagree with
one another but agree with it are confirmed. A bound or approximation (超过, 约, 以上) neither confirms nor
conflicts, nor does a figure without a period, nor one loaded from a file (a baseline, `cywatch baseline load`:
the reference the diff compares with, not a report of the day).

Incremental and set-based: statement triggers list the keys whose figures were inserted, deleted or changed
(`confirm_dirty`); each refresh works those keys out again, whole, and only those. Idempotent: a refresh
with nothing listed does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from crawler.extract.quantities import LEVEL_SETTERS
from db import minhash
from db.connection import Connection
from db.diff import _PERIOD_END

_LOCK_KEY = 0x6379_6366  # "cycf": one refresh at a time
POINT_QUALIFIERS = sorted(LEVEL_SETTERS - {"突破"})  # 达到 8.1% states 8.1%; 突破2800亿元 is a bound


@dataclass
class Refreshed:
    """What a refresh did."""

    fingerprinted: int = 0  # articles given a signature now
    reprints: int = 0  # reprint links found now
    keys: int = 0  # indicator keys worked out again
    confirmed: int = 0  # figures confirmed, in those keys
    conflicts: int = 0  # figures in conflict, in those keys


_UNSIGNED = """
SELECT a.id, a.body FROM articles a JOIN sources s ON s.id = a.source
WHERE a.relevant AND a.duplicate_of IS NULL AND a.origin = 'crawl' AND s.kind <> 'file'
  AND NOT EXISTS (SELECT 1 FROM article_fingerprints f WHERE f.article_id = a.id)
ORDER BY a.id
"""
# Pairs of articles sharing a band, one of them new: the later of the two (published_at, id) is a reprint of
# the earlier when their signatures agree enough. Each article keeps its first link (an earlier one wins).
_LINK = """
WITH candidates AS (
    SELECT DISTINCT b1.article_id AS one, b2.article_id AS other
    FROM article_bands b1 JOIN article_bands b2 ON (b2.band, b2.hash) = (b1.band, b1.hash)
    WHERE b1.article_id = ANY(%(ids)s::bigint[]) AND b2.article_id <> b1.article_id
),
ordered AS (
    SELECT CASE WHEN (x.published_at, x.id) > (y.published_at, y.id) THEN x.id ELSE y.id END AS later,
           CASE WHEN (x.published_at, x.id) > (y.published_at, y.id) THEN y.id ELSE x.id END AS earlier
    FROM candidates c JOIN articles x ON x.id = c.one JOIN articles y ON y.id = c.other
)
INSERT INTO article_reprints (article_id, original_id, similarity)
SELECT DISTINCT ON (o.later) o.later, coalesce(r.original_id, o.earlier), sim.value
FROM ordered o
JOIN article_fingerprints lf ON lf.article_id = o.later
JOIN article_fingerprints ef ON ef.article_id = o.earlier
JOIN articles e ON e.id = o.earlier
LEFT JOIN article_reprints r ON r.article_id = o.earlier
CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE x = y)::numeric / %(hashes)s AS value
                    FROM unnest(lf.signature, ef.signature) AS t(x, y)) sim
WHERE sim.value >= %(threshold)s
ORDER BY o.later, sim.value DESC, e.published_at, e.id
ON CONFLICT (article_id) DO NOTHING
RETURNING article_id
"""
# A link to an article that is itself a reprint points at that one's original instead.
_CHAIN = """
UPDATE article_reprints r SET original_id = o.original_id
FROM article_reprints o WHERE r.original_id = o.article_id AND o.original_id <> r.article_id
"""
_MARK_ARTICLES = """
INSERT INTO confirm_dirty SELECT DISTINCT metric, region, kind, status, unit FROM indicator_observations
WHERE article_id = ANY(%s) ON CONFLICT DO NOTHING
"""

_KEYS = """
CREATE TEMP TABLE confirm_keys ON COMMIT DROP AS
WITH taken AS (DELETE FROM confirm_dirty RETURNING metric, region, kind, status, unit) SELECT DISTINCT * FROM taken
"""
_CLEAR = """
DELETE FROM figure_confirmations f USING indicator_observations o, confirm_keys k
WHERE f.observation_id = o.id
  AND (o.metric, o.region, o.kind, o.status, o.unit) = (k.metric, k.region, k.kind, k.status, k.unit)
"""
# The figures of the listed keys that can confirm or conflict, with their source, their reprint cluster
# (the original's id) and their precision (`quantum`): the place of the last digit the surface writes, in
# the stored value's unit (2.8万亿元 stored as 2800000000000 元 has a quantum of 100000000000).
_FIGURES = """
CREATE TEMP TABLE confirm_figures ON COMMIT DROP AS
SELECT o.id, o.metric, o.region, o.kind, o.status, o.unit, o.period_start, PERIOD_END AS period_end, o.value,
       o.published_at, a.source, s.official, coalesce(r.original_id, a.id) AS cluster,
       CASE WHEN w.written IS NULL OR w.written = 0 THEN 1
            ELSE abs(o.value / w.written) * power(10::numeric, -w.decimals) END AS quantum
FROM confirm_keys k
JOIN indicator_observations o
  ON (o.metric, o.region, o.kind, o.status, o.unit) = (k.metric, k.region, k.kind, k.status, k.unit)
JOIN articles a ON a.id = o.article_id
JOIN sources s ON s.id = a.source
LEFT JOIN article_reprints r ON r.article_id = a.id
CROSS JOIN LATERAL (
    SELECT replace(n.text, ',', '')::numeric AS written,
           coalesce(length(substring(n.text from '[.]([0-9]+)$')), 0) AS decimals
    FROM (SELECT substring(o.surface from '[0-9][0-9,]*(?:[.][0-9]+)?') AS text) n
) w
WHERE a.duplicate_of IS NULL AND a.origin = 'crawl' AND s.kind <> 'file' AND o.period_end IS NOT NULL
  AND (o.qualifier IS NULL OR o.qualifier = ANY(%(point)s::text[]))
""".replace("PERIOD_END", _PERIOD_END.format(o="o"))
_STATES = """
WITH pairs AS (
    SELECT f.id, g.id AS other, g.source AS other_source, g.official AS other_official, g.published_at AS other_at,
           round(f.value / greatest(f.quantum, g.quantum)) = round(g.value / greatest(f.quantum, g.quantum))
               AS agrees
    FROM confirm_figures f JOIN confirm_figures g
      ON (g.metric, g.region, g.kind, g.status, g.unit) = (f.metric, f.region, f.kind, f.status, f.unit)
     AND g.period_start IS NOT DISTINCT FROM f.period_start AND g.period_end = f.period_end
     AND g.source <> f.source AND g.cluster <> f.cluster
),
weighed AS (SELECT p.*, bool_or(p.other_official) OVER (PARTITION BY p.id) AS has_official FROM pairs p)
INSERT INTO figure_confirmations (observation_id, state, official, sources, agreeing_observation_id,
                                  conflict_observation_id, official_observation_id)
SELECT f.id,
       CASE WHEN bool_or(NOT w.agrees) THEN 'conflict' WHEN bool_or(w.agrees) THEN 'confirmed' ELSE 'single' END,
       f.official,
       coalesce(array_agg(DISTINCT w.other_source ORDER BY w.other_source) FILTER (WHERE w.agrees), '{}'),
       (array_agg(w.other ORDER BY w.other_official DESC, w.other_at, w.other) FILTER (WHERE w.agrees))[1],
       (array_agg(w.other ORDER BY w.other_official DESC, w.other_at, w.other) FILTER (WHERE NOT w.agrees))[1],
       (array_agg(w.other ORDER BY w.agrees DESC, w.other_at, w.other) FILTER (WHERE w.other_official))[1]
FROM confirm_figures f
LEFT JOIN weighed w ON w.id = f.id AND (f.official OR NOT w.has_official OR w.other_official)
GROUP BY f.id, f.official
HAVING f.official OR count(w.other) > 0
RETURNING state
"""


def refresh(conn: Connection) -> Refreshed:
    """Sign new articles, link reprints, and work out again the confirmation of every listed key."""
    done = Refreshed()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        unsigned = conn.execute(_UNSIGNED).fetchall()
        if unsigned:
            signed = [(row["id"], minhash.signature(row["body"])) for row in unsigned]
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO article_fingerprints (article_id, signature) VALUES (%s, %s)",
                                signed)
                cur.executemany("INSERT INTO article_bands (band, hash, article_id) VALUES (%s, %s, %s) "
                                "ON CONFLICT DO NOTHING",
                                [(band, value, article_id) for article_id, sig in signed
                                 for band, value in enumerate(minhash.bands(sig))])
            linked = [r["article_id"] for r in conn.execute(_LINK, {
                "ids": [article_id for article_id, _ in signed], "hashes": minhash.HASHES,
                "threshold": minhash.THRESHOLD})]
            for _ in range(8):  # chains are short: a reprint of a reprint, rarely more
                if not conn.execute(_CHAIN).rowcount:
                    break
            if linked:
                conn.execute(_MARK_ARTICLES, [linked])
            done.fingerprinted, done.reprints = len(signed), len(linked)
        for table in ("confirm_keys", "confirm_figures"):
            conn.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
        conn.execute(_KEYS)
        done.keys = conn.execute("SELECT count(*) AS n FROM confirm_keys").fetchone()["n"]  # type: ignore[index]
        if done.keys:
            conn.execute(_CLEAR)
            conn.execute(_FIGURES, {"point": POINT_QUALIFIERS})
            states = [r["state"] for r in conn.execute(_STATES)]
            done.confirmed, done.conflicts = states.count("confirmed"), states.count("conflict")
    return done


@dataclass(frozen=True, slots=True)
class Witness:
    """Another source's figure of the same indicator and period, as a reader is shown it."""

    observation_id: int
    value: Decimal
    unit: str
    kind: str
    qualifier: str | None
    surface: str
    sentence: str
    source: str
    source_name: str
    official: bool
    title: str
    url: str
    published_at: datetime
    provenance: str  # "" for an article's own text; else the attachment, its part and cell


@dataclass(frozen=True, slots=True)
class Standing:
    """A figure's confirmation state and what it rests on."""

    state: str = "single"  # single, confirmed, conflict
    official: bool = False  # its own source is a statistics bureau
    sources: list[str] = field(default_factory=list)  # the names of the independent sources that agree
    agreeing: Witness | None = None  # one of them (an official one first)
    conflicting: Witness | None = None  # one figure that disagrees (an official one first)
    official_figure: Witness | None = None  # a bureau's figure of the same indicator and period
    provenance: str = ""  # where in an attachment this figure itself was read
    attachment_url: str = ""

    @property
    def headline(self) -> Witness | None:
        """The official figure that a line shows first: a news figure that a bureau confirms in other digits
        (8.1% against the bureau's 8.12%) is headed by the bureau's."""
        return self.official_figure if not self.official and self.state == "confirmed" else None


# Where an attachment's figure was read: the file, its part (sheet or page) and its cell.
_PROVENANCE = """coalesce(t.name || ' · ' || af.part || CASE WHEN af.location <> '' THEN ' · ' || af.location ELSE '' END,
                '') AS provenance"""
_WITNESS = """o.id AS observation_id, o.value, o.unit, o.kind, o.qualifier, o.surface, o.sentence, a.source,
       s.name AS source_name, s.official, a.title, a.canonical_url AS url, a.published_at, """ + _PROVENANCE
_STANDING = f"""
SELECT x.id, fc.state, fc.official, fc.agreeing_observation_id, fc.conflict_observation_id,
       fc.official_observation_id, coalesce(t.url, '') AS attachment_url, {_PROVENANCE},
       (SELECT array_agg(s.name ORDER BY s.id) FROM sources s WHERE s.id = ANY(fc.sources)) AS sources
FROM unnest(%s::bigint[]) AS x(id)
JOIN indicator_observations o ON o.id = x.id
LEFT JOIN figure_confirmations fc ON fc.observation_id = x.id
LEFT JOIN attachment_figures af ON af.id = o.attachment_figure_id
LEFT JOIN attachments t ON t.id = af.attachment_id
WHERE fc.observation_id IS NOT NULL OR af.id IS NOT NULL
"""  # noqa: S608 (constants)
_WITNESSES = f"""
SELECT {_WITNESS}
FROM indicator_observations o JOIN articles a ON a.id = o.article_id JOIN sources s ON s.id = a.source
LEFT JOIN attachment_figures af ON af.id = o.attachment_figure_id
LEFT JOIN attachments t ON t.id = af.attachment_id
WHERE o.id = ANY(%s::bigint[])
"""  # noqa: S608 (constants)


def standings(conn: Connection, observation_ids: Sequence[int]) -> dict[int, Standing]:
    """The confirmation state and provenance of these figures; a figure absent from the answer stands alone,
    read from its article's own text."""
    if not observation_ids:
        return {}
    rows = conn.execute(_STANDING, [list(observation_ids)]).fetchall()
    wanted = {r[k] for r in rows for k in ("agreeing_observation_id", "conflict_observation_id",
                                            "official_observation_id") if r[k] is not None}
    witnesses = {r["observation_id"]: Witness(**r) for r in conn.execute(_WITNESSES, [list(wanted)])} if wanted else {}
    return {r["id"]: Standing(state=r["state"] or "single", official=bool(r["official"]),
                              sources=list(r["sources"] or []),
                              agreeing=witnesses.get(r["agreeing_observation_id"]),
                              conflicting=witnesses.get(r["conflict_observation_id"]),
                              official_figure=witnesses.get(r["official_observation_id"]),
                              provenance=r["provenance"], attachment_url=r["attachment_url"])
            for r in rows}
