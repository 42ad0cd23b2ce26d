"""Storing articles and their indicator observations.

An article and its indicators are written in one transaction, so "seen" means "committed": a crash before
the commit leaves no trace and the article is fetched again next time. A re-published copy (same source,
same normalised title, same day in Asia/Shanghai) is stored as seen, marked `duplicate_of`, without
indicators, so that one figure is never counted twice.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from crawler.extract import Indicator
from crawler.extract.version import Stamp, current
from db.connection import Connection, one
from settings import SITES_TIMEZONE


@dataclass(frozen=True, slots=True)
class Article:
    """An article as the crawler (or a file loader) hands it to the store."""

    source: str
    canonical_url: str
    title: str
    published_at: datetime  # timezone-aware
    body: str
    doc_id: str | None = None
    section: str | None = None
    origin: str = "crawl"
    relevance: Decimal = Decimal(0)
    matched_terms: tuple[str, ...] = ()
    relevant: bool = False
    metadata: dict[str, object] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Stored:
    """What happened to an article handed to the store."""

    article_id: int
    new: bool  # False: it was already stored (nothing written)
    duplicate_of: int | None = None
    indicators: int = 0


_TITLE_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize_title(title: str) -> str:
    """A title reduced to its words, for recognising re-published copies."""
    return _TITLE_NOISE.sub("", unicodedata.normalize("NFKC", title)).lower()


def period_bounds(period: str | None) -> tuple[date | None, date | None]:
    """First and last day of a period string: '2024-01/2024-05' -> (2024-01-01, 2024-05-31); day periods
    ('2025-10-01/2025-10-08', a holiday) are their own bounds."""
    if not period:
        return None, None
    if "/" in period:
        first, last = period.split("/")
        if len(first) == 10 and len(last) == 10:
            return date.fromisoformat(first), date.fromisoformat(last)
        y1, m1 = map(int, first.split("-"))
        y2, m2 = map(int, last.split("-"))
        return date(y1, m1, 1), date(y2, m2, calendar.monthrange(y2, m2)[1])
    year = int(period)
    return date(year, 1, 1), date(year, 12, 31)


def store_article(conn: Connection, article: Article, indicators: Iterable[Indicator], *,
                  republished: bool = True) -> Stored:
    """Insert an article and its indicators in one transaction, unless it is already stored.

    `republished=False` skips the re-published-copy check (a baseline read again with a changed lexicon is
    the same text on purpose)."""
    with conn.transaction():
        row = conn.execute(
            """
            INSERT INTO articles (source, canonical_url, doc_id, title, normalized_title, section, published_at,
                                  body, content_hash, origin, relevance, matched_terms, relevant, metadata)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT DO NOTHING
            RETURNING id
            """,
            [article.source, article.canonical_url, article.doc_id, article.title,
             normalize_title(article.title), article.section, article.published_at, article.body,
             article.content_hash, article.origin, article.relevance, list(article.matched_terms),
             article.relevant, json.dumps(article.metadata, ensure_ascii=False)],
        ).fetchone()
        if row is None:
            existing = one(conn.execute(
                "SELECT id FROM articles WHERE source = %s AND (canonical_url = %s OR doc_id = %s)",
                [article.source, article.canonical_url, article.doc_id]))
            return Stored(existing["id"], new=False)
        article_id = row["id"]
        original = None if not republished else conn.execute(
            """
            SELECT id FROM articles
            WHERE source = %s AND normalized_title = %s AND id <> %s AND duplicate_of IS NULL
              AND (published_at AT TIME ZONE %s)::date = (%s::timestamptz AT TIME ZONE %s)::date
            ORDER BY id LIMIT 1
            """,
            [article.source, normalize_title(article.title), article_id, SITES_TIMEZONE.key, article.published_at,
             SITES_TIMEZONE.key]).fetchone()
        if original:
            conn.execute("UPDATE articles SET duplicate_of = %s WHERE id = %s", [original["id"], article_id])
            return Stored(article_id, new=True, duplicate_of=original["id"])
        count = insert_observations(conn, article_id, article.published_at, indicators)
        return Stored(article_id, new=True, indicators=count)


def observation_row(ind: Indicator, stamp: Stamp) -> dict[str, object]:
    """An indicator as the columns of its observation (the article's and the id aside)."""
    period_start, period_end = period_bounds(ind.period)
    return {"metric": ind.metric, "metric_raw": ind.metric_raw, "region": ind.region, "kind": ind.kind,
            "period": ind.period, "period_start": period_start, "period_end": period_end, "value": ind.value,
            "unit": ind.unit, "qualifier": ind.qualifier, "status": ind.status, "surface": ind.surface,
            "sentence": ind.sentence, "start_offset": ind.start, "end_offset": ind.end,
            "sentence_start": ind.sentence_start, "extractor_version": stamp.extractor,
            "lexicon_fingerprint": stamp.lexicon}


def insert_observations(conn: Connection, article_id: int, published_at: datetime,
                        indicators: Iterable[Indicator], stamp: Stamp | None = None) -> int:
    """Insert an article's indicators; returns how many rows were written.

    `stamp` says what extracted them (default: this process's extractor and lexicon, crawler.extract.version).
    """
    stamp = stamp or current()
    rows = [observation_row(ind, stamp) | {"article_id": article_id, "published_at": published_at}
            for ind in indicators]
    if not rows:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO indicator_observations
                (article_id, metric, metric_raw, region, kind, period, period_start, period_end, value, unit,
                 qualifier, status, surface, sentence, start_offset, end_offset, sentence_start, published_at,
                 extractor_version, lexicon_fingerprint)
            VALUES (%(article_id)s, %(metric)s, %(metric_raw)s, %(region)s, %(kind)s, %(period)s, %(period_start)s,
                    %(period_end)s, %(value)s, %(unit)s, %(qualifier)s, %(status)s, %(surface)s, %(sentence)s,
                    %(start_offset)s, %(end_offset)s, %(sentence_start)s, %(published_at)s, %(extractor_version)s,
                    %(lexicon_fingerprint)s)
            ON CONFLICT DO NOTHING
            """,
            rows,
        )
    return len(rows)
