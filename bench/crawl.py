"""Crawl throughput against a generated mirror: storing, not storing, and bare Scrapy, side by side.

    python bench/crawl.py [--per-source 500] [--runs 3]

Serves a generated mirror (the 7 sources of the registry x N articles, synthetic copies of the real page
structure, every list of every site) on 127.0.0.1 and measures, in the same run, each variant `--runs` times (interleaved, so that
drift in the machine's load hits all alike), as whole processes (start-up included):
  - `cywatch crawl` storing into PostgreSQL (relevance, extraction, the article and its indicators), each
    run into a fresh database;
  - the same crawl with the storing pipeline disabled (ITEM_PIPELINES={});
  - bare Scrapy: a spider that only downloads the URLs the storing crawl requested, at the same politeness
    settings (CONCURRENT_REQUESTS, at most CONCURRENT_REQUESTS_PER_DOMAIN per real site, no delay, as in
    mirror mode);
  - a second `cywatch crawl` when nothing is new (list pages answered 304 from the validators saved).
Prints the median of each, its peak memory (the process tree's RSS, summed), and the ratios to bare Scrapy.
PostgreSQL: fresh databases on the server of $DATABASE_URL (dropped afterwards), or the embedded one.
Aims (issue 13): storing >= 0.9x bare Scrapy's articles/s, peak memory <= 2x bare Scrapy's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchdb import admin_url, databases  # noqa: E402  (bench/, this script's folder)

DAY = date(2024, 8, 10)
ARTICLE = re.compile(r"content_rb_\d+\.htm$|/[0-9a-f]{32}\.shtml$|/t\d{8}_\d+\.html$")


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants now, in kB (0 once it is gone)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


def timed(command: list[str], env: dict[str, str]) -> tuple[float, tuple[float, float], str]:
    """Run a process to its end: (seconds, (peak RSS of its largest process, peak of the process tree's
    summed RSS) in MB, stderr). The sum is sampled every 20 ms, so that worker processes count."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err)
        tree = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            tree = max(tree, _tree_rss(process.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if process.returncode not in (0, 1):
        sys.exit(f"{' '.join(command[:4])} failed ({process.returncode}):\n{stderr[-3000:]}")
    return elapsed, (usage.ru_maxrss / 1024, max(tree, usage.ru_maxrss) / 1024), stderr


def crawl(env: dict[str, str], mirror: str, *extra: str) -> tuple[float, tuple[float, float]]:
    seconds, peak, stderr = timed([sys.executable, "-m", "cywatch", "crawl", "--mirror", mirror, "--since",
                              DAY.isoformat(), "--until", DAY.isoformat(), *extra], env)
    if os.environ.get("BENCH_VERBOSE"):
        print(stderr[-2000:], file=sys.stderr)
    return seconds, peak


def bare_scrapy(urls: Path, env: dict[str, str]) -> tuple[float, tuple[float, float]]:
    seconds, peak, _ = timed([sys.executable, __file__, "--bare-scrapy", str(urls)], env)
    return seconds, peak


def run_bare_scrapy(urls_file: Path) -> None:
    """The bare baseline: download every URL of the file (mirror URL, real host), keep nothing."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    entries = json.loads(urls_file.read_text(encoding="utf-8"))

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):  # type: ignore[override]
            for url, site in entries:
                yield scrapy.Request(url, meta={"download_slot": site}, dont_filter=True, callback=self.parse)

        def parse(self, response):
            return None

    from crawler import settings as ours

    process = CrawlerProcess({
        "LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS": ours.CONCURRENT_REQUESTS,
        "CONCURRENT_REQUESTS_PER_DOMAIN": ours.CONCURRENT_REQUESTS_PER_DOMAIN,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "USER_AGENT": ours.USER_AGENT,
        "DOWNLOAD_TIMEOUT": ours.DOWNLOAD_TIMEOUT,
    })
    process.crawl(Bare)
    process.start()


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-source", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bare-scrapy", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_scrapy:
        run_bare_scrapy(args.bare_scrapy)
        return

    import psycopg

    from devtools.mirror import serving
    from tests.fixtures.sitegen import generate_many

    admin, keep = admin_url()
    root = Path(tempfile.mkdtemp(prefix="cywatch-bench-mirror-"))
    articles = generate_many(root, args.per_source, DAY)
    total = len(articles)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CYWATCH_")}
    base_env.update(CYWATCH_PROGRESS_INTERVAL="0", CYWATCH_DATA_DIR=str(root / "data"))
    times: dict[str, list[float]] = {k: [] for k in ("storing", "not storing", "bare Scrapy", "nothing new")}
    peaks: dict[str, list[tuple[float, float]]] = {k: [] for k in times}
    counts: list[tuple[int, int]] = []
    reruns: list[tuple[int, int, int]] = []  # requests, 304s, article pages of each "nothing new" crawl
    load_before = os.getloadavg()
    with databases(admin) as factory, serving(root) as mirror:
        fresh = factory.make
        urls_file = root / "urls.json"
        for run in range(args.runs):
            stored_url = fresh()
            mirror.clear_log()
            seconds, peak = crawl(base_env | {"DATABASE_URL": stored_url}, mirror.url)
            times["storing"].append(seconds)
            peaks["storing"].append(peak)
            if run == 0:  # what bare Scrapy downloads: exactly what the storing crawl asked for
                urls_file.write_text(json.dumps([
                    [mirror.url + p, p.lstrip("/").split("/", 1)[0]] for p in mirror.paths()]))
                first_requests = len(mirror.paths())
            seconds, peak = crawl(base_env | {"DATABASE_URL": fresh()}, mirror.url, "-s", "ITEM_PIPELINES={}")
            times["not storing"].append(seconds)
            peaks["not storing"].append(peak)
            seconds, peak = bare_scrapy(urls_file, base_env)
            times["bare Scrapy"].append(seconds)
            peaks["bare Scrapy"].append(peak)
            mirror.clear_log()
            seconds, peak = crawl(base_env | {"DATABASE_URL": stored_url}, mirror.url)
            times["nothing new"].append(seconds)
            peaks["nothing new"].append(peak)
            reruns.append((len(mirror.paths()), sum(1 for r in mirror.requests if r["status"] == 304),
                           sum(1 for p in mirror.paths() if ARTICLE.search(p))))
            with psycopg.connect(stored_url) as conn:
                counts.append((conn.execute("SELECT count(*) FROM articles").fetchone()[0],
                               conn.execute("SELECT count(*) FROM indicator_observations").fetchone()[0]))
    load_after = os.getloadavg()
    print(f"mirror: {total} articles ({args.per_source} per source) on 127.0.0.1, {first_requests} requests "
          f"per first crawl; each crawl a whole process (start-up included); medians of {args.runs} runs")
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} cores")
    rate = {k: total / median(v) for k, v in times.items() if k != "nothing new"}
    largest = {k: median([p[0] for p in v]) for k, v in peaks.items()}
    summed = {k: median([p[1] for p in v]) for k, v in peaks.items()}
    for name in ("storing", "not storing", "bare Scrapy"):
        runs = ", ".join(f"{t:.1f}" for t in times[name])
        print(f"  {name + ':':13s} {median(times[name]):6.1f} s  {rate[name]:7.1f} articles/s  "
              f"peak {largest[name]:4.0f} MB (largest process), {summed[name]:4.0f} MB (all)   (runs: {runs} s)")
    print(f"  stored: {sorted(set(counts))} (articles, indicators) per storing run")
    print(f"ratio storing / bare Scrapy (articles/s):     {rate['storing'] / rate['bare Scrapy']:.2f}   (aim >= 0.9)")
    print(f"ratio not storing / bare Scrapy (articles/s): {rate['not storing'] / rate['bare Scrapy']:.2f}")
    print(f"ratio storing / not storing (articles/s):     {rate['storing'] / rate['not storing']:.2f}")
    print(f"ratio peak memory storing / bare Scrapy:      {largest['storing'] / largest['bare Scrapy']:.2f} (largest "
          f"process), {summed['storing'] / summed['bare Scrapy']:.2f} (all processes)   (aim <= 2)")
    print(f"  nothing new:  {median(times['nothing new']):6.1f} s  (requests, 304s, article pages) per run: {reruns}; "
          f"peak {largest['nothing new']:.0f} MB (largest), {summed['nothing new']:.0f} MB (all)")
    del keep


if __name__ == "__main__":
    main()
