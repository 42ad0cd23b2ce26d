"""The sources chengyu-watch reads: the one place they are declared, as urlwatch keeps its job kinds.

Each crawled source is one entry here and one Scrapy spider (crawler/spiders/<name>.py, found by Scrapy's
SPIDER_MODULES) whose `name` is the entry's. The `sources` table is not declared anywhere else: `sync`
writes these entries into it (an upsert, safe to repeat) at the start of every crawl, every cycle and every
baseline load, so the foreign keys of articles and runs always find their row. A row whose entry was removed
stays (old articles keep their source) but is marked undeclared and leaves the source-health view.

`home_region` is what 全省/全市 mean in that publisher's text when it names no place first. `official` marks
a statistics bureau: its figures are the record that news figures are checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.connection import Connection
from db.sources import SourceRow
from db.sources import sync as sync_rows

KINDS = ("epaper", "government", "statistics", "file")


@dataclass(frozen=True, slots=True)
class Source:
    """A site the crawler polls (or, for `file`, where loaded files are filed)."""

    name: str  # spider name and sources.id
    title: str  # the publisher's name, as digests show it
    home_region: str
    domains: tuple[str, ...]
    kind: str = "government"  # one of KINDS
    official: bool = False  # a statistics bureau: its figures are the official record

    @property
    def base_url(self) -> str:
        """The site's root, from its first domain."""
        return f"https://{self.domains[0]}/" if self.domains else "file:///"

    def row(self) -> SourceRow:
        """The `sources` row of this entry."""
        return SourceRow(id=self.name, name=self.title, base_url=self.base_url, kind=self.kind,
                         official=self.official, home_region=self.home_region, domains=list(self.domains))


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("cqrb", "重庆日报", "重庆", ("epaper.cqrb.cn",), kind="epaper"),
    Source("sc_gov", "四川省人民政府", "四川", ("www.sc.gov.cn",)),
    Source("sc_fgw", "四川省发展和改革委员会", "四川", ("fgw.sc.gov.cn",)),
    Source("cq_gov", "重庆市人民政府", "重庆", ("www.cq.gov.cn",)),
    Source("scrb", "四川日报", "四川", ("epaper.scdaily.cn",), kind="epaper"),
    Source("cq_tjj", "重庆市统计局", "重庆", ("tjj.cq.gov.cn",), kind="statistics", official=True),
    Source("sc_tjj", "四川省统计局", "四川", ("tjj.sc.gov.cn",), kind="statistics", official=True),
)}
"""The crawled sources, in the order crawls list them."""

FILE = Source("file", "本地文件", "", (), kind="file")
"""Not crawled: articles loaded from files (baselines, `cywatch baseline load FILE`)."""


def source(name: str) -> Source:
    """The source of a spider name; KeyError names the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


def sync(conn: Connection) -> None:
    """Write the registry into the `sources` table (idempotent; rows no longer declared are kept, marked)."""
    sync_rows(conn, [s.row() for s in (*SOURCES.values(), FILE)])
