"""The same flaw as failure 1, elsewhere: a 304 saved by a narrower window must not hide a backfill's days."""

from __future__ import annotations

from devtools.mirror import serving
from tests.faults.crawling import crawl, lost_and_duplicated
from tests.fixtures.sitegen import SITES


def test_a_backfill_is_not_hidden_by_validators_of_a_narrower_crawl(db, cli_env, fault_outcome):
    with serving(SITES) as mirror:
        daily = crawl(cli_env, mirror.url, "sc_fgw", "--since", "2024-08-12", "--until", "2024-08-12", window=False)
        backfill = crawl(cli_env, mirror.url, "sc_fgw", "--since", "2024-08-09", "--until", "2024-08-11",
                         window=False)
    assert daily.returncode == 0, daily.stderr
    db.commit()
    assert db.execute("SELECT count(*) AS n FROM http_validators").fetchone()["n"] >= 1  # the daily run kept some
    lost, duplicated = lost_and_duplicated(db, "sc_fgw")
    fault_outcome("backfill after a narrower clean crawl (304)", lost=lost, duplicated=duplicated)
    assert (lost, duplicated) == (0, 0), backfill.stderr
