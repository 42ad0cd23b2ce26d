"""Confirmation across sources (db/confirm.py): reprints, confirmed, conflicting and official figures, and an
attachment's figures in the diff, the digest, `cywatch diff` and the web. Real PostgreSQL; the attachment is
fetched from the mirror of the sites over HTTP; the digest is written by the digest step itself.

The texts are written for the project (synthetic, in the wording of the bureaus' releases), never real ones.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from dataclasses import replace
from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal
from email import message_from_bytes, policy
from urllib.parse import quote, urlencode

import pytest

from alerts import delivery
from alerts.subscribers import add as add_subscriber
from crawler import attachments
from crawler.baseline import load as load_baseline
from crawler.extract import extract_indicators
from crawler.sources import source
from cywatch.commands.compare import cmd_diff
from db import baseline, confirm, diff
from db.articles import Article, store_article
from db.attachments import Attachment, store_attachment
from devtools.mirror import serving
from settings import SITES_TIMEZONE as SHANGHAI
from tests.fixtures.sitegen import SITES
from tests.webserver import Client
from tests.webserver import serving as serving_web

NEWS = ("上半年重庆经济稳中向好",
        "上半年，全市地区生产总值1.5万亿元，同比增长6.1%；规上工业增加值增长7.8%，社会消费品零售总额增长4.2%，"
        "固定资产投资增长3.1%。全市上下坚持稳中求进工作总基调，经济运行延续恢复向好态势，新动能加快成长。")
# The same article reprinted by another site: a source line, the punctuation of another editor.
REPRINT = ("【转载】上半年重庆经济稳中向好",
           "来源：重庆日报\n上半年，全市地区生产总值1.5万亿元，同比增长6.1%;规上工业增加值增长7.8%,社会消费品零售总额增长4.2%,"
           "固定资产投资增长3.1%。全市上下坚持稳中求进工作总基调，经济运行延续恢复向好态势，新动能加快成长。")
RELEASE = ("2024年上半年重庆市经济运行情况",
           "根据地区生产总值统一核算结果，上半年，全市实现地区生产总值15000.5亿元，同比增长6.1%。"
           "规模以上工业增加值同比增长8.0%，固定资产投资增长3.10%。")
SC_FILE = ("scstjj/c112117/2024/8/12/1a1d7568da290187d21aae83110144c6/files/主要指标.xlsx")
SC_NEWS = ("四川工业企业效益回升", "1—7月，全省规上工业企业利润总额1280.5亿元，同比增长5.5%，一般公共预算收入增长3.9%。")


def store(db, site: str, title: str, body: str, day: int, number: int) -> int:
    """An article as the crawler's pipeline stores it (extracted with its source's home region)."""
    published = datetime.combine(date(2024, 8, day), clock(9), SHANGHAI)
    text = f"{title}\n\n{body}"
    found = [i for i in extract_indicators(text, published.date(), default_region=source(site).home_region)
             if i.start > len(title)]
    domain = source(site).domains[0]
    stored = store_article(db, Article(source=site, canonical_url=f"https://{domain}/test/{number}.html", title=title,
                                       published_at=published, body=text, relevant=True, relevance=Decimal(5)), found)
    return stored.article_id


def states(db) -> dict[tuple[str, str, int], tuple[str, bool, list[str]]]:
    """(source, metric, kind) -> (state, official, agreeing sources) of every figure that has a state."""
    rows = db.execute(
        "SELECT a.source, o.metric, o.kind, o.article_id, f.state, f.official, f.sources FROM figure_confirmations f "
        "JOIN indicator_observations o ON o.id = f.observation_id JOIN articles a ON a.id = o.article_id").fetchall()
    return {(r["source"], r["metric"], r["kind"]): (r["state"], r["official"], sorted(r["sources"])) for r in rows}


@pytest.fixture
def chongqing(db):
    """The bundled baseline, a news article, its reprint on another site, and the bureau's release."""
    load_baseline(db, baseline.bundled())
    news = store(db, "cqrb", *NEWS, day=10, number=1)
    reprint = store(db, "cq_gov", *REPRINT, day=11, number=2)
    store(db, "cq_tjj", *RELEASE, day=12, number=3)
    db.commit()
    diff.compute(db)
    done = confirm.refresh(db)
    return news, reprint, done


