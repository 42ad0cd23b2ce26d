"""重庆市人民政府 (www.cq.gov.cn): 今日重庆 and 政策解读, TRS WCM pages.

Lists are index.html, index_1.html, …; rows `.list-warp li` (a.ellipsis + span date) or, on sibling
TRS sites, `ul.tab-item li`. Articles: TRS metas and `div.trs_paper_default`. The server often sends no
charset: pages are decoded by their <meta charset> (crawler/middlewares.py, CharsetMiddleware).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawler.items import ArticleItem
from crawler.parsing import at_midnight, clean, first_matching, meta, paragraphs, parse_datetime
from crawler.spiders.base import SourceSpider

LISTS = (
    ("今日重庆", "https://www.cq.gov.cn/ywdt/jrcq/index.html"),
    ("政策解读", "https://www.cq.gov.cn/zwgk/zfxxgkml/zcjd_120614/index.html"),
)
ARTICLE = re.compile(r"/\d{6}/t(\d{4})(\d{2})(\d{2})_(\d+)\.html$")


class CqGovSpider(SourceSpider):
    """重庆市人民政府: 今日重庆 and 政策解读."""

    name = "cq_gov"
    allowed_domains = ["www.cq.gov.cn"]
    LISTS = LISTS
    ARTICLE = ARTICLE
    ROWS = (".list-warp li", "ul.tab-item li", ".zcwjk-list li", "li")

    def parse_article(self, response: Response) -> Iterator[Any]:
        """TRS metas and the body of div.trs_paper_default."""
        if not self.complete(response):
            return
        match = ARTICLE.search(response.url)
        assert match is not None
        title = meta(response, "ArticleTitle") or clean(re.sub(r"_重庆市人民政府网$", "",
                                                               response.css("title::text").get() or ""))
        published = parse_datetime(meta(response, "PubDate")) or at_midnight(response.meta["list_date"])
        body = first_matching(response, ["div.trs_paper_default", "div.view.TRS_UEDITOR", "div.document"],
                              "body", response.url, self.logger)
        if not title or not body:
            return
        yield ArticleItem(source=self.name, url=response.url, title=title, published_at=published,
                          paragraphs=paragraphs(body), doc_id=match.group(4), section=response.meta["section"],
                          metadata={k: v for k, v in {"content_source": meta(response, "ContentSource"),
                                                      "keywords": meta(response, "Keywords")}.items() if v})
