"""四川省人民政府 (www.sc.gov.cn): news lists paged as _N.shtml, Ucap CMS article pages.

Two list layouts are in use: the old `#dash-table` rows (date printed as (MM-DD), so the date is read from
the URL) and the newer `div.biaobody li` rows; `ul.list li` is tried last, and a page matching none is logged.
Article bodies: `#cmsArticleContent` (UCAPCONTENT) or `div.contText`, without the trailer lines.
"""

from __future__ import annotations

import re

from crawler.spiders.base import SourceSpider

LISTS = (
    ("今日四川", "https://www.sc.gov.cn/10462/10464/10797/jrsc_list.shtml"),
    ("部门动态", "https://www.sc.gov.cn/10462/10464/10465/10574/list_ft.shtml"),
    ("市州动态", "https://www.sc.gov.cn/10462/10464/10465/10595/list_ft.shtml"),
    ("热点关注", "https://www.sc.gov.cn/10462/12771/list_ft.shtml"),
    ("新闻发布会", "https://www.sc.gov.cn/10462/10705/10707/xwfbt_list.shtml"),
    ("政策解读", "https://www.sc.gov.cn/10462/10464/13298/13299/zcjd_list.shtml"),
)
ARTICLE = re.compile(r"/10462/.+/(20\d{2})/(\d{1,2})/(\d{1,2})/([0-9a-f]{32}|\d{8})\.shtml$")


def canonical(url: str) -> str:
    """The URL with doubled slashes in its path folded (the CMS links some articles as c103046//2019/…)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{re.sub('/{2,}', '/', rest)}"


class ScGovSpider(SourceSpider):
    """四川省人民政府: 今日四川, 部门动态, 市州动态, 热点关注, 新闻发布会, 政策解读."""

    name = "sc_gov"
    LISTS = LISTS
    ARTICLE = ARTICLE
    ROWS = ("#dash-table tr", "div.biaobody li", "ul.list li")
    TITLE_SUFFIX = re.compile(r"[_-][^_-]*四川省人民政府$")
    BODY = ("#cmsArticleContent", "div.contText", "td.contText", "div.artleft")
    METAS = {"content_source": "ContentSource", "column": "ColumnName"}

    def canonical(self, url: str) -> str:
        """Doubled slashes folded."""
        return canonical(url)
