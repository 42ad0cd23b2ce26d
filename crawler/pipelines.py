"""The storing pipeline: score relevance, extract indicators of relevant articles, store in one transaction.

Off the reactor's thread, in two stages, so that downloading goes on while articles are analysed and
written:
- analysis (crawler/analysis.py: relevance, extraction, pure CPU under the GIL) runs in a worker process
  shared by every spider of the crawl (CYWATCH_EXTRACT_PROCESSES of them; 0 runs it on the storing thread
  instead), started when a spider links its first article (crawler/signals.py), so that it is warm by the
  time the article is parsed, and a crawl that finds nothing new starts none;
- storing runs on one dedicated thread per spider with its own connection, writing whatever articles
  are waiting at once in one transaction (an article counts as seen only once its row and its indicators
  are committed, together, with those of the others of its batch).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import queue
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from scrapy.crawler import Crawler

from crawler import attachments
from crawler import signals as crawl_signals
from crawler.analysis import Analysis, Reading, analyse, figures_of, read_attachment, warm
from crawler.deployment import deployment
from crawler.extract.lexicon import StoredEntries, use_stored_entries
from crawler.items import ArticleItem, AttachmentItem, AttachmentLinks
from crawler.sources import source
from db import lexicon_store
from db.articles import Article, Stored, store_article
from db.attachments import Attachment, store_attachment
from db.connection import Connection, connect

__all__ = ["StorePipeline", "figures_of"]  # figures_of: also what `cywatch reprocess` extracts with
log = logging.getLogger(__name__)
BATCH = 50  # articles written in one transaction at most


class _Analysts:
    """The crawl's analysis processes, shared by its spiders' pipelines (started by the first, stopped by
    the last)."""

    lock = threading.Lock()
    pool: ProcessPoolExecutor | None = None
    users = 0

    @classmethod
    def acquire(cls, processes: int, cache_dir: Path, entries: StoredEntries) -> ProcessPoolExecutor:
        with cls.lock:
            if cls.pool is None:
                # spawn, not fork: the reactor's threads are running, and a forked copy would inherit their locks
                cls.pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=warm, initargs=(str(cache_dir), entries))
                for _ in range(processes):  # the processes start (and warm) now, not at the first analysis
                    cls.pool.submit(int)
            cls.users += 1
            return cls.pool

    @classmethod
    def release(cls) -> None:
        with cls.lock:
            cls.users -= 1
            if cls.users == 0 and cls.pool is not None:
                cls.pool.shutdown(wait=True, cancel_futures=True)
                cls.pool = None


def _home(source_name: str) -> str | None:
    """A source's home region, read here in the crawl's process: the analysis worker is handed it with each
    item, since a spawned process knows only the sources declared in its modules."""
    return source(source_name).home_region


class StorePipeline:
    """Stores every article seen; indicators only for the relevant ones."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.threshold = Decimal(str(crawler.settings.getfloat("CYWATCH_RELEVANCE_THRESHOLD")))
        self.processes = crawler.settings.getint("CYWATCH_EXTRACT_PROCESSES")
        self.pool: ProcessPoolExecutor | None = None
        self.cache_dir = Path()
        self.entries = StoredEntries()
        self.conn: Connection | None = None
        self._queue: queue.Queue[tuple[ArticleItem | AttachmentItem, Analysis | Reading | None, Future[Any]] | None] = \
            queue.Queue()
        self._writer: threading.Thread | None = None
        self._articles: dict[str, Future[_Result]] = {}  # URL -> its outcome, while it is analysed and stored
        self._links: dict[str, AttachmentLinks] = {}  # article URL -> the files it links, until it is analysed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        """Connect and start the storing thread (the analysis processes start with the first article)."""
        settings = deployment(self.crawler)
        self.cache_dir = settings.data_dir / "cache"
        self.conn = connect(settings)
        with self.conn.transaction():  # the lexicon takes the database's stored entries (review decisions)
            self.entries = lexicon_store.stored_entries(self.conn)
        use_stored_entries(self.entries)  # for analysis on the storing thread
        self._writer = threading.Thread(target=self._write, name="store", daemon=True)
        self._writer.start()
        self.crawler.signals.connect(self._start_analysts, signal=crawl_signals.first_article_linked)

    def _start_analysts(self, spider: object = None) -> None:
        """A spider linked its first article: start the analysis processes (shared), unless started."""
        if spider is self.crawler.spider and self.pool is None and self.processes > 0:
            self.pool = _Analysts.acquire(self.processes, self.cache_dir, self.entries)

    def close_spider(self) -> None:
        """Finish pending work, close the connection, stop the analysis processes if no spider needs them."""
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
        if self.conn is not None:
            self.conn.close()
        if self.pool is not None:
            self.pool = None
            _Analysts.release()

    async def process_item(self, item: ArticleItem | AttachmentItem | AttachmentLinks
                           ) -> ArticleItem | AttachmentItem | AttachmentLinks:
        """Analyse one article (in a worker process), store it (on the storing thread), count what happened,
        then fetch the files it links if it is relevant; an attachment is read and stored on the storing
        thread, after its article."""
        if isinstance(item, AttachmentLinks):  # its article comes next: fetched once that is found relevant
            self._links[item.article_url] = item
            return item
        if isinstance(item, AttachmentItem):
            article = self._articles.get(item.article_url)
            if article is not None:  # its article is still being analysed or written: stored after it
                with contextlib.suppress(Exception):  # an article that failed: nothing to attach it to
                    await asyncio.wrap_future(article)
            reading = None
            if item.status == "fetched" and self.pool is not None:  # read in the worker too (pure CPU)
                with contextlib.suppress(BrokenProcessPool):  # a worker died: read on the storing thread
                    reading = await asyncio.wrap_future(self.pool.submit(read_attachment, item, _home(item.source)))
            read: Future[Any] = Future()
            self._queue.put((item, reading, read))
            self.crawler.stats.inc_value(f"cywatch/attachments_{await asyncio.wrap_future(read)}")
            return item
        done: Future[_Result] = Future()
        self._articles[item.url] = done  # before the first await: its attachments wait for it
        links = self._links.pop(item.url, None)
        try:
            stored = await self._analyse_and_store(item, done)
        finally:
            if self._articles.get(item.url) is done:
                del self._articles[item.url]
        if links is not None and stored.analysed_relevant:  # a relevant article's files
            for request in links.requests:
                self.crawler.engine.crawl(request)  # type: ignore[arg-type]
            for refused in links.refused:
                await self.process_item(refused)
        stats = self.crawler.stats
        if stored.new:
            stats.inc_value("cywatch/new_articles")
            if stored.duplicate_of:
                stats.inc_value("cywatch/republished")
            if stored.relevant:
                stats.inc_value("cywatch/relevant_articles")
            stats.inc_value("cywatch/indicators", stored.indicators)
        return item

    async def _analyse_and_store(self, item: ArticleItem, done: Future[_Result]) -> _Result:
        """Analyse an article (in a worker process), then store it (on the storing thread): `done` says how."""
        analysis = None
        try:
            if self.pool is None and self.processes > 0:  # no spider linked an article first (a test's item)
                self.pool = _Analysts.acquire(self.processes, self.cache_dir, self.entries)
            if self.pool is not None:
                try:
                    analysis = await asyncio.wrap_future(self.pool.submit(analyse, item, self.threshold, _home(item.source)))
                except BrokenProcessPool:  # a worker died (killed, out of memory): analysed on the storing thread
                    log.warning("the analysis process died; analysing on the storing thread")
        except BaseException as error:  # never queued: whatever waits for the article hears it failed
            done.set_exception(error)
            raise
        self._queue.put((item, analysis, done))
        return await asyncio.wrap_future(done)

    def _write(self) -> None:
        """The storing thread: each time, every article waiting (up to BATCH) in one transaction."""
        assert self.conn is not None
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    self._queue.put(None)  # the end, once this batch is written
                    break
                batch.append(waiting)
            self._write_batch(batch)

    def _write_batch(self, batch: list[tuple[ArticleItem | AttachmentItem, Analysis | Reading | None, Future[Any]]]) -> None:
        assert self.conn is not None
        results: list[tuple[Future[Any], object]] = []
        try:
            with self.conn.transaction():
                for item, analysis, done in batch:
                    try:  # a savepoint each: one article's failure is its own
                        if isinstance(item, AttachmentItem):
                            reading = analysis if isinstance(analysis, Reading) else None
                            results.append((done, self._store_attachment(item, reading)))
                        else:
                            done_analysis = analysis if isinstance(analysis, Analysis) else None
                            results.append((done, self._store(item, done_analysis or analyse(item, self.threshold, _home(item.source)))))
                    except Exception as error:  # handed to the item's callback, as Scrapy reports it
                        results.append((done, error))
        except psycopg.Error as error:  # the commit itself failed: nothing of the batch is stored
            with contextlib.suppress(psycopg.Error):  # a broken connection: each article's error says so
                self.conn.rollback()
            for _, _, done in batch:
                done.set_exception(error)
            return
        for done, outcome in results:
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome)

    def _store(self, item: ArticleItem, analysis: Analysis) -> _Result:
        assert self.conn is not None
        article = Article(source=item.source, canonical_url=item.url, title=item.title,
                          published_at=item.published_at, body=analysis.text, doc_id=item.doc_id,
                          section=item.section, relevance=analysis.score, matched_terms=analysis.terms,
                          relevant=analysis.relevant, metadata=_metadata(item))
        return _Result(store_article(self.conn, article, analysis.indicators), analysis.relevant)

    def _store_attachment(self, item: AttachmentItem, reading: Reading | None) -> str:
        """Store a fetched attachment as read (here, unless read in a worker: a file that cannot be read is
        recorded so), with its figures; or what became of one not fetched."""
        assert self.conn is not None
        status, detail, parts, text, found = item.status, item.detail, 0, None, []
        if item.status == "fetched":
            reading = reading or read_attachment(item, _home(item.source))
            status, detail, parts, text, found = (reading.status, reading.detail, reading.parts, reading.text,
                                                  reading.figures)
            if status == "unreadable":
                log.warning("%s: attachment %s not read: %s", item.source, item.url, detail)
        record = Attachment(
            source=item.source, article_url=item.article_url, url=item.url, name=item.name, kind=item.kind,
            status=status, bytes=len(item.data) if item.data else None, detail=detail, parts=parts, text=text,
            figures=attachments.stored(found))
        with self.conn.transaction():  # a savepoint inside the batch's transaction
            store_attachment(self.conn, record)
        return status


class _Result:
    """What storing one article did (Stored, plus whether it was relevant)."""

    def __init__(self, stored: Stored, relevant: bool) -> None:
        self.new = stored.new
        self.duplicate_of = stored.duplicate_of
        self.indicators = stored.indicators
        self.analysed_relevant = relevant  # the analysis's verdict, whether or not the article was new
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
