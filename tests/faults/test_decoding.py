"""Failure 4: pages whose charset declarations lie are decoded by their real encoding, or refused."""

from __future__ import annotations

from devtools.mirror import serving
from tests.faults.crawling import article, crawl, expected, path
from tests.fixtures.sitegen import SITES, real_url

LYING = {"a-trade": "gbk", "c-industry": "gbk-nometa"}  # GBK bytes; header (and meta) say utf-8
GARBLED = "n-dept"  # bytes that are text in no encoding


def test_gbk_pages_that_claim_utf8_are_decoded_and_undecodable_ones_refused(db, cli_env, fault_outcome):
    with serving(SITES) as mirror:
        for key, fault in LYING.items():
            mirror.fail(path(article(key)), fault)
        mirror.fail(path(article(GARBLED)), "garble")
        first = crawl(cli_env, mirror.url, "sc_gov")
        db.commit()
        after_first = {r["canonical_url"] for r in db.execute("SELECT canonical_url FROM articles")}
        second = crawl(cli_env, mirror.url, "sc_gov")
    rows = {r["canonical_url"]: r for r in db.execute(
        "SELECT a.canonical_url, a.title, a.body, count(o.id) AS indicators FROM articles a "
        "LEFT JOIN indicator_observations o ON o.article_id = a.id WHERE a.source = 'sc_gov' GROUP BY a.id")}
    garbage = [u for u, r in rows.items() if "\ufffd" in r["title"] + r["body"]]
    lost = sum(1 for a in expected("sc_gov") if real_url(a) not in rows) + len(garbage)
    fault_outcome("GBK page claiming utf-8 / undecodable page", lost=lost, duplicated=0,
                  note=f"{len(garbage)} stored with U+FFFD")
    assert garbage == []
    for key in LYING:
        page, row = article(key), rows[real_url(article(key))]
        assert row["title"] == page.title and page.body[0] in row["body"]
        assert row["indicators"] == page.expect.indicators
    assert real_url(article(GARBLED)) not in after_first  # refused, an error of that run…
    assert "could not decode" in first.stderr and first.returncode == 0
    assert db.execute("SELECT errors FROM crawl_runs ORDER BY id").fetchone()["errors"] >= 1
    assert lost == 0, second.stderr  # …and stored by the next
