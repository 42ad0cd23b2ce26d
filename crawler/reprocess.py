"""`cywatch reprocess`: stored article bodies read again with the extractor and lexicon of now.

The extractor runs here, above the storage layer; db/reprocess.py replaces each article's figures and
recomputes their comparisons. First the baseline is read again when the lexicon changed since its current
version was read (a new version; the old ones are kept), so that figures and baseline meet under the same
names. Articles go in batches, each one transaction: every article of a batch has all its figures replaced
and compared again, or none. An interrupted run is resumed by the next one, which skips the articles whose
figures this extractor and lexicon already read (unless `everything`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from crawler import baseline as baseline_loading
from crawler.extract.identity import DEFAULT_OPTIONS, MatchOptions
from crawler.extract.version import current
from crawler.items import TableLayout
from crawler.pipelines import figures_of
from crawler.sources import source as registered_source
from db import lexicon_store
from db import reprocess as store
from db.baseline import DEFAULT_NAME, LoadResult
from db.connection import Connection
from settings import SITES_TIMEZONE


@dataclass
class Progress:
    """How far a reprocess got (handed to the progress callback after each batch, and returned at the end)."""

    total: int
    done: int = 0
    figures: int = 0  # figures now stored for the articles done
    added: int = 0
    removed: int = 0
    rekeyed: int = 0
    revised: int = 0  # comparisons that changed: each reported once, as a correction
    started: float = field(default_factory=time.monotonic)
    baseline: LoadResult | None = None  # the baseline version read again, when the lexicon had changed

    @property
    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.started


def _layouts(metadata: dict[str, object]) -> list[TableLayout]:
    tables = metadata.get("tables")
    if not isinstance(tables, list):
        return []
    return [TableLayout(first_line=t["first_line"], rows=t["rows"], header_rows=t.get("header_rows"),
                        spans=tuple(tuple(s) for s in t.get("spans", ())))
            for t in tables if isinstance(t, dict)]


def _body_start(text: str) -> int:
    """Where the body starts in a stored text: after the headline lines and the blank line (ArticleItem.text)."""
    at = text.find("\n\n")
    return 0 if at < 0 else at + 2


def reprocess(conn: Connection, *, since: date | None = None, source: str | None = None,
              baseline: str = DEFAULT_NAME, options: MatchOptions = DEFAULT_OPTIONS, everything: bool = False,
              batch: int = 20, on_progress: Callable[[Progress], None] | None = None) -> Progress:
    """Extract the stored articles again (published from `since`, of `source`) and store what they say now.

    NoBaseline (db.diff) when there is no baseline to compare with.
    """
    conn.commit()  # each batch is a transaction of its own
    lexicon_store.apply(conn)
    reloaded = baseline_loading.reload(conn, baseline)
    conn.commit()
    stamp = current()
    stale = None if everything else stamp
    progress = Progress(total=store.count_articles(conn, since=since, source=source, stale=stale))
    progress.baseline = reloaded if reloaded and reloaded.created else None
    after = 0
    while True:
        articles = store.articles(conn, since=since, source=source, stale=stale, after_id=after, limit=batch)
        if not articles:
            break
        with conn.transaction():
            touched: list[int] = []
            left: dict[int, store.Key] = {}  # re-keyed figures: the key each had before
            for article in articles:
                published = article.published_at.astimezone(SITES_TIMEZONE).date()
                figures = figures_of(article.body, _body_start(article.body), published, registered_source(article.source).home_region,
                                     _layouts(article.metadata))
                replaced = store.replace_observations(conn, article.id, figures, stamp)
                touched += replaced.touched
                left |= replaced.left
                progress.figures += len(replaced.kept) + len(replaced.added)
                progress.added += len(replaced.added)
                progress.removed += replaced.removed
                progress.rekeyed += replaced.rekeyed
            progress.revised += store.recompute(conn, touched, baseline, options, left).revised
        conn.commit()
        progress.done += len(articles)
        after = articles[-1].id
        if on_progress is not None:
            on_progress(progress)
    return progress
