"""Latency of the web over a large database: the home page, an indicator page and /api/changes.

    python bench/web.py [--observations 1000000] [--requests 300]

Fills a fresh database with M observations (a long history: many metrics and regions, the baseline's keys
among them), compares them all (db.diff.compute, as the cycle does), serves the app under uvicorn on
127.0.0.1 (as `cywatch web` does, in a thread), and requests each page N times over one keep-alive
connection, one request at a time. Prints p50/p95 per page, next to /healthz (one `SELECT 1` through the
same stack: the bare baseline of this run) and the ratio of the two. Goal: p95 under 100 ms.
PostgreSQL: a fresh database on the server of $DATABASE_URL (dropped afterwards), or the embedded one.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.benchdb import admin_url  # noqa: E402
from bench.digest import drop, fresh_database  # noqa: E402


def fill(conn, observations: int) -> None:
    """M observations over M/200 articles; 1% on the baseline's keys (a few hundred each), the rest spread
    over 5,000 metrics in 40 regions (200 figures per indicator), periods month by month."""
    articles = max(observations // 200, 1)
    conn.execute(
        "INSERT INTO articles (source, canonical_url, title, normalized_title, published_at, body, content_hash,"
        " relevant) SELECT (ARRAY['cqrb','sc_gov','sc_fgw','cq_gov'])[1 + i %% 4], 'https://bench.example/' || i,"
        " '报道' || i, '报道' || i, timestamptz '2024-07-01 08:00+08' + i * interval '10 minutes',"
        " '截至7月底，某项指标达到' || i || '个。', '', true FROM generate_series(1, %s) i", [articles])
    conn.execute(
        """
        INSERT INTO indicator_observations (article_id, metric, region, kind, period, period_start, period_end,
            value, unit, surface, sentence, start_offset, end_offset, sentence_start, published_at)
        SELECT a.id, k.metric, k.region, k.kind, to_char(d, 'YYYY') || '-01/' || to_char(d, 'YYYY-MM'),
               date_trunc('year', d)::date, (d + interval '1 month - 1 day')::date,
               (i %% 997) + 1, k.unit, 'x', '截至7月底，某项指标达到x。', i, i + 1, 0, a.published_at
        FROM generate_series(1, %(n)s) i
        JOIN LATERAL (SELECT id, published_at FROM articles WHERE id = 2 + (i %% %(a)s)) a ON true
        JOIN LATERAL (SELECT date '2020-01-01' + ((i / 37) %% 60) * interval '1 month' AS d) p ON true
        JOIN LATERAL (SELECT o.metric, o.region, o.kind, o.unit FROM indicator_observations o
                      WHERE o.article_id = 1 ORDER BY o.id OFFSET (i / 100 %% 36) LIMIT 1) k ON i %% 100 = 0
        UNION ALL
        SELECT a.id, '指标' || (i %% 5000), '地区' || (i %% 40), 'level', NULL, NULL::date, NULL::date,
               i %% 991, '个', 'x', '某项指标达到x个。', i, i + 1, 0, a.published_at
        FROM generate_series(1, %(n)s) i
        JOIN LATERAL (SELECT id, published_at FROM articles WHERE id = 2 + (i %% %(a)s)) a ON true
        WHERE i %% 100 <> 0
        """, {"n": observations, "a": articles})
    conn.commit()
    conn.execute("ANALYZE")


def measure(conn: http.client.HTTPConnection, path: str, count: int) -> list[float]:
    """Milliseconds per request of `path`, `count` times (after two warm-up requests)."""
    times = []
    for i in range(count + 2):
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
        if i >= 2:
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    admin, _server = admin_url()

    from crawler.baseline import load as load_baseline
    from db import baseline, diff
    from db.connection import connect
    from db.migrate import migrate
    from settings import Settings
    from tests.webserver import serving

    url, name = fresh_database(admin)
    try:
        settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()), secret="bench")
        with connect(settings) as conn:
            migrate(conn)
            load_baseline(conn, baseline.bundled())
            started = time.perf_counter()
            fill(conn, args.observations)
            filled = time.perf_counter() - started
            started = time.perf_counter()
            compared = diff.compute(conn)
            conn.execute("ANALYZE")
            conn.commit()
            compared_in = time.perf_counter() - started
            total = conn.execute("SELECT count(*) AS n FROM indicator_observations").fetchone()["n"]
            key = conn.execute(
                "SELECT metric, region, kind, unit, count(*) AS n FROM indicator_observations o "
                "WHERE EXISTS (SELECT 1 FROM baselines b WHERE b.article_id = o.article_id) IS FALSE "
                "AND (metric, region, kind, unit) IN (SELECT metric, region, kind, unit FROM indicator_observations "
                "WHERE article_id = 1) GROUP BY 1, 2, 3, 4 ORDER BY n DESC LIMIT 1").fetchone()
        print(f"database: {total:,} observations ({filled:.0f} s to fill), {compared:,} compared in {compared_in:.0f} s")
        indicator = "/indicator?" + urlencode({k: key[k] for k in ("metric", "region", "kind", "unit")})
        pages = {"/healthz (bare baseline: SELECT 1)": "/healthz", "home /": "/",
                 f"indicator page ({key['n'] + 1} figures)": indicator, "/api/changes (100 items)": "/api/changes"}
        with serving(settings) as base:
            host, port = base.removeprefix("http://").split(":")
            client = http.client.HTTPConnection(host, int(port), timeout=30)
            results = {label: measure(client, path, args.requests) for label, path in pages.items()}
            client.close()
        bare = statistics.quantiles(results[next(iter(results))], n=20)[18]
        print(f"{args.requests} requests each, one at a time, over one keep-alive connection:")
        for label, times in results.items():
            p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
            print(f"  {label:38} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({p95 / bare:4.1f}x the bare p95)"
                  + ("" if label.startswith("/healthz") else "  goal p95 < 100 ms: " + ("met" if p95 < 100 else "NOT met")))
    finally:
        drop(admin, name)


if __name__ == "__main__":
    main()
