"""Sources are declared once (crawler/sources.py): the spiders, the `sources` table and source health follow.

The last test adds a source the way an engineer would, with a registry entry, one spider file of
declarations and its fixtures, and nothing else, and checks that it is crawled, recorded and in source health.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

from scrapy.settings import Settings as ScrapySettings
from scrapy.spiderloader import SpiderLoader

from crawler.sources import FILE, SOURCES, sync
from devtools.mirror import serving
from tests.conftest import ROOT
from tests.fixtures.sitegen import ARTICLES, SITES, WINDOW


def test_every_declared_source_has_one_spider_and_its_fixtures():
    settings = ScrapySettings()
    settings.setmodule("crawler.settings")
    loader = SpiderLoader.from_settings(settings)
    assert sorted(loader.list()) == sorted(SOURCES)
    for name, source in SOURCES.items():
        assert loader.load(name)().allowed_domains == list(source.domains)  # the registry says where it may go
        assert any((SITES / domain).is_dir() for domain in source.domains), f"no fixtures for {name}"
        assert any(a.site == name for a in ARTICLES), f"no articles in the fixture spec for {name}"


def test_the_table_is_synced_from_the_registry_and_keeps_rows_it_no_longer_declares(db):
    db.execute("INSERT INTO sources (id, name, base_url) VALUES ('gone', '旧来源', 'https://gone.example.org/')")
    db.execute("INSERT INTO articles (source, canonical_url, title, normalized_title, published_at, body, "
               "content_hash) VALUES ('gone', 'https://gone.example.org/1', '旧文', '旧文', now(), '旧文', 'x')")
    db.execute("UPDATE sources SET name = '改过的名字' WHERE id = 'cqrb'")
    db.commit()
    sync(db)
    sync(db)  # idempotent
    rows = {r["id"]: r for r in db.execute("SELECT * FROM sources")}
    assert {name for name, row in rows.items() if row["declared"]} == {*SOURCES, FILE.name}
    for name, source in SOURCES.items():
        row = rows[name]
        assert (row["name"], row["kind"], row["official"], row["home_region"], row["domains"], row["declared"]) == (
            source.title, source.kind, source.official, source.home_region, list(source.domains), True)
    assert rows["cqrb"]["name"] == "重庆日报"  # the registry wins over an edit of the table
    assert not rows["gone"]["declared"]  # kept for its article, no longer a source
    assert db.execute("SELECT count(*) AS n FROM articles WHERE source = 'gone'").fetchone()["n"] == 1
    health = {r["source"]: r for r in db.execute("SELECT * FROM source_health")}
    assert set(health) == set(SOURCES)  # neither the file pseudo-source nor an undeclared one
    assert {s for s, r in health.items() if r["official"]} == {"cq_tjj", "sc_tjj"}
    db.execute("DELETE FROM articles WHERE source = 'gone'")
    db.execute("DELETE FROM sources WHERE id = 'gone'")
    db.commit()


# A fifth e-paper, as its spider file would be written: declarations on the e-paper base, nothing else.
FIFTH_SPIDER = '''
import re

from crawler.spiders.epaper import EpaperSpider


class ExampleDailySpider(EpaperSpider):
    name = "example_daily"
    PAGE_URL = "https://epaper.example-daily.cn/shtml/scrb/{day:%Y%m%d}/v{page}.html"
    FRONT_PAGE = "01"
    PAGE_LINK = re.compile(r"/shtml/scrb/\\d{8}/v(?P<page>\\d{2})\\.html$")
    PAGE_NAMES = (".bmdh li",)
    PAGE_NAME = re.compile(r"(?P<page>\\d{2})版[:：](?P<name>\\S*)")
    ARTICLE = re.compile(r"/shtml/scrb/(?P<year>\\d{4})(?P<month>\\d{2})(?P<day>\\d{2})/(?P<doc>\\d+)\\.html$")
    ARTICLE_LINKS = (".title_art a::attr(href)", "a.selectBox::attr(href)")
    BODY = (".content",)
    BODY_BREAKS = True
    BODY_REPEATED = True
    ENCODING = "utf-8"
'''

# The registry entry, added in the crawl's process (the registry is a module-level dict), then the crawl.
CRAWL_FIFTH = '''
import sys
from datetime import date

sys.path.insert(0, sys.argv[1])
from crawler import sources
sources.SOURCES["example_daily"] = sources.Source(
    "example_daily", "示例日报", "四川", ("epaper.example-daily.cn",), kind="epaper")
from crawler.run import crawl
from settings import Settings
import dataclasses
settings = dataclasses.replace(Settings.from_env(), mirror=sys.argv[2])
runs = crawl(settings, ["example_daily"], date.fromisoformat(sys.argv[3]), date.fromisoformat(sys.argv[4]),
             overrides={"SPIDER_MODULES": "crawler.spiders,example_daily"})
print(runs[0].status, runs[0].new_articles)
'''


def test_a_fifth_source_is_a_registry_entry_a_spider_file_and_fixtures(db, cli_env, tmp_path):
    (tmp_path / "example_daily.py").write_text(textwrap.dedent(FIFTH_SPIDER), encoding="utf-8")
    sites = tmp_path / "sites"
    shutil.copytree(SITES / "epaper.scdaily.cn", sites / "epaper.example-daily.cn")  # its fixtures
    expected = [a for a in ARTICLES if a.site == "scrb" and a.expect.stored]
    with serving(sites) as mirror:
        result = subprocess.run(
            [sys.executable, "-c", CRAWL_FIFTH, str(tmp_path), mirror.url, *(d.isoformat() for d in WINDOW)],
            env=cli_env | {"CYWATCH_PROGRESS_INTERVAL": "0"}, cwd=ROOT, capture_output=True, text=True,
            timeout=180)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["ok", str(len(expected))]
    run = db.execute("SELECT * FROM crawl_runs WHERE source = 'example_daily'").fetchone()
    assert (run["status"], run["new_articles"], run["errors"]) == ("ok", len(expected), 0)
    assert run["indicators"] == sum(a.expect.indicators for a in expected)
    health = db.execute("SELECT * FROM source_health WHERE source = 'example_daily'").fetchone()
    assert (health["name"], health["kind"], health["last_status"]) == ("示例日报", "epaper", "ok")
    titles = {r["title"] for r in db.execute("SELECT title FROM articles WHERE source = 'example_daily'")}
    assert titles == {a.title for a in expected}
    # the next test session's registry does not declare it: its row stays for its articles, out of health
    sync(db)
    assert db.execute("SELECT declared FROM sources WHERE id = 'example_daily'").fetchone()["declared"] is False
    assert db.execute("SELECT count(*) AS n FROM source_health WHERE source = 'example_daily'").fetchone()["n"] == 0
