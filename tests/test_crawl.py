"""The spiders against a real HTTP server serving tests/fixtures/sites/, storing into real PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.sources import SOURCES
from devtools.mirror import MirrorServer, serving
from tests.conftest import ROOT, run_cli
from tests.fixtures.sitegen import ARTICLES, SITES, WINDOW, article_path, real_url

SINCE, UNTIL = (d.isoformat() for d in WINDOW)
EXPECTED = [a for a in ARTICLES if a.expect.stored]
ARTICLE_PATHS = {"/" + article_path(a) for a in ARTICLES}


@pytest.fixture
def mirror() -> Iterator[MirrorServer]:
    with serving(SITES) as server:
        yield server


def crawl(env: dict[str, str], mirror_url: str, *args: str, timeout: float = 180):
    env = env | {"CYWATCH_MIRROR": mirror_url, "CYWATCH_DOWNLOAD_TIMEOUT": "2", "CYWATCH_PROGRESS_INTERVAL": "0"}
    return run_cli("crawl", "--since", SINCE, "--until", UNTIL, *args, env=env, timeout=timeout)


def article_requests(server: MirrorServer) -> list[str]:
    return [p for p in server.paths() if p in ARTICLE_PATHS]


def test_first_crawl_stores_exactly_the_expected_articles(db, cli_env, mirror):
    fgw_500 = next(a for a in ARTICLES if a.key == "i-gdp")
    sc_timeout = next(a for a in ARTICLES if a.key == "c-industry")
    cq_drop = next(a for a in ARTICLES if a.key == "13510004")
    mirror.fail("/" + article_path(fgw_500), "status:500")
    mirror.fail("/" + article_path(sc_timeout), "sleep:4")
    mirror.fail("/" + article_path(cq_drop), "drop")

    result = crawl(cli_env, mirror.url)
    assert result.returncode == 0, result.stderr
    rows = db.execute("""
        SELECT a.canonical_url, a.title, a.published_at, a.relevant, a.duplicate_of IS NOT NULL AS duplicate,
               count(o.id) AS indicators
        FROM articles a  -- the figures of the article's own text (those of its attachments: test_confirm.py)
        LEFT JOIN indicator_observations o ON o.article_id = a.id AND o.attachment_figure_id IS NULL
        GROUP BY a.id""").fetchall()
    stored = {r["canonical_url"]: r for r in rows}
    assert set(stored) == {real_url(a) for a in EXPECTED}
    for article in EXPECTED:
        row = stored[real_url(article)]
        assert row["title"] == article.title
        assert row["published_at"].date() == article.day
        assert row["relevant"] == article.expect.relevant, article.title
        if not article.expect.duplicate and not any(a.expect.duplicate and a.title == article.title for a in EXPECTED):
            assert row["indicators"] == article.expect.indicators, article.title
            assert not row["duplicate"], article.title
    # a same-day reprint: whichever copy is stored first is the original, the other is marked, without figures
    reprint = next(a for a in EXPECTED if a.expect.duplicate)
    copies = [stored[real_url(a)] for a in EXPECTED if a.title == reprint.title and a.day == reprint.day]
    assert sorted((c["duplicate"], c["indicators"]) for c in copies) == [
        (False, next(a for a in EXPECTED if a.title == reprint.title and not a.expect.duplicate).expect.indicators),
        (True, 0)]
    # what was never requested: robots.txt forbids it, or it is older than the window (paging stopped)
    requested = set(mirror.paths())
    for article in ARTICLES:
        if not article.expect.stored and not article.extra.get("truncate"):
            assert "/" + article_path(article) not in requested, article.title
    assert "/www.sc.gov.cn/10462/10464/10797/jrsc_list_3.shtml" not in requested
    # an article linked from the title list and from a hot spot of its 版 is requested once
    both_ways = [a for a in ARTICLES if a.extra.get("hotspot")]
    assert both_ways and all(mirror.paths().count("/" + article_path(a)) == 1 for a in both_ways)
    # both layouts of the Sichuan government's lists were paged (and paging stopped at the horizon)
    assert {"/www.sc.gov.cn/10462/10464/10797/jrsc_list_2.shtml",
            "/www.sc.gov.cn/10462/10464/13298/13299/zcjd_list_2.shtml"} <= requested
    # each fault was met once and the retry succeeded
    assert mirror.paths().count("/" + article_path(fgw_500)) == 2
    assert mirror.paths().count("/" + article_path(cq_drop)) == 2
    runs = {r["source"]: r for r in db.execute("SELECT * FROM crawl_runs")}
    assert {s: r["status"] for s, r in runs.items()} == dict.fromkeys(SOURCES, "ok")
    assert runs["cq_gov"]["errors"] == 1  # the truncated page: an error, not a stored half article
    assert "truncated page" in result.stderr
    summary = result.stdout.splitlines()
    assert summary[0].split()[:5] == ["source", "status", "pages", "304", "new"]


def test_links_to_other_domains_are_never_followed(db, cli_env, tmp_path):
    sites = tmp_path / "sites"
    shutil.copytree(SITES, sites)
    lists = sites / "fgw.sc.gov.cn/sfgw/fgyw/common_list.shtml"
    offsite = "evil.example.org/sfgw/fgyw/2024/8/11/0123456789abcdef0123456789abcdef.shtml"
    lists.write_text(lists.read_text(encoding="utf-8").replace(
        '<ul class="list">', f'<ul class="list"><li><span>2024-08-11</span><a href="https://{offsite}">川渝合作</a></li>'),
        encoding="utf-8")
    (sites / offsite).parent.mkdir(parents=True)  # served if asked for: only the spider can keep it out
    shutil.copy(next((sites / "fgw.sc.gov.cn/sfgw/fgyw/2024/8/11").glob("*.shtml")), sites / offsite)
    with serving(sites) as server:
        assert crawl(cli_env, server.url, "sc_fgw").returncode == 0
    assert not [p for p in server.paths() if p.startswith("/evil.example.org/")]
    assert db.execute("SELECT count(*) AS n FROM articles WHERE canonical_url LIKE %s",
                      ["%evil.example.org%"]).fetchone()["n"] == 0


def test_article_text_metadata_and_encodings(db, cli_env, mirror):
    assert crawl(cli_env, mirror.url).returncode == 0

    def article(key: str) -> dict:
        spec = next(a for a in ARTICLES if a.key == key)
        return db.execute("SELECT * FROM articles WHERE canonical_url = %s", [real_url(spec)]).fetchone()

    front = article("330101")
    assert front["body"].startswith("经济运行稳中有进\n前7月重庆主要经济指标持续回升\n成渝地区双城经济圈建设带动效应明显")
    assert front["section"] == "第001版：要闻" and front["doc_id"] == "content_rb_330101"
    trade = article("a-trade")
    assert "（记者 刘佳）" in trade["body"]
    assert "责任编辑" not in trade["body"] and "扫一扫" not in trade["body"]
    assert article("d-gbk")["title"] == "天府新区与两江新区深化合作"  # GBK page, no charset in the header
    assert "社会消费品零售总额8,936.4亿元" in article("13510002")["body"]  # no charset in the header
    assert article("13510001")["title"].startswith('<script>alert("cywatch")</script>')  # kept as text
    notice = article("h-plan")
    assert notice["metadata"]["document_date"] == "2024-08-08"
    assert notice["metadata"]["page_date"].startswith("2024-08-11")
    assert notice["metadata"]["attachments"] == [{
        "title": "附件：重大项目清单.pdf",
        "url": "https://fgw.sc.gov.cn/sfgw/fgyw/2024/8/11/" + article_path(
            next(a for a in ARTICLES if a.key == "h-plan")).rsplit("/", 1)[1][:-6] + "/files/重大项目清单.pdf"}]
    codes = article("330201")
    if codes["duplicate_of"]:  # its reprint was stored first: the figures are on that one
        codes = db.execute("SELECT * FROM articles WHERE id = %s", [codes["duplicate_of"]]).fetchone()
    surfaces = [r["surface"] for r in db.execute(
        "SELECT surface FROM indicator_observations WHERE article_id = %s ORDER BY start_offset", [codes["id"]])]
    assert surfaces == ["120项", "5家"]  # nothing from “十项行动”, “1+7+13+N”, “33618”, 阿维塔E11, 第五次
    irrelevant = article("330102")
    assert irrelevant["relevant"] is False and irrelevant["relevance"] == 0


def test_second_crawl_requests_list_pages_only(db, cli_env, mirror):
    assert crawl(cli_env, mirror.url).returncode == 0
    mirror.clear_log()
    again = crawl(cli_env, mirror.url)
    assert again.returncode == 0, again.stderr
    truncated = next(a for a in ARTICLES if a.extra.get("truncate"))
    assert article_requests(mirror) == ["/" + article_path(truncated)]  # only what was missed
    runs = db.execute("SELECT source, status, not_modified, new_articles FROM crawl_runs "
                      "WHERE id >= (SELECT min(id) + %s FROM crawl_runs)", [len(SOURCES)]).fetchall()
    assert {r["source"]: r["status"] for r in runs} == dict.fromkeys(SOURCES, "empty")
    assert sum(r["not_modified"] for r in runs) >= 6  # unchanged lists answered 304 and were not parsed
    assert db.execute("SELECT count(*) AS n FROM articles").fetchone()["n"] == len(EXPECTED)


@pytest.mark.parametrize("status", [412, 521])
def test_a_blocked_site_is_recorded_as_blocked_and_not_hammered(db, cli_env, mirror, status):
    first_list = "/www.sc.gov.cn/10462/10464/10797/jrsc_list.shtml"
    mirror.fail(first_list, f"status:{status}", f"status:{status}", f"status:{status}")
    result = crawl(cli_env, mirror.url, "sc_gov")
    assert result.returncode == 1
    run = db.execute("SELECT status, detail FROM crawl_runs WHERE source = 'sc_gov'").fetchone()
    assert run["status"] == "blocked" and f"HTTP {status}" in run["detail"]
    assert mirror.paths().count(first_list) == 1
    assert "blocked" in result.stdout


def test_a_site_that_is_down_is_a_failed_run(db, cli_env):
    result = crawl(cli_env, "http://127.0.0.1:9", "cq_gov")  # nothing listens on port 9
    assert result.returncode == 1
    run = db.execute("SELECT status, errors, detail FROM crawl_runs WHERE source = 'cq_gov'").fetchone()
    assert run["status"] == "failed" and run["errors"] >= 1
    assert "Traceback" not in result.stderr


def test_a_killed_crawl_is_completed_by_the_next_one(db, cli_env):
    env = cli_env | {"CYWATCH_MIRROR": "", "CYWATCH_DOWNLOAD_TIMEOUT": "5", "CYWATCH_PROGRESS_INTERVAL": "0"}
    with serving(SITES, delay=0.25) as slow:
        process = subprocess.Popen(
            [sys.executable, "-m", "cywatch", "crawl", "--since", SINCE, "--until", UNTIL, "--mirror", slow.url],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            count = db.execute("SELECT count(*) AS n FROM articles").fetchone()["n"]
            db.commit()
            if count >= 3:
                break
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    partial = db.execute("SELECT count(*) AS n FROM articles").fetchone()["n"]
    assert 3 <= partial < len(EXPECTED)
    assert db.execute("SELECT count(*) AS n FROM crawl_runs WHERE status = 'running'").fetchone()["n"] >= 1
    db.commit()
    with serving(SITES) as mirror:
        result = crawl(cli_env, mirror.url)
    assert result.returncode == 0, result.stderr
    urls = [r["canonical_url"] for r in db.execute("SELECT canonical_url FROM articles")]
    assert sorted(urls) == sorted(real_url(a) for a in EXPECTED)  # complete, and no duplicates
    assert db.execute("SELECT count(*) AS n FROM crawl_runs WHERE status = 'running'").fetchone()["n"] == 0
    assert db.execute("SELECT count(*) AS n FROM crawl_runs WHERE detail LIKE 'interrupted%'").fetchone()["n"] >= 1


def test_default_horizon_starts_where_the_last_clean_crawl_ended(db, cli_env, mirror):
    assert crawl(cli_env, mirror.url, "sc_fgw").returncode == 0
    env = cli_env | {"CYWATCH_MIRROR": mirror.url, "CYWATCH_PROGRESS_INTERVAL": "0"}
    result = run_cli("crawl", "sc_fgw", "--until", UNTIL, env=env)
    assert result.returncode == 0, result.stderr
    latest = db.execute("SELECT since FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    assert latest["since"].isoformat() == UNTIL


def test_scrapy_commands_work_from_the_repository_root(db, cli_env, mirror):
    env = cli_env | {"CYWATCH_MIRROR": mirror.url, "CYWATCH_PROGRESS_INTERVAL": "0"}
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert listed.stdout.split() == sorted(SOURCES)
    crawled = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "cq_gov", "-a", f"since={SINCE}",
                              "-a", f"until={UNTIL}", "-L", "WARNING"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert crawled.returncode == 0, crawled.stderr
    stored = db.execute("SELECT count(*) AS n FROM articles WHERE source = 'cq_gov'").fetchone()["n"]
    assert stored == sum(1 for a in EXPECTED if a.site == "cq_gov")


def test_unknown_source_is_a_clear_usage_error(cli_env):
    result = run_cli("crawl", "xinhua", env=cli_env)
    assert result.returncode == 2
    assert f"unknown source(s): xinhua; known: {', '.join(SOURCES)}" in result.stderr


def test_a_page_that_keeps_failing_is_an_error_and_is_fetched_again_next_time(db, cli_env, mirror):
    lost = next(a for a in ARTICLES if a.key == "i-gdp")
    mirror.fail("/" + article_path(lost), *["status:503"] * 4)  # every try of this crawl
    first = crawl(cli_env, mirror.url, "sc_fgw")
    assert "could not fetch" in first.stderr and "503" in first.stderr
    run = db.execute("SELECT status, errors, detail FROM crawl_runs").fetchone()
    assert run["errors"] == 1  # not a clean run: its lists' validators are not kept, its window not passed
    log = Path(cli_env["CYWATCH_DATA_DIR"]) / "logs" / "crawl.log"
    assert run["detail"] == f"1 error; see {log}"  # which log, and "1 error"
    assert "could not fetch" in log.read_text() and real_url(lost).split("://")[1] in log.read_text()
    assert db.execute("SELECT count(*) AS n FROM http_validators").fetchone()["n"] == 0
    assert db.execute("SELECT count(*) AS n FROM articles WHERE canonical_url = %s",
                      [real_url(lost)]).fetchone()["n"] == 0
    db.commit()
    env = cli_env | {"CYWATCH_MIRROR": mirror.url, "CYWATCH_PROGRESS_INTERVAL": "0"}
    again = run_cli("crawl", "sc_fgw", "--until", UNTIL, env=env)  # the default window
    assert again.returncode == 0, again.stderr
    assert db.execute("SELECT count(*) AS n FROM articles WHERE canonical_url = %s",
                      [real_url(lost)]).fetchone()["n"] == 1


def test_a_site_answering_503_to_every_list_is_a_failed_run(db, cli_env, mirror):
    from crawler.spiders.sc_gov import LISTS

    for _, url in LISTS:  # www.sc.gov.cn still serves its robots.txt: that is no sign the news is there
        mirror.fail("/" + url.split("://", 1)[1], *["status:503"] * 4)
    result = crawl(cli_env, mirror.url, "sc_gov")
    assert result.returncode == 1
    assert "/www.sc.gov.cn/robots.txt" in mirror.paths()
    run = db.execute("SELECT status, detail FROM crawl_runs").fetchone()
    assert run["status"] == "failed" and "nothing could be fetched: HTTP 503" in run["detail"]


def test_a_news_list_that_is_gone_is_an_error_not_an_empty_section(db, cli_env, mirror):
    mirror.fail("/fgw.sc.gov.cn/sfgw/tzgg/olist.shtml", "status:404")
    result = crawl(cli_env, mirror.url, "sc_fgw")
    assert result.returncode == 0  # the other list was crawled
    run = db.execute("SELECT status, errors FROM crawl_runs").fetchone()
    assert run["errors"] == 1
    assert "has the site moved this list?" in result.stderr


def test_a_backfill_does_not_pull_the_daily_horizon_back(db, cli_env, mirror):
    env = cli_env | {"CYWATCH_MIRROR": mirror.url, "CYWATCH_PROGRESS_INTERVAL": "0"}
    assert crawl(cli_env, mirror.url, "sc_fgw").returncode == 0  # clean, up to 08-12
    backfill = run_cli("crawl", "sc_fgw", "--since", "2024-08-01", "--until", "2024-08-05", env=env)
    assert backfill.returncode == 0, backfill.stderr
    daily = run_cli("crawl", "sc_fgw", "--until", UNTIL, env=env)
    assert daily.returncode == 0, daily.stderr
    latest = db.execute("SELECT since FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    assert latest["since"].isoformat() == UNTIL
