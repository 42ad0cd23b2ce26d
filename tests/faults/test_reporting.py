"""What a crawl says about its failures: the cycle's verdict, the reason of each, and a summary, not a flood."""

from __future__ import annotations

import re

import pytest

from crawler.sources import SOURCES
from crawler.spiders.sc_gov import LISTS as SC_GOV_LISTS
from devtools.mirror import serving
from tests.conftest import run_cli
from tests.faults.crawling import ARTICLES, UNTIL, article, crawl, lost_and_duplicated, path
from tests.fixtures.sitegen import SITES


@pytest.mark.slow
def test_a_cycle_whose_article_pages_all_time_out_reports_the_crawl_failed(db, cli_env, fault_outcome):
    env = cli_env | {"CYWATCH_SECRET": "test-secret", "CYWATCH_PROGRESS_INTERVAL": "0",
                     "CYWATCH_DOWNLOAD_TIMEOUT": "1"}
    with serving(SITES) as mirror:
        for page in ARTICLES:  # every try of every article page outlasts the timeout; the lists answer
            mirror.fail(path(page), *["sleep:1.3"] * 4)
        result = run_cli("run", "--date", UNTIL, "--mirror", mirror.url, env=env, timeout=300)
        missed = sum(lost_and_duplicated(db, site)[0] for site in SOURCES)
        after = crawl(cli_env, mirror.url, "--until", UNTIL, window=False)  # the site is back: the next crawl
    counts = [lost_and_duplicated(db, site) for site in SOURCES]
    lost, duplicated = sum(c[0] for c in counts), sum(c[1] for c in counts)
    fault_outcome("every article page times out (cycle)", lost=lost, duplicated=duplicated,
                  note=f"{missed} missed by the cycle, fetched by the next crawl")
    assert (lost, duplicated) == (0, 0), after.stderr
    assert result.returncode != 0, result.stdout
    crawl_line = next(line for line in result.stdout.splitlines() if line.strip().startswith("crawl"))
    assert crawl_line.split()[:2] == ["crawl", "failed"], result.stdout
    assert "linked articles could be fetched" in result.stdout


def test_a_huge_body_without_content_length_is_an_error_with_its_reason(db, cli_env, fault_outcome):
    huge = article("i-gdp")
    with serving(SITES) as mirror:
        # 20 MB, no Content-Length, on every try: cut off at DOWNLOAD_MAXSIZE. (Twisted reports the cut either
        # as a cancelled download or as a lost connection, which is retried: one fault would let a retry succeed.)
        mirror.fail(path(huge), *["big:20000000"] * 4)
        first = crawl(cli_env, mirror.url, "sc_fgw")
        mirror.clear_faults()
        second = crawl(cli_env, mirror.url, "sc_fgw", "--until", UNTIL, window=False)
    lost, duplicated = lost_and_duplicated(db, "sc_fgw")
    fault_outcome("20 MB body without Content-Length", lost=lost, duplicated=duplicated)
    line = next(line for line in first.stderr.splitlines() if "could not fetch" in line)
    assert re.search(r"could not fetch \S+: \S", line) and "DOWNLOAD_MAXSIZE" in line, line
    assert (lost, duplicated) == (0, 0), second.stderr


def test_a_site_where_every_page_fails_is_summarised_not_listed(db, cli_env, fault_outcome, tmp_path):
    with serving(tmp_path) as mirror:  # nothing there: every list page is missing (404) …
        for _, url in SC_GOV_LISTS:  # … and the Sichuan government's lists answer 503 to every try
            mirror.fail("/" + url.split("://", 1)[1], *["status:503"] * 4)
        result = crawl(cli_env, mirror.url)
    fault_outcome("every page of every site fails", lost=0, duplicated=0,
                  note=f"{len(result.stderr.splitlines())} lines on stderr")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    for source in ("sc_gov", "sc_fgw", "cq_gov"):
        assert sum(1 for line in lines if f"{source}: could not fetch" in line) <= 3, result.stderr
    assert "Gave up retrying" not in result.stderr  # the same failure, said twice
    assert "sc_gov: 6 requests failed in all (HTTP 503 ×6)" in result.stderr
