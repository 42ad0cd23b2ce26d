"""Running the spiders: `cywatch crawl` (one process; Scrapy's reactor cannot restart within one)."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from crawler.sources import SOURCES


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How one source's crawl ended (a crawl_runs row)."""

    source: str
    status: str
    pages: int
    not_modified: int
    new_articles: int
    relevant_articles: int
    indicators: int
    errors: int
    detail: str | None


_DOWNLOAD_ERROR_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.downloadermiddlewares.retry",
                           "scrapy.core.scraper", "scrapy.core.engine", "scrapy.core.downloader")


class _NetworkErrorsInOneLine(logging.Filter):
    """A refused connection or a timeout is expected of a site now and then: one line, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and _is_network_error(record.exc_info[1]):
            record.exc_info = None
            record.exc_text = None
        return True


class _ReportedBySpider(logging.Filter):
    """Scrapy's "Gave up retrying" line says again what the spider's errback reports (SourceSpider.failed)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Gave up retrying")


def _is_network_error(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 10:  # the error, or what caused it
        module = type(error).__module__
        if isinstance(error, (ConnectionError, TimeoutError)) or module.startswith("twisted.internet.error") \
                or module.startswith("twisted.web._newclient") or type(error).__name__.startswith("Download"):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _progress_logging() -> None:
    """Progress lines (logger `cywatch`) always reach stderr, whatever Scrapy's own log level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    progress = logging.getLogger("cywatch")
    progress.handlers[:] = [handler]
    progress.setLevel(logging.INFO)
    progress.propagate = False


def _error_log_path() -> Path:
    """DATA_DIR/logs/crawl.log: the crawl's warnings and errors, where a run record's "N errors" points."""
    from cywatch.config import Settings

    path = Settings.from_env().data_dir / "logs" / "crawl.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _log_errors_to(path: Path) -> None:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    logging.getLogger().addHandler(handler)


def crawl(names: list[str], since: date | None = None, until: date | None = None, *,
          mirror: str | None = None, verbose: bool = False,
          overrides: dict[str, str] | None = None) -> list[RunSummary]:
    """Crawl the named sources (all when empty) at once; returns each source's run summary.

    `overrides` are Scrapy settings (NAME -> value), as `scrapy crawl -s NAME=VALUE` takes them.
    """
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    if mirror:
        os.environ["CYWATCH_MIRROR"] = mirror  # read by crawler/settings.py
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    if not verbose:  # Scrapy's log: problems only; progress comes from the run recorder
        settings.set("LOG_LEVEL", "ERROR")
        settings.set("LOG_FORMAT", "%(asctime)s %(name)s: %(message)s")
        settings.set("LOG_DATEFORMAT", "%H:%M:%S")
    _progress_logging()
    error_log = _error_log_path()
    settings.set("CYWATCH_ERROR_LOG", str(error_log), priority="cmdline")
    started = datetime.now().astimezone()
    process = CrawlerProcess(settings)
    _log_errors_to(error_log)  # after Scrapy has set up logging, beside its own root handler
    for name in _DOWNLOAD_ERROR_LOGGERS:  # on the loggers: Scrapy replaces the root handler per crawler
        logging.getLogger(name).addFilter(_NetworkErrorsInOneLine())
    if not verbose:
        logging.getLogger("scrapy.downloadermiddlewares.retry").addFilter(_ReportedBySpider())
    args = {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v}
    for name in names or list(SOURCES):
        process.crawl(name, **args)
    process.start()
    return summaries(started, names or list(SOURCES))


def summaries(since: datetime, names: list[str]) -> list[RunSummary]:
    """The crawl_runs of these sources that started after `since`, one per source (the newest)."""
    from cywatch.config import Settings
    from db.connection import connect

    with connect(Settings.from_env()) as conn:
        rows = conn.execute(
            "SELECT DISTINCT ON (source) source, status, pages, not_modified, new_articles, relevant_articles, "
            "indicators, errors, detail FROM crawl_runs WHERE started_at >= %s AND source = ANY(%s) "
            "ORDER BY source, started_at DESC", [since, names]).fetchall()
    found = {r["source"]: RunSummary(**r) for r in rows}
    return [found.get(n) or RunSummary(n, "failed", 0, 0, 0, 0, 0, 1, "did not start (see the log above)")
            for n in names]
