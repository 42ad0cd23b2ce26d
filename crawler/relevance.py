"""How relevant an article is to the Chengdu–Chongqing circle: jieba tokens against a term list."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

from crawler.extract.lexicon import BuiltOnce, tokenizer

TITLE_WEIGHT = 3


@dataclass(frozen=True, slots=True)
class Relevance:
    """A score and the terms that earned it."""

    score: Decimal
    terms: tuple[str, ...]


@BuiltOnce
def terms() -> dict[str, Decimal]:
    """The term list (crawler/data/relevance_terms.txt), with weights; its terms join the tokenizer's words.

    Built once under a lock: jieba's add_word adds to the dictionary's total each time, so two threads
    adding the terms at once would change how everything after is segmented."""
    weights: dict[str, Decimal] = {}
    text = (resources.files("crawler") / "data" / "relevance_terms.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            term, *weight = line.split()
            weights[term] = Decimal(weight[0]) if weight else Decimal(1)
    tok = tokenizer()
    for term in weights:
        if "(" not in term:
            tok.add_word(term, 3000)
    return weights


def _hits(text: str) -> Counter[str]:
    weights = terms()
    found = Counter(token for token in tokenizer().lcut(text) if token in weights)
    for term in weights:  # jieba never keeps a term with ASCII brackets whole: count those as substrings
        if "(" in term:
            found[term] += text.replace("（", "(").replace("）", ")").count(term)
    return found


def score(title: str, body: str) -> Relevance:
    """Relevance of an article: each term hit weighs its weight, three times over in the title."""
    weights = terms()
    title_hits, body_hits = _hits(title), _hits(body)
    total = sum(weights[t] * n * TITLE_WEIGHT for t, n in title_hits.items()) + \
        sum(weights[t] * n for t, n in body_hits.items())
    matched = tuple(sorted(t for t in {*title_hits, *body_hits} if title_hits[t] or body_hits[t]))
    return Relevance(Decimal(total), matched)
