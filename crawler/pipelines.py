"""The storing pipeline: score relevance, extract indicators of relevant articles, store in one transaction.

The work runs on one dedicated thread with its own connection, so that the reactor keeps downloading
while an article is being analysed and written. An article counts as seen only once its row and its
indicators are committed together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import psycopg
from scrapy.crawler import Crawler

from crawler import attachments, relevance
from crawler.deployment import deployment
from crawler.extract import Indicator
from crawler.extract.tables import extract_document
from crawler.items import ArticleItem, AttachmentItem, TableLayout
from crawler.sources import source
from db import lexicon_store
from db.articles import Article, Stored, store_article
from db.attachments import Attachment, AttachmentFigure, store_attachment
from db.connection import Connection, connect

log = logging.getLogger(__name__)


class StorePipeline:
    """Stores every article seen; indicators only for the relevant ones."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.threshold = Decimal(str(crawler.settings.getfloat("CYWATCH_RELEVANCE_THRESHOLD")))
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self.conn: Connection | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        """Connect on the storing thread; the lexicon takes the database's stored entries (review decisions)."""
        self.conn = self.executor.submit(connect, deployment(self.crawler)).result()
        self.executor.submit(self._use_stored_lexicon).result()

    def _use_stored_lexicon(self) -> None:
        assert self.conn is not None
        with self.conn.transaction():  # read, then ended: each article's store is a transaction of its own
            lexicon_store.apply(self.conn)

    def close_spider(self) -> None:
        """Finish pending work and close the connection."""
        if self.conn is not None:
            self.executor.submit(self.conn.close).result()
        self.executor.shutdown(wait=True)

    async def process_item(self, item: ArticleItem | AttachmentItem) -> ArticleItem | AttachmentItem:
        """Store one article or attachment (on the storing thread) and count what happened."""
        if isinstance(item, AttachmentItem):
            status = await asyncio.get_running_loop().run_in_executor(self.executor, self._store_attachment, item)
            self.crawler.stats.inc_value(f"cywatch/attachments_{status}")
            return item
        stored = await asyncio.get_running_loop().run_in_executor(self.executor, self._store, item)
        stats = self.crawler.stats
        if stored.new:
            stats.inc_value("cywatch/new_articles")
            if stored.duplicate_of:
                stats.inc_value("cywatch/republished")
            if stored.relevant:
                stats.inc_value("cywatch/relevant_articles")
            stats.inc_value("cywatch/indicators", stored.indicators)
        return item

    def _store(self, item: ArticleItem) -> _Result:
        assert self.conn is not None
        text = item.text()
        rel = relevance.score(item.title, text)
        relevant = rel.score >= self.threshold
        indicators = []
        if relevant:
            indicators = figures_of(text, len(text) - len("\n".join(item.paragraphs)), item.published_at.date(),
                                    item.source, item.tables)
        article = Article(source=item.source, canonical_url=item.url, title=item.title,
                          published_at=item.published_at, body=text, doc_id=item.doc_id, section=item.section,
                          relevance=rel.score, matched_terms=rel.terms, relevant=relevant,
                          metadata=_metadata(item))
        try:
            stored = store_article(self.conn, article, indicators)
        except psycopg.Error:
            self.conn.rollback()
            raise
        return _Result(stored, relevant)

    def _store_attachment(self, item: AttachmentItem) -> str:
        """Read a fetched attachment (a file that cannot be read is recorded so), store it and its figures."""
        assert self.conn is not None
        status, detail, parts, text, found = item.status, item.detail, 0, None, []
        if item.status == "fetched":
            try:
                read = attachments.read(item.url, item.data)
                found = attachments.figures(read, item.published, source(item.source).home_region)
                status, parts = "read", len(read)
                text = "\n\n".join(f"【{part.label}】\n{part.text}" for part in read)
            except attachments.Unreadable as error:
                status, detail = "unreadable", str(error)
                log.warning("%s: attachment %s not read: %s", item.source, item.url, error)
        record = Attachment(
            source=item.source, article_url=item.article_url, url=item.url, name=item.name, kind=item.kind,
            status=status, bytes=len(item.data) if item.data else None, detail=detail, parts=parts, text=text,
            figures=[AttachmentFigure(f.part, f.location, i.metric, i.region, i.period, i.kind, i.value, i.unit,
                                      i.qualifier, i.status, i.surface, i.sentence)
                     for f in found for i in (f.indicator,)])
        try:
            store_attachment(self.conn, record)
        except psycopg.Error:
            self.conn.rollback()
            raise
        return status


def figures_of(text: str, body_start: int, published: date, source_name: str,
               tables: Sequence[TableLayout]) -> list[Indicator]:
    """The figures of an article's stored text whose body starts at `body_start`, as the crawl extracts them
    (also `cywatch reprocess`): the headline gives context; its figures are restated in the body, stored once."""
    body_line = text.count("\n", 0, body_start)
    return [i for i in extract_document(text, published, default_region=source(source_name).home_region,
                                        layouts=tables, body_line=body_line)
            if i.start >= body_start]


class _Result:
    """What storing one article did (Stored, plus whether it was relevant)."""

    def __init__(self, stored: Stored, relevant: bool) -> None:
        self.new = stored.new
        self.duplicate_of = stored.duplicate_of
        self.indicators = stored.indicators
        self.relevant = relevant and stored.new and not stored.duplicate_of


def _metadata(item: ArticleItem) -> dict[str, object]:
    meta = dict(item.metadata)
    if item.pretitle:
        meta["pretitle"] = item.pretitle
    if item.subtitle:
        meta["subtitle"] = item.subtitle
    if item.tables:  # so that `cywatch reprocess` reads the tables as the crawl did
        meta["tables"] = [{"first_line": t.first_line, "rows": t.rows, "header_rows": t.header_rows,
                           "spans": [list(s) for s in t.spans]} for t in item.tables]
    return meta
