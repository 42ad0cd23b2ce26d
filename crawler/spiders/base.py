"""What every source spider shares: the date horizon, the "already stored?" check, list paging.

A spider never requests an article page it has stored. Lists are paged newest first, back to the horizon:
`since` (given, or the end of the last clean crawl, or CYWATCH_FIRST_CRAWL_DAYS before `until` the first time); when
the last crawl was clean, a list page whose entries are all stored also ends the paging.

Nothing counts as seen unless it was: a page is used only when it arrived whole and decoded (`accept`), a
list page must have rows, paging must reach the horizon, and every article a list linked must end up stored
or settled (crawler/ledger.py). Anything less is an error of the run, which keeps the window and the 304s
from passing over it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import attachments
from crawler import signals as crawl_signals
from crawler.deployment import deployment
from crawler.items import ArticleItem, AttachmentItem, AttachmentLinks
from crawler.ledger import Ledger
from crawler.pages import UNDECODABLE, incomplete
from crawler.parsing import at_midnight, body_content, clean, first_matching, meta, parse_datetime
from crawler.sources import Source, source
from crawler.storage import CrawlDatabase


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One row of a news list: where the article is, its title, and the date the list gives."""

    url: str
    title: str
    day: date


class SourceSpider(scrapy.Spider):
    """Base of the four source spiders."""

    name: ClassVar[str]
    ENCODING: ClassVar[str | None] = None  # the charset the site serves, tried first when a page names none
    ERRORS_SHOWN: ClassVar[int] = 3  # failed requests logged in full; the others are counted (extensions.py)
    since: date
    until: date
    explicit_since: bool
    stop_at_stored: bool

    def __init__(self, since: str | None = None, until: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allowed_domains = list(source(self.name).domains)  # the registry says where a source may go
        self._since_arg = since
        self._until_arg = until

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        """The spider with its horizon resolved against what is stored."""
        spider: SourceSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.db = CrawlDatabase.of(crawler)
        spider.ledger = Ledger()
        spider.failure_kinds = Counter()
        crawler.signals.connect(spider.item_stored, signal=signals.item_scraped)
        crawler.signals.connect(spider.item_failed, signal=signals.item_error)  # counted as a store error
        today = datetime.now(deployment(crawler).zone).date()  # today where the deployment is
        spider.until = date.fromisoformat(spider._until_arg) if spider._until_arg else today
        spider.explicit_since = spider._since_arg is not None
        if spider._since_arg:
            spider.since = date.fromisoformat(spider._since_arg)
        else:
            first = spider.until - timedelta(days=crawler.settings.getint("CYWATCH_FIRST_CRAWL_DAYS"))
            spider.since = spider.db.last_clean_until(cls.name) or first
            oldest = spider.until - timedelta(days=crawler.settings.getint("CYWATCH_MAX_CATCHUP_DAYS"))
            if spider.since < oldest:
                spider.logger.warning("the last clean crawl ended %s; catching up %d days only (from %s); "
                                      "backfill older days with --since", spider.since,
                                      crawler.settings.getint("CYWATCH_MAX_CATCHUP_DAYS"), oldest)
                spider.since = oldest
        spider.stop_at_stored = not spider.explicit_since and spider.db.last_run_was_clean(cls.name)
        if spider.since > spider.until:
            spider.since = spider.until
        return spider

    @property
    def source(self) -> Source:
        return source(self.name)

    def within(self, day: date) -> bool:
        """Whether a date lies in the crawl's window."""
        return self.since <= day <= self.until

    def unstored(self, urls: Iterable[str]) -> list[str]:
        """The URLs not stored yet, in the order given, without repeats."""
        urls = list(dict.fromkeys(urls))
        stored = self.db.stored(self.name, urls)
        return [u for u in urls if u not in stored]

    # --- paged news lists (the government sites) -------------------------------------------------------
    # A site declares its lists (section, first page), the shape of its article URLs (groups: year, month,
    # day, document id) and the CSS of its list rows, most current layout first.
    LISTS: ClassVar[tuple[tuple[str, str], ...]] = ()
    ARTICLE: ClassVar[re.Pattern[str]]
    ROWS: ClassVar[tuple[str, ...]] = ()

    # A list page is whole when, besides its closing </html>, it shows the list's end: the pager, which these
    # CMSs print on every page of a list (also the last: 共N页, 尾页), or the e-paper's 版 navigation.
    LIST_END: ClassVar[re.Pattern[str]] = re.compile(r"下一页|下页|上一页|尾页|末页|共\s*\d+\s*页|createPageHTML")

    async def start(self) -> AsyncIterator[Request]:
        """The first page of each list."""
        for section, url in self.LISTS:
            yield self.list_request(url, section)

    # --- what counts as seen -----------------------------------------------------------------------------
    def accept(self, response: Response) -> bool:
        """Whether a page may be used: it arrived whole and decoded. Otherwise an error: it is fetched again."""
        reason = incomplete(response)
        if reason is None and UNDECODABLE in response.flags:
            reason = "could not decode its text (not UTF-8, GB18030 or an encoding a detector recognises)"
        if reason is None:
            return True
        self.page_error(f"incomplete page, not used (it will be fetched again): {reason}", response.url)
        if linked := response.meta.get("linked_url"):
            self.ledger.report(linked)
        return False

    def accept_list(self, response: Response, rows: int) -> bool:
        """Whether an accepted list page counts as seen: it has rows, and shows the list's end after them.

        Only then do its validators become pending (saved if the run ends clean): a 304 stands for what
        was seen.
        """
        if not rows:
            self.page_error("the list had no entries: is the site in maintenance?", response.url)
            return False
        if isinstance(response, TextResponse) and not self.LIST_END.search(response.text):
            self.page_error("incomplete page, not used (it will be fetched again): the list's end (its pager) "
                            "is missing, the list may be cut short", response.url)
            return False
        if validators := response.meta.get("validators"):
            self.db.pending_validators[response.url] = validators
        return True

    def page_error(self, message: str, url: str) -> None:
        """An error of this run about a page: counted, logged in one line, and the first one kept."""
        self.crawler.stats.inc_value("cywatch/page_errors")
        if not self.crawler.stats.get_value("cywatch/first_error"):
            self.crawler.stats.set_value("cywatch/first_error", f"{message} at {url}")
        self.logger.error("%s: %s", message, url)

    def article_request(self, url: str, page: str, callback: Any, meta: dict[str, Any]) -> Request:
        """A request for an article linked from list page `page`: unfinished work until it is stored."""
        if not self.ledger.linked:  # the first: the pipeline starts its analysis worker
            self.crawler.signals.send_catch_log(signal=crawl_signals.first_article_linked, spider=self)
        self.ledger.link(url, page)
        return Request(url, callback=callback, errback=self.failed,
                       meta=meta | {"linked_url": url, "site_encoding": self.ENCODING})

    def item_stored(self, item: Any, response: Response | None, spider: scrapy.Spider | None = None) -> None:
        """An article passed the pipeline (committed): its work is done."""
        if spider in (self, None) and response is not None and isinstance(item, ArticleItem):
            self.ledger.store(response.meta.get("linked_url", response.url))

    def item_failed(self, item: Any, response: Response | None, spider: scrapy.Spider | None = None) -> None:
        """An article the pipeline could not store: unfinished, and already an error (store_errors)."""
        if spider in (self, None) and response is not None and isinstance(item, ArticleItem):
            self.ledger.report(response.meta.get("linked_url", response.url))

    def list_request(self, url: str, section: str, page: int = 1) -> Request:
        """A request for page `page` of a news list."""
        return Request(url, callback=self.parse_list, errback=self.failed,
                       meta={"list_page": True, "section": section, "page": page, "site_encoding": self.ENCODING})

    def failed(self, failure: Failure) -> None:
        """A request that failed for good (after retries): an error of this run.

        robots.txt refusals, 304s and blocked sites are not errors (they are ignored requests); an HTTP error
        status is one (Scrapy's HttpError is an ignored request too, so it is checked first), except an
        article answering 404/410: it is gone, and asking again would not bring it back; and a list paged
        past its end. A news list whose first page is gone is an error: the site has moved that section, and
        a crawl of it would stay empty for good.
        """
        meta = failure.request.meta
        linked = meta.get("linked_url")
        if failure.check(HttpError):
            status = failure.value.response.status
            if status in (404, 410) and meta.get("page", 1) > 1:  # paged past the end of a list: normal
                self.logger.info("end of the list (HTTP %d): %s", status, failure.request.url)
                return
            if status in (404, 410) and not meta.get("list_page"):
                self.logger.warning("gone (HTTP %d): %s", status, failure.request.url)
                if linked:
                    self.ledger.settle(linked)
                return
            reason = f"HTTP {status}" + (" (has the site moved this list?)" if status in (404, 410) else "")
        elif failure.check(IgnoreRequest):
            message = failure.getErrorMessage()
            if linked and "robots.txt" in message:  # the site asks us not to: settled, not lost
                self.ledger.settle(linked)
            elif linked:  # e.g. "Filtered offsite request": not stored, so unfinished (the ledger says so)
                self.ledger.drop(linked, message or type(failure.value).__name__)
            return
        else:
            reason = failure_reason(failure, self.settings.getint("DOWNLOAD_MAXSIZE"))
        if linked:
            self.ledger.report(linked, fetched=False)
        self.crawler.stats.inc_value("cywatch/request_failures")
        if not self.crawler.stats.get_value("cywatch/first_error"):
            self.crawler.stats.set_value("cywatch/first_error", f"{reason} at {failure.request.url}")
        kind = reason.split(" (", 1)[0] if failure.check(HttpError) else type(failure.value).__name__
        self.failure_kinds[kind] += 1
        shown = sum(self.failure_kinds.values()) <= self.ERRORS_SHOWN  # the rest: one line at the end
        (self.logger.error if shown else self.logger.info)("could not fetch %s: %s", failure.request.url, reason)

    def parse_list(self, response: Response) -> Iterator[Request]:
        """Articles of a list page that are in the window and not stored; then the next page if needed."""
        section, page = response.meta["section"], response.meta["page"]
        if not self.accept(response):
            return
        entries = self.list_entries(response)
        if not self.accept_list(response, len(entries)):
            return
        fresh = [e for e in entries if self.within(e.day)]
        if any(e.day > self.until for e in entries):  # seen, not crawled: a 304 next time must not hide them
            self.db.pending_validators.pop(response.url, None)
        wanted = set(self.unstored(e.url for e in fresh))
        for entry in fresh:
            if entry.url in wanted:
                yield self.article_request(entry.url, response.url, self.parse_article, {
                    "section": section, "list_title": entry.title, "list_date": entry.day})
        reached_horizon = entries[-1].day < self.since  # the bottom row: an old pinned item on top does not stop it
        all_stored = bool(fresh) and not wanted and self.stop_at_stored
        if reached_horizon or all_stored:
            return
        next_url = self.page_url(response.url, page + 1)
        if next_url and page < self.settings.getint("CYWATCH_MAX_LIST_PAGES"):
            yield self.list_request(next_url, section, page + 1)
        else:  # the days between the bottom row and the horizon were not seen: the window must not pass them
            self.page_error(f"paging stopped at page {page} before reaching {self.since} (rows down to "
                            f"{entries[-1].day}; CYWATCH_MAX_LIST_PAGES or an unknown pager)", response.url)

    def list_entries(self, response: Response) -> list[ListEntry]:
        """The rows of a list page that link to an article: URL, title, and the row's date (else the URL's)."""
        entries = []
        for row in first_matching(response, self.ROWS, "list row", response.url, self.logger):
            for link in row.css("a[href]"):
                url = self.canonical(response.urljoin(link.attrib["href"]))
                match = self.ARTICLE.search(url)
                if not match:
                    continue
                listed = parse_datetime(" ".join(row.css("span::text, div.lie4::text, div.lie5::text").getall()))
                day = listed.date() if listed else date(int(match.group(1)), int(match.group(2)),
                                                        int(match.group(3)))
                title = clean(link.attrib.get("title") or " ".join(link.css("::text").getall()))
                entries.append(ListEntry(url, title, day))
        return entries

    def canonical(self, url: str) -> str:
        """The URL under which an article is stored (a site may fold variants of its URLs)."""
        return url

    def page_url(self, url: str, page: int) -> str | None:
        """Page `page` of a list: x_list.shtml -> x_list_N.shtml (Sichuan), index.html -> index_{N-1}.html (TRS)."""
        if url.endswith(".shtml"):
            return re.sub(r"(_\d+)?\.shtml$", f"_{page}.shtml", url)
        if re.search(r"index(_\d+)?\.html$", url):
            return re.sub(r"index(_\d+)?\.html$", f"index_{page - 1}.html", url)
        return None

    # --- government CMS article pages (Ucap, TRS): metas, a body container, the list's date to fall back on --
    TITLE_SUFFIX: ClassVar[re.Pattern[str] | None] = None  # what the site appends to <title> after the headline
    BODY: ClassVar[tuple[str, ...]] = ()  # CSS of the article body, most current layout first
    METAS: ClassVar[dict[str, str]] = {}  # metadata key -> <meta name> kept with the article

    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article page: title (ArticleTitle meta, else <title> without the site's suffix), PubDate (else the
        list's date), the body of the first BODY selector that matches, METAS and `extra_metadata`."""
        if not self.accept(response):
            return
        match = self.ARTICLE.search(response.url)
        assert match is not None
        head = response.css("title::text").get() or ""
        title = meta(response, "ArticleTitle") or clean(self.TITLE_SUFFIX.sub("", head) if self.TITLE_SUFFIX else head)
        body = first_matching(response, self.BODY, "body", response.url, self.logger)
        if not title or not body:
            self.ledger.drop(response.meta.get("linked_url", response.url), "no title or body found on the page")
            return
        page_date = parse_datetime(meta(response, "PubDate"))
        metadata = {key: value for key, name in self.METAS.items() if (value := meta(response, name))}
        lines, tables = body_content(body)
        item = ArticleItem(source=self.name, url=response.url, title=title,
                           published_at=page_date or at_midnight(response.meta["list_date"]),
                           paragraphs=lines, doc_id=match.group(4), section=response.meta["section"],
                           metadata=metadata | self.extra_metadata(response, page_date), tables=tables)
        links = self.attachment_links(response, item)
        if links is not None:
            yield links  # before its article: the pipeline holds them until the article is analysed
        yield item

    # --- attachments (PDF, XLS/XLSX, DOC/DOCX) of relevant articles ---------------------------------------
    ATTACHMENTS: ClassVar[bool] = False  # fetch and read the files a relevant article links

    def attachment_links(self, response: Response, item: ArticleItem) -> AttachmentLinks | None:
        """The files an article links, size-capped requests for those on the source's domains and refused
        records for the others; None when it links none. The pipeline fetches them if the article is relevant
        (crawler/pipelines.py). Their failures are recorded there, never errors of the run."""
        if not self.ATTACHMENTS:
            return None
        requests: list[Request] = []
        refused: list[AttachmentItem] = []
        seen: set[str] = set()
        for link in response.css("a[href]"):
            url = response.urljoin(link.attrib["href"].strip())
            kind = attachments.kind_of(url)
            if kind is None or url in seen:
                continue
            seen.add(url)
            name = clean(" ".join(link.css("::text").getall())) or unquote(url.rsplit("/", 1)[-1])
            found = AttachmentItem(self.name, item.url, url, name, kind, item.published_at.date())
            host = urlsplit(url).hostname or ""
            if not any(host == d or host.endswith("." + d) for d in self.allowed_domains):
                refused.append(replace(found, status="refused", detail=f"{host} is not one of the source's domains"))
                continue
            requests.append(Request(url, callback=self.parse_attachment, errback=self.attachment_failed, priority=-1,
                                    meta={"attachment": found,
                                          "download_maxsize": self.settings.getint("CYWATCH_ATTACHMENT_MAXSIZE")}))
        return AttachmentLinks(item.url, tuple(requests), tuple(refused)) if seen else None

    def parse_attachment(self, response: Response) -> Iterator[AttachmentItem]:
        """A fetched attachment, handed to the pipeline to read and store."""
        yield replace(response.meta["attachment"], data=response.body)

    def attachment_failed(self, failure: Failure) -> Iterator[AttachmentItem]:
        """An attachment that could not be fetched: recorded with the reason, not an error of the run."""
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        elif failure.check(IgnoreRequest):
            reason = failure.getErrorMessage() or type(failure.value).__name__
        else:
            reason = failure_reason(failure, self.settings.getint("CYWATCH_ATTACHMENT_MAXSIZE"))
        self.crawler.stats.inc_value("cywatch/attachment_failures")
        self.logger.warning("could not fetch attachment %s: %s", failure.request.url, reason)
        yield replace(failure.request.meta["attachment"], status="failed", detail=reason)

    def extra_metadata(self, response: Response, page_date: datetime | None) -> dict[str, object]:
        """What a site keeps of an article beyond its METAS (none by default)."""
        return {}


def failure_reason(failure: Failure, maxsize: int) -> str:
    """Why a request failed, in words: never empty.

    Scrapy cancels a body that grows past DOWNLOAD_MAXSIZE without a Content-Length (one that announces
    more is refused with a message) and says nothing more than "cancelled".
    """
    from scrapy import exceptions
    from twisted.internet.defer import CancelledError

    cancelled = getattr(exceptions, "DownloadCancelledError", CancelledError)  # Scrapy >= 2.14 wraps it
    message = failure.getErrorMessage()
    if not message and failure.check(cancelled, CancelledError):
        return f"download cancelled: the body grew past DOWNLOAD_MAXSIZE ({maxsize:,} bytes)"
    return message or type(failure.value).__name__
