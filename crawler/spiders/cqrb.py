"""重庆日报 e-paper (epaper.cqrb.cn): each day's 版 pages, every article of each 版.

URLs: /cqrb/YYYY-MM/DD/NNN/node.htm (a 版), /cqrb/YYYY-MM/DD/NNN/content_rb_N.htm (an article). Articles
are linked twice on a 版, from the title list and from the PagePicMap hot spots: both are read and
de-duplicated. A date without a paper answers 404, which is not an error. The date comes from the URL.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any

from scrapy.http import Request, Response

from crawler.items import ArticleItem
from crawler.parsing import at_midnight, body_content, clean, first_matching
from crawler.spiders.base import SourceSpider

ROOT = "https://epaper.cqrb.cn/cqrb"
_PAGE = re.compile(r"/cqrb/\d{4}-\d{2}/\d{2}/(\d{3})/node\.htm$")
_ARTICLE = re.compile(r"/cqrb/(\d{4})-(\d{2})/(\d{2})/(\d{3})/(content_rb_\d+)\.htm$")
_PAGE_LABEL = re.compile(r"第\s*(\d{3})\s*版\s*[:：]?\s*(\S*)")


def page_url(day: date, number: str) -> str:
    """The URL of 版 `number` of a day's paper."""
    return f"{ROOT}/{day:%Y-%m}/{day:%d}/{number}/node.htm"


class CqrbSpider(SourceSpider):
    """重庆日报: every article of every 版 of each day in the window."""

    name = "cqrb"
    LIST_END = re.compile(r"下一版|上一版")  # the 版 navigation, printed after a 版's title list

    async def start(self) -> AsyncIterator[Request]:
        """The front page (版 001) of each day in the window."""
        day = self.since
        while day <= self.until:
            yield Request(page_url(day, "001"), callback=self.parse_front, errback=self.failed,
                          meta={"list_page": True, "day": day, "handle_httpstatus_list": [404]})
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
        yield from self.page_articles(response, pages.get("001"))
        for number, label in sorted(pages.items()):
            if number != "001":
                yield Request(page_url(day, number), callback=self.parse_page, errback=self.failed,
                              meta={"list_page": True, "day": day, "page_label": label})

    def page_list(self, response: Response) -> dict[str, str]:
        """版 number -> label (第003版：成渝地区双城经济圈) from the 版 list."""
        labels: dict[str, str] = {}
        for element in response.css("[class*=default]"):
            match = _PAGE_LABEL.search(clean(" ".join(element.css("::text").getall())))
            if match and (match.group(2) or match.group(1) not in labels):  # a label with a name wins
                labels[match.group(1)] = f"第{match.group(1)}版：{match.group(2)}".rstrip("：")
        for href in response.css("a::attr(href)").getall():
            match = _PAGE.search(response.urljoin(href))
            if match:
                labels.setdefault(match.group(1), f"第{match.group(1)}版")
        return labels

    def parse_page(self, response: Response) -> Iterator[Request]:
        """A 版 page other than the front: its articles, once the page is known whole."""
        if self.accept(response):
            yield from self.page_articles(response, response.meta.get("page_label"))

    def page_articles(self, response: Response, label: str | None) -> Iterator[Request]:
        """Articles of one 版, from its title list and its hot spots, that are not stored yet."""
        links = response.css("a::attr(href)").getall() + \
            response.css('map[name="PagePicMap"] area::attr(href)').getall()
        urls = [u for u in (response.urljoin(h.strip()) for h in links) if _ARTICLE.search(u)]
        if not self.accept_list(response, len(urls)):  # a 版 always carries articles (title list, PagePicMap)
            return
        for url in self.unstored(urls):
            yield self.article_request(url, response.url, self.parse_article, {"page_label": label})

    def parse_article(self, response: Response) -> Iterator[Any]:
        """引题, 主标题, 副题, the body of #ozoom; the date from the URL."""
        if not self.accept(response):
            return
        match = _ARTICLE.search(response.url)
        assert match is not None
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        title_cell = first_matching(response, ['td[align="center"] strong', 'tr[valign="top"] strong',
                                               "h1", ".title"], "title", response.url, self.logger)
        title = clean(" ".join(title_cell[:1].css("::text").getall()))
        headline = [clean(" ".join(td.css("::text").getall()))
                    for td in response.xpath("//strong/ancestor::table[1]//td[@align='center']")]
        headline = [line for line in headline if line]
        pretitle = subtitle = None
        if title in headline:
            before, after = headline[: headline.index(title)], headline[headline.index(title) + 1:]
            pretitle = before[-1] if before else None
            subtitle = after[0] if after else None
        body = first_matching(response, ["#ozoom", "div.content", "#content"], "body", response.url, self.logger)
        if not title or not body:
            self.ledger.drop(response.meta.get("linked_url", response.url), "no title or body found on the page")
            return
        lines, tables = body_content(body)
        yield ArticleItem(source=self.name, url=response.url, title=title, published_at=at_midnight(day),
                          paragraphs=lines, doc_id=match.group(5), pretitle=pretitle,
                          subtitle=subtitle, section=response.meta.get("page_label"),
                          metadata={"page": match.group(4)}, tables=tables)
