"""Failure 3: a list page without rows (a maintenance page) is an error; the window moves over seen days only."""

from __future__ import annotations

from crawler.spiders.sc_fgw import LISTS
from devtools.mirror import serving
from tests.faults.crawling import UNTIL, crawl, lost_and_duplicated
from tests.fixtures.sitegen import SITES


def test_a_maintenance_page_is_an_error_and_the_window_does_not_pass_it(db, cli_env, fault_outcome):
    with serving(SITES) as mirror:
        for _, url in LISTS:  # HTTP 200, the site's frame, no rows
            mirror.fail("/" + url.split("://", 1)[1], "maintenance")
        first = crawl(cli_env, mirror.url, "sc_fgw")
        second = crawl(cli_env, mirror.url, "sc_fgw", "--until", UNTIL, window=False)  # back up: the daily crawl
    lost, duplicated = lost_and_duplicated(db, "sc_fgw")
    fault_outcome("list in maintenance (200, no rows)", lost=lost, duplicated=duplicated)
    run = db.execute("SELECT status, errors FROM crawl_runs ORDER BY id").fetchone()
    assert run["errors"] >= 1, first.stderr
    assert "the list had no entries: is the site in maintenance?" in first.stderr
    assert (lost, duplicated) == (0, 0), second.stderr


def test_paging_that_stops_before_the_horizon_does_not_move_the_window(db, cli_env, fault_outcome):
    with serving(SITES) as mirror:  # one page per list: the 08-09 rows on page 2 are never seen
        first = crawl(cli_env, mirror.url, "sc_gov", "-s", "CYWATCH_MAX_LIST_PAGES=1")
        second = crawl(cli_env, mirror.url, "sc_gov", "--until", UNTIL, window=False)
    lost, duplicated = lost_and_duplicated(db, "sc_gov")
    fault_outcome("list paging capped before the horizon", lost=lost, duplicated=duplicated)
    assert "before reaching" in first.stderr, first.stderr
    assert (lost, duplicated) == (0, 0), second.stderr
