"""Extractor throughput, in characters per second, next to bare segmentations of the same texts.

    python bench/extract.py [--repeat N]   (pip install -e '.[bench]' for the rjieba floor)

Corpora: the real texts the real-text gold scores (tests/gold/real: `../shared/realtext/` beside the
checkout, or $CYWATCH_REALTEXT; read at run time, never copied), and the bundled baseline article with the
gold sample paragraphs (tests/gold/). Each text is extracted as its own document, N rounds over; the
extractor's phrase cache is cleared before every round. In each round, interleaved (drift in the machine's
load hits all alike):
  - the extractor (crawler.extract.extract_indicators);
  - bare `jieba.lcut` over the whole text (the anchor);
  - `rjieba.cut` (jieba's algorithm in Rust), the segmentation floor;
  - one regex pass for numbers with their units, the floor of any figure finder.
Start-up (jieba's dictionary, the lexicons) is timed separately and excluded from the throughput figures.
Figures are the median round. Aim (issue 13): the extractor at least 1.5x bare jieba.lcut on the real texts.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# A number with what follows it: the least work any figure finder does (one scan, no segmentation).
FIGURE = re.compile(r"[0-9０-９][0-9０-９.,．]*\s*(?:%|‰|[亿万千百]?[元吨件个人户家台辆项次倍亩平方米公里千瓦时]+)?")


def bundled() -> list[tuple[str, date, str | None]]:
    docs: list[tuple[str, date, str | None]] = [
        ((ROOT / "db/baseline/cqrb-2024-06-22-shuangchengji.txt").read_text(encoding="utf-8"), date(2024, 6, 22), None)]
    for path in sorted((ROOT / "tests/gold").glob("*/*.txt")):
        docs.append((path.read_text(encoding="utf-8"), date.fromisoformat(path.name[:10]), None))
    return docs


def real() -> list[tuple[str, date, str | None]] | str:
    from tests.gold import real as gold

    reason = gold.missing_reason()
    if reason:
        return reason
    return [((gold.realtext_dir() / d.name).read_text(encoding="utf-8"), d.published, d.home_region or None)
            for d in gold.documents()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    started = time.perf_counter()
    from crawler.extract import extract_indicators
    from crawler.extract.lexicon import cut, lexicon, tokenizer

    tokenizer()
    extract_indicators("1—5月重庆技术合同成交额309.6亿元", date(2024, 6, 22))
    startup = time.perf_counter() - started

    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    try:
        import rjieba
    except ImportError:
        rjieba = None
    print(f"start-up (jieba dictionary + lexicons): {startup:.2f} s; load average (1 min) "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    corpora = [("real texts", real()), ("bundled baseline + gold paragraphs (synthetic)", bundled())]
    for label, docs in corpora:
        if isinstance(docs, str):
            print(f"\n{label}: skipped, {docs}")
            continue
        chars = sum(len(text) for text, _, _ in docs)

        def extractor(docs: list[tuple[str, date, str | None]] = docs) -> int:
            cut.cache_clear()  # each round starts cold: repeating the corpus must not flatter the figure
            lexicon().forget_lookups()
            return sum(len(extract_indicators(text, published, default_region=home))
                       for text, published, home in docs)

        def segmentation(docs: list[tuple[str, date, str | None]] = docs) -> int:
            return sum(len(jieba.lcut(text)) for text, _, _ in docs)

        def rust(docs: list[tuple[str, date, str | None]] = docs) -> int:
            return sum(len(rjieba.cut(text)) for text, _, _ in docs)

        def regex(docs: list[tuple[str, date, str | None]] = docs) -> int:
            return sum(len(FIGURE.findall(text)) for text, _, _ in docs)

        work: dict[str, Callable[[], int]] = {"extractor": extractor, "jieba.lcut": segmentation}
        if rjieba is not None:
            work["rjieba.cut"] = rust
        work["regex pass"] = regex
        timings: dict[str, list[float]] = {name: [] for name in work}
        for _ in range(args.repeat):  # interleaved, so that drift in the machine's speed hits all alike
            for name, run in work.items():
                t0 = time.perf_counter()
                run()
                timings[name].append(time.perf_counter() - t0)
        rate = {name: chars / statistics.median(values) for name, values in timings.items()}
        print(f"\n{label}: {len(docs)} documents, {chars} characters, {args.repeat} rounds (median round)")
        for name in work:
            print(f"  {name + ':':12s} {rate[name]:>12,.0f} chars/s  ({statistics.median(timings[name]) * 1000:7.1f} ms"
                  + (f", {extractor()} indicators)" if name == "extractor" else ")"))
        for name in work:
            if name != "extractor":
                print(f"  ratio extractor / {name}: {rate['extractor'] / rate[name]:.3f}"
                      + ("   (aim >= 1.5)" if name == "jieba.lcut" else ""))
        if rjieba is None:
            print("  rjieba.cut: not installed (pip install -e '.[bench]')")


if __name__ == "__main__":
    main()
