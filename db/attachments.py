"""Attachments of articles and their figures (migration 0021): stored as given, never extracted here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

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

    Returns its id, or None when its article is not stored (nothing to attach it to).
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
                "INSERT INTO attachment_figures (attachment_id, part, location, metric, region, period, kind, "
                "value, unit, qualifier, status, surface, sentence) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(attachment_id, f.part, f.location, f.metric, f.region, f.period, f.kind, f.value, f.unit,
                  f.qualifier, f.status, f.surface, f.sentence) for f in attachment.figures])
        return attachment_id
