"""The extractor's lexicons (regions, metrics, domain words) and its one jieba tokenizer.

The data lives in `data/` so that a maintainer can extend it without touching code. Everything here is
loaded once per process (`lexicon()` and `tokenizer()` are cached, built once under a lock: the crawl's
threads ask for them at the same time, and each unlocked miss built its own ~75 MB tokenizer).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import tempfile
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from crawler.extract.text import fold

if TYPE_CHECKING:
    import jieba

DATA = resources.files("crawler.extract") / "data"
T = TypeVar("T")


class BuiltOnce(Generic[T]):
    """A function of no arguments whose result is built once per process, under a lock (cf. functools.cache,
    which lets threads that miss together each build it); `cache_clear()` forgets it."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        functools.update_wrapper(self, build)

    def __call__(self) -> T:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                value = self._value
        return value

    def cache_clear(self) -> None:
        """Forget the built value: the next call builds it again."""
        with self._lock:
            self._value = None


@dataclass(frozen=True, slots=True)
class Region:
    """A canonical region and its administrative level."""

    name: str
    level: str  # national, joint, zone, province, municipality, city, district


@dataclass(frozen=True, slots=True)
class RegionMention:
    """A region named in the working text."""

    region: Region
    start: int
    end: int


# A region name followed by one of these is part of an organisation's or a product's name.
_NAME_SUFFIX = re.compile(r"日报|晚报|大学|代表团|党政|联席会议|[\u4e00-\u9fff]{0,4}?(?:银行|集团)(?!业)|有限|公司|造|\)|"
                          r"\d{1,2}月\d{1,2}日电|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日电")


_RATE_WORDS = ("增速", "增幅", "降幅")
# 万州经开区, 绵阳高新区: a development zone named after a place is a zone of its own (long forms shortened).
_ZONE_SUFFIX = re.compile(r"经济技术开发区|经济开发区|经开区|高新技术产业开发区|高新区")
_ZONE_SHORT = {"经济技术开发区": "经开区", "经济开发区": "经开区", "经开区": "经开区", "高新技术产业开发区": "高新区",
               "高新区": "高新区"}