def test_a_reprint_is_not_an_independent_source(db, chongqing):
    news, reprint, done = chongqing
    assert done.fingerprinted == 3 and done.reprints == 1
    link = db.execute("SELECT * FROM article_reprints").fetchone()
    assert (link["article_id"], link["original_id"]) == (reprint, news) and link["similarity"] >= Decimal("0.7")
    found = states(db)
    # 社会消费品零售总额 4.2% is in the article and its reprint only: not confirmed by anyone
    assert ("cqrb", "社会消费品零售总额", "growth") not in found and ("cq_gov", "社会消费品零售总额", "growth") not in found
    # the bureau confirms both copies' GDP growth, but neither copy counts for the other
    assert found[("cqrb", "地区生产总值", "growth")] == ("confirmed", False, ["cq_tjj"])
    assert found[("cq_gov", "地区生产总值", "growth")] == ("confirmed", False, ["cq_tjj"])
    assert found[("cq_tjj", "地区生产总值", "growth")] == ("confirmed", True, ["cq_gov", "cqrb"])


def test_rounding_agrees_and_another_value_conflicts(db, chongqing):
    found = states(db)
    assert found[("cqrb", "固定资产投资", "growth")][0] == "confirmed"  # 3.1% and 3.10%
    assert found[("cqrb", "地区生产总值", "level")][0] == "confirmed"  # 1.5万亿元 and 15000.5亿元
    assert found[("cqrb", "规上工业增加值", "growth")][0] == "conflict"  # 7.8% and 8.0%
    assert found[("cq_tjj", "规上工业增加值", "growth")] == ("conflict", True, [])
    [standing] = confirm.standings(db, [r["id"] for r in db.execute(
        "SELECT o.id FROM indicator_observations o JOIN articles a ON a.id = o.article_id "
        "WHERE a.source = 'cqrb' AND o.metric = '地区生产总值' AND o.kind = 'level'")]).values()
    assert standing.headline is not None and standing.headline.value == Decimal("1500050000000")


def test_the_state_is_kept_incrementally_and_a_refresh_is_idempotent(db, chongqing):
    before = states(db)
    again = confirm.refresh(db)
    assert (again.fingerprinted, again.keys) == (0, 0) and states(db) == before  # nothing listed, nothing done
    db.execute("DELETE FROM articles WHERE source = 'cq_tjj'")  # the release withdrawn: its keys are listed
    db.commit()
    redone = confirm.refresh(db)
    assert redone.keys > 0
    assert states(db) == {}  # what is left is one article and its reprint: nothing is confirmed any more


