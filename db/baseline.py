"""The baseline: the article whose figures every later figure is compared with, as named versions.

The project ships one baseline, the 重庆日报 report of 2024-06-22 on the 成渝 joint meeting (`db/baseline/`).
Loading the same text again changes nothing; loading a corrected text, or the same text after the lexicon
changed (its fingerprint, crawler/extract/version.py), creates the next version and keeps the earlier ones. A baseline's observations can never be changed afterwards (a trigger forbids it).

This module stores what it is given: the figures are extracted above it (crawler/baseline.py), between
`find` and `store`, in one transaction.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import resources

from crawler.extract import Indicator
from db.articles import Article, store_article
from db.connection import Connection, Row, one
from settings import SITES_TIMEZONE

DEFAULT_NAME = "default"


@dataclass(frozen=True, slots=True)
class BaselineSource:
    """The text of a baseline article and the facts about it."""

    text: str
    published: date
    source: str
    title: str
    label: str  # where the text came from, for messages


BUNDLED = "cqrb-2024-06-22-shuangchengji"


def bundled() -> BaselineSource:
    """The baseline that ships with the project: the text and, beside it, its facts (.toml)."""
    folder = resources.files("db") / "baseline"
    facts = tomllib.loads((folder / f"{BUNDLED}.toml").read_text(encoding="utf-8"))
    return BaselineSource((folder / f"{BUNDLED}.txt").read_text(encoding="utf-8"), facts["published"],
                          facts["source"], facts["title"], f"db/baseline/{BUNDLED}.txt")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What loading a baseline did."""

    name: str
    version: int
    created: bool
    indicators: int


def _content_hash(baseline: BaselineSource) -> str:
    return hashlib.sha256("\x1f".join(
        [baseline.text, baseline.published.isoformat(), baseline.source, baseline.title]).encode()).hexdigest()


def find(conn: Connection, baseline: BaselineSource, name: str = DEFAULT_NAME,
         lexicon: str | None = None) -> LoadResult | None:
    """The version of `name` that already holds this text (and facts), read with lexicon `lexicon` (its
    fingerprint; None: with any), or None.

    Takes the lock of `name` until the end of the caller's transaction, so that a `store` after it in the
    same transaction cannot race another loader.
    """
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('baseline:' || %s))", [name])
    existing = conn.execute(
        "SELECT b.version, count(o.id) AS n FROM baselines b "
        "LEFT JOIN indicator_observations o ON o.article_id = b.article_id "
        "WHERE b.name = %s AND b.content_hash = %s "
        "AND (%s::text IS NULL OR b.lexicon_fingerprint = %s) GROUP BY b.version ORDER BY b.version DESC LIMIT 1",
        [name, _content_hash(baseline), lexicon, lexicon]).fetchone()
    return LoadResult(name, existing["version"], False, existing["n"]) if existing else None


def store(conn: Connection, baseline: BaselineSource, indicators: Sequence[Indicator],
          name: str = DEFAULT_NAME, lexicon: str | None = None) -> LoadResult:
    """Store the baseline article and its (already extracted) figures as the next version of `name`, read
    with lexicon `lexicon` (its fingerprint).

    Call it in the transaction of a `find` that found nothing; the caller commits. The same text read again
    with another lexicon is an article of its own (the old version's figures never change).
    """
    digest = _content_hash(baseline)
    published_at = datetime.combine(baseline.published, time(6, 0), SITES_TIMEZONE)
    url = f"urn:sha256:{digest}"
    if conn.execute("SELECT 1 FROM articles WHERE source = %s AND canonical_url = %s",
                    [baseline.source, url]).fetchone():
        url += f";lexicon={lexicon or 'none'}"
    article = Article(source=baseline.source, canonical_url=url, title=baseline.title,
                      published_at=published_at, body=baseline.text, origin="file", relevant=True,
                      metadata={"loaded_from": baseline.label})
    stored = store_article(conn, article, indicators, republished=False)
    version = one(conn.execute("SELECT coalesce(max(version), 0) + 1 AS v FROM baselines WHERE name = %s",
                               [name]))["v"]
    conn.execute("INSERT INTO baselines (name, version, article_id, content_hash, lexicon_fingerprint) "
                 "VALUES (%s, %s, %s, %s, %s)", [name, version, stored.article_id, digest, lexicon])
    count = one(conn.execute("SELECT count(*) AS n FROM indicator_observations WHERE article_id = %s",
                             [stored.article_id]))["n"]
    return LoadResult(name, version, True, count)


def version_info(conn: Connection, name: str = DEFAULT_NAME, version: int | None = None) -> Row | None:
    """A baseline version (the newest when version is None) with its article, or None if there is none."""
    return conn.execute(
        "SELECT b.id, b.name, b.version, b.created_at, b.article_id, b.lexicon_fingerprint, a.title, a.source, "
        "a.published_at, a.body, a.metadata "
        "FROM baselines b JOIN articles a ON a.id = b.article_id "
        "WHERE b.name = %s AND (%s::int IS NULL OR b.version = %s) ORDER BY b.version DESC LIMIT 1",
        [name, version, version]).fetchone()


def observations(conn: Connection, name: str = DEFAULT_NAME,
                 version: int | None = None) -> list[Row]:
    """The figures of a baseline version (the newest when version is None), in reading order."""
    return conn.execute(
        """
        SELECT o.metric, o.region, o.period, o.kind, o.value, o.unit, o.qualifier, o.status, o.surface,
               o.sentence
        FROM baselines b JOIN indicator_observations o ON o.article_id = b.article_id
        WHERE b.name = %s AND b.version = coalesce(%s, (SELECT max(version) FROM baselines WHERE name = %s))
        ORDER BY o.start_offset, o.id
        """, [name, version, name]).fetchall()


def source_of(conn: Connection, name: str = DEFAULT_NAME) -> BaselineSource | None:
    """The text and facts of the current version of `name`, to read again (None: no version)."""
    row = conn.execute(
        "SELECT a.body, a.published_at, a.source, a.title, a.metadata FROM baselines b "
        "JOIN articles a ON a.id = b.article_id WHERE b.name = %s ORDER BY b.version DESC LIMIT 1",
        [name]).fetchone()
    if row is None:
        return None
    return BaselineSource(row["body"], row["published_at"].astimezone(SITES_TIMEZONE).date(), row["source"],
                          row["title"], str(row["metadata"].get("loaded_from") or f"baseline {name!r}"))
