"""The diff (db.diff.compute) next to a bare INSERT of the same comparison rows, at growing sizes.

    python bench/diff.py [--sizes 100000,1000000] [--runs 3]

For each size N: a fresh database with the bundled baseline and N new figures in N/100 articles (a long
history: a third of the figures on the baseline's own keys, several to an article, the rest spread over
20,000 other keys), none compared yet. Then, `--runs` times, interleaved:
  - `diff.compute` from nothing compared (indicator_changes emptied before each run);
  - a bare `INSERT INTO indicator_changes ... SELECT` of exactly the rows that compute wrote, into the same
    emptied table (same indexes, constraints and triggers): what storing the result costs at the least.
And at the largest size, `diff.compute` again when nothing is new. Prints the medians and the ratios.
PostgreSQL: fresh databases on the server of $DATABASE_URL (dropped afterwards), or the embedded one.
Aims (issue 13): compute <= 2x the bare INSERT at 1M and 3M; nothing new < 1 s at 3M.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchdb import admin_url, databases  # noqa: E402  (bench/, this script's folder)

_COLUMNS = ("observation_id, baseline_id, baseline_observation_id, previous_observation_id, outcome, "
            "period_relation, restated, delta, delta_ratio, previous_delta, match, match_score, match_reason, "
            "candidate_observation_id, periods_settled")

# Figures of a long history. Article a holds figures 100a .. 100a+99; figure i takes a baseline key when
# i % 3 = 0 (36 keys: several per article, thousands per key), else one of 20,000 other keys (a pseudo-
# random draw, so that a key's figures are spread over many articles).
_SEED = """
INSERT INTO articles (source, canonical_url, title, normalized_title, published_at, body, content_hash, relevant)
SELECT 'cqrb', 'https://bench.example/' || a, 't' || a, 't' || a,
       timestamptz '2024-07-01 08:00+08' + a * interval '1 minute', '', '', true
FROM generate_series(1, %(articles)s) a
---
CREATE TEMP TABLE bench_keys AS
SELECT row_number() OVER (ORDER BY start_offset, id) - 1 AS k, metric, region, kind, unit, status, period,
       period_start, period_end
FROM indicator_observations WHERE article_id = (SELECT article_id FROM baselines LIMIT 1)
---
INSERT INTO indicator_observations (article_id, metric, region, kind, period, period_start, period_end, value,
    unit, status, surface, sentence, start_offset, end_offset, sentence_start, published_at)
SELECT a.id, k.metric, k.region, k.kind, k.period, k.period_start, k.period_end, (i %% 997) + 1, k.unit,
       k.status, 'x', 'x', i, i + 1, 0, a.published_at
FROM generate_series(0, %(figures)s - 1) i
JOIN articles a ON a.id = %(first)s + i / 100
JOIN bench_keys k ON k.k = (i / 3) %% (SELECT count(*) FROM bench_keys)
WHERE i %% 3 = 0
UNION ALL
SELECT a.id, 'metric-' || (h %% 5000), 'region-' || (h %% 4), 'level', NULL, NULL, NULL, i %% 991, '个',
       'actual', 'x', 'x', i, i + 1, 0, a.published_at
FROM (SELECT i, ((i::bigint * 2654435761) %% 4294967296) %% 20000 AS h
      FROM generate_series(0, %(figures)s - 1) i WHERE i %% 3 <> 0) g
JOIN articles a ON a.id = %(first)s + g.i / 100
"""


def bench(url: str, figures: int, runs: int, nothing_new: bool) -> dict[str, object]:
    from crawler.baseline import load as load_baseline
    from db import baseline, diff
    from db.connection import connect
    from db.migrate import migrate
    from settings import Settings

    with connect(Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()))) as conn:
        migrate(conn)
        load_baseline(conn, baseline.bundled())
        conn.commit()
        t0 = time.perf_counter()
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 AS id FROM articles").fetchone()["id"]
        for statement in _SEED.split("---"):
            conn.execute(statement, {"articles": max(figures // 100, 1), "figures": figures, "first": first})
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        conn.autocommit = False
        seeded = time.perf_counter() - t0
        computes: list[float] = []
        inserts: list[float] = []
        compared = 0
        for run in range(runs):
            conn.execute("TRUNCATE indicator_changes CASCADE")  # review_decisions refer to it
            conn.commit()
            t0 = time.perf_counter()
            compared = diff.compute(conn)
            computes.append(time.perf_counter() - t0)
            if run == 0:
                conn.execute(f"CREATE TABLE bench_rows AS SELECT {_COLUMNS} FROM indicator_changes")  # noqa: S608
                conn.commit()
            conn.execute("TRUNCATE indicator_changes CASCADE")  # review_decisions refer to it
            conn.commit()
            t0 = time.perf_counter()
            conn.execute(f"INSERT INTO indicator_changes ({_COLUMNS}) SELECT {_COLUMNS} FROM bench_rows")  # noqa: S608
            conn.commit()
            inserts.append(time.perf_counter() - t0)
        again: list[float] = []
        if nothing_new:
            conn.execute("TRUNCATE indicator_changes CASCADE")  # review_decisions refer to it
            conn.commit()
            diff.compute(conn)
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE indicator_changes")
            conn.autocommit = False
            for _ in range(runs):
                t0 = time.perf_counter()
                assert diff.compute(conn) == 0
                again.append(time.perf_counter() - t0)
        outcomes = {r["outcome"]: r["n"] for r in conn.execute(
            "SELECT outcome, count(*) AS n FROM indicator_changes GROUP BY outcome")}
        return {"figures": figures, "compared": compared, "seeded": seeded, "compute": computes,
                "insert": inserts, "again": again, "outcomes": outcomes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="comma-separated numbers of new figures (default 100000,1000000; add 3000000)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    admin, keep = admin_url()
    print(f"diff vs bare INSERT of the same rows; medians of {args.runs} runs; load average (1 min) "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for size in sizes:
        with databases(admin) as fresh:
            result = bench(fresh.make(), size, args.runs, nothing_new=size == max(sizes))
        compute = statistics.median(result["compute"])  # type: ignore[arg-type]
        insert = statistics.median(result["insert"])  # type: ignore[arg-type]
        print(f"{size:>9,} new figures ({result['compared']:,} compared, {result['outcomes']}; seeded in "
              f"{result['seeded']:.0f} s):")
        print(f"  diff.compute: {compute:7.2f} s   (runs: {', '.join(f'{t:.2f}' for t in result['compute'])})")
        print(f"  bare INSERT:  {insert:7.2f} s   (runs: {', '.join(f'{t:.2f}' for t in result['insert'])})")
        print(f"  ratio compute / bare INSERT: {compute / insert:.2f}   (aim <= 2)")
        if result["again"]:
            print(f"  nothing new:  {statistics.median(result['again']) * 1000:7.0f} ms (aim < 1000 ms; runs: "
                  f"{', '.join(f'{t * 1000:.0f}' for t in result['again'])} ms)")
    print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")
    del keep


if __name__ == "__main__":
    main()
