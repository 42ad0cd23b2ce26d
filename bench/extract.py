"""Extractor throughput, in characters per second, next to a bare jieba.lcut over the same text.

    python bench/extract.py [--repeat N]

The corpus is the baseline article and the gold sample paragraphs (tests/gold/), each extracted as its
own document, N times over; the extractor's phrase cache is cleared before every round. Start-up (jieba's dictionary, the lexicons) is timed separately and excluded
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
    from crawler.extract.lexicon import cut, tokenizer

    tokenizer()
    extract_indicators("1—5月重庆技术合同成交额309.6亿元", date(2024, 6, 22))
    startup = time.perf_counter() - started

    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    everything = corpus()
    print(f"start-up (jieba dictionary + lexicons): {startup:.2f} s")
    for label, docs in (("baseline article (mostly prose)", everything[:1]),
                        ("baseline + gold paragraphs (dense with figures)", everything)):
        chars = sum(len(text) for text, _ in docs)

        def extractor(docs: list[tuple[str, date]] = docs) -> int:
            cut.cache_clear()  # each round starts cold: repeating the corpus must not flatter the figure
            return sum(len(extract_indicators(text, published)) for text, published in docs)

        def segmentation(docs: list[tuple[str, date]] = docs) -> int:
            return sum(len(jieba.lcut(text)) for text, _ in docs)

        timings: dict[str, list[float]] = {"extractor": [], "jieba.lcut": []}
        for _ in range(args.repeat):  # interleaved, so that drift in the machine's speed hits both alike
            for name, work in (("extractor", extractor), ("jieba.lcut", segmentation)):
                t0 = time.perf_counter()
                work()
                timings[name].append(time.perf_counter() - t0)
        rate = {name: chars * args.repeat / sum(values) for name, values in timings.items()}
        median = {name: statistics.median(values) * 1000 for name, values in timings.items()}
        print(f"\n{label}: {len(docs)} documents, {chars} characters, {args.repeat} rounds")
        print(f"  extractor:  {rate['extractor']:>10,.0f} chars/s  (median round {median['extractor']:.1f} ms, "
              f"{extractor()} indicators)")
        print(f"  jieba.lcut: {rate['jieba.lcut']:>10,.0f} chars/s  (median round {median['jieba.lcut']:.1f} ms)")
        print(f"  ratio extractor / jieba.lcut: {rate['extractor'] / rate['jieba.lcut']:.2f}")


if __name__ == "__main__":
    main()
