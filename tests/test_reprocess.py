"""Reprocessing and review, end to end on real PostgreSQL: figures re-keyed by a lexicon edit or a reviewer's
decision are stored once, never reported twice, and a comparison that changed is reported once, as a
correction. The articles are sentences written for these tests."""

from __future__ import annotations

import hashlib
import shutil
import tomllib
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
from crawler.sources import source as registered
from db import baseline, diff, lexicon_store, review
from db.articles import Article, store_article
from settings import SITES_TIMEZONE
from tests.conftest import run_cli

CORRIDORS = "截至7月底，川渝省际高速公路通道增至18条。"
PLATFORMS = "截至7月底，川渝两地共建协作平台12个。"  # the baseline's 毗邻地区合作平台, named otherwise
BUSES = "川渝两地已开通跨省城际公交线路18条。"  # in no baseline


@pytest.fixture(autouse=True)
def _lexicon_as_shipped():
    """Whatever a test did to the lexicon (an edited copy, stored entries) ends with it."""
    yield
    use_stored_entries(StoredEntries())
    lexicon.reload()


def store(conn, title: str, body: str, day: int = 10, source: str = "cqrb") -> int:
    """An article stored as the crawl's pipeline stores it."""
    published = datetime.combine(date(2024, 8, day), clock(9), SITES_TIMEZONE)
    text = f"{title}\n\n{body}"
    number = int(hashlib.sha1(title.encode()).hexdigest()[:6], 16)
    stored = store_article(conn, Article(
        source=source, canonical_url=f"https://epaper.cqrb.cn/cqrb/2024-08/{day:02d}/001/content_rb_{number}.htm",
        title=title, published_at=published, body=text, relevant=True, relevance=Decimal(5)),
        figures_of(text, len(title) + 2, published.date(), registered(source).home_region, []))
    conn.commit()
    return stored.article_id


def digest_text(conn, settings, day: str) -> str | None:
    """The plain text of the digest built for `day` (None: none was built)."""
    run_digests(conn, settings, date.fromisoformat(day))
    conn.commit()
    row = conn.execute("SELECT payload AS message FROM digests WHERE period = %s AND channel = 'email'", [day]).fetchone()
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


FUNCTIONAL = "截至7月底，川渝两地共建毗邻地区功能平台12个。"  # the matcher is unsure: a possible match
REFORMS = "截至7月底，川渝累计推出市场一体化改革经验19条。"  # possible with 市场一体化经验; a reviewer says no


def test_an_accepted_match_rekeys_history_and_changes_the_next_digest_exactly_once(db, settings, cli_env):
    baseline_loading.load(db, baseline.bundled())
    article = store(db, "川渝共建平台再提速", CORRIDORS + FUNCTIONAL + REFORMS)
    subscribers.add(db, "analyst@example.org")
    db.commit()
    first = digest_text(db, settings, "2024-08-12")
    assert first is not None and first.count("待审核") == 2  # both shown as new, possible matches

    listed = run_cli("review", env=cli_env)
    assert listed.returncode == 0, listed.stderr
    assert "毗邻地区功能平台" in listed.stdout and "毗邻地区合作平台" in listed.stdout
    assert FUNCTIONAL in listed.stdout and "“川渝两地毗邻地区合作平台" not in listed.stdout
    matches = {m.metric: m for m in review.list_possible_matches(db)}
    assert set(matches) == {"毗邻地区功能平台", "推出市场一体化改革经验"}
    platform, reforms = matches["毗邻地区功能平台"], matches["推出市场一体化改革经验"]
    assert platform.candidate_metric == "毗邻地区合作平台" and platform.sentence == FUNCTIONAL
    assert 0.6 <= platform.score < 0.8

    accepted = run_cli("review", "accept", str(platform.change_id), "--note", "同一指标", env=cli_env)
    assert accepted.returncode == 0, accepted.stderr
    assert "1 stored figure(s) renamed, 1 comparison(s) revised" in accepted.stdout
    rejected = review.decide(db, reforms.change_id, accept=False, decided_by="test")
    db.commit()
    assert rejected.recomputed.revised == 0  # new it was, new it stays: nothing to correct
    assert review.list_possible_matches(db) == []
    decisions = db.execute("SELECT accepted, note FROM review_decisions ORDER BY id").fetchall()
    assert [(d["accepted"], d["note"]) for d in decisions] == [(True, "同一指标"), (False, None)]
    assert [(e.kind, e.metric, e.other) for e in lexicon_store.entries(db)] == [
        ("alias", "毗邻地区功能平台", "毗邻地区合作平台"), ("distinct", "推出市场一体化改革经验", "市场一体化经验")]
    row = db.execute("SELECT o.metric, c.outcome, c.match FROM indicator_observations o "
                     "JOIN indicator_changes c ON c.observation_id = o.id "
                     "WHERE o.article_id = %s AND o.surface = '12个'", [article]).fetchone()
    assert (row["metric"], row["outcome"], row["match"]) == ("毗邻地区合作平台", "changed", "exact")

    second = digest_text(db, settings, "2024-08-13")
    assert second is not None
    assert "毗邻地区合作平台（川渝）: 10个" in second and "→ 12个" in second and "更正 correction" in second
    assert second.count("* ") == 1  # that one figure, once: nothing else is reported again
    assert digest_text(db, settings, "2024-08-14") is None

    # later extraction (a fresh process takes the entries from the database) and later diffs
    use_stored_entries(StoredEntries())
    lexicon_store.apply(db)
    later = store(db, "川渝平台建设新进展", FUNCTIONAL.replace("12个", "13个") + REFORMS.replace("19条", "20条"), day=13)
    diff.compute(db)
    db.commit()
    figures = {r["metric"]: r for r in db.execute(
        "SELECT o.metric, c.match FROM indicator_observations o JOIN indicator_changes c ON c.observation_id = o.id "
        "WHERE o.article_id = %s", [later])}
    assert figures["毗邻地区合作平台"]["match"] == "exact"
    assert figures["推出市场一体化改革经验"]["match"] == "none"  # never again a possible match


