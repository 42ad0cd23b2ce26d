"""The analyst's web over real HTTP (uvicorn on 127.0.0.1) and a real PostgreSQL: pages, CSV, the chart.

Sentences here are our own (tests/test_digest.py's CORRIDORS and the like), never scraped text.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import pytest
from lxml import etree, html

from db import diff
from settings import Settings
from tests.conftest import run_cli
from tests.mail import MailServer
from tests.test_digest import CORRIDORS, add, digest, env, seed  # noqa: F401 (env: a fixture)
from tests.webserver import Client, serving

INDUSTRY = ("前7月重庆工业", "1—7月，全市规上工业增加值同比增长7.8%。")
HOSTILE = ('<script>alert(1)</script>成渝"新闻"', "1—7月<img src=x onerror=alert(1)>重庆技术合同成交额420.3亿元，增长9.1%。")


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return replace(settings, secret="test-secret", public_url="https://cywatch.example.org")


@pytest.fixture
def site(db, web_settings):
    seed(db, CORRIDORS, INDUSTRY)
    diff.compute(db)
    db.commit()
    with serving(web_settings) as base:
        yield Client(base)


def _indicator(metric: str, region: str, kind: str, unit: str) -> str:
    return "/indicator?" + urlencode({"metric": metric, "region": region, "kind": kind, "unit": unit})


def test_home_shows_moved_figures_new_ones_articles_and_sources(site):
    reply = site.get("/")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/html")
    assert "script-src" not in reply.headers["Content-Security-Policy"]  # default-src 'none': no script runs
    page = html.fromstring(reply.body)
    moved = page.xpath("//h2[@id='moved']/following-sibling::table[1]//tr")[1:]
    corridor = next(" ".join(row.text_content().split()) for row in moved if "省际高速公路通道" in row.text_content())
    assert "16条 上半年" in corridor and "18条 1—7月" in corridor and "+2条（+12.5%）" in corridor
    assert page.xpath("//h2[@id='articles']/following-sibling::table[1]//a[text()='川渝省际高速公路通道增至18条']")
    assert {"重庆日报", "四川省人民政府"} <= {td.text for td in page.xpath("//h2[@id='health']/following-sibling::table[1]//td[1]")}
    link = page.xpath("//a[contains(., '省际高速公路通道')]/@href")[0]
    assert site.get(link).status == 200  # the moved figure links to its indicator page


def test_the_indicator_page_charts_the_series_with_the_baseline_and_tables_every_figure(site):
    reply = site.get(_indicator("省际高速公路通道", "川渝", "level", "条"))
    assert reply.status == 200
    page = html.fromstring(reply.body)
    svg = page.xpath("//svg")[0]
    points = svg.xpath(".//a[@class='point']")
    assert len(points) == 2  # the baseline's 16, then 18
    rows = page.xpath("//table[@id='figures']//tr[@id]")
    assert [p.get("href") for p in points] == [f"#{row.get('id')}" for row in rows]  # each point, its sentence
    labels = [t.text for t in svg.xpath(".//text[@class='period']")]
    assert labels == ["2024年上半年", "2024年1—7月"]  # periods as readers write them, never 2024-01/2024-07
    assert "基线 baseline：增至16条（2024年上半年）" in "".join(svg.itertext())
    assert svg.xpath(".//line[@class='baseline']")
    last = rows[-1]
    assert last.xpath(".//td[@class='sentence']/b")[0].text == "18条"  # the figure (its surface) in bold
    assert "截至7月底" in last.xpath(".//td[@class='sentence']")[0].text_content()
    assert "+2条" in last.text_content()  # the step from the figure before
    article = last.xpath(".//a[contains(@href, '/article/')]/@href")[0]
    assert site.get(article).status == 200


def test_the_indicator_csv_is_exact_and_formula_safe(site, db):
    db.execute("UPDATE indicator_observations SET qualifier = '=HYPERLINK(\"x\")' WHERE value = 18 AND metric = '省际高速公路通道'")
    db.commit()
    reply = site.get(_indicator("省际高速公路通道", "川渝", "level", "条").replace("/indicator?", "/indicator.csv?"))
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(reply.text.lstrip("\ufeff"))))
    assert [r["value"] for r in rows] == ["16", "18"]
    assert [r["period_text"] for r in rows] == ["2024年上半年", "2024年1—7月"]
    assert rows[1]["qualifier"] == "'=HYPERLINK(\"x\")"  # quoted: a spreadsheet shows it, never runs it


def test_browse_by_contained_metric_region_and_kind_and_suggestions_when_nothing_matches(site):
    page = html.fromstring(site.get("/indicators?" + urlencode({"metric": "技术合同", "region": "重庆市"})).body)
    found = {(tr[0].text_content(), tr[2].text_content()) for tr in page.xpath("//table[@id='indicators']//tr[td]")}
    assert found == {("技术合同成交额", "总量 level"), ("技术合同成交额", "增速 growth")}
    page = html.fromstring(site.get("/indicators?" + urlencode({"metric": "技术合同成交量"})).body)
    assert page.xpath("//p[@id='nothing']") and "技术合同成交额" in page.xpath("//p[@id='like']")[0].text_content()
    reply = site.get("/indicators?" + urlencode({"region": "火星"}))
    assert reply.status == 400 and "火星" in reply.text
    assert site.get("/indicators?since=yesterday").status == 400


def test_scraped_markup_is_shown_as_text_everywhere(db, web_settings):
    seed(db, HOSTILE)
    diff.compute(db)
    db.commit()
    with serving(web_settings) as base:
        client = Client(base)
        home = client.get("/").text
        article_id = db.execute("SELECT id FROM articles WHERE title LIKE '<script>%'").fetchone()["id"]
        pages = [home, client.get(f"/article/{article_id}").text,
                 client.get(_indicator("技术合同成交额", "重庆", "growth", "%")).text]
    for text in pages:
        assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]


def test_the_article_page_highlights_its_figures(site, db):
    article_id = db.execute("SELECT id FROM articles WHERE title = %s", [CORRIDORS[0]]).fetchone()["id"]
    reply = site.get(f"/article/{article_id}")
    page = html.fromstring(reply.body)
    marks = page.xpath("//div[@class='body']/mark")
    stored = db.execute("SELECT id, surface FROM indicator_observations WHERE article_id = %s ORDER BY start_offset",
                        [article_id]).fetchall()
    assert [(m.get("id"), m.text_content()) for m in marks] == [(f"fig-{r['id']}", r["surface"]) for r in stored]
    body = "".join(page.xpath("//div[@class='body']")[0].itertext())
    assert body.startswith(CORRIDORS[0]) and CORRIDORS[1] in body  # the text whole, the figures in place
    assert site.get("/article/999999").status == 404


def test_the_chart_is_valid_svg_whatever_the_values(site):
    reply = site.get(_indicator("规上工业增加值", "重庆", "growth", "%"))
    markup = re.search(r"<svg .*?</svg>", reply.text, re.S)[0]
    svg = etree.fromstring(markup)  # well-formed XML on its own: SVG as a browser or a file takes it
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 940 340"
    ys = [float(c.get("cy")) for c in svg.iter("{http://www.w3.org/2000/svg}circle")]
    assert all(36 <= y <= 340 - 72 for y in ys) and ys[0] < ys[1]  # 9.3% above 7.8%
    assert re.search(r"9\.3%", "".join(svg.itertext()))


ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).parent / "schemas" / "atom.rng")))


def _valid_atom(body: bytes) -> etree._Element:
    feed = etree.fromstring(body)
    assert SCHEMA.validate(feed), SCHEMA.error_log
    # RFC 4287's prose rules, which its grammar leaves out: an author for every entry (here: the feed's),
    # ids unique, one alternate link per type
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    ids = [e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    for entry in feed.iter(f"{ATOM}entry"):
        alternates = [link.get("type") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
        assert len(alternates) == len(set(alternates))
    return feed


def test_the_atom_feed_of_moved_figures_is_valid_and_carries_old_new_delta_periods_sentence_link(site):
    reply = site.get("/feeds/changes.atom")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/atom+xml")
    feed = _valid_atom(reply.body)
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.iter(f"{ATOM}entry")}
    assert len(entries) == 4  # the four moved figures, nothing new or confirmed
    entry = entries["川渝省际高速公路通道：增至16条 → 增至18条（+2条（+12.5%））"]
    content = html.fromstring(entry.findtext(f"{ATOM}content"))
    text = content.text_content()
    assert "增至16条（上半年） → 增至18条（1—7月） · +2条（+12.5%）" in text  # both periods, the delta
    assert content.xpath("//blockquote/b")[0].text == "18条" and "截至7月底" in text  # the sentence, figure in bold
    links = {link.get("rel"): link.get("href") for link in entry.findall(f"{ATOM}link")}
    assert links["alternate"].startswith("https://cywatch.example.org/indicator?")
    assert links["related"].startswith("https://epaper.cqrb.cn/")
    filtered = _valid_atom(site.get("/feeds/changes.atom?" + urlencode({"region": "重庆市", "metric": "技术合同"})).body)
    titles = [e.findtext(f"{ATOM}title") for e in filtered.iter(f"{ATOM}entry")]
    assert len(titles) == 2 and all(t.startswith("重庆技术合同成交额") for t in titles)
    assert filtered.findtext(f"{ATOM}id").endswith("?" + urlencode({"region": "重庆", "metric": "技术合同"}))
    empty = _valid_atom(site.get("/feeds/changes.atom?" + urlencode({"metric": "无此指标"})).body)
    assert not list(empty.iter(f"{ATOM}entry"))


def test_hostile_text_makes_a_valid_feed(db, web_settings):
    seed(db, ("川渝\x1b通道<b>&amp;\u202e", "截至7月底，川渝省际高速公路通道增至20条。\x0b"))
    diff.compute(db)
    db.commit()
    with serving(web_settings) as base:
        feed = _valid_atom(Client(base).get("/feeds/changes.atom").body)
    [entry] = list(feed.iter(f"{ATOM}entry"))
    assert "<b>&amp;" in entry.find(f"{ATOM}link[@rel='related']").get("title")  # text, escaped as XML


def test_the_api_gives_exact_decimals_as_strings_pages_by_cursor_and_honours_etags(site):
    import json

    first = site.get("/api/changes?limit=3")
    assert first.status == 200 and first.headers["Content-Type"] == "application/json"
    page = json.loads(first.body)
    assert len(page["items"]) == 3 and page["next"]
    rest = json.loads(site.get(f"/api/changes?limit=3&cursor={page['next']}").body)
    seqs = [i["seq"] for i in page["items"] + rest["items"]]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)
    everything = json.loads(site.get("/api/changes?limit=500&outcome=changed,new,confirmed").body)["items"]
    assert {i["seq"] for i in everything} >= set(seqs)
    money = next(i for i in everything if i["figure_metric"] == "技术合同成交额" and i["figure_kind"] == "level")
    assert money["new_value"] == "42030000000" and money["old_value"] == "30960000000"
    assert money["delta"] == "11070000000" and isinstance(money["delta"], str)
    assert money["figure_period_text"] == "2024年1—7月" and money["figure_sentence"] == "1—7月重庆技术合同成交额420.3亿元，增长9.1%。"
    tag = first.headers["ETag"]
    again = site.get("/api/changes?limit=3", If_None_Match=tag)
    assert again.status == 304 and again.body == b"" and again.headers["ETag"] == tag
    assert site.get("/api/changes?limit=3", If_None_Match='"other"').status == 200
    assert site.get("/api/changes?since=2024-08-11").status == 200
    assert json.loads(site.get("/api/changes?since=2024-08-11").body)["items"] == []  # published 2024-08-10
    assert site.get("/api/changes?cursor=bm9wZQ").status == 400 and site.get("/api/changes?limit=0").status == 400


def test_the_api_lists_indicators_series_and_articles_with_csv_variants(site):
    import json

    page = json.loads(site.get("/api/indicators?" + urlencode({"metric": "技术合同", "limit": "1"})).body)
    [first] = page["items"]
    second = json.loads(site.get("/api/indicators?" + urlencode({"metric": "技术合同", "limit": "1",
                                                                  "cursor": page["next"]})).body)["items"]
    assert second and (second[0]["region"], second[0]["kind"]) != (first["region"], first["kind"])
    series = json.loads(site.get(first["series_url"].replace("https://cywatch.example.org", "")).body)
    assert [f["value"] for f in series["items"]] and all(isinstance(f["value"], str) for f in series["items"])
    articles = json.loads(site.get("/api/articles?limit=1").body)
    more = json.loads(site.get(f"/api/articles?limit=1&cursor={articles['next']}").body)
    assert articles["items"][0]["id"] != more["items"][0]["id"]
    rows = list(csv.DictReader(io.StringIO(site.get("/api/changes?format=csv").text.lstrip("\ufeff"))))
    assert rows and {"old_value", "new_value", "delta", "figure_sentence"} <= set(rows[0])
    spec = json.loads(site.get("/api/openapi.json").body)
    assert spec["openapi"].startswith("3.1") and {"/api/indicators", "/api/series", "/api/changes",
                                                   "/api/articles"} <= set(spec["paths"])


def test_operator_pages_are_closed_without_a_password_and_behind_a_login_with_one(db, web_settings):
    seed(db, CORRIDORS)
    diff.compute(db)
    db.execute("INSERT INTO runs (run_date, status, steps) VALUES ('2024-08-12', 'failed', "
               "'{\"crawl\": {\"status\": \"ok\"}, \"diff\": {\"status\": \"failed\", \"detail\": \"坏了<b>\"}}')")
    db.execute("UPDATE indicator_changes SET match = 'possible', match_reason = '名称相近 similar name', "
               "candidate_observation_id = (SELECT id FROM indicator_observations ORDER BY id LIMIT 1) "
               "WHERE id = (SELECT min(id) FROM indicator_changes)")
    db.commit()
    with serving(web_settings) as base:
        assert Client(base).get("/operator").status == 404
    with serving(replace(web_settings, operator_password="s3cret")) as base:
        client = Client(base)
        assert client.get("/operator").headers.get_all("Location") is None  # urllib followed the redirect
        login = client.get("/operator/login")
        csrf = html.fromstring(login.body).xpath("//input[@name='csrf']/@value")[0]
        assert client.post("/operator/login", {"password": "wrong", "csrf": csrf}).status == 403
        assert client.post("/operator/login", {"password": "s3cret"}).status == 403  # no CSRF field
        reply = client.post("/operator/login", {"password": "s3cret", "csrf": csrf})
        assert reply.status == 200  # redirected to the dashboard, with the session cookie
        page = html.fromstring(reply.body)
        assert page.xpath("//h1")[0].text == "运维 · Operator"
        cycles = " ".join(page.xpath("//h2[@id='cycles']/following-sibling::table[1]")[0].text_content().split())
        assert "2024-08-12failed" in cycles and "diff: failed 坏了<b>" in cycles  # escaped: text, not markup
        matches = page.xpath("//h2[@id='matches']/following-sibling::table[1]")[0].text_content()
        assert "名称相近 similar name" in matches
        assert Client(base).get("/operator").text.count('name="password"') == 1  # another browser: the login
        out = client.post("/operator/logout", {"csrf": csrf})
        assert 'name="password"' in out.text and 'name="password"' in client.get("/operator").text


def _operator_page(client: Client) -> html.HtmlElement:
    login = client.get("/operator/login")
    csrf = html.fromstring(login.body).xpath("//input[@name='csrf']/@value")[0]
    reply = client.post("/operator/login", {"password": "s3cret", "csrf": csrf})
    assert reply.status == 200
    return html.fromstring(reply.body)


def test_the_operator_accepts_a_possible_match_on_the_page_and_forms_need_login_and_csrf(db, web_settings):
    from crawler import baseline as baseline_loading
    from crawler.extract import lexicon
    from crawler.extract.lexicon import StoredEntries, use_stored_entries
    from db import baseline, review
    from tests.test_reprocess import CORRIDORS as CORRIDORS_18
    from tests.test_reprocess import FUNCTIONAL, store

    baseline_loading.load(db, baseline.bundled())
    store(db, "川渝共建平台再提速", CORRIDORS_18 + FUNCTIONAL)
    diff.compute(db)
    db.commit()
    [match] = review.list_possible_matches(db)
    assert (match.metric, match.candidate_metric) == ("毗邻地区功能平台", "毗邻地区合作平台")
    db.rollback()

    def stored() -> tuple[int, int, int]:
        db.rollback()
        counts = db.execute("SELECT (SELECT count(*) FROM review_decisions) AS d, (SELECT count(*) FROM lexicon_entries) "
                            "AS l, (SELECT count(*) FROM web_events) AS e").fetchone()
        return counts["d"], counts["l"], counts["e"]

    try:
        with serving(replace(web_settings, operator_password="s3cret")) as base:
            stranger = Client(base)
            stranger.get("/operator/login")  # a CSRF cookie, and a field to match it, but no session
            stranger_csrf = html.fromstring(stranger.get("/operator/login").body).xpath("//input[@name='csrf']/@value")[0]
            action = f"/operator/matches/{match.change_id}"
            assert stranger.post(action, {"csrf": stranger_csrf, "decision": "accept"}).status == 403
            client = Client(base)
            page = _operator_page(client)
            form = page.xpath(f"//form[@action='{action}']")[0]
            assert {b.get("value") for b in form.xpath(".//button[@name='decision']")} == {"accept", "reject"}
            assert client.post(action, {"decision": "accept"}).status == 403  # signed in, no CSRF field
            assert client.post(action, {"decision": "accept", "csrf": "0" * 64}).status == 403
            assert stored() == (0, 0, 0)
            csrf = form.xpath(".//input[@name='csrf']/@value")[0]
            done = client.post(action, {"csrf": csrf, "decision": "accept", "note": "同一指标"})
            assert done.status == 200 and "Accepted: 毗邻地区功能平台 is now an alias of 毗邻地区合作平台" in done.text
            after = html.fromstring(client.get("/operator").body)
            assert not after.xpath(f"//form[@action='{action}']")  # gone from the list
            assert "No possible match awaits review" in after.text_content()
            again = client.post(action, {"csrf": csrf, "decision": "reject"})
            assert again.status == 409, again.text
            assert f"comparison {match.change_id}" in html.fromstring(again.body).text_content()  # stale: re-made
        assert stored() == (1, 1, 1)
        alias = db.execute("SELECT kind, metric, other FROM lexicon_entries").fetchone()
        assert (alias["kind"], alias["metric"], alias["other"]) == ("alias", "毗邻地区功能平台", "毗邻地区合作平台")
        decision = db.execute("SELECT accepted, decided_by, note FROM review_decisions").fetchone()
        assert (decision["accepted"], decision["note"]) == (True, "同一指标")
        event = db.execute("SELECT action, email, detail FROM web_events").fetchone()
        assert event["action"] == "review_decided" and event["detail"]["change_id"] == match.change_id
        assert event["detail"]["accepted"] is True
    finally:  # the accepted alias is in this process's lexicon now
        use_stored_entries(StoredEntries())
        lexicon.reload()


def test_the_digest_archive_lists_each_day_sent_with_what_moved_and_no_subscriber(db, env, web_settings):  # noqa: F811
    seed(db, CORRIDORS, HOSTILE)
    diff.compute(db)
    db.commit()
    add(env, "reader@example.org", "--name", "王读者")
    with serving(web_settings) as base:
        client = Client(base)
        assert "尚未发出摘要" in client.get("/digests").text  # before any digest
        with MailServer() as smtp:
            assert digest(env | {"SMTP_URL": smtp.url()}).returncode == 0
        assert len(smtp.received) == 1
        home = html.fromstring(client.get("/").body)
        assert home.xpath("//main//a[@href='/digests']")  # linked from the home page
        reply = client.get("/digests")
        older = client.get("/digests?before=2024-08-12").text
        bad = client.get("/digests?before=yesterday")
    assert reply.status == 200 and "script-src" not in reply.headers["Content-Security-Policy"]
    page = html.fromstring(reply.body)
    [day] = page.xpath("//section[@class='day']")
    assert day.get("id") == "d-2024-08-12" and day.xpath("h2/text()") == ["2024-08-12"]
    moved = [" ".join(row.text_content().split()) for row in day.xpath("h3[@class='moved']/following-sibling::table[1]//tr")[1:]]
    corridor = next(row for row in moved if "省际高速公路通道" in row)
    assert "16条 上半年" in corridor and "18条 1—7月" in corridor and "+2条（+12.5%）" in corridor
    assert day.xpath(".//td/b[text()='18条']")  # the sentence, its figure in bold
    for text in (reply.text, older):
        assert "reader@example.org" not in text and "王读者" not in text
        assert "/digest/" not in text and "/unsubscribe/" not in text and "/manage" not in text
    assert "<img" not in reply.text and "&lt;img src=x onerror=alert(1)&gt;" in reply.text
    assert "尚未发出摘要" in older and bad.status == 400


def test_each_day_of_the_archive_shows_only_what_its_own_digests_covered(db, env, web_settings):  # noqa: F811
    seed(db, CORRIDORS)
    diff.compute(db)
    db.commit()
    add(env, "reader@example.org")
    with MailServer() as smtp:
        assert digest(env | {"SMTP_URL": smtp.url()}).returncode == 0
        seed(db, INDUSTRY, with_baseline=False)
        diff.compute(db)
        db.commit()
        assert run_cli("digest", "--date", "2024-08-13", env=env | {"SMTP_URL": smtp.url()}).returncode == 0
    assert len(smtp.received) == 2
    with serving(web_settings) as base:
        page = html.fromstring(Client(base).get("/digests").body)
    days = {d.get("id"): " ".join(d.text_content().split()) for d in page.xpath("//section[@class='day']")}
    assert list(days) == ["d-2024-08-13", "d-2024-08-12"]  # newest first
    assert "工业增加值" in days["d-2024-08-13"] and "省际高速公路通道" not in days["d-2024-08-13"]
    assert "省际高速公路通道" in days["d-2024-08-12"] and "工业增加值" not in days["d-2024-08-12"]
