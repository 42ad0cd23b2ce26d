"""Failure 2: an article that was linked and not stored is unfinished work, whatever dropped it."""

from __future__ import annotations

from devtools.mirror import serving
from tests.faults.crawling import UNTIL, article, crawl, lost_and_duplicated, path
from tests.fixtures.sitegen import SITES


def test_an_article_redirected_off_site_is_unfinished_and_fetched_next_time(db, cli_env, fault_outcome):
    moved = article("i-gdp")
    with serving(SITES) as mirror:
        mirror.fail(path(moved), "redirect:https://evil.example.org/sfgw/fgyw/2024/8/10/moved.shtml")
        first = crawl(cli_env, mirror.url, "sc_fgw")
        second = crawl(cli_env, mirror.url, "sc_fgw", "--until", UNTIL, window=False)  # the redirect is gone
        requested = mirror.paths()
    lost, duplicated = lost_and_duplicated(db, "sc_fgw")
    fault_outcome("article redirected off-site", lost=lost, duplicated=duplicated)
    assert not [p for p in requested if p.startswith("/evil.example.org/")]  # the redirect is still not followed
    run = db.execute("SELECT status, errors, detail FROM crawl_runs ORDER BY id").fetchone()
    assert run["errors"] >= 1 and "not stored" in first.stderr, first.stderr
    assert (lost, duplicated) == (0, 0), second.stderr
