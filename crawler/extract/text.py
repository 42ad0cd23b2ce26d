"""Text normalisation with an offset map, and the block/sentence structure of an article.

Matching runs on a *working* copy of the text: NFKC-normalised (full-width digits and punctuation become
ASCII) and converted from traditional to simplified characters. Every character of the working copy maps
back to a character of the original, so what the extractor reports (`surface`, `sentence`, offsets) is
always a slice of the text exactly as it was given.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import opencc

_T2S = opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=8192)
def _nfkc_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch) or ch


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """A name as the working text spells it: NFKC and simplified (規模以上 -> 规模以上, （ -> ()."""
    nfkc = unicodedata.normalize("NFKC", text)
    simplified = _T2S.convert(nfkc)
    return simplified if len(simplified) == len(nfkc) else "".join(_T2S.convert(ch) or ch for ch in nfkc)


@dataclass(frozen=True, slots=True)
class WorkingText:
    """The original text, its normalised working copy, and the map between them."""

    original: str
    text: str
    # origin[i] is the index in `original` of working character i; None when the map is the identity.
    origin: tuple[int, ...] | None

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the working text to the original text."""
        if self.origin is None:
            return start, end
        o_start = self.origin[start] if start < len(self.origin) else len(self.original)
        o_end = self.origin[end - 1] + 1 if end > start else o_start
        return o_start, o_end


# 統(tǒng)計, 8.5萬(wàn)噸: a pinyin gloss a repost inserted after a character (a tone mark in it: not (GDP), (km)).
GLOSS = re.compile(r"\([a-zü]{0,5}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]{0,5}\)")
_TONED = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")


def normalise(original: str) -> WorkingText:
    """NFKC-normalise and simplify `original`, keeping a character map back to it; pinyin glosses inserted
    after characters (統(tǒng)計) are left out of the working copy, so that words and numbers meet again."""
    parts = list(map(_nfkc_char, original))
    nfkc = "".join(parts)
    origin: tuple[int, ...] | None = None
    if len(nfkc) != len(original):
        origin = tuple(i for i, part in enumerate(parts) for _ in part)
    if _TONED.search(nfkc) and (glosses := list(GLOSS.finditer(nfkc))):
        mapped = origin or tuple(range(len(nfkc)))
        keep = [True] * len(nfkc)
        for gloss in glosses:
            keep[gloss.start():gloss.end()] = [False] * (gloss.end() - gloss.start())
        nfkc = "".join(ch for ch, kept in zip(nfkc, keep, strict=True) if kept)
        origin = tuple(o for o, kept in zip(mapped, keep, strict=True) if kept)
    simplified = _T2S.convert(nfkc)
    if len(simplified) != len(nfkc):  # a phrase conversion changed the length: convert char by char
        simplified = "".join(_T2S.convert(ch) or ch for ch in nfkc)
    return WorkingText(original=original, text=simplified, origin=origin)


# --- structure ------------------------------------------------------------------------------------------

BlockKind = Literal["heading", "paragraph", "bullet"]

_BULLET = re.compile(r"^\s*(?:[-•·●▪◆■※*]|[(][一二三四五六七八九十\d]{1,3}[)]|[一二三四五六七八九十]{1,3}、)\s*")
_SENTENCE_END = re.compile(r"[。!?;]+|\n")
# A comma between digits followed by exactly three digits groups thousands (15,174.39); others end a clause.
CLAUSE_END = re.compile(r"(?<!\d),|,(?!\d{3}(?!\d))|[:。!?;]")


@dataclass(frozen=True, slots=True)
class Block:
    """A line of the article: a heading, a paragraph or a bullet item (offsets in the working text)."""

    kind: BlockKind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Span:
    """A [start, end) span of the working text."""

    start: int
    end: int


def blocks(text: str) -> list[Block]:
    """Split the working text into headings, paragraphs and bullet items, one per non-empty line."""
    result: list[Block] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        bullet = _BULLET.match(line)
        if bullet:
            result.append(Block("bullet", start + bullet.end(), end))
        elif _is_heading(stripped):
            result.append(Block("heading", start + lead, end))
        else:
            result.append(Block("paragraph", start + lead, end))
    return result


def _is_heading(line: str) -> bool:
    return len(line) <= 40 and not re.search(r"[。!?;,]", line)


def sentences(text: str, block: Block) -> list[Span]:
    """Sentences of a block: split at 。！？； (the terminator stays with its sentence)."""
    spans: list[Span] = []
    start = block.start
    for match in _SENTENCE_END.finditer(text, block.start, block.end):
        if match.end() > start and text[start : match.start()].strip():
            spans.append(Span(start, match.end()))
        start = match.end()
    if text[start : block.end].strip():
        spans.append(Span(start, block.end))
    return spans


def clauses(text: str, sentence: Span) -> list[Span]:
    """Clauses of a sentence: split at commas and colons (the separator is left out)."""
    spans: list[Span] = []
    start = sentence.start
    for match in CLAUSE_END.finditer(text, sentence.start, sentence.end):
        if match.start() > start:
            spans.append(Span(start, match.start()))
        start = match.end()
    if sentence.end > start:
        spans.append(Span(start, sentence.end))
    return spans