class Lexicon:
    """Regions and metric spellings, with the lookups the extractor needs."""

    def __init__(self, regions: dict[str, Region], aliases: dict[str, str], prefixes: dict[str, str],
                 suffixes: dict[str, str], patterns: dict[str, str] | None = None,
                 brand_regions: dict[str, str] | None = None, cue_nouns: list[str] | None = None,
                 never_merge: list[list[str]] | None = None, scopes: list[str] | None = None,
                 synonyms: dict[str, list[str]] | None = None, context_words: list[str] | None = None,
                 distinct: list[list[str]] | None = None,
                 implied_units: dict[str, list[str]] | None = None) -> None:
        self.regions_by_alias = regions
        self._names = dict(regions)  # also the canonical names matched in text only through an alias (嘉陵)
        for region in regions.values():
            self._names.setdefault(region.name, region)
        self.brand_regions = sorted((brand_regions or {}).items(), key=lambda item: -len(item[0]))
        self._brand_re = re.compile("|".join(re.escape(b) for b, _ in self.brand_regions)) if self.brand_regions \
            else None
        self.cue_nouns = tuple(sorted(cue_nouns or (), key=len, reverse=True))
        self.never_merge = [(a, b) for a, b in (never_merge or [])]
        self.scopes = tuple(scopes or ())
        self.distinct = frozenset(frozenset(pair) for pair in distinct or () if len(set(pair)) == 2)
        pairs = sorted(((w, key) for key, words in (synonyms or {}).items() for w in words), key=lambda p: -len(p[0]))
        self._synonym_re = re.compile("|".join(re.escape(w) for w, _ in pairs)) if pairs else None
        self._synonyms = dict(pairs)
        words = sorted(context_words or (), key=len, reverse=True)  # longest first: 进出口 before 出口
        self.context_word_re = re.compile("|".join(map(re.escape, words))) if words else None
        self.cue_noun_re = re.compile("|".join(map(re.escape, self.cue_nouns))) if self.cue_nouns else None
        implied = sorted(((noun, unit) for unit, nouns in (implied_units or {}).items() for noun in nouns),
                         key=lambda pair: -len(pair[0]))
        self._implied_units = dict(implied)
        self._implied_re = re.compile("|".join(re.escape(n) for n, _ in implied)) if implied else None
        self.metric_aliases = aliases
        self.metric_patterns = [(re.compile(k), v) for k, v in (patterns or {}).items()]
        self.metric_prefixes = prefixes
        self.metric_suffixes = suffixes
        names = sorted(regions, key=len, reverse=True)
        first_chars = re.escape("".join(sorted({name[0] for name in names})))
        self._region_re = re.compile(f"(?=[{first_chars}])" + _trie_pattern(names))
        self._region_prefix_re = re.compile("(?:" + self._region_re.pattern + ")+")
        self._canonical: dict[str, str] = {}  # canonical_metric's answers: a lexicon never changes once built
        self._identity: dict[str, str] = {}

    def region_mentions(self, text: str, start: int = 0, end: int | None = None) -> list[RegionMention]:
        """Every region named in text[start:end], longest name first, skipping names inside other names."""
        end = len(text) if end is None else end
        mentions = []
        for match in self._region_re.finditer(text, start, end):
            before = text[match.start() - 1] if match.start() > 0 else ""
            if before == "(" or _NAME_SUFFIX.match(text, match.end()):
                continue
            region = self.regions_by_alias[match.group()]
            zone = _ZONE_SUFFIX.match(text, match.end()) if region.level in ("city", "district") else None
            if zone:  # 万州经开区: the zone, not the district it lies in
                region = Region(region.name + _ZONE_SHORT[zone.group()], "zone")
            mentions.append(RegionMention(region, match.start(), zone.end() if zone else match.end()))
        return mentions

    def split_region_prefix(self, phrase: str) -> tuple[Region | None, str]:
        """Split leading region names off a phrase: ('重庆', '规上工业增加值') from '重庆规上工业增加值'.

        With several leading names (川渝两地, 成都重庆) the first names the region, the rest is dropped.
        """
        match = self._region_prefix_re.match(phrase)
        if not match or _NAME_SUFFIX.match(phrase, match.end()):
            return None, phrase
        first = self._region_re.match(phrase)
        assert first is not None
        region, end = self.regions_by_alias[first.group()], match.end()
        zone = _ZONE_SUFFIX.match(phrase, end) if region.level in ("city", "district") and end == first.end() else None
        if zone:  # 万州经开区完成…: the zone
            return Region(region.name + _ZONE_SHORT[zone.group()], "zone"), phrase[zone.end():]
        return region, phrase[end:]

    def region(self, name: str) -> Region | None:
        """The region a name or alias stands for (in any width or script: 重慶 is 重庆)."""
        name = fold(name)
        found = self._names.get(name)
        zone = _ZONE_SUFFIX.search(name)
        if found is None and zone and zone.end() == len(name) and zone.start():
            place = self._names.get(name[:zone.start()])
            if place and place.level in ("city", "district"):
                return Region(place.name + _ZONE_SHORT[zone.group()], "zone")
        return found

    def canonical_metric(self, raw: str) -> str:
        """The canonical name of a metric phrase: aliases, then prefix and suffix rewrites (in any width or
        script: the phrase is folded as the working text is)."""
        known = self._canonical.get(raw)
        if known is None:
            known = _remember(self._canonical, raw, self._canonical_metric(raw))
        return known

    def _canonical_metric(self, raw: str) -> str:
        name = fold(raw)
        for prefix, replacement in self.metric_prefixes.items():
            if name.startswith(prefix):
                name = replacement + name[len(prefix):]
        if name in self.metric_aliases:
            return self.metric_aliases[name]
        if name.endswith(_RATE_WORDS) and name[:-2] in self.metric_aliases:  # 生产总值增速 -> 地区生产总值增速
            return self.metric_aliases[name[:-2]] + name[-2:]
        for pattern, replacement in self.metric_patterns:
            rewritten, count = pattern.subn(replacement, name)
            if count:
                return self.metric_aliases.get(rewritten, rewritten)
        for suffix, replacement in self.metric_suffixes.items():
            if name.endswith(suffix) and len(name) > len(suffix):
                rewritten = name[: -len(suffix)] + replacement
                return self.metric_aliases.get(rewritten, rewritten)
        return name

    def brand_region(self, metric: str) -> tuple[bool, Region | None]:
        """Whether a metric names a brand with a region of its own, and that region (None: no region)."""
        for brand, name in self.brand_regions:
            if metric.startswith(brand):
                return True, self.regions_by_alias.get(name) if name else None
        return False, None

    def brand_mentions(self, text: str, start: int, end: int) -> list[tuple[int, int, Region | None]]:
        """Brands with a region of their own named in text[start:end]: (start, end, the brand's region)."""
        if self._brand_re is None:
            return []
        names = dict(self.brand_regions)
        return [(m.start(), m.end(), self.regions_by_alias.get(names[m.group()]) if names[m.group()] else None)
                for m in self._brand_re.finditer(text, start, end)]

    def implied_unit(self, text: str, position: int) -> str | None:
        """The unit a bare amount implies when text[position:] starts with a noun it counts (青年 -> 人)."""
        if self._implied_re is None:
            return None
        match = self._implied_re.match(text, position)
        return self._implied_units[match.group()] if match else None

    def identity_form(self, metric: str) -> str:
        """A metric with its synonyms rewritten, for comparing names (never stored): 辐射国家(地区) -> 通达国家和地区."""
        if self._synonym_re is None:
            return metric
        known = self._identity.get(metric)
        if known is None:
            known = _remember(self._identity, metric, self._synonym_re.sub(lambda m: self._synonyms[m.group()], metric))
        return known

    def forget_lookups(self) -> None:
        """Start the remembered lookups over (a benchmark that measures a cold start)."""
        self._canonical.clear()
        self._identity.clear()

    def known_metric(self, name: str) -> bool:
        """Whether a name is a canonical metric or one of its aliases."""
        return name in self.metric_aliases or fold(name) in self.metric_aliases


