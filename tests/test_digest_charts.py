"""A moved figure's small chart in the digest: a sparkline in the text, a PNG by Content-ID in the HTML."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from lxml import html
from PIL import Image

from alerts import delivery, sparks, subscribers
from db import browse
from db.browse import Key
from tests.mail import MailServer
from tests.test_digest import seed
from tests.test_web import INDUSTRY, web_settings  # noqa: F401 (web_settings: a fixture)
from tests.webserver import Client, serving

KEY = Key("规上工业增加值", "重庆", "growth", "%")
EARLIER = ("前4月重庆工业", "1—4月，全市规上工业增加值同比增长8.1%。")  # before the baseline's 1—5月 9.3%


def _ranks(values: list) -> list[int]:
    """Each value's rank among distinct values (0: the lowest): what a chart of them must keep."""
    distinct = sorted(set(values))
    return [distinct.index(v) for v in values]


def test_a_moved_figure_carries_its_series_as_a_sparkline_and_an_attached_chart(db, web_settings):  # noqa: F811
    seed(db, INDUSTRY, EARLIER)
    subscribers.add(db, "reader@example.org")
    values = [f.value for f in browse.series(db, KEY) if f.status == "actual"][-sparks.POINTS:]
    db.rollback()
    assert len(values) >= 3 and values[-1] == Decimal("7.8")  # its own 1—4月, the baseline's 1—5月, the 1—7月
    with MailServer() as smtp:
        delivery.run(db, replace(web_settings, smtp_url=smtp.url()), date(2024, 8, 12))
    [mail] = smtp.received
    text = mail.text()
    page = html.fromstring(mail.html())
    line = next(line for line in text.splitlines() if "走势 trend" in line and len(line.split()[2]) == len(values))
    spark = line.split()[2]  # the 7.8%'s: the series up to it
    assert set(spark) <= set(sparks.BARS)
    assert _ranks([sparks.BARS.index(c) for c in spark]) == _ranks(values)  # the bars go as the figures go
    link = re.search(r"https://cywatch\.example\.org(/figure/\d+)$", line)[1]  # short: mail clients cut long lines
    assert page.xpath(f"//a[@href='https://cywatch.example.org{link}']")  # in the html too

    with serving(web_settings) as base:  # the link leads to the figure's row on its indicator page
        opened = Client(base).get(link)  # redirected
    assert opened.status == 200
    shown = html.fromstring(opened.body)
    assert " ".join(shown.xpath("//h1")[0].text_content().split()) == "重庆 规上工业增加值"
    assert shown.xpath(f"//table[@id='figures']//tr[@id='fig-{link.rpartition('/')[2]}']")

    message = mail.message
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    images = {p["Content-ID"].strip("<>"): p.get_content() for p in related.iter_parts()
              if p.get_content_type() == "image/png"}
    [img] = page.xpath(f"//img[@class='spark'][@alt='{spark}']")
    cid = img.get("src").removeprefix("cid:")
    assert cid in images and img.get("alt") == spark
    assert len(images[cid]) < 1024  # small: the digest stays about the size it was
    chart = Image.open(io.BytesIO(images[cid])).convert("L")
    assert chart.size == (sparks.WIDTH, sparks.HEIGHT)
    heights = []
    for i in range(len(values)):  # where the line is drawn at each point's column
        x = sparks.x_of(i, len(values))
        inked = [y for y in range(chart.height) if chart.getpixel((x, y)) < 200]
        heights.append(-sum(inked) / len(inked))
    assert [round(h) for h in heights] != [round(heights[0])] * len(heights)
    assert _ranks([round(h) for h in heights]) == _ranks(values)  # higher figure, higher point

    full = db.execute("SELECT full_html FROM digest_renderings").fetchone()["full_html"]
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', full)  # the web page: in the page itself
    assert images[cid] in [base64.b64decode(e) for e in embedded]