def _digest_text(db, settings, day: int = 12, *, html: list[str] | None = None) -> str:
    """The digest of that day of August 2024 that the digest step writes for a reader (added once)."""
    if not db.execute("SELECT 1 FROM subscribers").fetchone():
        add_subscriber(db, "reader@example.org")
        db.commit()
    report = delivery.run(db, replace(settings, secret="test-secret"), date(2024, 8, day))
    assert report.sent == 1, report
    [eml] = (settings.data_dir / "outbox").rglob(f"2024-08-{day}/*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    if html is not None:
        html.append(message.get_body(("html",)).get_content())
    return text


def test_the_digest_shows_confirmed_official_and_conflicting_figures(db, settings, chongqing):
    html: list[str] = []
    text = _digest_text(db, settings, html=html)
    assert "数据冲突 · conflict：重庆市统计局（官方 official） 称 says 8%" in html[0]
    assert "多源印证 · confirmed by 重庆市人民政府、重庆日报" in html[0] and "官方数据 · official figure" in html[0]
    lines = text.splitlines()
    gdp = next(i for i, line in enumerate(lines) if line.startswith("* 地区生产总值（重庆）"))
    # one line: the bureau's figure, with what the news rounded it to (1.5万亿元)
    assert lines[gdp] == "* 地区生产总值（重庆）: 1.50005万亿元（上半年）"
    assert lines[gdp + 1:gdp + 4] == ["  官方数据 official figure: 重庆市统计局", "  报道 reported: 1.5万亿元（重庆日报）",
                                      "  多源印证 confirmed by: 重庆市人民政府、重庆日报"]
    assert text.count("“上半年，全市地区生产总值1.5万亿元") == 0  # the news copy is said on the bureau's line
    conflict = text.index("! 数据冲突 conflict: 重庆市统计局（官方 official） 称 says 8%")
    assert "规上工业增加值增长7.8%" in text[max(0, conflict - 600):conflict]  # the news sentence, then the bureau's
    assert "“根据地区生产总值统一核算结果，上半年，" not in text[conflict:conflict + 20]
    assert "规模以上工业增加值同比增长8.0%" in text[conflict:conflict + 200]


def test_news_after_the_release_is_headed_by_the_bureaus_figure(db, settings):
    load_baseline(db, baseline.bundled())
    store(db, "cq_tjj", *RELEASE, day=12, number=3)
    db.commit()
    first = _digest_text(db, settings, day=12)  # the release is reported on its own day
    assert "官方数据 official figure: 重庆市统计局" in first
    store(db, "cqrb", *NEWS, day=13, number=1)
    db.commit()
    text = _digest_text(db, settings, day=13)
    gdp = next(line for line in text.splitlines() if line.startswith("* 地区生产总值（重庆）"))
    assert gdp == "* 地区生产总值（重庆）: 1.50005万亿元（上半年）"  # the news said 1.5万亿元: the bureau's figure heads
    assert "  官方数字 official: 1.50005万亿元（重庆市统计局）；报道 reported: 1.5万亿元" in text
    assert "  “上半年，全市地区生产总值1.5万亿元，同比增长6.1%；”" in text  # quoting the news it came from


def test_an_attachment_figure_is_compared_confirms_and_shows_where_it_was_read(db, settings):
    load_baseline(db, baseline.bundled())
    with serving(SITES) as mirror:  # the bureau's spreadsheet, over HTTP
        data = urllib.request.urlopen(f"{mirror.url}/tjj.sc.gov.cn/{quote(SC_FILE)}", timeout=10).read()
    release = store(db, "sc_tjj", "2024年1—7月全省主要经济指标", "1—7月全省主要经济指标见附件。", day=12, number=4)
    store(db, "scrb", *SC_NEWS, day=13, number=5)
    db.commit()
    found = attachments.figures(attachments.read("主要指标.xlsx", data), date(2024, 8, 12), "四川")
    store_attachment(db, Attachment(
        source="sc_tjj", article_url="https://tjj.sc.gov.cn/test/4.html", url=f"https://tjj.sc.gov.cn/{SC_FILE}",
        name="附件1：2024年1—7月主要指标", kind="xlsx", status="read", parts=1,
        figures=attachments.stored(found)))
    db.commit()
    assert diff.compute(db) >= 4
    confirm.refresh(db)
    rows = {(r["source"], r["metric"], r["kind"]): r for r in diff.changes(db)}
    cell = rows[("sc_tjj", "一般公共预算收入", "growth")]
    assert (cell["article_id"], cell["outcome"]) == (release, "new")  # a figure of the file, in the diff
    standing = confirm.standings(db, [cell["observation_id"]])[cell["observation_id"]]
    assert (standing.state, standing.official, standing.provenance) == ("confirmed", True,
                                                                      "附件1：2024年1—7月主要指标 · 主要指标 · C4")
    assert states(db)[("scrb", "规上工业企业利润总额", "growth")][0] == "conflict"  # 5.5% against the file's 5.2%
    text = _digest_text(db, settings)
    assert "附件 attachment: 附件1：2024年1—7月主要指标 · 主要指标 · C4" in text
    assert "! 数据冲突 conflict: 四川省统计局（官方 official） 称 says 5.2%" in text
    assert "— 2024年1—7月全省主要经济指标, 四川省统计局, 2024-08-12 · 附件1：2024年1—7月主要指标 · 主要指标 · C3" in text


def test_cywatch_diff_and_the_indicator_page_show_the_state(db, settings, capsys, chongqing):
    def cywatch_diff(output: str) -> str:  # the command's handler, in this process
        capsys.readouterr()
        assert cmd_diff(argparse.Namespace(since=None, format=output), settings) == 0
        return capsys.readouterr().out

    records = [json.loads(line) for line in cywatch_diff("json").splitlines()]
    growth = next(r for r in records if r["metric"] == "规上工业增加值" and r["source"] == "cqrb")
    assert (growth["confirmation"], growth["official"]) == ("conflict", False)
    assert growth["conflicting_source"] == "cq_tjj" and "8.0%" in growth["conflicting_sentence"]
    assert (growth["conflicting_value"], growth["official_value"]) == (8, 8)
    table = cywatch_diff("table")
    assert any("地区生产总值" in line and "official, confirmed (3)" in line for line in table.splitlines())
    db.commit()
    with serving_web(replace(settings, secret="test-secret")) as base:
        reply = Client(base).get("/indicator?" + urlencode(
            {"metric": "规上工业增加值", "region": "重庆", "kind": "growth", "unit": "%"}))
    assert reply.status == 200
    page = reply.body.decode()
    assert "数据冲突 conflict：重庆市统计局" in page and "官方 official" in page
    assert "重庆市统计局 称 says 8%" in page
