"""An article with an HTML table, crawled from the mirror: the table's figures are stored, cell by cell."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from devtools.mirror import serving
from tests.conftest import ROOT
from tests.fixtures.sitegen import SITES
from tests.test_crawl import crawl

TABLE_SITE = ROOT / "tests" / "fixtures" / "tables"
ARTICLE = "www.cq.gov.cn/ywdt/jrcq/202408/t20240811_13519001.html"


def sites_with_a_table(tmp_path: Path) -> Path:
    """The bundled sites, with an article carrying a table linked from 今日重庆."""
    sites = tmp_path / "sites"
    shutil.copytree(SITES, sites)
    shutil.copytree(TABLE_SITE / "www.cq.gov.cn", sites / "www.cq.gov.cn", dirs_exist_ok=True)
    listing = sites / "www.cq.gov.cn/ywdt/jrcq/index.html"
    listing.write_text(listing.read_text(encoding="utf-8").replace(
        "<ul>", '<ul><li><a class="ellipsis" href="./202408/t20240811_13519001.html" title="前7月重庆主要工业产品产量">'
        "前7月重庆主要工业产品产量</a><span>2024-08-11</span></li>", 1), encoding="utf-8")
    return sites


def test_the_figures_of_an_html_table_are_stored_with_their_row_and_column(db, cli_env, tmp_path):
    with serving(sites_with_a_table(tmp_path)) as server:
        result = crawl(cli_env, server.url, "cq_gov")
    assert result.returncode == 0, result.stderr
    article = db.execute("SELECT id, body, relevant FROM articles WHERE canonical_url = %s",
                         ["https://" + ARTICLE]).fetchone()
    assert article and article["relevant"]
    body = article["body"]
    assert "汽车\t万辆\t142.6\t8.8" in body.splitlines()  # one line a row, cells separated by tabs
    assert "\u3000\u3000其中：新能源汽车\t万辆\t40.3\t120.5" in body.splitlines()  # &nbsp;&nbsp; kept as U+3000
    rows = db.execute("SELECT metric, region, kind, value, unit, period, surface, sentence, start_offset, "
                      "end_offset, sentence_start FROM indicator_observations WHERE article_id = %s "
                      "ORDER BY start_offset", [article["id"]]).fetchall()
    assert [(r["metric"], r["kind"], r["value"], r["unit"]) for r in rows] == [
        ("汽车产量", "level", Decimal("1426000"), "辆"), ("汽车产量", "growth", Decimal("8.8"), "%"),
        ("新能源汽车产量", "level", Decimal("403000"), "辆"), ("新能源汽车产量", "growth", Decimal("120.5"), "%"),
        ("摩托车产量", "level", Decimal("3612000"), "辆"), ("摩托车产量", "growth", Decimal("-3.4"), "%"),
        ("笔记本计算机产量", "level", Decimal("31059000"), "台"), ("笔记本计算机产量", "growth", Decimal("2.1"), "%")]
    assert {(r["region"], r["period"]) for r in rows} == {("重庆", "2024-01/2024-07")}
    for row in rows:  # the digest quotes and links to exact slices of the stored text
        assert body[row["start_offset"]:row["end_offset"]] == row["surface"]
        assert body[row["sentence_start"]:row["sentence_start"] + len(row["sentence"])] == row["sentence"]
        assert "\t" in row["sentence"] and "\n" not in row["sentence"]
