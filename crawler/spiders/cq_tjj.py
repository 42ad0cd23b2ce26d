"""重庆市统计局 (tjj.cq.gov.cn): 数据解读 and 统计公报, TRS WCM pages like www.cq.gov.cn's.

Lists are index.html, index_1.html, …, linking articles relatively (./YYYYMM/tYYYYMMDD_<docid>.html; each
has a _wap.html twin, never followed). Rows are `.list-warp li` (a + span date) or `ul.tab-item li`, as on
the city's other TRS sites; the bureau's own list markup is not confirmed (docs/sites.md), so the rows are
tried in that order and a page matching none is logged. Bodies: `trs_paper_default` or `TRS_Editor`.
An official source: its figures are the record (crawler/sources.py).
"""

from __future__ import annotations

import re

from crawler.spiders.base import SourceSpider


class CqTjjSpider(SourceSpider):
    """重庆市统计局: 数据解读 and 统计公报."""

    name = "cq_tjj"
    LISTS = (
        ("数据解读", "https://tjj.cq.gov.cn/zwgk_233/fdzdgknr/tjxx/sjjd_55469/index.html"),
        ("统计公报", "https://tjj.cq.gov.cn/zwgk_233/fdzdgknr/tjxx/sjzl_55471/tjgb_55472/index.html"),
    )
    ARTICLE = re.compile(r"/zwgk_233/.+/\d{6}/t(\d{4})(\d{2})(\d{2})_(\d+)\.html$")
    ROWS = (".list-warp li", "ul.tab-item li", ".news_list li", "ul.list li")
    TITLE_SUFFIX = re.compile(r"[_-]重庆市统计局$")
    BODY = ("div.trs_paper_default", "div.TRS_Editor", "div.trs_editor_view", "div.view", "div.content")
    METAS = {"content_source": "ContentSource", "column": "ColumnName"}
    ENCODING = "utf-8"
    ATTACHMENTS = True