def test_lexicon_export_writes_the_decisions_into_the_data_file(db, cli_env, tmp_path):
    lexicon_store.add(db, "alias", "毗邻地区功能平台", "毗邻地区合作平台")
    lexicon_store.add(db, "alias", "社零额", "社会消费品零售总额")
    lexicon_store.add(db, "distinct", "推出市场一体化改革经验", "市场一体化经验")
    db.commit()
    use_stored_entries(lexicon_store.stored_entries(db))
    with_entries = lexicon.fingerprint()
    target = tmp_path / "metrics.toml"
    original = (Path(str(lexicon.DATA)) / "metrics.toml").read_text(encoding="utf-8")
    target.write_text(original, encoding="utf-8")
    done = run_cli("lexicon", "export", "--file", str(target), env=cli_env)
    assert done.returncode == 0, done.stderr
    written = target.read_text(encoding="utf-8")
    data = tomllib.loads(written)
    assert "毗邻地区功能平台" in data["aliases"]["毗邻地区合作平台"]
    assert data["aliases"]["社会消费品零售总额"][-1] == "社零额"
    assert ["市场一体化经验", "推出市场一体化改革经验"] in data["never_merge"]["distinct"]
    assert all(line in written for line in original.splitlines() if line.startswith("#"))  # comments stay
    assert db.execute("SELECT count(*) AS n FROM lexicon_entries WHERE exported_at IS NULL").fetchone()["n"] == 0
    # the exported file says what the database said: the lexicon is the same, so nothing is reprocessed
    shutil.copytree(Path(str(lexicon.DATA)), tmp_path / "data")
    (tmp_path / "data" / "metrics.toml").write_text(written, encoding="utf-8")
    data_before = lexicon.DATA
    try:
        lexicon.DATA = tmp_path / "data"  # type: ignore[assignment]
        lexicon.reload()
        assert lexicon.fingerprint() == with_entries
    finally:
        lexicon.DATA = data_before


def previous_of(conn, article_id: int) -> int | None:
    """The previous figure (observation id) of the platform figure of an article, as its comparison says."""
    row = conn.execute("SELECT c.previous_observation_id AS previous FROM indicator_changes c "
                       "JOIN indicator_observations o ON o.id = c.observation_id "
                       "WHERE o.article_id = %s AND o.metric LIKE '毗邻地区%%平台'", [article_id]).fetchone()
    return row["previous"]


def platform_of(conn, article_id: int) -> int:
    """The platform figure (observation id) of an article."""
    return conn.execute("SELECT id FROM indicator_observations WHERE article_id = %s AND metric LIKE '毗邻地区%%平台'",
                        [article_id]).fetchone()["id"]


def test_an_accepted_alias_becomes_the_previous_figure_of_later_figures_of_its_new_name(db, settings):
    baseline_loading.load(db, baseline.bundled())
    older = store(db, "川渝功能平台起步", FUNCTIONAL, day=8)  # the old name: a possible match only
    named = store(db, "川渝合作平台增加", "截至8月初，川渝两地共建毗邻地区合作平台13个。", day=9)
    latest = store(db, "川渝合作平台再增加", "截至8月中，川渝两地共建毗邻地区合作平台14个。", day=10)
    subscribers.add(db, "analyst@example.org")
    db.commit()
    first = digest_text(db, settings, "2024-08-12")
    assert first is not None and "13个" in first and "14个" in first
    assert previous_of(db, named) is None  # nothing of its name came before
    assert previous_of(db, latest) == platform_of(db, named)

    match = {m.metric: m for m in review.list_possible_matches(db)}["毗邻地区功能平台"]
    decided = review.decide(db, match.change_id, accept=True, decided_by="test")
    db.commit()
    assert decided.rekeyed == 1
    assert previous_of(db, named) == platform_of(db, older)  # the re-keyed figure came first
    assert previous_of(db, latest) == platform_of(db, named)  # and the one after it stays so
    assert previous_of(db, older) is None

    second = digest_text(db, settings, "2024-08-13")
    assert second is not None
    assert_series_corrected_once(second)
    assert digest_text(db, settings, "2024-08-14") is None


