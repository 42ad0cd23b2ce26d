"""Attachments of articles and their figures (migrations 0021, 0022): stored as given, never extracted here.

Each figure is also an observation of the article the file came with (its `attachment_figure_id` says so),
so that the diff compares it and the digests and the web show it like any other, with where it was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from crawler.extract.version import current
from db.articles import period_bounds
from db.connection import Connection


@dataclass(frozen=True, slots=True)
class AttachmentFigure:
    """A figure read from an attachment, with where it is in the file."""

    part: str
    location: str
    metric: str
    region: str
    period: str | None
    kind: str
    value: Decimal
    unit: str
    qualifier: str | None
    status: str
    surface: str
    sentence: str
    metric_raw: str = ""
    start: int = 0  # offsets in the part's text, as read
    end: int = 0
    sentence_start: int = 0


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file an article links: how fetching and reading it went, what it said."""

    source: str
    article_url: str  # the article's canonical URL
    url: str
    name: str
    kind: str | None
    status: str  # read, unreadable, failed, refused
    bytes: int | None = None
    detail: str | None = None
    parts: int = 0
    text: str | None = None
    figures: list[AttachmentFigure] = field(default_factory=list)


def store_attachment(conn: Connection, attachment: Attachment) -> int | None:
    """Store an attachment (replacing an earlier record of the same file) and its figures, in one transaction.

    Returns its id, or None when its article is not stored (nothing to attach it to). The figures become the
    article's observations too (not those of a re-published copy, which is never compared).
    """
    with conn.transaction():
        row = conn.execute("SELECT id FROM articles WHERE source = %s AND canonical_url = %s",
                           [attachment.source, attachment.article_url]).fetchone()
        if row is None:
            return None
        stored = conn.execute(
            "INSERT INTO attachments (article_id, url, name, kind, bytes, status, detail, parts, text) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (article_id, url) DO UPDATE SET "
            "name = excluded.name, kind = excluded.kind, bytes = excluded.bytes, status = excluded.status, "
            "detail = excluded.detail, parts = excluded.parts, text = excluded.text, fetched_at = now() "
            "RETURNING id",
            [row["id"], attachment.url, attachment.name, attachment.kind, attachment.bytes, attachment.status,
             attachment.detail, attachment.parts, attachment.text]).fetchone()
        assert stored is not None
        attachment_id = int(stored["id"])
        conn.execute("DELETE FROM attachment_figures WHERE attachment_id = %s", [attachment_id])
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO attachment_figures (attachment_id, part, location, metric, metric_raw, region, period, "
                "period_start, period_end, kind, value, unit, qualifier, status, surface, sentence, start_offset, "
                "end_offset, sentence_start) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(attachment_id, f.part, f.location, f.metric, f.metric_raw, f.region, f.period,
                  *period_bounds(f.period), f.kind, f.value, f.unit, f.qualifier, f.status, f.surface, f.sentence,
                  f.start, f.end, f.sentence_start) for f in attachment.figures])
        stamp = current()
        conn.execute(_OBSERVE, [stamp.extractor, stamp.lexicon, attachment_id])
        return attachment_id


_OBSERVE = """
INSERT INTO indicator_observations
    (article_id, attachment_figure_id, metric, metric_raw, region, kind, period, period_start, period_end, value,
     unit, qualifier, status, surface, sentence, start_offset, end_offset, sentence_start, published_at,
     extractor_version, lexicon_fingerprint)
SELECT a.id, f.id, f.metric, f.metric_raw, f.region, f.kind, f.period, f.period_start, f.period_end, f.value,
       f.unit, f.qualifier, f.status, f.surface, f.sentence, f.start_offset, f.end_offset, f.sentence_start,
       a.published_at, %s, %s
FROM attachment_figures f JOIN attachments t ON t.id = f.attachment_id JOIN articles a ON a.id = t.article_id
WHERE f.attachment_id = %s AND a.duplicate_of IS NULL
ORDER BY f.id
ON CONFLICT DO NOTHING
"""
