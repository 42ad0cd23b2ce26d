"""The storing pipeline's analysis stage: in a worker process it finds exactly what it finds in-process."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from datetime import time as clock
from decimal import Decimal

from crawler.analysis import analyse, warm
from crawler.items import ArticleItem
from crawler.sources import source
from settings import SITES_TIMEZONE
from tests.fixtures.sitegen import ARTICLES, real_url


def test_analysis_in_a_worker_process_equals_analysis_in_process(tmp_path):
    items = [ArticleItem(source=a.site, url=real_url(a), title=a.title, pretitle=a.pretitle, subtitle=a.subtitle,
                         published_at=datetime.combine(a.day, clock(9), SITES_TIMEZONE), paragraphs=list(a.body),
                         section=a.section) for a in ARTICLES]
    threshold = Decimal("2.0")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=warm,
                             initargs=(str(tmp_path),)) as pool:
        homes = [source(item.source).home_region for item in items]
        remote = list(pool.map(analyse, items, [threshold] * len(items), homes))
    local = [analyse(item, threshold, home) for item, home in zip(items, homes, strict=True)]
    assert sum(len(a.indicators) for a in local) > 20 and any(not a.relevant for a in local)
    assert remote == local
