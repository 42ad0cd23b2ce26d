"""Downloader middlewares: back-off on retries, blocked sites, conditional list requests, lying charsets.

Each is a small component with one job, configured in crawler/settings.py, built by `from_crawler`.
"""

from __future__ import annotations

import asyncio
import codecs
import logging

import scrapy.exceptions
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from twisted.internet.error import DNSLookupError
from w3lib.encoding import http_content_type_encoding

from crawler.encoding import decode_page
from crawler.pages import UNDECODABLE
from crawler.storage import CrawlDatabase

log = logging.getLogger(__name__)

# A host name that does not resolve: Twisted's error, which Scrapy 2.19 and later raise as their own.
_UNRESOLVED: tuple[type[Exception], ...] = (DNSLookupError,) + tuple(
    getattr(scrapy.exceptions, name) for name in ("CannotResolveHostError",) if hasattr(scrapy.exceptions, name))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, timeouts), each after a pause that doubles: RETRY_BACKOFF_BASE, ×2, … ≤ MAX."""

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        """Retry like Scrapy does, after the back-off pause."""
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._pause(result)
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        """Retry timeouts and connection errors like Scrapy does, after the back-off pause; never a DNS failure.

        A name that does not resolve (no network, or no such host) resolves no better seconds later.
        """
        if isinstance(exception, _UNRESOLVED):
            return None
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(result)
        return result

    async def _pause(self, retry: Request) -> None:
        settings = self.crawler.settings
        attempt = int(retry.meta.get("retry_times", 1))
        delay = min(settings.getfloat("RETRY_BACKOFF_BASE") * 2 ** (attempt - 1),
                    settings.getfloat("RETRY_BACKOFF_MAX"))
        await asyncio.sleep(delay)


# Anti-bot challenges seen on Chinese government sites: 瑞数 (HTTP 412/202, these cookies and parameters)
# and 加速乐 (HTTP 521 with __jsl_clearance).
_CHALLENGE_MARKS = (b"__jsl_clearance", b"FSSBBIl1UgzbN7N80S", b"MmEwMD=", b"$_ts=")
_BLOCKED_STATUSES = frozenset({412, 521})


class BlockedDetectionMiddleware:
    """A site that answers with an anti-bot challenge is blocked: stop crawling it, do not retry in a loop."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockedDetectionMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        """Let ordinary responses through; turn a challenge into a closed spider with status `blocked`."""
        challenge = response.status in (200, 202) and len(response.body) < 30_000 and \
            any(mark in response.body for mark in _CHALLENGE_MARKS)
        if response.status not in _BLOCKED_STATUSES and not challenge:
            return response
        reason = f"HTTP {response.status} with an anti-bot challenge at {request.url}"
        if not self.crawler.stats.get_value("cywatch/blocked"):
            self.crawler.stats.set_value("cywatch/blocked", reason)
            log.error("%s: blocked (%s); stopping this source", self.crawler.spider.name, reason)
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="blocked"))
        raise IgnoreRequest(reason)


class ConditionalRequestMiddleware:
    """List pages are fetched with If-None-Match / If-Modified-Since; a 304 is not parsed again.

    New validators are only attached to the request here; the spider makes them pending once it has seen
    the page whole (SourceSpider.accept), and the run recorder (crawler/extensions.py) saves them when the
    run finishes without errors, so that neither a cut page nor a crawl that dies halfway makes the next one
    skip a list whose articles it did not store.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._usable: bool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def usable(self) -> bool:
        """Whether saved validators may stand for this run's window: not for a backfill reaching further back
        than a clean run that saved them (it would get 304 for pages whose older rows it never looked at)."""
        if self._usable is None:
            spider = self.crawler.spider
            narrowest = CrawlDatabase.of(self.crawler).latest_clean_since(spider.name)
            since = getattr(spider, "since", None)
            self._usable = narrowest is None or since is None or since >= narrowest
            if not self._usable:
                log.info("%s: the window starts before %s, where saved validators begin: lists are fetched whole",
                         spider.name, narrowest)
        return self._usable

    def process_request(self, request: Request) -> None:
        """Add the validators of a list page fetched before."""
        if not request.meta.get("list_page") or not self.usable():
            return
        etag, modified = CrawlDatabase.of(self.crawler).validators(request.url)
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)

    def process_response(self, request: Request, response: Response) -> Response:
        """Drop unchanged list pages; collect the validators of changed ones."""
        if not request.meta.get("list_page"):
            return response
        if response.status in (200, 304) or response.status in request.meta.get("handle_httpstatus_list", ()):
            self.crawler.stats.inc_value("cywatch/list_pages_answered")  # the site answered for this list
        if response.status == 304:
            self.crawler.stats.inc_value("cywatch/not_modified")
            raise IgnoreRequest(f"not modified since the last crawl: {request.url}")
        if response.status == 200:
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            if etag or modified:  # the spider makes them pending once it has seen the page whole (accept)
                request.meta["validators"] = (
                    etag.decode("latin-1") if etag else None, modified.decode("latin-1") if modified else None)
        return response


class CharsetMiddleware:
    """Decode every page by the encoding its bytes are really in, and flag a page that decodes in none.

    Chinese government servers often send no charset (clients then fall back to ISO-8859-1) or a wrong one,
    and a page's <meta> can lie too (a GBK page claiming utf-8): Scrapy would believe them and read U+FFFD.
    crawler/encoding.py tries every candidate strictly; a page none decodes is flagged UNDECODABLE, and the
    spiders refuse it (an error of the run: it is fetched again by the next one, never stored as garbage).
    """

    def process_response(self, request: Request, response: Response) -> Response:
        """The response, re-decoded where its declared encoding is wrong or missing, or flagged."""
        if not isinstance(response, TextResponse):
            return response
        header = http_content_type_encoding(response.headers.get("Content-Type", b"").decode("latin-1"))
        found = decode_page(response.body, header, request.meta.get("site_encoding"))  # the spider's ENCODING
        if found is None:
            log.warning("could not decode %s: not text in its declared charset (%s), UTF-8, GB18030 or an "
                        "encoding a detector recognises", request.url, header or "none")
            return response.replace(flags=[*response.flags, UNDECODABLE])
        encoding = found[1]
        if codecs.lookup(response.encoding).name != encoding:
            return response.replace(encoding=encoding)
        return response
