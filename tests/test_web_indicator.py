"""An indicator with a long history: its table in pages (newest first), its chart whole and never stale."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

from lxml import html

from tests.test_digest import seed
from tests.test_web import INDUSTRY, web_settings  # noqa: F401 (web_settings: a fixture)
from tests.webserver import Client, serving
from web.pages import TABLE_PAGE

PAGE = "/indicator?" + urlencode({"metric": "规上工业增加值", "region": "重庆", "kind": "growth", "unit": "%"})
ADDED = TABLE_PAGE + 10


def _long_history(db) -> int:
    """The baseline's and the article's figures of the indicator, then ADDED more, month by month back to 2019;
    returns how many the series has."""
    seed(db, INDUSTRY)
    db.execute(
        """INSERT INTO indicator_observations (article_id, metric, region, kind, status, period, period_start,
               period_end, value, unit, surface, sentence, start_offset, end_offset, sentence_start, published_at)
        SELECT o.article_id, o.metric, o.region, o.kind, o.status, to_char(d, 'YYYY-MM'), d::date,
               (d + interval '1 month - 1 day')::date, 1 + i * 0.1, o.unit, o.surface, o.sentence,
               o.start_offset + 1000 * i, o.end_offset + 1000 * i, o.sentence_start, o.published_at
        FROM indicator_observations o, generate_series(1, %s) i,
             LATERAL (SELECT date '2024-06-01' - i * interval '1 month' AS d) p
        WHERE o.metric = '规上工业增加值' AND o.region = '重庆' AND o.kind = 'growth'
          AND NOT EXISTS (SELECT 1 FROM baselines b WHERE b.article_id = o.article_id)""", [ADDED])
    db.commit()
    return db.execute("SELECT count(*) AS n FROM indicator_observations WHERE metric = '规上工业增加值' "
                      "AND region = '重庆' AND kind = 'growth'").fetchone()["n"]


def _rows(page: html.HtmlElement) -> list[str]:
    return [row.get("id") for row in page.xpath("//table[@id='figures']//tr[@id]")]


def test_a_long_series_is_tabled_in_pages_newest_first_with_every_point_leading_to_its_row(db, web_settings):  # noqa: F811
    count = _long_history(db)
    assert count > ADDED
    with serving(web_settings) as base:
        client = Client(base)
        first = html.fromstring(client.get(PAGE).body)
        points = first.xpath("//svg//a[@class='point']")
        assert len(points) == count  # the chart draws every figure, the table one page of them
        newest = _rows(first)
        assert len(newest) == TABLE_PAGE and newest[-1] == points[-1].get("href").rpartition("#")[2]
        pager = " ".join(first.xpath("//p[@id='pager']")[0].text_content().split())
        assert f"{count} figures, page 1 of 2" in pager
        assert first.xpath("//p[@id='pager']//a[contains(@href, '.csv')]")  # all of them: the CSV
        earlier = first.xpath("//a[@rel='prev']/@href")[0]
        older = html.fromstring(client.get(earlier).body)
        assert len(_rows(older)) == count - TABLE_PAGE and not set(_rows(older)) & set(newest)
        assert older.xpath("//a[@rel='next']") and not older.xpath("//a[@rel='prev']")
        shown = {"1": set(newest), "2": set(_rows(older))}
        for point in points:  # each point names the page holding its row
            href = point.get("href")
            number, row = re.search(r"[?&]page=(\d+)#(fig-\d+)$", href).groups()
            assert row in shown[number], href
        # the step of the newest page's first row is from the figure before it, on the older page (a month
        # older, 0.1 higher: 1 + i * 0.1 going back i months)
        step = first.xpath("//table[@id='figures']//tr[@id][1]/td[3]")[0].text_content()
        assert step == "−0.1个百分点"
        rows = list(csv.DictReader(io.StringIO(client.get(PAGE.replace("/indicator?", "/indicator.csv?")).text.lstrip("\ufeff"))))
        assert len(rows) == count


def test_the_chart_shows_a_changed_figure_at_once(db, web_settings):  # noqa: F811
    count = _long_history(db)
    with serving(web_settings) as base:
        client = Client(base)

        def tips() -> list[str]:
            return [t.text for t in html.fromstring(client.get(PAGE).body).xpath("//svg//a[@class='point']//title")]

        before = tips()
        assert tips() == before and any(" 1.1%" in t for t in before)
        db.execute("UPDATE indicator_observations SET value = 99.5 WHERE metric = '规上工业增加值' AND value = 1.1")
        db.commit()
        after = tips()
        assert any(" 99.5%" in t for t in after) and not any(" 1.1%" in t for t in after)
        db.execute("UPDATE articles SET duplicate_of = (SELECT min(id) FROM articles) WHERE id = "
                   "(SELECT max(id) FROM articles)")  # the article found to be a re-published copy
        db.commit()
        left = db.execute("SELECT count(*) AS n FROM indicator_observations o JOIN articles a ON a.id = o.article_id "
                          "WHERE metric = '规上工业增加值' AND region = '重庆' AND kind = 'growth' "
                          "AND a.duplicate_of IS NULL").fetchone()["n"]
        assert 0 < left < count and len(tips()) == left  # its figures left the chart