_REMEMBERED = 50_000  # names kept per lookup; past that the memo starts over (a reprocess reads millions)


def _remember(memo: dict[str, str], key: str, value: str) -> str:
    """Keep a lookup's answer (the identity matcher and the extractor ask for the same names again and again)."""
    if len(memo) >= _REMEMBERED:
        memo.clear()
    memo[key] = value
    return value


_Trie = dict[str, "_Trie"]


def _trie_pattern(words: list[str]) -> str:
    """A regex matching the longest of `words` that starts at a position, as a trie (a flat alternation of
    hundreds of names is tried name by name at every position)."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: _Trie) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + pattern(trie) + ")"


def _load_regions() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for line in (DATA / "regions.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        name, level = fold(fields[0].strip()), fields[1].strip()
        region = Region(name, level)
        if len(fields) < 4 or fields[3].strip() != "aliases-only":  # 嘉陵 is matched only as 嘉陵区 (嘉陵江)
            regions[name] = region
        if len(fields) > 2:
            for alias in filter(None, (a.strip() for a in fields[2].split(","))):
                regions[fold(alias)] = region
    return regions


@dataclass(frozen=True, slots=True)
class StoredEntries:
    """Lexicon entries kept in the database (review decisions), applied on top of the data files."""

    aliases: tuple[tuple[str, str], ...] = ()  # (alias, canonical)
    distinct: tuple[tuple[str, str], ...] = field(default=())  # metric pairs never merged, exactly as named


_STORED: list[StoredEntries] = [StoredEntries()]


def use_stored_entries(entries: StoredEntries) -> bool:
    """Apply the database's entries from now on (lexicon, tokenizer, fingerprint); False if already applied."""
    if entries == _STORED[0]:
        return False
    _STORED[0] = entries
    reload()
    return True


def reload() -> None:
    """Read the data files again on next use (after they were edited while the process runs)."""
    for cached in (lexicon, tokenizer, cut, fingerprint, _metrics):
        cached.cache_clear()


