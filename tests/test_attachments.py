"""Attachments of relevant government articles: fetched (size-capped, the source's domains only), read, and
their figures stored with where they are; a file that cannot be fetched or read is recorded, not fatal."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest

from crawler.attachments import Unreadable, figures, read
from devtools.mirror import serving
from tests.conftest import run_cli
from tests.fixtures.sitegen import SITES, WINDOW

SC_RELEASE = SITES / "tjj.sc.gov.cn/scstjj/c112117/2024/8/12/1a1d7568da290187d21aae83110144c6/files"
CQ_BULLETIN = SITES / "tjj.cq.gov.cn/zwgk_233/fdzdgknr/tjxx/sjzl_55471/tjgb_55472/202408"


def located(name: str, data: bytes) -> list[tuple[str, str, str, str]]:
    return [(f.part, f.location, f.indicator.metric, str(f.indicator.value))
            for f in figures(read(name, data), date(2024, 8, 12), "四川")]


def test_each_format_is_read_with_where_each_figure_is():
    assert located("主要指标.xlsx", (SC_RELEASE / "主要指标.xlsx").read_bytes()) == [
        ("主要指标", "B3", "规上工业企业利润总额", "128050000000"), ("主要指标", "C3", "规上工业企业利润总额", "5.2"),
        ("主要指标", "B4", "一般公共预算收入", "315040000000"), ("主要指标", "C4", "一般公共预算收入", "3.9")]
    pdf = located("数据解读.pdf", (SC_RELEASE / "数据解读.pdf").read_bytes())
    assert ("第1页", "", "固定资产投资", "2.6") in pdf  # a sentence of the page's text
    assert ("第1页", "第2行第2列", "川渝合作项目完成投资", "152000000000") in pdf  # a cell of its ruled table
    assert located("x.docx", (CQ_BULLETIN / "W020240811000001.docx").read_bytes()) == [
        ("正文", "", "互认互通政务服务事项", "25"), ("正文", "第2行第2列", "跨省通办事项", "311")]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("a.pdf", b"attachment\n", "not a pdf file"),
    ("a.pdf", b"%PDF-1.4 cut off", "could not be parsed"),
    ("a.docx", b"PK\x03\x04 not really a zip", "damaged zip"),
    ("a.doc", (CQ_BULLETIN / "W020240811000002.doc").read_bytes(), "old binary Word"),
])
def test_a_file_that_cannot_be_read_says_why(name, data, reason):
    with pytest.raises(Unreadable, match=reason):
        read(name, data)


def test_a_crawl_stores_attachments_and_records_those_it_could_not_read(db, cli_env):
    with serving(SITES) as mirror:
        too_big = "/" + quote("tjj.sc.gov.cn/scstjj/c112117/2024/8/12/1a1d7568da290187d21aae83110144c6/files/数据解读.pdf")
        mirror.fail(too_big, "big:300000")
        result = run_cli("crawl", "sc_tjj", "cq_tjj", "sc_fgw", "--since", WINDOW[0].isoformat(), "--until",
                         WINDOW[1].isoformat(), "-s", "CYWATCH_ATTACHMENT_MAXSIZE=100000",
                         env=cli_env | {"CYWATCH_MIRROR": mirror.url, "CYWATCH_PROGRESS_INTERVAL": "0"})
        requested = mirror.paths()
    assert result.returncode == 0, result.stderr  # what could not be read is not an error of the run
    runs = {r["source"]: r for r in db.execute("SELECT source, status, errors FROM crawl_runs")}
    assert {s: (r["status"], r["errors"]) for s, r in runs.items()} == dict.fromkeys(("sc_tjj", "cq_tjj", "sc_fgw"),
                                                                                      ("ok", 0))
    rows = {r["name"]: r for r in db.execute("SELECT * FROM attachments")}
    assert {name: r["status"] for name, r in rows.items()} == {
        "附件1：2024年1—7月主要指标": "read", "附件2：数据解读": "failed",  # larger than the cap
        "附件：上半年川渝合作主要指标": "read", "附件：旧版统计表": "unreadable", "国家统计局参考资料": "refused",
        "附件：重大项目清单.pdf": "unreadable", "附件：示范园区名单.docx": "unreadable"}
    assert "DOWNLOAD_MAXSIZE" in rows["附件2：数据解读"]["detail"]
    assert "old binary Word" in rows["附件：旧版统计表"]["detail"]
    assert not [p for p in requested if "stats.gov.cn" in p]  # another site's file is never fetched
    cells = db.execute(
        "SELECT f.part, f.location, f.metric, f.value, f.unit FROM attachment_figures f "
        "JOIN attachments t ON t.id = f.attachment_id WHERE t.name = '附件1：2024年1—7月主要指标' ORDER BY f.id").fetchall()
    assert [(c["part"], c["location"], c["metric"], str(c["value"]), c["unit"]) for c in cells][:2] == [
        ("主要指标", "B3", "规上工业企业利润总额", "128050000000", "元"), ("主要指标", "C3", "规上工业企业利润总额", "5.2", "%")]
    article = db.execute("SELECT a.canonical_url FROM articles a JOIN attachments t ON t.article_id = a.id "
                         "WHERE t.name = '附件：上半年川渝合作主要指标'").fetchone()
    assert article["canonical_url"].endswith("/t20240811_15600005.html")  # provenance: the article it came with
