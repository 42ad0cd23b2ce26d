"""What every Founder-style e-paper shares: a day's 版 pages, every article of each 版, headline lines.

Such a paper publishes one tree per day: a front 版 page at a URL built from the date, which links the day's
other 版 pages (the 版 navigation, each entry labelled 第N版：栏目) and, on every 版, its articles, usually
twice (a title list and hot spots on the page image), de-duplicated here. A date without a paper answers
404, which is not an error. The article's date comes from its URL.

A paper is declarations only (crawler/spiders/cqrb.py, scrb.py): where a day's 版 pages are (`PAGE_URL`,
`FRONT_PAGE`, `PAGE_LINK`), how a 版 is named (`PAGE_NAMES`, `PAGE_NAME`), what an article URL looks like
(`ARTICLE`, named groups year, month, day, doc and optionally page) and where its links are
(`ARTICLE_LINKS`), the headline (`TITLE`, `HEADLINE`: 引题, 主标题, 副题 in document order), the body
(`BODY`, `BODY_BREAKS`, `BODY_REPEATED`), the charset it serves (`ENCODING`) and what ends a 版 (`LIST_END`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any, ClassVar

from scrapy.http import Request, Response

from crawler.items import ArticleItem
from crawler.parsing import at_midnight, body_content, clean, first_matching, lines_at_breaks
from crawler.spiders.base import SourceSpider


class EpaperSpider(SourceSpider):
    """Base of the e-paper spiders: every article of every 版 of each day in the window."""

    PAGE_URL: ClassVar[str]  # a 版 of a day: str.format with day (a date) and page (a 版 number)
    FRONT_PAGE: ClassVar[str] = "001"  # the front 版's number as the URLs write it
    PAGE_LINK: ClassVar[re.Pattern[str]]  # a link to a 版 page; group "page": its number
    PAGE_NAMES: ClassVar[tuple[str, ...]] = ()  # CSS of the 版 navigation's entries (第001版：要闻)
    PAGE_NAME: ClassVar[re.Pattern[str]] = re.compile(r"第\s*(?P<page>\d+)\s*版\s*[:：]?\s*(?P<name>\S*)")
    ARTICLE_LINKS: ClassVar[tuple[str, ...]] = ("a::attr(href)", 'map[name="PagePicMap"] area::attr(href)')
    TITLE: ClassVar[tuple[str, ...]] = ("h1",)  # CSS of the main headline, most current layout first
    HEADLINE: ClassVar[str] = "//h1 | //h2"  # XPath of the headline lines, in order: 引题, 主标题, 副题
    BODY_BREAKS: ClassVar[bool] = False  # paragraphs are <br>-separated lines inside one <p>
    BODY_REPEATED: ClassVar[bool] = False  # the page carries its body twice: repeated lines are dropped
    LIST_END: ClassVar[re.Pattern[str]] = re.compile(r"下一版|上一版")  # the 版 navigation, after the titles

    def day_page_url(self, day: date, number: str) -> str:
        """The URL of 版 `number` of a day's paper."""
        return self.PAGE_URL.format(day=day, page=number)

    def request(self, url: str, callback: Any, meta: dict[str, Any]) -> Request:
        """A request for a 版 page, in the paper's charset, its failures reported."""
        return Request(url, callback=callback, errback=self.failed, meta=meta | {"site_encoding": self.ENCODING})

    async def start(self) -> AsyncIterator[Request]:
        """The front 版 of each day in the window."""
        day = self.since
        while day <= self.until:
            yield self.request(self.day_page_url(day, self.FRONT_PAGE), self.parse_front, {
                "list_page": True, "day": day, "handle_httpstatus_list": [404]})
            day += timedelta(days=1)

    def parse_front(self, response: Response) -> Iterator[Request]:
        """The day's 版 list: each 版 page (this one included)."""
        day: date = response.meta["day"]
        if response.status == 404:
            self.logger.info("no paper on %s (404)", day)
            self.crawler.stats.inc_value("cywatch/no_paper_days")
            return
        if not self.accept(response):
            return
        pages = self.page_list(response)
        if not pages:
            self.logger.warning("no 版 list found at %s; reading this page only", response.url)
        yield from self.page_articles(response, self.FRONT_PAGE, pages.get(self.FRONT_PAGE))
        for number, label in sorted(pages.items()):
            if number != self.FRONT_PAGE:
                yield self.request(self.day_page_url(day, number), self.parse_page, {
                    "list_page": True, "day": day, "page_number": number, "page_label": label})

    def page_list(self, response: Response) -> dict[str, str]:
        """版 number -> label (第003版：成渝地区双城经济圈) from the 版 navigation."""
        labels: dict[str, str] = {}
        for css in self.PAGE_NAMES:
            for element in response.css(css):
                match = self.PAGE_NAME.search(clean(" ".join(element.css("::text").getall())))
                if match and (match["name"] or match["page"] not in labels):  # a label with a name wins
                    labels[match["page"]] = f"第{match['page']}版：{match['name']}".rstrip("：")
        for href in response.css("a::attr(href)").getall():
            if link := self.PAGE_LINK.search(response.urljoin(href.strip())):
                labels.setdefault(link["page"], f"第{link['page']}版")
        return labels

    def parse_page(self, response: Response) -> Iterator[Request]:
        """A 版 page other than the front: its articles, once the page is known whole."""
        if self.accept(response):
            yield from self.page_articles(response, response.meta["page_number"], response.meta.get("page_label"))

    def page_articles(self, response: Response, number: str, label: str | None) -> Iterator[Request]:
        """Articles of one 版, from all its links (title list, hot spots), that are not stored yet."""
        links = [href for css in self.ARTICLE_LINKS for href in response.css(css).getall()]
        urls = [u for u in (response.urljoin(h.strip()) for h in links) if self.ARTICLE.search(u)]
        if not self.accept_list(response, len(urls)):  # a 版 always carries articles
            return
        for url in self.unstored(urls):
            yield self.article_request(url, response.url, self.parse_article,
                                       {"page_label": label, "page_number": number})

    def headline(self, response: Response) -> tuple[str | None, str, str | None]:
        """(引题, 主标题, 副题): the main title, and the headline lines just before and after it."""
        cell = first_matching(response, self.TITLE, "title", response.url, self.logger)
        title = clean(" ".join(cell[:1].css("::text").getall()))
        lines = [line for line in (clean(" ".join(e.css("::text").getall()))
                                   for e in response.xpath(self.HEADLINE)) if line]
        if title not in lines:
            return None, title, None
        at = lines.index(title)
        return (lines[at - 1] if at else None), title, (lines[at + 1] if at + 1 < len(lines) else None)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """The headline, the body, the date and the 版 from the URL (or the 版 that linked it)."""
        if not self.accept(response):
            return
        match = self.ARTICLE.search(response.url)
        assert match is not None
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
        pretitle, title, subtitle = self.headline(response)
        body = first_matching(response, self.BODY, "body", response.url, self.logger)
        if not title or not body:
            self.ledger.drop(response.meta.get("linked_url", response.url), "no title or body found on the page")
            return
        lines, tables = (lines_at_breaks(body), []) if self.BODY_BREAKS else body_content(body)
        if self.BODY_REPEATED:
            lines = list(dict.fromkeys(lines))
        page = match.groupdict().get("page") or response.meta.get("page_number")
        yield ArticleItem(source=self.name, url=response.url, title=title, published_at=at_midnight(day),
                          paragraphs=lines, doc_id=match["doc"], pretitle=pretitle, subtitle=subtitle,
                          section=response.meta.get("page_label"), metadata={"page": page}, tables=tables)
