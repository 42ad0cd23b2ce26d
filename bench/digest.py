"""Digest throughput and diff time.

    python bench/digest.py [--subscribers 10000] [--observations 1000000]

1. Digests for N subscribers with differing filters (some with a WeCom bot too), built (gathered, rendered
   with jinja2, CSS inlined) and delivered by the same code as `cywatch digest` (alerts.delivery) to a local
   aiosmtpd and a local HTTP receiver (each in a process of its own), next to a bare smtplib loop and a bare
   http.client loop sending the same messages to the same servers in the same run; medians of --rounds.
2. The diff (db.diff.compute, in PostgreSQL) over a database holding M observations, none compared yet,
   then again with nothing new.
PostgreSQL: fresh databases on the server of $DATABASE_URL (dropped afterwards), or the embedded one.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import secrets
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.benchdb import admin_url  # noqa: E402


def _count_smtp(port: int, count, ready) -> None:
    """An aiosmtpd server in a process of its own (neither side of the comparison shares its GIL) that counts."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


def _answer_http(port: int, count, ready) -> None:
    """A local HTTP receiver in a process of its own, answering every POST as WeCom does (errcode 0)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 65536  # headers and body in one write: no delayed-ACK stall between them
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            with count.get_lock():
                count.value += 1

    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    ready.set()
    server.serve_forever()


class Server:
    """`with Server(target) as (port, count):` a counting server in a child process."""

    def __init__(self, target) -> None:
        from tests.mail import free_port

        self.port, self.count, self.ready = free_port(), multiprocessing.Value("l", 0), multiprocessing.Event()
        self.process = multiprocessing.Process(target=target, args=(self.port, self.count, self.ready), daemon=True)

    def __enter__(self):
        self.process.start()
        self.ready.wait(30)
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.join()


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


REGIONS = [[], [], ["重庆"], ["四川"], ["成都"], ["重庆", "四川"]]
METRICS = [[], [], ["技术合同"], ["投资"], ["增加值"], ["地区生产总值", "投资"]]


def add_subscribers(conn, count: int, webhooks: int) -> None:
    """Readers who differ as real ones do: region and metric filters, daily or weekly, a few operators, a
    few with a WeCom bot as well (2024-08-12 is a Monday: weekly digests are due too)."""
    from alerts import subscribers

    for i in range(count):
        subscribers.add(conn, f"reader{i}@example.org", name=f"读者{i}", regions=REGIONS[i % len(REGIONS)],
                        metrics=METRICS[(i // len(REGIONS)) % len(METRICS)],
                        frequency="weekly" if i % 5 == 4 else "daily", operator=i % 50 == 0,
                        channels=[f"wecom://bench-{i}"] if i < webhooks else [])


def median(values: list[float]) -> float:
    return statistics.median(values)


def requeue(conn, channel: str) -> None:
    """Every digest of a channel back to pending, as if just built, for another round of the same sends."""
    conn.execute("UPDATE digests SET state = 'pending', stage = NULL, attempts = 0, next_attempt_at = now(), "
                 "lease_until = NULL, claimed_by = NULL, sent_at = NULL WHERE channel = %s", [channel])
    conn.commit()
    conn.execute("ANALYZE digests")
    conn.commit()


def bare_smtp(port: int, messages: list[tuple[str, bytes]], sender: str) -> float:
    """A bare smtplib loop on one connection: seconds to send `messages`."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, message in messages:
            smtp.sendmail(sender, [recipient], message)
    return time.perf_counter() - started


