"""Failure 5: at most 2 requests in flight per site, seen from the server, in mirror mode (no delays)."""

from __future__ import annotations

from crawler.sources import SOURCES
from devtools.mirror import serving
from tests.faults.crawling import crawl, lost_and_duplicated
from tests.fixtures.sitegen import SITES


def test_at_most_two_requests_per_site_are_in_flight(db, cli_env, fault_outcome):
    with serving(SITES, delay=0.15) as mirror:  # slow enough for requests to overlap
        result = crawl(cli_env, mirror.url)
        in_flight = mirror.max_in_flight()
    lost = sum(lost_and_duplicated(db, site)[0] for site in SOURCES)
    fault_outcome("politeness: requests in flight per site", lost=lost, duplicated=0,
                  note=f"max in flight {in_flight}")
    assert result.returncode == 0, result.stderr
    assert set(in_flight) == {domain for source in SOURCES.values() for domain in source.domains}
    assert max(in_flight.values()) <= 2, in_flight
    assert max(in_flight.values()) == 2, in_flight  # the limit is used, not avoided by going one at a time
