"""Confirmation across sources (db.confirm.refresh) over a large database, next to a bare pass over the same rows.

    python bench/confirm.py [--articles 10000] [--figures 50] [--runs 3]

Seeds N articles (round the seven sources, a body of 1,500 characters each, every tenth a reprint of the one
before on another source) with F figures each, on indicators reported by about ten articles per period,
then times, medians of `--runs`:
  - the first refresh (every article signed, every key worked out: what a migrated database does once);
  - a refresh when nothing is new;
  - a refresh after one new article (what a daily run does, at this size);
next to a bare `SELECT count(*)` joining the same figures to their articles, and the share of signing (MinHash
in Python) in the first refresh. PostgreSQL: fresh databases on $DATABASE_URL's server, or an embedded one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchdb import admin_url, databases  # noqa: E402  (bench/, this script's folder)

SOURCES = ["cqrb", "scrb", "sc_gov", "sc_fgw", "cq_gov", "cq_tjj", "sc_tjj"]
# Article a (1-based) is of source a % 7; its body is text of its own, except that every tenth article
# repeats the one before (a reprint). Figure j of article a is of key (a / 10 * F + j) % 5000: about ten
# articles share each key and period, values agree mostly and differ for one in seven.
_SEED = """
INSERT INTO articles (source, canonical_url, title, normalized_title, published_at, body, content_hash, relevant)
SELECT (%(sources)s::text[])[1 + a %% 7], 'https://bench.example/' || a, 't' || a, 't' || a,
       timestamptz '2024-07-01 08:00+08' + a * interval '1 minute',
       (SELECT string_agg(chr(19968 + ('x' || substr(md5((CASE WHEN a %% 10 = 0 THEN a - 1 ELSE a END) || '-' || c),
                                                        1, 4))::bit(16)::int %% 3000), '')
        FROM generate_series(1, 1500) c), '', true
FROM generate_series(1, %(articles)s) a
---
INSERT INTO indicator_observations (article_id, metric, region, kind, period, period_start, period_end, value,
    unit, status, surface, sentence, start_offset, end_offset, sentence_start, published_at)
SELECT a.id, 'metric-' || k.k, '重庆', 'growth', '2024-01/2024-06', date '2024-01-01', date '2024-06-30',
       CASE WHEN (a.id + j) %% 7 = 0 THEN 8.3 ELSE 8.1 END, '%%', 'actual',
       CASE WHEN (a.id + j) %% 7 = 0 THEN '8.3%%' ELSE '8.1%%' END, 'x', j, j + 1, 0, a.published_at
FROM articles a CROSS JOIN generate_series(0, %(figures)s - 1) j
CROSS JOIN LATERAL (SELECT ((a.id / 10) * %(figures)s + j) %% 5000 AS k) k
"""


def bench(url: str, articles: int, figures: int) -> dict[str, float]:
    from crawler.sources import sync
    from db import confirm, minhash
    from db.connection import connect
    from db.migrate import migrate
    from settings import Settings

    with connect(Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()))) as conn:
        migrate(conn)
        sync(conn)
        for statement in _SEED.split("---"):
            conn.execute(statement, {"articles": articles, "figures": figures, "sources": SOURCES})
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        conn.autocommit = False
        bodies = [r["body"] for r in conn.execute("SELECT body FROM articles")]
        t0 = time.perf_counter()
        for body in bodies:
            minhash.signature(body)
        signing = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.execute("SELECT count(*) FROM indicator_observations o JOIN articles a ON a.id = o.article_id").fetchone()
        bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        first = confirm.refresh(conn)
        full = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert confirm.refresh(conn).keys == 0
        nothing = time.perf_counter() - t0
        conn.execute(_SEED.split("---")[0].replace("generate_series(1, %(articles)s)",
                                                    "generate_series(%(articles)s + 1, %(articles)s + 1)"),
                     {"articles": articles, "sources": SOURCES})
        conn.execute("INSERT INTO indicator_observations (article_id, metric, region, kind, period, period_start, "
                     "period_end, value, unit, status, surface, sentence, start_offset, end_offset, sentence_start, "
                     "published_at) SELECT a.id, 'metric-' || j, '重庆', 'growth', '2024-01/2024-06', "
                     "date '2024-01-01', date '2024-06-30', 8.1, '%%', 'actual', '8.1%%', 'x', j, j + 1, 0, "
                     "a.published_at FROM articles a CROSS JOIN generate_series(0, %s - 1) j WHERE a.id = "
                     "(SELECT max(id) FROM articles)", [figures])
        conn.commit()
        t0 = time.perf_counter()
        daily = confirm.refresh(conn)
        one = time.perf_counter() - t0
    print(f"  first refresh: {first}", file=sys.stderr)
    print(f"  daily refresh: {daily}", file=sys.stderr)
    return {"first": full, "signing": signing, "nothing new": nothing, "one article": one, "bare": bare}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--figures", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import os

    admin, keep = admin_url()
    results: list[dict[str, float]] = []
    load_before = os.getloadavg()
    with databases(admin) as factory:
        for _ in range(args.runs):
            results.append(bench(factory.make(), args.articles, args.figures))  # type: ignore[attr-defined]
    load_after = os.getloadavg()
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(f"{args.articles} articles x {args.figures} figures ({args.articles * args.figures} figures); "
          f"medians of {args.runs} runs; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"  first refresh (sign every article, every key):  {med['first']:7.2f} s  "
          f"(of which MinHash signing in Python about {med['signing']:.2f} s)")
    print(f"  refresh when nothing is new:                    {med['nothing new'] * 1000:7.1f} ms")
    print(f"  refresh after one new article:                  {med['one article'] * 1000:7.1f} ms")
    print(f"  bare count(*) of the figures joined to articles: {med['bare'] * 1000:7.1f} ms")
    del keep


if __name__ == "__main__":
    main()