@functools.cache
def _metrics() -> dict[str, object]:
    """metrics.toml as data, with the stored entries merged in (aliases, [never_merge] distinct)."""
    # The data is folded as the working text is (NFKC, simplified), so that a maintainer may write an alias
    # in either script or width and it still meets the text.
    metrics = tomllib.loads(fold((DATA / "metrics.toml").read_text(encoding="utf-8")))
    aliases = metrics.setdefault("aliases", {})
    for alias, canonical in _STORED[0].aliases:
        if alias != canonical and alias not in aliases.get(canonical, []):
            aliases[canonical] = [*aliases.get(canonical, []), alias]
    never = metrics.setdefault("never_merge", {})
    pairs = {tuple(sorted(p)) for p in never.get("distinct", [])} | {tuple(sorted(p)) for p in _STORED[0].distinct}
    never["distinct"] = [list(p) for p in sorted(pairs)]
    return metrics


@functools.cache
def fingerprint() -> str:
    """A hash of everything the extractor reads as data: the lexicon's files and the stored entries.

    Of metrics.toml's content, not its bytes (a comment changes nothing; an alias exported from the database
    to the file leaves it as it was); regions.tsv and words.txt as written.
    """
    metrics = json.loads(json.dumps(_metrics(), ensure_ascii=False))
    for canonical, spellings in metrics.get("aliases", {}).items():
        metrics["aliases"][canonical] = sorted(set(spellings))
    digest = hashlib.sha256(json.dumps(metrics, ensure_ascii=False, sort_keys=True).encode())
    for name in ("regions.tsv", "words.txt"):
        digest.update(b"\x1f" + (DATA / name).read_bytes())
    return digest.hexdigest()[:16]


@BuiltOnce
def lexicon() -> Lexicon:
    """The process-wide lexicon, loaded from the data files on first use (with the stored entries)."""
    metrics: dict[str, Any] = _metrics()
    aliases: dict[str, str] = {}
    for canonical, spellings in metrics.get("aliases", {}).items():
        aliases[canonical] = canonical
        for spelling in spellings:
            aliases[spelling] = canonical
    for alias, canonical in _STORED[0].aliases:  # a reviewer's alias wins, also over a canonical name
        aliases[alias] = aliases.get(canonical, canonical)
        aliases.setdefault(canonical, canonical)  # as the file has it once exported
    for name, canonical in aliases.items():  # an alias of an alias names the last one
        seen = {name}
        while aliases.get(canonical, canonical) != canonical and canonical not in seen:
            seen.add(canonical)
            canonical = aliases[canonical]
        aliases[name] = canonical
    never = metrics.get("never_merge", {})
    return Lexicon(_load_regions(), aliases, metrics.get("prefixes", {}), metrics.get("suffixes", {}),
                   metrics.get("patterns", {}), metrics.get("brand_regions", {}),
                   metrics.get("cue_nouns", {}).get("nouns", []), never.get("pairs", []), never.get("scopes", []),
                   metrics.get("synonyms", {}), metrics.get("context", {}).get("words", []), never.get("distinct", []),
                   metrics.get("implied_units", {}))


_CACHE_DIR: list[Path] = [Path(tempfile.gettempdir()) / "cache"]


def set_cache_dir(folder: Path) -> None:
    """Where jieba keeps the cache of its main dictionary (the data dir's cache/, as the stages say; the
    system's temporary directory otherwise). Takes effect for a tokenizer not built yet."""
    _CACHE_DIR[0] = folder


@BuiltOnce
def tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, with the lexicons as its user dictionary (see set_cache_dir).

    jieba is imported here, not with the module: it pulls in pkg_resources, a fifth of a second of every
    command's start, and most commands read the lexicons without ever segmenting a phrase.
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    cache_dir = _CACHE_DIR[0]
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tok.tmp_dir = str(cache_dir)
    except OSError:
        pass  # read-only data dir: jieba falls back to building its dictionary in memory
    tok.initialize()
    for line in (DATA / "words.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, *rest = line.split()
            tok.add_word(word, int(rest[0]) if rest else None, rest[1] if len(rest) > 1 else None)
    lex = lexicon()
    for word in [*lex.metric_aliases, *lex.regions_by_alias]:
        if "(" not in word:  # jieba never matches a user word containing ASCII brackets
            tok.add_word(word, 2000)
    return tok


@functools.lru_cache(maxsize=8192)
def cut(text: str) -> tuple[str, ...]:
    """Segment a short phrase with the shared tokenizer (phrases recur a lot, so results are cached)."""
    return tuple(tokenizer().lcut(text, HMM=True))
