"""重庆日报 e-paper (epaper.cqrb.cn), declared on the e-paper base (crawler/spiders/epaper.py).

URLs: /cqrb/YYYY-MM/DD/NNN/node.htm (a 版), /cqrb/YYYY-MM/DD/NNN/content_rb_N.htm (an article). A 版 links
its articles from the title list and from the PagePicMap hot spots. The 版 navigation is a table layout
whose cells have a class containing `default`. The headline is the table cells around the <strong> title.
"""

from __future__ import annotations

import re

from crawler.spiders.epaper import EpaperSpider


class CqrbSpider(EpaperSpider):
    """重庆日报: every article of every 版 of each day in the window."""

    name = "cqrb"
    PAGE_URL = "https://epaper.cqrb.cn/cqrb/{day:%Y-%m}/{day:%d}/{page}/node.htm"
    FRONT_PAGE = "001"
    PAGE_LINK = re.compile(r"/cqrb/\d{4}-\d{2}/\d{2}/(?P<page>\d{3})/node\.htm$")
    PAGE_NAMES = ("[class*=default]",)
    PAGE_NAME = re.compile(r"第\s*(?P<page>\d{3})\s*版\s*[:：]?\s*(?P<name>\S*)")
    ARTICLE = re.compile(
        r"/cqrb/(?P<year>\d{4})-(?P<month>\d{2})/(?P<day>\d{2})/(?P<page>\d{3})/(?P<doc>content_rb_\d+)\.htm$")
    TITLE = ('td[align="center"] strong', 'tr[valign="top"] strong', "h1", ".title")
    HEADLINE = "//strong/ancestor::table[1]//td[@align='center']"
    BODY = ("#ozoom", "div.content", "#content")
    ENCODING = "utf-8"