def bare_http(port: int, posts: list[tuple[str, bytes]]) -> float:
    """A bare http.client loop on one keep-alive connection: seconds to POST `posts`."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for path, body in posts:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        conn.getresponse().read()
    conn.close()
    return time.perf_counter() - started


def bench_digests(admin: str, subscribers: int, rounds: int, webhooks: int, workers: int = 4) -> None:
    from dataclasses import replace

    from alerts.delivery import Report, build, send_due
    from crawler.baseline import load as load_baseline
    from db import baseline, diff
    from db.connection import connect
    from db.migrate import migrate
    from settings import Settings

    url, name = fresh_database(admin)
    try:
        with Server(_count_smtp) as smtp, Server(_answer_http) as receiver:
            settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()),
                                smtp_url=f"smtp://127.0.0.1:{smtp.port}", secret="bench",
                                public_url="https://cywatch.example.org", mail_from="成渝观察 <digest@example.org>",
                                send_workers=workers, unsafe_loopback_webhooks=True)  # the local receiver
            endpoints = {"wecom": f"http://127.0.0.1:{receiver.port}"}
            with connect(settings) as conn:
                migrate(conn)
                load_baseline(conn, baseline.bundled())
                seed_articles(conn)
                diff.compute(conn)
                add_subscribers(conn, subscribers, webhooks)
                report = Report()
                started = time.perf_counter()
                build(conn, settings, date(2024, 8, 12), report)  # ends with ANALYZE digests
                built = time.perf_counter() - started
                distinct = conn.execute("SELECT count(DISTINCT rendering_id) AS n FROM digests").fetchone()["n"]
                emails = [(r["recipient"], bytes(r["payload"])) for r in conn.execute(
                    "SELECT recipient, payload FROM digests WHERE channel = 'email' ORDER BY id")]
                posts = [(f"/cgi-bin/webhook/send?key={r['address'].split('://')[1]}", bytes(r["payload"]))
                         for r in conn.execute("SELECT t.address, d.payload FROM digests d JOIN subscriber_targets t "
                                               "ON t.id = d.target_id WHERE d.channel = 'wecom' ORDER BY d.id")]
                conn.commit()
                size = sum(len(m) for _, m in emails) / max(len(emails), 1) / 1024
                print(f"digests: {subscribers} subscribers ({len(REGIONS) * len(METRICS)} kinds of filters, daily and "
                      f"weekly), {report.built} built from {distinct} renderings; {len(emails)} emails "
                      f"({size:.0f} KiB each), {len(posts)} WeCom messages")
                print(f"  build (gather, render, inline CSS, store): {built:6.1f} s  {report.built / built:7.1f} digests/s")
                results: dict[str, list[float]] = {}

                def deliver(channel: str, workers: int, expected: int) -> float:
                    """Seconds for send_due to send every digest of `channel` again (the others count as sent)."""
                    requeue(conn, channel)
                    conn.execute("UPDATE digests SET state = 'sent' WHERE channel <> %s", [channel])
                    conn.commit()
                    before = smtp.count.value + receiver.count.value
                    sending = Report()
                    started = time.perf_counter()
                    send_due(conn, replace(settings, send_workers=workers), sending, endpoints=endpoints)
                    took = time.perf_counter() - started
                    arrived = smtp.count.value + receiver.count.value - before
                    assert sending.sent == expected == arrived, (sending, expected, arrived)
                    return took

                for _ in range(rounds):
                    for workers in (1, settings.send_workers):
                        results.setdefault(f"email{workers}", []).append(deliver("email", workers, len(emails)))
                    results.setdefault("bare_smtp", []).append(bare_smtp(smtp.port, emails, "digest@example.org"))
                    if posts:
                        results.setdefault("wecom", []).append(deliver("wecom", settings.send_workers, len(posts)))
                        results.setdefault("wecom1", []).append(deliver("wecom", 1, len(posts)))
                        results.setdefault("bare_http", []).append(bare_http(receiver.port, posts))
            bare = median(results["bare_smtp"])
            print(f"  deliver emails (medians of {rounds}; claim, SMTP, mark), {len(emails)} messages:")
            print(f"    bare smtplib loop, one connection: {bare:6.2f} s  {len(emails) / bare:7.1f} messages/s")
            for workers in (1, settings.send_workers):
                took = median(results[f"email{workers}"])
                print(f"    chengyu-watch, {workers} worker(s):       {took:6.2f} s  {len(emails) / took:7.1f} messages/s"
                      f"  ratio {bare / took:4.2f}x")
            if posts:
                bare = median(results["bare_http"])
                print(f"  deliver WeCom messages to a local receiver (medians of {rounds}), {len(posts)} messages:")
                print(f"    bare http.client loop, keep-alive: {bare:6.2f} s  {len(posts) / bare:7.1f} messages/s")
                for key, workers in (("wecom1", 1), ("wecom", settings.send_workers)):
                    took = median(results[key])
                    print(f"    chengyu-watch, {workers} worker(s):       {took:6.2f} s  "
                          f"{len(posts) / took:7.1f} messages/s  ratio {bare / took:4.2f}x")
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
    parser.add_argument("--webhooks", type=int, default=1000, help="subscribers who also have a WeCom bot")
    parser.add_argument("--rounds", type=int, default=3, help="each send measured this many times (median)")
    parser.add_argument("--skip-diff", action="store_true")
    parser.add_argument("--workers", type=int, default=4, help="CYWATCH_SEND_WORKERS for the second figure")
    args = parser.parse_args()
    admin, _keep = admin_url()  # the server lives while _keep does
    bench_digests(admin, args.subscribers, args.rounds, args.webhooks, args.workers)
    if not args.skip_diff:
        bench_diff(admin, args.observations)


if __name__ == "__main__":
    main()
