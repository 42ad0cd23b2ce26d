"""Reprocessing and review, end to end on real PostgreSQL: figures re-keyed by a lexicon edit or a reviewer's
decision are stored once, never reported twice, and a comparison that changed is reported once, as a
correction. The articles are sentences written for these tests."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from alerts import subscribers
from alerts.delivery import run as run_digests
from crawler import baseline as baseline_loading
from crawler.extract import lexicon
from crawler.extract.lexicon import StoredEntries, use_stored_entries
from crawler.pipelines import figures_of
from crawler.reprocess import reprocess
from db import baseline, diff
from db.articles import Article, store_article
from settings import SITES_TIMEZONE

CORRIDORS = "截至7月底，川渝省际高速公路通道增至18条。"
PLATFORMS = "截至7月底，川渝两地共建协作平台12个。"  # the baseline's 毗邻地区合作平台, named otherwise
BUSES = "川渝两地已开通跨省城际公交线路18条。"  # in no baseline


@pytest.fixture(autouse=True)
def _lexicon_as_shipped():
    """Whatever a test did to the lexicon (an edited copy, stored entries) ends with it."""
    yield
    use_stored_entries(StoredEntries())
    lexicon.reload()


def store(conn, title: str, body: str, day: int = 10) -> int:
    """An article stored as the crawl's pipeline stores it."""
    published = datetime.combine(date(2024, 8, day), clock(9), SITES_TIMEZONE)
    text = f"{title}\n\n{body}"
    number = int(hashlib.sha1(title.encode()).hexdigest()[:6], 16)
    stored = store_article(conn, Article(
        source="cqrb", canonical_url=f"https://epaper.cqrb.cn/cqrb/2024-08/{day:02d}/001/content_rb_{number}.htm",
        title=title, published_at=published, body=text, relevant=True, relevance=Decimal(5)),
        figures_of(text, len(title) + 2, published.date(), "cqrb", []))
    conn.commit()
    return stored.article_id


def digest_text(conn, settings, day: str) -> str | None:
    """The plain text of the digest built for `day` (None: none was built)."""
    run_digests(conn, settings, date.fromisoformat(day))
    conn.commit()
    row = conn.execute("SELECT message FROM digests WHERE period = %s", [day]).fetchone()
    if row is None:
        return None
    message = message_from_bytes(bytes(row["message"]), policy=policy.default)
    return message.get_body(("plain",)).get_content()


def edit_lexicon(monkeypatch, tmp_path: Path, *aliases: tuple[str, str]) -> None:
    """A copy of the data files with aliases added to metrics.toml, used from now on (a maintainer's edit)."""
    data = tmp_path / "lexicon"
    shutil.copytree(Path(str(lexicon.DATA)), data)
    lines = "".join(f'"{canonical}" = ["{alias}"]\n' for alias, canonical in aliases)
    text = (data / "metrics.toml").read_text(encoding="utf-8").replace("[aliases]\n", "[aliases]\n" + lines, 1)
    (data / "metrics.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(lexicon, "DATA", data)
    lexicon.reload()


def test_reprocess_after_a_lexicon_edit_rekeys_figures_without_duplicates_or_second_reports(
        db, settings, monkeypatch, tmp_path):
    baseline_loading.load(db, baseline.bundled())
    article = store(db, "川渝合作又有新进展", CORRIDORS + PLATFORMS + BUSES)
    subscribers.add(db, "analyst@example.org")
    db.commit()
    first = digest_text(db, settings, "2024-08-12")
    assert first is not None
    assert "增至16条" in first and "增至18条" in first  # moved against the baseline
    assert "协作平台（川渝）: 12个" in first and "跨省城际公交线路（川渝）: 18条" in first  # new, as named then
    figures = db.execute("SELECT count(*) AS n FROM indicator_observations WHERE article_id = %s",
                         [article]).fetchone()["n"]

    edit_lexicon(monkeypatch, tmp_path, ("协作平台", "毗邻地区合作平台"), ("跨省城际公交线路", "跨省公交线路"))
    done = reprocess(db)
    assert done.done == 1 and done.rekeyed == 2 and done.revised == 1
    assert done.baseline is not None and done.baseline.version == 2  # the baseline read with the new lexicon
    assert [r["version"] for r in db.execute("SELECT version FROM baselines ORDER BY version")] == [1, 2]
    rows = db.execute("SELECT metric, start_offset, count(*) OVER (PARTITION BY start_offset, end_offset) AS n "
                      "FROM indicator_observations WHERE article_id = %s ORDER BY start_offset",
                      [article]).fetchall()
    assert len(rows) == figures and all(r["n"] == 1 for r in rows)  # every figure once, under its new name
    assert {"毗邻地区合作平台", "跨省公交线路", "省际高速公路通道"} <= {r["metric"] for r in rows}
    assert db.execute("SELECT count(*) AS n FROM indicator_changes c JOIN indicator_observations o "
                      "ON o.id = c.observation_id WHERE o.article_id = %s", [article]).fetchone()["n"] == figures
    assert db.execute("SELECT count(DISTINCT lexicon_fingerprint) AS n FROM indicator_observations "
                      "WHERE article_id = %s", [article]).fetchone()["n"] == 1

    second = digest_text(db, settings, "2024-08-13")
    assert second is not None
    # the platform figure now meets the baseline's: reported once, as a correction of the "new" of before
    assert "毗邻地区合作平台（川渝）: 10个" in second and "→ 12个" in second
    assert "更正 correction：此前列为新指标" in second
    assert "省际高速公路通道" not in second  # reported before, its comparison unchanged
    assert "跨省" not in second  # re-keyed, still new: not reported again as new
    assert second.count("更正 correction") == 1

    again = reprocess(db)  # nothing changed since: nothing to read again, nothing to report
    assert (again.done, again.revised, again.baseline) == (0, 0, None)
    assert reprocess(db, everything=True).revised == 0
    assert digest_text(db, settings, "2024-08-14") is None
    assert diff.changes(db, since=date(2024, 8, 1))  # `cywatch diff` still shows every comparison


def test_a_figure_not_yet_in_any_digest_is_reported_once_in_its_corrected_form(db, settings, monkeypatch, tmp_path):
    baseline_loading.load(db, baseline.bundled())
    store(db, "川渝共建平台", PLATFORMS)
    subscribers.add(db, "analyst@example.org")
    db.commit()
    diff.compute(db)
    db.commit()
    edit_lexicon(monkeypatch, tmp_path, ("协作平台", "毗邻地区合作平台"))
    assert reprocess(db).revised == 1
    text = digest_text(db, settings, "2024-08-12")
    assert text is not None
    assert "毗邻地区合作平台（川渝）: 10个" in text and "协作平台（川渝）: 12个" not in text
    assert "更正" not in text  # the reader never saw the earlier comparison
