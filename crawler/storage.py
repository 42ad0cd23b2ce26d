"""The crawl's view of PostgreSQL: what is already stored, the horizon, run records, list validators.

One `CrawlDatabase` per Scrapy crawler (`CrawlDatabase.of(crawler)`), shared by the spider, the
middlewares and the run recorder. Articles themselves are written by the pipeline (crawler/pipelines.py)
on a connection of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from scrapy.crawler import Crawler

from crawler.deployment import deployment
from crawler.sources import sync as sync_sources
from db.connection import Connection, connect, one
from db.migrate import migrate
from settings import Settings


class CrawlDatabase:
    """Queries the crawl needs, on one connection opened on first use (autocommit)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: Connection | None = None
        # validators of list pages fetched in this run, saved by the run recorder if the run ends well
        self.pending_validators: dict[str, tuple[str | None, str | None]] = {}

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlDatabase:
        """The crawler's instance, created on first use."""
        existing = getattr(crawler, "_cywatch_db", None)
        if existing is None:
            existing = cls(deployment(crawler))
            crawler._cywatch_db = existing  # type: ignore[attr-defined]
        return existing

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            conn = connect(self.settings)
            migrate(conn)
            conn.autocommit = True
            sync_sources(conn)  # the registry is the only declaration of the sources table's rows
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Close the connection (releasing session locks)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- what is stored --------------------------------------------------------------------------------

    def stored(self, source: str, urls: Iterable[str]) -> set[str]:
        """The URLs among `urls` already stored for a source."""
        urls = list(dict.fromkeys(urls))
        if not urls:
            return set()
        rows = self.conn.execute(
            "SELECT canonical_url FROM articles WHERE source = %s AND canonical_url = ANY(%s)", [source, urls])
        return {r["canonical_url"] for r in rows}

    def last_clean_until(self, source: str) -> date | None:
        """The latest day covered by a clean crawl of a source (finished, ok or empty, no errors).

        A crawl that died or lost an article does not count: the next one starts where the last clean one
        ended, and so stores exactly what was missed. The latest `until`, not the latest run: a backfill of
        past days must not pull the next daily crawl back to them.
        """
        row = one(self.conn.execute(
            "SELECT max(until) AS until FROM crawl_runs WHERE source = %s AND status IN ('ok', 'empty') "
            "AND errors = 0", [source]))
        until: date | None = row["until"]
        return until

    def latest_clean_since(self, source: str) -> date | None:
        """The latest `since` among clean crawls of a source: where the windows validators stand for may begin.

        Validators are saved by clean runs, each for its own window; a 304 says "as when you saw it", so it
        means "nothing new" only to a run whose window starts no earlier than the one that saw the page.
        A daily crawl starts where the last clean one ended, never earlier; a backfill may.
        """
        row = one(self.conn.execute(
            "SELECT max(since) AS since FROM crawl_runs WHERE source = %s AND status IN ('ok', 'empty') "
            "AND errors = 0", [source]))
        since: date | None = row["since"]
        return since

    def last_run_was_clean(self, source: str) -> bool:
        """Whether the most recent finished crawl of a source was clean."""
        row = self.conn.execute(
            "SELECT status, errors FROM crawl_runs WHERE source = %s AND status <> 'running' "
            "ORDER BY started_at DESC LIMIT 1", [source]).fetchone()
        return row is not None and row["status"] in ("ok", "empty") and row["errors"] == 0

    # --- runs ------------------------------------------------------------------------------------------

    def lock_source(self, source: str) -> bool:
        """Take the session lock that keeps two crawls of one source apart; False if another holds it."""
        row = one(self.conn.execute("SELECT pg_try_advisory_lock(hashtext('crawl:' || %s)) AS ok", [source]))
        return bool(row["ok"])

    def start_run(self, source: str, since: date, until: date) -> int:
        """Record a run as started; runs of this source left 'running' by a killed process become failed."""
        self.conn.execute(
            "UPDATE crawl_runs SET status = 'failed', finished_at = coalesce(finished_at, now()), "
            "detail = 'interrupted: the process ended before the crawl finished' "
            "WHERE source = %s AND status = 'running'", [source])
        row = one(self.conn.execute(
            "INSERT INTO crawl_runs (source, since, until) VALUES (%s, %s, %s) RETURNING id",
            [source, since, until]))
        return int(row["id"])

    def finish_run(self, run_id: int, *, status: str, pages: int, not_modified: int, new: int, relevant: int,
                   indicators: int, errors: int, detail: str | None) -> None:
        """Record how a run ended."""
        self.conn.execute(
            "UPDATE crawl_runs SET finished_at = now(), status = %s, pages = %s, not_modified = %s, "
            "new_articles = %s, relevant_articles = %s, indicators = %s, errors = %s, detail = %s WHERE id = %s",
            [status, pages, not_modified, new, relevant, indicators, errors, detail, run_id])

    # --- conditional requests --------------------------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified last seen for a list page."""
        row = self.conn.execute("SELECT etag, last_modified FROM http_validators WHERE url = %s", [url]).fetchone()
        return (row["etag"], row["last_modified"]) if row else (None, None)

    def save_validators(self, validators: dict[str, tuple[str | None, str | None]]) -> None:
        """Remember list pages' validators (after a run that finished)."""
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO http_validators (url, etag, last_modified) VALUES (%s, %s, %s) "
                "ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, "
                "updated_at = now()",
                [(url, etag, modified) for url, (etag, modified) in validators.items()])
