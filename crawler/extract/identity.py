"""Indicator identity: does a new figure state the same indicator as an earlier one, in other words?

The diff first meets figures on their exact key (metric, region, kind, status, unit). A real later article
often names the same indicator differently (省际高速公路 for 省际高速公路通道, 线路辐射…国家(地区) for
通达…国家和地区), so a figure that meets nothing exactly is scored against the candidates of the same kind,
unit and status: metric similarity (character n-grams and edit distance over the canonical and the raw
metric), region compatibility, magnitude plausibility and shared context words. Above `accept` the figure is
matched (*inferred*, with its score and reason); between `possible` and `accept` it is a *possible* match for
a person to review; never across the lexicon's never-merge pairs (出口 ≠ 进出口总额).

A pure function of its inputs: the lexicon is read for the never-merge pairs only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from rapidfuzz import fuzz

from crawler.extract.lexicon import lexicon
from settings import Settings

Verdict = Literal["exact", "inferred", "possible"]


class Figure(Protocol):
    """What identity needs of a figure (an `Indicator` or a stored observation)."""

    @property
    def metric(self) -> str: ...
    @property
    def metric_raw(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def value(self) -> Decimal: ...
    @property
    def sentence(self) -> str: ...


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """Thresholds of the matcher (settings: CYWATCH_MATCH_ACCEPT, CYWATCH_MATCH_POSSIBLE)."""

    accept: float = 0.80
    possible: float = 0.60

    @classmethod
    def of(cls, settings: Settings) -> MatchOptions:
        """The thresholds a deployment set (CYWATCH_MATCH_ACCEPT, CYWATCH_MATCH_POSSIBLE)."""
        return cls(accept=settings.match_accept, possible=settings.match_possible)


@dataclass(frozen=True, slots=True)
class Match:
    """The candidate a figure was matched to, how sure the matcher is, and why."""

    index: int  # position in the candidates given
    score: float
    verdict: Verdict
    reason: str


DEFAULT_OPTIONS = MatchOptions()


def best_match(figure: Figure, candidates: Sequence[Figure], options: MatchOptions = DEFAULT_OPTIONS) -> Match | None:
    """The candidate that states the same indicator as `figure`, or None when none is likely enough.

    An exact key wins outright. Otherwise the best-scoring compatible candidate is returned as `inferred`
    (score ≥ options.accept) or `possible` (score ≥ options.possible).
    """
    best: Match | None = None
    for index, candidate in enumerate(candidates):
        if not _compatible(figure, candidate):
            continue
        if figure.metric == candidate.metric and figure.region == candidate.region:
            return Match(index, 1.0, "exact", "same metric and region")
        score, reason = _score(figure, candidate)
        if best is None or score > best.score:
            verdict: Verdict = "inferred" if score >= options.accept else "possible"
            best = Match(index, round(score, 3), verdict, reason)
    if best is None or best.score < options.possible:
        return None
    return best


def could_match(figure: Figure, candidates: Sequence[Figure], options: MatchOptions = DEFAULT_OPTIONS) -> bool:
    """Whether any candidate could reach `possible` for a figure of these names, whatever its value and sentence.

    An upper bound of `best_match` (context words add at most 0.1; magnitude and an unknown region only
    lower a score), so that figures alike in name, region, kind, unit and status are ruled out together.
    """
    for candidate in candidates:
        if not _compatible(figure, candidate, check_batch=False):
            continue
        if figure.metric == candidate.metric and figure.region == candidate.region:
            return True
        if min(1.0, _name_similarity(figure, candidate) + 0.1) >= options.possible:
            return True
    return False


def _compatible(figure: Figure, candidate: Figure, check_batch: bool = True) -> bool:
    if (figure.kind, figure.unit, figure.status) != (candidate.kind, candidate.unit, candidate.status):
        return False
    first, second = (batch(figure), batch(candidate)) if check_batch else (None, None)
    if first and second and first != second:
        return False  # 第三批25个共建事项 is not the 第二批 of the same name
    if figure.region and candidate.region and figure.region != candidate.region:
        return False  # 成渝 is not 川渝, 成都 is not 四川
    return not never_merge(figure.metric, candidate.metric)


_BATCH = re.compile(r"(?:第([一二三四五六七八九十\d]{1,3})|(首))批")
_CLAUSE_SPLIT = re.compile(r"[，,；;：:]")
_GENERIC_LEAD = re.compile(r"(?:总投资|投资总额|完成投资|总规模|总额|金额|其中)")


def batch(figure: Figure) -> str | None:
    """The batch a figure counts (第二批22个事项 -> 二; 首批 -> 一), named in its clause before it, or in the
    clause before when its own opens with a generic head (…第一批重点项目，总投资…)."""
    start, sentence_start = getattr(figure, "start", None), getattr(figure, "sentence_start", None)
    if start is None or sentence_start is None or not figure.sentence:
        return None
    clauses = _CLAUSE_SPLIT.split(figure.sentence[:start - sentence_start])
    found = [m.group(1) or "一" for m in _BATCH.finditer(clauses[-1])]
    if not found and len(clauses) > 1 and _GENERIC_LEAD.match(clauses[-1]):
        found = [m.group(1) or "一" for m in _BATCH.finditer(clauses[-2])]  # 第一批重点项目，总投资…
    if not found:
        return None
    return "一" if found[-1] == "1" else found[-1]


def never_merge(first: str, second: str) -> bool:
    """Whether the lexicon forbids treating two metrics as one (出口总额 and 进出口总额)."""
    lex = lexicon()
    if frozenset((first, second)) in lex.distinct:
        return True  # a pair a reviewer rejected (cywatch review reject), or [never_merge] distinct
    if any((scope in first) != (scope in second) for scope in lex.scopes):
        return True  # 规上工业增加值 is not 工业增加值
    for a, b in lex.never_merge:
        for one, other in ((first, second), (second, first)):
            if a in one and b not in one and b in other:
                return True
    return False


_NOISE = re.compile(r"[()（）“”\"'、·\s]|总数|数量|数")


def _grams(text: str) -> set[str]:
    text = _NOISE.sub("", text)
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def metric_similarity(first: str, second: str) -> float:
    """How alike two metric names are, 0..1: containment, shared character bigrams, edit distance."""
    a, b = _NOISE.sub("", first), _NOISE.sub("", second)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    shorter, longer = sorted((a, b), key=len)
    if shorter in longer:
        return 0.9 if len(shorter) >= 3 else 0.5
    prefix = _common_prefix(a, b)
    if prefix >= 2:  # 中欧班列(成渝)开行量 and …运输量: what differs decides
        return 0.25 + 0.75 * metric_similarity(a[prefix:], b[prefix:])
    contained = 0.0
    grams_a, grams_b = _grams(a), _grams(b)
    dice = 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))
    edit = fuzz.ratio(a, b) / 100
    return max(contained, 0.55 * dice + 0.45 * edit)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _name_similarity(figure: Figure, candidate: Figure) -> float:
    names = [(figure.metric, candidate.metric), (figure.metric_raw or figure.metric, candidate.metric),
             (figure.metric, candidate.metric_raw or candidate.metric),
             (figure.metric_raw or figure.metric, candidate.metric_raw or candidate.metric)]
    lex = lexicon()
    forms = {name: lex.canonical_metric(lex.identity_form(name)) for pair in names for name in pair}
    return max(metric_similarity(forms[a], forms[b]) for a, b in names)


def _score(figure: Figure, candidate: Figure) -> tuple[float, str]:
    similarity = _name_similarity(figure, candidate)
    reasons = [f"metric {similarity:.2f}"]
    score = similarity
    if not figure.region or not candidate.region:
        score *= 0.9
        reasons.append("region unknown on one side")
    plausibility = _magnitude(figure, candidate)
    if plausibility < 1:
        reasons.append(f"magnitude ×{plausibility:.2f}")
    score *= plausibility
    shared = _context_overlap(figure.sentence, candidate.sentence)
    if shared:
        score = min(1.0, score + 0.05 * shared)
        reasons.append(f"{shared} context words shared")
    return score, ", ".join(reasons)


def _magnitude(figure: Figure, candidate: Figure) -> float:
    """Levels of one indicator rarely differ by more than a factor of ten between two reports."""
    if figure.kind not in ("level", "change") or not candidate.value or not figure.value:
        return 1.0
    ratio = abs(figure.value / candidate.value)
    if Decimal("0.25") <= ratio <= 4:
        return 1.0
    if Decimal("0.1") <= ratio <= 10:
        return 0.85
    return 0.6


def _context_overlap(first: str, second: str) -> int:
    words = lexicon().context_word_re  # metrics.toml [context] words
    if not first or not second or words is None:
        return 0
    return min(2, len(set(words.findall(first)) & set(words.findall(second))))
