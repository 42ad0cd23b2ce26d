"""Running the spiders (one process per crawl: Scrapy's reactor cannot restart within one).

`crawl()` is what `cywatch crawl` runs. `python -m crawler.run [NAME ...] [--since D] [--until D]
[--mirror URL]` is the module entry point the daily cycle starts in a process of its own; it prints one line
per source and exits 0 when every source ended ok or empty, 1 when one failed or was blocked, 2 on bad usage,
settings or an unreachable database. The outcomes themselves are the `crawl_runs` rows (`summaries`).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from crawler.deployment import scrapy_settings
from crawler.extract import lexicon
from crawler.sources import SOURCES
from db.connection import DatabaseUnavailable, connect
from settings import ConfigError, Settings, values


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


def _error_log_path(settings: Settings) -> Path:
    """DATA_DIR/logs/crawl.log: the crawl's warnings and errors, where a run record's "N errors" points."""
    path = settings.data_dir / "logs" / "crawl.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _log_errors_to(path: Path) -> None:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    logging.getLogger().addHandler(handler)


def crawl(settings: Settings, names: Sequence[str], since: date | None = None, until: date | None = None, *,
          verbose: bool = False, overrides: dict[str, str] | None = None) -> list[RunSummary]:
    """Crawl the named sources (all when empty) at once; returns each source's run summary.

    The deployment's `settings` (a mirror among them) are laid over crawler/settings.py at `cmdline`
    priority; `overrides` are Scrapy settings (NAME -> value), as `scrapy crawl -s NAME=VALUE` takes them,
    and come last.
    """
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings as ScrapySettings

    scrapy = ScrapySettings()
    scrapy.setmodule("crawler.settings", priority="project")
    scrapy.setdict(scrapy_settings(settings), priority="cmdline")
    if not verbose:  # Scrapy's log: problems only; progress comes from the run recorder
        scrapy.set("LOG_LEVEL", "ERROR", priority="cmdline")
        scrapy.set("LOG_FORMAT", "%(asctime)s %(name)s: %(message)s", priority="cmdline")
        scrapy.set("LOG_DATEFORMAT", "%H:%M:%S", priority="cmdline")
    for name, value in (overrides or {}).items():
        scrapy.set(name, value, priority="cmdline")
    _progress_logging()
    error_log = _error_log_path(settings)
    scrapy.set("CYWATCH_ERROR_LOG", str(error_log), priority="cmdline")
    lexicon.set_cache_dir(settings.data_dir / "cache")
    started = datetime.now().astimezone()
    process = CrawlerProcess(scrapy)
    _log_errors_to(error_log)  # after Scrapy has set up logging, beside its own root handler
    for name in _DOWNLOAD_ERROR_LOGGERS:  # on the loggers: Scrapy replaces the root handler per crawler
        logging.getLogger(name).addFilter(_NetworkErrorsInOneLine())
    if not verbose:
        logging.getLogger("scrapy.downloadermiddlewares.retry").addFilter(_ReportedBySpider())
    args = {k: v.isoformat() for k, v in (("since", since), ("until", until)) if v}
    for name in names or list(SOURCES):
        process.crawl(name, **args)
    process.start()
    return summaries(settings, started, list(names) or list(SOURCES))


def summaries(settings: Settings, since: datetime, names: list[str]) -> list[RunSummary]:
    """The crawl_runs of these sources that started after `since`, one per source (the newest)."""
    with connect(settings) as conn:
        rows = conn.execute(
            "SELECT DISTINCT ON (source) source, status, pages, not_modified, new_articles, relevant_articles, "
            "indicators, errors, detail FROM crawl_runs WHERE started_at >= %s AND source = ANY(%s) "
            "ORDER BY source, started_at DESC", [since, names]).fetchall()
    found = {r["source"]: RunSummary(**r) for r in rows}
    return [found.get(n) or RunSummary(n, "failed", 0, 0, 0, 0, 0, 1, "did not start (see the log above)")
            for n in names]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m crawler.run`: crawl with the settings of the environment; see the module's description."""
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description="Crawl the sources once.")
    parser.add_argument("sources", nargs="*", metavar="NAME", help=f"{', '.join(SOURCES)} (default: all)")
    parser.add_argument("--since", type=_day)
    parser.add_argument("--until", type=_day)
    parser.add_argument("--mirror", metavar="URL", help="crawl a mirror at URL (default: $CYWATCH_MIRROR)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.mirror:
            try:
                settings = dataclasses.replace(settings, mirror=values.http_url(args.mirror))
            except ValueError as error:
                raise ConfigError(f"--mirror {error}, got {args.mirror!r}") from None
        runs = crawl(settings, args.sources, args.since, args.until)
    except (ConfigError, DatabaseUnavailable, ValueError) as error:
        print(f"crawler.run: {error}", file=sys.stderr)
        return 2
    for run in runs:
        print(f"{run.source}: {run.status}, {run.new_articles} new, {run.indicators} indicators"
              + (f" ({run.detail})" if run.detail else ""))
    return 0 if all(r.status in ("ok", "empty") for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
