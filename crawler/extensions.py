"""The crawl run record: one `crawl_runs` row per source per crawl, and progress while it works.

Status at the end: `blocked` (an anti-bot challenge stopped it), `failed` (it did not finish, nothing
could be fetched, or none of the article pages its lists linked could be fetched), `empty` (it worked and found
nothing new), `ok`. Two crawls of one source never run at once: the run holds a PostgreSQL advisory lock
for its source. List pages' validators are saved only after a run that finished without a single error, so
a 304 never hides an article that a run failed to store. An article that was linked and not stored is such
an error, whatever dropped it (crawler/ledger.py).
"""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.ledger import Ledger
from crawler.storage import CrawlDatabase

log = logging.getLogger("cywatch.crawl")


class CrawlRunRecorder:
    """Records each run in `crawl_runs` and logs progress (pages, new articles) every few seconds."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run_id: int | None = None
        self.progress: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        if not crawler.settings.getbool("CYWATCH_RECORD_RUNS", True):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        """Take the source's lock and record the run as started."""
        db = CrawlDatabase.of(self.crawler)
        if not db.lock_source(spider.name):
            log.error("%s: another crawl of this source is running; skipping it", spider.name)
            self.crawler.stats.set_value("cywatch/locked", True)
            _schedule(self.crawler.engine.close_spider_async(reason="locked"))
            return
        self.run_id = db.start_run(spider.name, spider.since, spider.until)  # type: ignore[attr-defined]
        log.info("%s: crawling %s … %s", spider.name, spider.since, spider.until)  # type: ignore[attr-defined]
        interval = self.crawler.settings.getfloat("CYWATCH_PROGRESS_INTERVAL")
        if interval > 0:
            self.progress = task.LoopingCall(self._report, spider)
            self.progress.start(interval, now=False)

    def item_error(self, item: object, response: object, spider: Spider, failure: object) -> None:
        """An article that could not be stored is an error of the run (it will be fetched again)."""
        self.crawler.stats.inc_value("cywatch/store_errors")

    def _counts(self) -> dict[str, int]:
        stats = self.crawler.stats
        return {
            "pages": int(stats.get_value("downloader/response_count", 0)),
            "not_modified": int(stats.get_value("cywatch/not_modified", 0)),
            "new": int(stats.get_value("cywatch/new_articles", 0)),
            "relevant": int(stats.get_value("cywatch/relevant_articles", 0)),
            "indicators": int(stats.get_value("cywatch/indicators", 0)),
            "errors": sum(int(stats.get_value(key, 0)) for key in (
                "cywatch/request_failures", "cywatch/page_errors", "cywatch/store_errors",
                "cywatch/unfinished_articles")) + sum(
                int(value) for key, value in stats.get_stats().items() if key.startswith("spider_exceptions/")),
        }

    def _report(self, spider: Spider) -> None:
        c = self._counts()
        log.info("%s: %d pages, %d new articles (%d relevant, %d indicators)", spider.name, c["pages"], c["new"],
                 c["relevant"], c["indicators"])

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record how the run ended, then release the lock."""
        if self.progress and self.progress.running:
            self.progress.stop()
        if self.run_id is None:
            CrawlDatabase.of(self.crawler).close()
            return
        ledger = getattr(spider, "ledger", None)
        self._failures(spider)
        if reason == "finished" and ledger is not None:
            self._unfinished(spider, ledger)
        c = self._counts()
        blocked = self.crawler.stats.get_value("cywatch/blocked")
        # Only list pages say whether the site answered: robots.txt can be served by a site that answers
        # every news list with 503.
        lists_answered = int(self.crawler.stats.get_value("cywatch/list_pages_answered", 0))
        if blocked:
            status, detail = "blocked", str(blocked)
        elif reason != "finished":
            status, detail = "failed", f"stopped before finishing ({reason})"
        elif c["errors"] and lists_answered == 0:
            first = self.crawler.stats.get_value("cywatch/first_error")
            status, detail = "failed", f"nothing could be fetched: {first}" if first else \
                "nothing could be fetched; see the log for the errors"
        elif ledger is not None and ledger.none_fetched():  # lists answered, article pages did not
            first = self.crawler.stats.get_value("cywatch/first_error")
            status, detail = "failed", f"none of the {len(ledger.unfinished())} linked articles could be " \
                                       f"fetched: {first}"
        elif c["new"] == 0:
            status, detail = "empty", None
        else:
            status, detail = "ok", None
        if detail is None and c["errors"]:
            detail = f"{c['errors']} error{'s' if c['errors'] != 1 else ''}; see " + \
                self.crawler.settings.get("CYWATCH_ERROR_LOG", "the log")
        db = CrawlDatabase.of(self.crawler)
        if reason == "finished" and status in ("ok", "empty") and not c["errors"] and db.pending_validators:
            db.save_validators(db.pending_validators)  # only now may a 304 stand for "nothing new"
        db.finish_run(self.run_id, status=status, pages=c["pages"], not_modified=c["not_modified"], new=c["new"],
                      relevant=c["relevant"], indicators=c["indicators"], errors=c["errors"], detail=detail)
        self.crawler.stats.set_value("cywatch/status", status)
        log.info("%s: %s — %d pages (%d not modified), %d new articles, %d relevant, %d indicators, %d errors",
                 spider.name, status, c["pages"], c["not_modified"], c["new"], c["relevant"], c["indicators"],
                 c["errors"])
        db.close()


    def _unfinished(self, spider: Spider, ledger: Ledger) -> None:
        """Linked articles that were not stored: an error each when nothing said so yet, in a few lines."""
        silent = ledger.silent()
        if not silent:
            return
        self.crawler.stats.inc_value("cywatch/unfinished_articles", len(silent))
        first = silent[0]
        if not self.crawler.stats.get_value("cywatch/first_error"):
            self.crawler.stats.set_value("cywatch/first_error", f"linked, not stored ({ledger.why.get(first, 'dropped')}) "
                                                                f"at {first}")
        for url in silent[:_SHOWN]:
            log.error("%s: linked, not stored (%s); it will be fetched again: %s (listed on %s)", spider.name,
                      ledger.why.get(url, "dropped without a reply"), url, ", ".join(sorted(ledger.linked[url])))
        if len(silent) > _SHOWN:
            log.error("%s: … and %d more linked articles not stored (all of them: --verbose)", spider.name,
                      len(silent) - _SHOWN)
            for url in silent[_SHOWN:]:
                spider.logger.info("linked, not stored (%s): %s", ledger.why.get(url, "dropped"), url)

    def _failures(self, spider: Spider) -> None:
        """After the first few failed requests in full, the rest in one line, counted by kind."""
        kinds = getattr(spider, "failure_kinds", None)
        if kinds and sum(kinds.values()) > _SHOWN:
            counted = ", ".join(f"{kind} ×{n}" for kind, n in kinds.most_common())
            log.error("%s: %d requests failed in all (%s); the first %d are above, all of them with --verbose",
                      spider.name, sum(kinds.values()), counted, _SHOWN)


_SHOWN = 3  # errors of one kind shown in full before the rest is summed up (SourceSpider.ERRORS_SHOWN)


def _schedule(coroutine: object) -> None:
    deferred_from_coro(coroutine)  # runs it on the reactor; nothing waits for it here
