"""The sources chengyu-watch reads: a tiny registry, as urlwatch keeps its job kinds.

Each source is one Scrapy spider (crawler/spiders/<name>.py) and one row of the `sources` table.
`home_region` is what 全省/全市 mean in that publisher's text when it names no place first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Source:
    """A site the crawler polls."""

    name: str  # spider name and sources.id
    title: str
    home_region: str
    domains: tuple[str, ...]


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("cqrb", "重庆日报 (e-paper)", "重庆", ("epaper.cqrb.cn",)),
    Source("sc_gov", "四川省人民政府", "四川", ("www.sc.gov.cn",)),
    Source("sc_fgw", "四川省发展和改革委员会", "四川", ("fgw.sc.gov.cn",)),
    Source("cq_gov", "重庆市人民政府", "重庆", ("www.cq.gov.cn",)),
)}


def source(name: str) -> Source:
    """The source of a spider name; KeyError names the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None
