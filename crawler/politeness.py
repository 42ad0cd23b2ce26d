"""At most CONCURRENT_REQUESTS_PER_DOMAIN requests in flight per site, enforced where requests leave.

Scrapy's downloader slots are meant to cap this, but with a download delay of 0 (mirror mode, or an
AutoThrottle that lowered the delay to 0) Scrapy 2.19 starts every queued request of a slot at once: it
schedules each download as a task and counts it as transferring only when that task runs, so the check
"is a transfer slot free?" keeps answering yes. The cap is therefore kept here, in the download handler,
per host of the real URL, whatever the delays and the scheduler do.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached


class PoliteDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler with a per-site cap on requests in flight."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        limit = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1
        self._per_site: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(limit))

    def site(self, request: Request) -> str:
        """The site a request counts against: the host of its URL."""
        return urlparse_cached(request).hostname or ""

    async def download_request(self, request: Request) -> Response:
        """Download once fewer than the cap of this site's requests are in flight."""
        async with self._per_site[self.site(request)]:
            return await self.fetch(request)

    async def fetch(self, request: Request) -> Response:
        """The download itself (Scrapy's HTTP/1.1 client)."""
        return await super().download_request(request)
