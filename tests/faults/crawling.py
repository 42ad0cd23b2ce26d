"""Crawling the fixture sites through a fault-injecting MirrorServer, and counting what a fault cost."""

from __future__ import annotations

import subprocess

import psycopg

from tests.conftest import run_cli
from tests.fixtures.sitegen import ARTICLES, WINDOW, Page, article_path, real_url

SINCE, UNTIL = (d.isoformat() for d in WINDOW)


def crawl(env: dict[str, str], mirror_url: str, *args: str, window: bool = True,
          timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`cywatch crawl ARGS` against the mirror (over the fixtures' window unless `window` is False)."""
    env = env | {"CYWATCH_MIRROR": mirror_url, "CYWATCH_DOWNLOAD_TIMEOUT": "2", "CYWATCH_PROGRESS_INTERVAL": "0"}
    dates = ("--since", SINCE, "--until", UNTIL) if window else ()
    return run_cli("crawl", *dates, *args, env=env, timeout=timeout)


def expected(site: str) -> list[Page]:
    """The fixture articles of a site that a complete crawl stores."""
    return [a for a in ARTICLES if a.site == site and a.expect.stored]


def article(key: str) -> Page:
    """The fixture article with this key."""
    return next(a for a in ARTICLES if a.key == key)


def path(page: Page) -> str:
    """The mirror path of a fixture article."""
    return "/" + article_path(page)


def lost_and_duplicated(db: psycopg.Connection, site: str) -> tuple[int, int]:
    """How many of a site's expected articles are not stored, and how many stored rows repeat a URL."""
    db.commit()
    urls = [r["canonical_url"] for r in db.execute("SELECT canonical_url FROM articles WHERE source = %s", [site])]
    lost = sum(1 for a in expected(site) if real_url(a) not in urls)
    return lost, len(urls) - len(set(urls))
