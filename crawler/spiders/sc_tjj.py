"""四川省统计局 (tjj.sc.gov.cn): 最新发布 and 统计动态, on the Sichuan government platform (as fgw.sc.gov.cn).

Lists are list.shtml, list_2.shtml, … (list_1.shtml does not exist; the bare folder answers 403, so the
list file is named); articles /scstjj/cNNNNNN/YYYY/M/D/<32-hex>.shtml, their body in `#zoomcon`
(div.article-content), the monthly 主要指标数据 as one <table>. Rows `.news_list li` or `.right_list li`
(a + span date). An official source: its figures are the record (crawler/sources.py).
"""

from __future__ import annotations

import re

from crawler.spiders.base import SourceSpider


class ScTjjSpider(SourceSpider):
    """四川省统计局: 最新发布 and 统计动态."""

    name = "sc_tjj"
    LISTS = (
        ("最新发布", "https://tjj.sc.gov.cn/scstjj/c112117/list.shtml"),
        ("统计动态", "https://tjj.sc.gov.cn/scstjj/c112153/list.shtml"),
    )
    ARTICLE = re.compile(r"/scstjj/c\d+/(20\d{2})/(\d{1,2})/(\d{1,2})/([0-9a-f]{32})\.shtml$")
    ROWS = (".news_list li", ".right_list li", ".list-content li", "ul.list li")
    TITLE_SUFFIX = re.compile(r"[_-]四川省统计局$")
    BODY = ("#zoomcon", "div.article-content", "div.TRS_Editor", "div.content")
    METAS = {"content_source": "ContentSource"}
    ENCODING = "utf-8"
    ATTACHMENTS = True
