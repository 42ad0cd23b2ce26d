"""Extractor throughput, in characters per second, next to a bare jieba.lcut over the same text.

    python bench/extract.py [--repeat N]

The corpus is the baseline article and the gold sample paragraphs (tests/gold/), each extracted as its
own document, N times over. Start-up (jieba's dictionary, the lexicons) is timed separately and excluded
from both throughput figures. Aim: the extractor at least as fast as the bare segmentation (ratio >= 1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def corpus() -> list[tuple[str, date]]:
    docs = [((ROOT / "db/baseline/cqrb-2024-06-22-shuangchengji.txt").read_text(encoding="utf-8"),
             date(2024, 6, 22))]
    for path in sorted((ROOT / "tests/gold").glob("*/*.txt")):
        docs.append((path.read_text(encoding="utf-8"), date.fromisoformat(path.name[:10])))
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    started = time.perf_counter()
    from crawler.extract import extract_indicators
    from crawler.extract.lexicon import tokenizer

    tokenizer()
    extract_indicators("1—5月重庆技术合同成交额309.6亿元", date(2024, 6, 22))
    startup = time.perf_counter() - started

    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    docs = corpus()
    chars = sum(len(text) for text, _ in docs) * args.repeat

    def extractor() -> int:
        return sum(len(extract_indicators(text, published)) for text, published in docs)

    def segmentation() -> int:
        return sum(len(jieba.lcut(text)) for text, _ in docs)

    timings: dict[str, list[float]] = {"extractor": [], "jieba.lcut": []}
    for _ in range(args.repeat):  # interleaved, so that drift in the machine's speed hits both alike
        for name, work in (("extractor", extractor), ("jieba.lcut", segmentation)):
            t0 = time.perf_counter()
            work()
            timings[name].append(time.perf_counter() - t0)
    rate = {name: chars / sum(values) for name, values in timings.items()}
    per_doc = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    print(f"corpus: {len(docs)} documents, {chars // args.repeat} characters, {args.repeat} rounds")
    print(f"start-up (jieba dictionary + lexicons): {startup:.2f} s")
    print(f"extractor:  {rate['extractor']:>12,.0f} chars/s  (median round {per_doc['extractor']:.1f} ms, "
          f"{extractor()} indicators per round)")
    print(f"jieba.lcut: {rate['jieba.lcut']:>12,.0f} chars/s  (median round {per_doc['jieba.lcut']:.1f} ms)")
    print(f"ratio extractor / jieba.lcut: {rate['extractor'] / rate['jieba.lcut']:.2f}")


if __name__ == "__main__":
    main()
