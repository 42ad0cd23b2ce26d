"""四川日报 e-paper (epaper.scdaily.cn), declared on the e-paper base (crawler/spiders/epaper.py).

URLs: /shtml/scrb/YYYYMMDD/vNN.html (a 版), /shtml/scrb/YYYYMMDD/NNNNNNN.html (an article: a number that is
not consecutive, so articles are found from the 版 pages, never guessed). A 版 links each article twice,
from the hot-spot overlay (a.selectBox) and from the title list (.title_art). The headline is h2 (引题),
h1 (主标题), h2 (副题); the body is <p>s whose lines are separated by <br>, and the page carries it twice.
"""

from __future__ import annotations

import re

from crawler.spiders.epaper import EpaperSpider


class ScrbSpider(EpaperSpider):
    """四川日报: every article of every 版 of each day in the window."""

    name = "scrb"
    PAGE_URL = "https://epaper.scdaily.cn/shtml/scrb/{day:%Y%m%d}/v{page}.html"
    FRONT_PAGE = "01"
    PAGE_LINK = re.compile(r"/shtml/scrb/\d{8}/v(?P<page>\d{2})\.html$")
    PAGE_NAMES = (".bmdh li", ".layout-list li", "#layoutlist li")
    PAGE_NAME = re.compile(r"第?\s*(?P<page>\d{2})\s*版\s*[:：]?\s*(?P<name>\S*)")
    ARTICLE = re.compile(r"/shtml/scrb/(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})/(?P<doc>\d{5,})\.html$")
    ARTICLE_LINKS = (".title_art a::attr(href)", "a.selectBox::attr(href)", "a::attr(href)")
    TITLE = ("h1",)
    HEADLINE = "//h1 | //h2"
    BODY = (".content", "#ozoom", ".article")
    BODY_BREAKS = True
    BODY_REPEATED = True
    ENCODING = "utf-8"
