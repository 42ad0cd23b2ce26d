"""重庆市人民政府 (www.cq.gov.cn): 今日重庆 and 政策解读, TRS WCM pages.

Lists are index.html, index_1.html, …; rows `.list-warp li` (a.ellipsis + span date) or, on sibling
TRS sites, `ul.tab-item li`. Articles: TRS metas and `div.trs_paper_default`. The server often sends no
charset: pages are decoded by their <meta charset> (crawler/middlewares.py, CharsetMiddleware).
"""

from __future__ import annotations

import re

from crawler.spiders.base import SourceSpider

LISTS = (
    ("今日重庆", "https://www.cq.gov.cn/ywdt/jrcq/index.html"),
    ("政策解读", "https://www.cq.gov.cn/zwgk/zfxxgkml/zcjd_120614/index.html"),
)
ARTICLE = re.compile(r"/\d{6}/t(\d{4})(\d{2})(\d{2})_(\d+)\.html$")


class CqGovSpider(SourceSpider):
    """重庆市人民政府: 今日重庆 and 政策解读."""

    name = "cq_gov"
    LISTS = LISTS
    ARTICLE = ARTICLE
    ROWS = (".list-warp li", "ul.tab-item li", ".zcwjk-list li", "li")
    TITLE_SUFFIX = re.compile(r"_重庆市人民政府网$")
    BODY = ("div.trs_paper_default", "div.view.TRS_UEDITOR", "div.document")
    METAS = {"content_source": "ContentSource", "keywords": "Keywords"}
