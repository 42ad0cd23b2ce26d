"""The analysis of a crawled article: relevance, then the indicators of a relevant one.

Pure CPU, so the storing pipeline (crawler/pipelines.py) runs it in a worker process; this module imports
only what the analysis needs (not Scrapy, not the database), so that the worker stays small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from crawler import attachments, relevance
from crawler.extract import Indicator, lexicon
from crawler.extract.lexicon import StoredEntries, use_stored_entries
from crawler.extract.tables import extract_document
from crawler.items import ArticleItem, AttachmentItem, TableLayout


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the analysis found in an article: its text, relevance and (if relevant) indicators."""

    text: str
    score: Decimal
    terms: tuple[str, ...]
    relevant: bool
    indicators: list[Indicator]


def analyse(item: ArticleItem, threshold: Decimal, home_region: str | None) -> Analysis:
    """Relevance, then the indicators of a relevant article (figures without a region of their own are the
    source's `home_region`; passed in, since a worker process need not know every source)."""
    text = item.text()
    rel = relevance.score(item.title, text)
    relevant = rel.score >= threshold
    indicators = []
    if relevant:
        indicators = figures_of(text, len(text) - len("\n".join(item.paragraphs)), item.published_at.date(),
                                home_region, item.tables)
    return Analysis(text, rel.score, rel.terms, relevant, indicators)


def figures_of(text: str, body_start: int, published: date, home_region: str | None,
               tables: Sequence[TableLayout]) -> list[Indicator]:
    """The figures of an article's stored text whose body starts at `body_start`, as the crawl extracts them
    (also `cywatch reprocess`): the headline gives context; its figures are restated in the body, stored once."""
    body_line = text.count("\n", 0, body_start)
    return [i for i in extract_document(text, published, default_region=home_region,
                                        layouts=tables, body_line=body_line)
            if i.start >= body_start]


@dataclass(frozen=True, slots=True)
class Reading:
    """What reading a fetched attachment gave: its status (read, unreadable), why not, its parts, text and
    figures."""

    status: str
    detail: str | None
    parts: int
    text: str | None
    figures: list[attachments.Figure]


def read_attachment(item: AttachmentItem, home_region: str | None) -> Reading:
    """Read a fetched attachment and extract its figures, `home_region` their default region (a file that
    cannot be read says why)."""
    try:
        read = attachments.read(item.url, item.data)
    except attachments.Unreadable as error:
        return Reading("unreadable", str(error), 0, None, [])
    found = attachments.figures(read, item.published, home_region)
    return Reading("read", item.detail, len(read), "\n\n".join(f"【{part.label}】\n{part.text}" for part in read), found)


def warm(cache_dir: str, entries: StoredEntries | None = None) -> None:
    """Start a worker process: jieba's cache where the stages keep it, the database's stored lexicon entries
    (review decisions) applied as in the crawl's process, the tokenizer and term list built."""
    lexicon.set_cache_dir(Path(cache_dir))
    use_stored_entries(entries or StoredEntries())
    relevance.terms()
