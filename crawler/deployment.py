"""The deployment's settings (settings/) as Scrapy settings, and back from a Scrapy crawler.

crawler/settings.py holds the crawler's fixed knobs; what the environment says (CYWATCH_USER_AGENT,
CYWATCH_DOWNLOAD_TIMEOUT, CYWATCH_MIRROR …) arrives as a `settings.Settings` object and is laid over them
at `cmdline` priority by `cywatch crawl` (crawler/run.py), so that `-s NAME=VALUE` still has the last word.
`scrapy crawl` from the repository root gets the same through the `FromEnvironment` add-on, also at
`cmdline` priority for every setting its own `-s` (or `-L`) did not give; `-s CYWATCH_MIRROR=URL` (how a
Scrapyd job of a cycle run with --mirror gets it) counts as the environment's CYWATCH_MIRROR.

Crawling a mirror on 127.0.0.1 drops the politeness delays, which exist for the real sites, and only then is
the mirror's download handler installed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.extract import lexicon
from settings import Settings, values

SETTING = "CYWATCH_SETTINGS"  # the Settings object itself, for the crawler's components
MIRROR_HANDLER = "devtools.mirror.MirrorDownloadHandler"


def scrapy_settings(settings: Settings) -> dict[str, Any]:
    """The Scrapy settings that follow from the deployment's settings."""
    values: dict[str, Any] = {
        SETTING: settings,
        "USER_AGENT": settings.crawler_user_agent,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "LOG_LEVEL": settings.log_level,
        "CYWATCH_PROGRESS_INTERVAL": settings.progress_interval,
    }
    if settings.mirror:
        values |= {
            "CYWATCH_MIRROR": settings.mirror,
            "DOWNLOAD_HANDLERS": {"http": MIRROR_HANDLER, "https": MIRROR_HANDLER},
            "DOWNLOAD_DELAY": 0.0,
            "DOWNLOAD_DELAY_JITTER": 0.0,
            "AUTOTHROTTLE_START_DELAY": 0.0,
            "AUTOTHROTTLE_MAX_DELAY": 1.0,
            "RETRY_BACKOFF_BASE": 0.2,
        }
    return values


def deployment(crawler: Crawler) -> Settings:
    """The deployment's settings of a crawler: as `cywatch crawl` passed them, else read from the environment
    once per crawler (`scrapy crawl`, whose spider is built before any add-on runs)."""
    found = crawler.settings.get(SETTING) or getattr(crawler, "_cywatch_settings", None)
    if found is None:
        found = Settings.from_env()
        crawler._cywatch_settings = found  # type: ignore[attr-defined]
    return found


class FromEnvironment:
    """Scrapy add-on: `scrapy crawl` gets the deployment's settings as `cywatch crawl` does."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FromEnvironment:
        """The add-on of one crawler."""
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        """Lay the deployment's settings over the project's, unless `cywatch crawl` already did."""
        if settings.get(SETTING) is not None:
            return
        found = deployment(self.crawler)
        given = SETTINGS_PRIORITIES["cmdline"]
        mirror = settings.get("CYWATCH_MIRROR")
        if mirror and (settings.getpriority("CYWATCH_MIRROR") or 0) >= given:  # `-s CYWATCH_MIRROR=URL`: a
            found = replace(found, mirror=values.http_url(mirror))  # Scrapyd job of a cycle given --mirror
            self.crawler._cywatch_settings = found  # type: ignore[attr-defined]
        lexicon.set_cache_dir(found.data_dir / "cache")
        for name, value in scrapy_settings(found).items():
            if (settings.getpriority(name) or 0) < given:  # what `-s NAME=VALUE` or `-L` gave stays
                settings.set(name, value, priority="cmdline")
