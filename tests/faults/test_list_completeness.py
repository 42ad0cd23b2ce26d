"""Failure 1: a list page cut mid-transfer without Content-Length must not count as seen."""

from __future__ import annotations

from devtools.mirror import serving
from tests.faults.crawling import UNTIL, crawl, lost_and_duplicated
from tests.fixtures.sitegen import SITES

FIRST_PAGE = "/www.sc.gov.cn/10462/10464/10797/jrsc_list.shtml"


def test_a_list_page_cut_without_content_length_is_an_error_and_is_fetched_whole_later(db, cli_env, fault_outcome):
    with serving(SITES) as mirror:
        mirror.fail(FIRST_PAGE, "cut:0.35")  # the connection closes after the first row: nothing says it was cut
        first = crawl(cli_env, mirror.url, "sc_gov")
        second = crawl(cli_env, mirror.url, "sc_gov", "--until", UNTIL, window=False)  # the daily window
    lost, duplicated = lost_and_duplicated(db, "sc_gov")
    fault_outcome("list page cut, no Content-Length", lost=lost, duplicated=duplicated)
    runs = db.execute("SELECT status, errors, not_modified FROM crawl_runs ORDER BY id").fetchall()
    assert runs[0]["errors"] >= 1, first.stderr
    assert "incomplete page" in first.stderr and FIRST_PAGE.split("/", 2)[2] in first.stderr
    assert (lost, duplicated) == (0, 0), second.stderr
    assert runs[1]["errors"] == 0, second.stderr


def test_a_whole_list_page_without_its_end_marker_is_an_error(db, cli_env, fault_outcome, tmp_path):
    import shutil

    sites = tmp_path / "sites"
    shutil.copytree(SITES, sites)
    page = sites / FIRST_PAGE.lstrip("/")
    text = page.read_text(encoding="utf-8")
    cut = text.index("<tr>", text.index("<tr>") + 1)  # the CMS stopped after one row but closed the page
    page.write_text(text[:cut] + "</table></div></div></body></html>\n", encoding="utf-8")
    with serving(sites) as mirror:
        first = crawl(cli_env, mirror.url, "sc_gov")
    shutil.copy(SITES / FIRST_PAGE.lstrip("/"), page)
    with serving(sites) as mirror:
        second = crawl(cli_env, mirror.url, "sc_gov", "--until", UNTIL, window=False)
    lost, duplicated = lost_and_duplicated(db, "sc_gov")
    fault_outcome("list page ends before its pager", lost=lost, duplicated=duplicated)
    assert "incomplete page" in first.stderr, first.stderr
    assert (lost, duplicated) == (0, 0), second.stderr