def assert_series_corrected_once(text: str) -> None:
    """The older figure re-keyed into the series (12个, new before) and the one it now precedes (13个, whose
    earlier figure it became) are each corrected once; the latest (14个), whose comparison is unchanged, is
    not reported again."""
    lines = [x for x in text.splitlines() if x.startswith("* ")]
    assert len(lines) == 2 and text.count("更正 correction") == 2
    assert sum("→ 12个" in x for x in lines) == 1 and "更正 correction：此前列为新指标" in text
    assert sum("→ 13个" in x for x in lines) == 1 and "更正 correction：此前在其序列中没有更早的数据" in text
    assert "14个" not in text


def test_a_figure_reprocessed_into_a_key_becomes_the_previous_figure_of_its_later_figures(
        db, settings, monkeypatch, tmp_path):
    baseline_loading.load(db, baseline.bundled())
    older = store(db, "川渝协作平台起步", PLATFORMS, day=8, source="sc_gov")  # 协作平台 as the lexicon names it now
    named = store(db, "川渝合作平台增加", "截至8月初，川渝两地共建毗邻地区合作平台13个。", day=9)
    latest = store(db, "川渝合作平台再增加", "截至8月中，川渝两地共建毗邻地区合作平台14个。", day=10)
    subscribers.add(db, "analyst@example.org")
    db.commit()
    assert digest_text(db, settings, "2024-08-12") is not None
    assert previous_of(db, named) is None

    edit_lexicon(monkeypatch, tmp_path, ("协作平台", "毗邻地区合作平台"))
    done = reprocess(db, source="sc_gov")  # only the older article is read again
    assert (done.done, done.rekeyed) == (1, 1)
    assert previous_of(db, named) == platform_of(db, older)
    assert previous_of(db, latest) == platform_of(db, named)

    second = digest_text(db, settings, "2024-08-13")
    assert second is not None
    assert_series_corrected_once(second)
    assert digest_text(db, settings, "2024-08-14") is None


def test_a_reported_figure_that_a_reprocess_no_longer_finds_is_withdrawn_once(db, settings, monkeypatch):
    import crawler.reprocess

    baseline_loading.load(db, baseline.bundled())
    store(db, "川渝交通互联互通", CORRIDORS + BUSES)
    subscribers.add(db, "analyst@example.org")
    db.commit()
    first = digest_text(db, settings, "2024-08-12")
    assert first is not None and "→ 增至18条" in first and "跨省城际公交线路" in first
    corridor = next(r for r in diff.changes(db) if r["metric"] == "省际高速公路通道")

    def without_corridors(*args, **kwargs):  # an extractor that no longer reads the corridor figure
        return [f for f in figures_of(*args, **kwargs) if f.metric != "省际高速公路通道"]

    monkeypatch.setattr(crawler.reprocess, "figures_of", without_corridors)
    assert reprocess(db, everything=True).done == 1
    assert not [r for r in diff.changes(db) if r["metric"] == "省际高速公路通道"]
    second = digest_text(db, settings, "2024-08-13")
    assert second is not None
    lines = [x for x in second.splitlines() if x.startswith("* ")]
    assert len(lines) == 1 and "省际高速公路通道（川渝）: 增至16条" in lines[0] and "→ 增至18条" in lines[0]
    assert second.count("更正 correction：此前报告的这一数字已撤回") == 1 and "跨省" not in second
    assert digest_text(db, settings, "2024-08-14") is None  # withdrawn once
    with pytest.raises(review.ReviewError, match=f"comparison {corridor['change_id']} is gone"):
        review.decide(db, corridor["change_id"], accept=True)


def test_a_possible_match_keeps_its_number_when_its_comparison_is_made_again(db, settings):
    baseline_loading.load(db, baseline.bundled())
    store(db, "川渝共建平台再提速", FUNCTIONAL)
    diff.compute(db)
    db.commit()
    (listed,) = review.list_possible_matches(db)
    assert reprocess(db, everything=True).done == 1  # every comparison of the article made again
    (again,) = review.list_possible_matches(db)
    assert again.change_id == listed.change_id
    decided = review.decide(db, listed.change_id, accept=True, decided_by="test")  # the number listed before
    db.commit()
    assert decided.rekeyed == 1
    assert db.execute("SELECT change_id FROM review_decisions").fetchone()["change_id"] == listed.change_id
    with pytest.raises(review.ReviewError, match="no comparison 999999"):
        review.decide(db, 999999, accept=True)
