"""The indicator extractor: a pure function from (article text, publication date) to indicator records.

Walk the article block by block (headings, paragraphs, bullets) and sentence by sentence. Each block
starts from the context it inherits — the region and period stated by the heading above it, or, for a
bullet, by the lead sentence of the paragraph above — and every region or period named in the text
updates that context for what follows. Each quantity found (see `quantities`) gets a metric from the
words around it (see `subjects`), a region and a period.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import cast

from crawler.extract import subjects as subj
from crawler.extract.lexicon import Region, RegionMention, lexicon
from crawler.extract.numbers import format_decimal
from crawler.extract.periods import (
    BASE_VALUE_END,
    PERIOD_RE,
    SPAN_RE,
    PeriodMention,
    is_closed,
    period_mentions,
)
from crawler.extract.quantities import INDEX_LEVEL, QUANTITY_RE, Quantity, SentenceCues, find_quantities
from crawler.extract.text import (
    CLAUSE_END,
    GLOSS,
    Block,
    Span,
    WorkingText,
    blocks,
    clauses,
    normalise,
    sentences,
)

KINDS = ("level", "growth", "share", "rank", "change")


@dataclass(frozen=True, slots=True)
class Indicator:
    """One figure stated in an article."""

    metric: str  # canonical metric name
    region: str  # canonical region, or "" when the article does not say
    period: str | None  # YYYY-MM/YYYY-MM, YYYY, or None
    kind: str  # one of KINDS
    value: Decimal  # in base units: 22.8万标箱 -> 228000
    unit: str  # base unit: %, 元, 标箱, 百分点, 位 (rank) …
    qualifier: str | None  # 约, 超过, 突破, 以上, 增至, 达, 近, 余, 前 … (simplified)
    surface: str  # the number with its unit, exactly as written
    sentence: str  # the sentence it came from, exactly as written
    start: int  # offsets of `surface` in the article text
    end: int
    sentence_start: int  # offset of `sentence` in the article text
    status: str = "actual"  # or "target" for goals and forecasts (力争, 预计, 将…)
    metric_raw: str = ""  # the metric words as found, before canonicalisation

    def to_dict(self) -> dict[str, object]:
        """The record as plain JSON-ready data; `value` stays an exact Decimal."""
        return {
            "metric": self.metric, "region": self.region, "period": self.period, "kind": self.kind,
            "value": self.value, "unit": self.unit, "qualifier": self.qualifier, "surface": self.surface,
            "sentence": self.sentence, "start": self.start, "end": self.end,
            "sentence_start": self.sentence_start, "status": self.status, "metric_raw": self.metric_raw,
        }


def to_json_line(record: dict[str, object]) -> str:
    """One JSON object, UTF-8 text, Decimals written as exact JSON numbers (30960000000, 9.3), dates in ISO."""
    parts = []
    for key, value in record.items():
        if isinstance(value, date):  # datetime too
            value = value.isoformat()
        encoded = format_decimal(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{json.dumps(key, ensure_ascii=False)}: {encoded}")
    return "{" + ", ".join(parts) + "}"


@dataclass(slots=True)
class _Context:
    region: Region | None = None
    period: str | None = None
    brand: str = ""  # 中欧班列(成渝)…，运行线路50余条: the brand named as subject, what follows is its


@dataclass(slots=True)
class _Events:
    """Regions and periods named in a block, by position, to know the context at any point."""

    positions: list[int] = field(default_factory=list)
    contexts: list[_Context] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # what each event named: "region" or "period"
    targets: list[PeriodMention] = field(default_factory=list)  # 到2027年: years that targets are set for
    rows: set[str] = field(default_factory=set)  # the places that open a clause (甲区10个…；乙县12个…)

    def at(self, position: int, initial: _Context) -> _Context:
        i = bisect.bisect_right(self.positions, position)
        return self.contexts[i - 1] if i else initial


_SENTENCE_END = re.compile(r"[。!?;]")
_PROVINCE_PAIR = re.compile(r"(四川|重庆)[省市]?[、和与](?!\1)(四川|重庆)[省市]?")
_TOTAL_TAIL = re.compile(r"合计|总计|共计|累计|共")
_TOGETHER = re.compile(r"两地|两市|两省|两区|共建|共同|联合|携手|合作|合计|总计")
# 今年主要预期目标是：… opens a list of targets; 符合预期目标, 12项主要预期目标中11项完成 report on them.
_TARGET_LIST = re.compile(r"(?<!符合)(?<!低于)(?<!高于)(?<!超过)(?<!完成)(?<!实现)(?<!达到)(?<!好于)(?<!超出)"
                          r"(?:(?:主要)?预期目标|主要目标|目标任务)(?=[^,。;]{0,4}?(?:是|为|:|如下|包括)|\s*$)")
_WHOLE_AREA = re.compile(r"全省|全市|全区|全县|两地")
_FULL_YEAR = re.compile(r"(?<![今去上明\d]年)(?<!年)全年")
# 约占全市三成, 高于全省: after these, a place is the base of a comparison, not what the figure is about.
_BASE_BEFORE = re.compile(r"(?:占|比|较|高于|低于|居|位居|超过)$")
_AREA_LEVELS = {"全省": ("province",), "全市": ("municipality", "city"), "全区": ("district", "zone"),
                "全县": ("district",), "两地": ("joint",)}
_LIST_SEPARATOR = re.compile(r"[、和与及]|以及")
# 四川联手重庆, 重庆携手四川: the two together.
# 重庆、四川共推出…: the two together, not each.
_JOINT = re.compile(r"(?P<a>四川|重庆)[省市]?(?:联手|携手|会同|协同|联合)(?P<b>四川|重庆)"
                    r"|(?P<c>四川|重庆)[省市]?[、和与](?P<d>四川|重庆)[省市]?(?:两地|两省市)?(?=共同|共|联合|合力|携手)")
_TWO_CITIES = re.compile(r"(成都|重庆)[市]?[、和与](成都|重庆)[市]?两地")
_CO_BUILT_BEFORE = re.compile(r"共建$")
_NOT_SUBJECT_BEFORE = re.compile(r"(?<![面相])[对向赴]$")
# 在成都开幕, 以成都、重庆为核心: where something happens or what it centres on, not its subject.
_VENUE_BEFORE = re.compile(r"(?<![存所现])[在以]$")
_VENUE_AFTER = re.compile(r"(?:[、和与]\S{2,4}?)?(?:召开|开幕|闭幕|举行|举办|落幕|为核心|为中心|为主|为重点)")


_RISES_TO = re.compile(r"(?:提高|提升|上升|增加|增长|下降|降低|减少|回落)(?:到|至)")
_OWN_YEAR_BEFORE = re.compile(r"(?:\d{4}|[今去上]|[底末])年?(?:底|末)?的$")  # 从2019年的9.4万标箱增长到…
_CAPTION = re.compile(r"\s*[▲△↑]|\s*[(（]?图[/／:：]")
_CONTRIBUTION_TAIL = re.compile(r"贡献率?(?:突出|较大|明显|显著|最大)?$")
_FRAME = re.compile(r"(?:从|分)([^,:。;]{1,12}?)(?:来看|看)[,:]")
# A clause that can be an item of a list split by commas: a short noun phrase, no predicate or 的-clause.
_LIST_ITEM = re.compile(r"(?:其中)?[^的是为显示发布有\d]{2,16}")
_CLAUSE_OPENING = re.compile(r"(?:数据显示|据统计|据了解|其中|同期|截至|截至目前|目前|在|全年)*")


def _place_lists(text: str, mentions: list[RegionMention]) -> list[tuple[int, list[Region]]]:
    """Lists of distinct places (四川和重庆, 成都、德阳、绵阳) with where each ends, for a later 两地/两市."""
    lists: list[tuple[int, list[Region]]] = []
    for first, second in zip(mentions, mentions[1:], strict=False):
        if not _LIST_SEPARATOR.fullmatch(text[first.end:second.start]) or first.region == second.region:
            continue
        if lists and lists[-1][1][-1] == first.region and lists[-1][0] == first.end:
            lists[-1] = (second.end, [*lists[-1][1], second.region])
        else:
            lists.append((second.end, [first.region, second.region]))
    return lists


# A place named in the items before 等 (甲市乙线、丙县丁段等项目) is inside an example's name, not the subject.
_EXAMPLES_AFTER = re.compile(r"[^,:;。]{0,40}?(?<![一二三四五同平对中高初上])等(?![于同级奖])")
# 重庆市万盛经开区, 四川省绵阳市: a place written right after the place it lies in is the one meant.
_LEVEL_RANK = {"province": 1, "municipality": 1, "city": 2, "district": 3, "zone": 3}


def _finest(mentions: list[RegionMention]) -> list[RegionMention]:
    """The mentions without those that only say where the next one lies (重庆市 of 重庆市江津区)."""
    kept = []
    for i, mention in enumerate(mentions):
        following = mentions[i + 1] if i + 1 < len(mentions) else None
        if following is not None and following.start == mention.end and \
                _LEVEL_RANK.get(mention.region.level, 0) < _LEVEL_RANK.get(following.region.level, 0) and \
                _LEVEL_RANK.get(mention.region.level, 0) > 0:
            continue
        kept.append(mention)
    return kept


def _listed(text: str, mentions: list[RegionMention]) -> set[int]:
    """Ids of the mentions that are members of a list of regions (四川、重庆; 两江新区和重庆高新区)."""
    listed: set[int] = set()
    for first, second in zip(mentions, mentions[1:], strict=False):
        if _LIST_SEPARATOR.fullmatch(text[first.end:second.start]):
            listed.update((id(first), id(second)))
    return listed


class _Walker:
    """One pass over one article; holds what the article has said so far."""

    def __init__(self, working: WorkingText, published: date, default_region: Region | None) -> None:
        self.wt = working
        self.text = working.text
        self.published = published
        self.default_region = default_region
        self.last_by_level: dict[str, Region] = {}
        if default_region:
            self.last_by_level[default_region.level] = default_region
        self.records: list[Indicator] = []
        self._place_lists: list[tuple[int, list[Region]]] = []
        self._clause_starts: list[int] = []
        self._bare_clauses: list[Span] = []  # the number-less clauses right before the current one

    def run(self) -> list[Indicator]:
        heading = _Context(self.default_region, None)
        lead: _Context | None = None
        carried: _Context | None = None  # where the previous paragraph left off, for prose
        for index, block in enumerate(blocks(self.text)):
            if block.kind == "bullet" and lead:
                inherited = lead
            elif block.kind == "paragraph" and carried:  # prose goes on where the last paragraph was
                inherited = _Context(carried.region or heading.region, carried.period or heading.period)
            else:
                inherited = heading
            events = self._events(block, inherited)
            spans = sentences(self.text, block)
            if block.kind == "heading":
                stated = self._first_stated(block, block.end, events)
                heading = _Context(stated.region or heading.region, stated.period or heading.period)
                lead = carried = None
            elif block.kind == "paragraph" and _CAPTION.match(self.text, block.start):
                pass  # ▲甲市客商与乙市企业签约: a photo's caption, the article's context goes on past it
            elif block.kind == "paragraph":
                carried = events.at(block.end, inherited)
                if len(events.rows) > 1:  # 甲区…；乙县…: a breakdown by place, the next paragraph is not the last's
                    carried = _Context(inherited.region, carried.period)
                first_end = spans[0].end if spans else block.end
                stated = self._first_stated(block, first_end, events)
                lead = _Context(stated.region or heading.region, stated.period or heading.period)
            if index == 0 and not inherited.period:  # 120个项目、总投资900亿元！甲省2031年四季度…: the title's period
                inherited = _Context(inherited.region, self._first_stated(block, block.end, events).period)
            self._extract_block(block, spans, inherited, events)
        return self.records

    # --- context ----------------------------------------------------------------------------------------

    def _events(self, block: Block, initial: _Context) -> _Events:
        lex = lexicon()
        events = _Events()
        found: list[tuple[int, str, object]] = []
        mentions = _finest(lex.region_mentions(self.text, block.start, block.end))
        listed = _listed(self.text, mentions)
        self._place_lists = _place_lists(self.text, mentions)
        for mention in mentions:
            before = self.text[max(block.start, mention.start - 2):mention.start]
            if _CO_BUILT_BEFORE.search(before) and mention.region.level == "joint":
                found.append((mention.end, "joint", lex.region("川渝")))  # 共建成渝地区双城经济圈重大项目
                continue
            if _NOT_SUBJECT_BEFORE.search(before) or (
                    _VENUE_BEFORE.search(before) and _VENUE_AFTER.match(self.text, mention.end)):
                continue  # 在成都开幕, 以成都、重庆为核心: a place, not what the figure is about
            if self.text.find("等", mention.end, mention.end + 41) >= 0 and \
                    _EXAMPLES_AFTER.match(self.text, mention.end, block.end):
                continue  # 甲市乙线、丙县丁段等交通项目12个: places inside the names of examples
            if before.endswith("其中"):  # 其中甲区完成…: a part, for the rest of its sentence only
                end = _SENTENCE_END.search(self.text, mention.end, block.end)
                found.append((mention.end, "part", mention))
                found.append((end.end() if end else block.end, "part_end", None))
                continue
            found.append((mention.end, "region", mention))
        for b_start, b_end, b_region in lex.brand_mentions(self.text, block.start, block.end):
            before = self.text[max(block.start, b_start - 2):b_start]
            if not (_NOT_SUBJECT_BEFORE.search(before) or _VENUE_BEFORE.search(before)):
                brand = (self.text[b_start:b_end], b_region)
                found.append((b_end, "brand", brand))  # 西部陆海新通道通达…: the corridor's own region
        for match in _WHOLE_AREA.finditer(self.text, block.start, block.end):
            if not _BASE_BEFORE.search(self.text, max(0, match.start() - 3), match.start()):
                found.append((match.end(), "area", match.group()))
        for match in _FULL_YEAR.finditer(self.text, block.start, block.end):
            found.append((match.end(), "full_year", None))
        for match in _JOINT.finditer(self.text, block.start, block.end):
            first, second = match.group("a") or match.group("c"), match.group("b") or match.group("d")
            if first != second:
                found.append((match.end(), "joint", lex.region("川渝")))
        for match in _TWO_CITIES.finditer(self.text, block.start, block.end):
            if match.group(1) != match.group(2):
                found.append((match.end(), "joint", lex.region("成渝")))
        for period in period_mentions(self.text, block.start, block.end, self.published):
            if period.target:
                events.targets.append(period)
            elif period.base:  # 从上半年的1.7个百分点上升为…: that period, up to the verb of the change
                found.append((period.end, "span", None))
                found.append((period.end, "period", period.period))
                ends = BASE_VALUE_END.search(self.text, period.end, block.end)
                found.append((ends.start() if ends else period.end, "span_end", None))
            elif period.since:
                self._span_events(found, period.end, block)
            else:
                found.append((period.end, "period", period.period))
        for span in SPAN_RE.finditer(self.text, block.start, block.end):
            self._span_events(found, span.end(), block)
        found.sort(key=lambda item: item[0])
        current = _Context(initial.region, initial.period)
        clauses_with_region: set[int] = set()
        self._clause_starts = [m.end() for m in CLAUSE_END.finditer(self.text, block.start, block.end)]
        saved: list[str | None] = []
        parts: list[Region | None] = []
        for position, kind, payload in found:
            if kind == "part":
                parts.append(current.region)
                kind = "region"
            elif kind == "part_end":
                current = replace(current, region=parts.pop() if parts else current.region)
            if kind == "part_end":
                pass
            elif kind == "period":
                current = replace(current, period=payload)  # type: ignore[arg-type]
            elif kind == "span":  # 5年来…: no period until the sentence ends
                saved.append(current.period)
                current = replace(current, period=None)
            elif kind == "span_end":
                current = replace(current, period=saved.pop() if saved else current.period)
            elif kind == "full_year":  # 全年: the year in context, else the publication year
                year = current.period[:4] if current.period else str(self.published.year)
                current = replace(current, period=year)
            elif kind == "brand":  # what follows is about the brand, unless the clause named a place first
                clause = self._clause_index(position, block)
                if clause in clauses_with_region:
                    continue
                clauses_with_region.add(clause)
                brand_name, brand_region = cast(tuple[str, Region | None], payload)
                current = _Context(brand_region, current.period, brand_name)
            elif kind == "joint":
                current = _Context(payload, current.period)  # type: ignore[arg-type]
                clauses_with_region.add(self._clause_index(position, block))
            elif kind == "area":
                region = next((self.last_by_level[level] for level in _AREA_LEVELS[payload]  # type: ignore[index]
                               if level in self.last_by_level), self.default_region)
                if region is None:
                    continue
                clause = self._clause_index(position, block)
                if clause in clauses_with_region:
                    continue
                clauses_with_region.add(clause)
                current = _Context(region, current.period)
            else:
                mention = cast(RegionMention, payload)
                self.last_by_level[mention.region.level] = mention.region
                if (mention.region.level == "national" and not self._opens_clause(mention.start, block)) \
                        or id(mention) in listed:
                    continue  # 全国 is the base of a share or rank; listed regions have their own figures
                clause = self._clause_index(position, block)
                if clause in clauses_with_region:
                    continue  # the first place a clause names is what it is about, later ones are objects
                clauses_with_region.add(clause)
                current = _Context(mention.region, current.period)
                if len(events.rows) < 2 and mention.region.name not in events.rows \
                        and self._opens_clause(mention.start, block):  # only whether two places open clauses
                    events.rows.add(mention.region.name)
            events.positions.append(position)
            events.contexts.append(current)
            events.kinds.append("period" if kind == "period" else "region")
        return events

    def _span_events(self, found: list[tuple[int, str, object]], position: int, block: Block) -> None:
        """A span of years (5年来, 2021年以来) leaves the rest of its sentence without a period."""
        end = _SENTENCE_END.search(self.text, position, block.end)
        found.append((position, "span", None))
        found.append((end.end() if end else block.end, "span_end", None))

    def _opens_clause(self, position: int, block: Block) -> bool:
        """Whether only a period or an opening word stands between the clause start and `position`
        (2025年我国…, 在中国内地…: the country is the subject, not the base of a comparison)."""
        i = bisect.bisect_right(self._clause_starts, position) - 1
        start = self._clause_starts[i] if i >= 0 else block.start
        return _CLAUSE_OPENING.fullmatch(PERIOD_RE.sub("", self.text[start:position]).strip()) is not None

    def _clause_index(self, position: int, block: Block) -> int:
        return bisect.bisect_right(self._clause_starts, position - 1)

    def _first_stated(self, block: Block, end: int, events: _Events) -> _Context:
        """The first region and the first period named in block[:end]."""
        region = period = None
        for position, context, kind in zip(events.positions, events.contexts, events.kinds, strict=True):
            if position > end:
                break
            if kind == "region" and region is None:
                region = context.region
            if kind == "period" and period is None:
                period = context.period
        return _Context(region, period)

    # --- extraction -------------------------------------------------------------------------------------

    def _extract_block(self, block: Block, spans: list[Span], inherited: _Context, events: _Events) -> None:
        state = _BlockState()
        frame = _FRAME.match(self.text, block.start, block.end)  # 从主要产品产量看，…: the items' head noun
        if frame:
            state.frame_head = next((h for h in subj.HEADS if frame.group(1).endswith(h)), None)
        # every alternative of _TARGET_LIST contains 目标: a plain find skips the regex in most blocks
        target_list = (_TARGET_LIST.search(self.text, block.start, block.end)
                       if self.text.find("目标", block.start, block.end) >= 0 else None)
        for sentence in spans:
            if not QUANTITY_RE.search(self.text, sentence.start, sentence.end) and \
                    not INDEX_LEVEL.search(self.text, sentence.start, sentence.end):
                continue  # no number in it: nothing to extract, and nothing later clauses could inherit
            targets = [p for p in events.targets if sentence.start <= p.start < sentence.end]
            in_list = target_list is not None and target_list.end() <= sentence.end
            self._extract_sentence(sentence, inherited, events, state, targets, in_list)

    def _extract_sentence(self, sentence: Span, inherited: _Context, events: _Events,
                          state: _BlockState, targets: list[PeriodMention], in_target_list: bool) -> None:
        previous_clause: Span | None = None
        sentence_metrics: list[subj.Subject] = []
        cues = SentenceCues.of(self.text, sentence.start, sentence.end)
        if in_target_list:  # every item of a 主要预期目标 list is a target, also after ；
            cues = SentenceCues(cues.entity_at, sentence.start)
        self._bare_clauses = []
        for clause in clauses(self.text, sentence):
            quantities = find_quantities(self.text, clause.start, clause.end, cues)
            if not quantities:
                previous_clause = clause
                self._bare_clauses.append(clause)
                continue
            first_prefix: str | None = None
            for run_pre, run in _runs(self.text, clause, quantities):
                if first_prefix is None:
                    first_prefix = run_pre
                before = (lambda: sentence_metrics[-1]) if sentence_metrics else \
                    (lambda c=previous_clause: self._clause_subject(c))
                assigned = self._attribute(run_pre, run, clause, state, first_prefix, before)
                for quantity, subject in assigned:
                    subject = self._lend_head(subject, quantity, state)
                    context = events.at(quantity.start, inherited)
                    period = context.period
                    if quantity.status == "target":
                        years = [p for p in targets if p.end <= quantity.start]
                        period = years[-1].period if years else period
                        if cues.target_word == "预计" and period and is_closed(period, self.published):
                            quantity = replace(quantity, status="actual")  # an estimate of a closed year
                    if quantity.status == "actual" and quantity.kind == "growth" and period and len(period) == 4 \
                            and not is_closed(period, self.published) \
                            and self.text.find("全年", clause.start, quantity.start) >= 0:
                        # a whole year's growth stated before the year closes can only be a goal or a forecast
                        # (CONVENTIONS: no actual has a future period): 全年增长6%左右 in a February report
                        quantity = replace(quantity, status="target")
                    if period and len(period) == 4 and _RISES_TO.match(self.text, quantity.end) \
                            and not _OWN_YEAR_BEFORE.search(self.text, max(0, quantity.start - 10), quantity.start):
                        period = str(int(period) - 1)  # 由76.9%提高到79%: the value of the year before
                    if context.brand and subject.region is None:
                        subject = subj.under_brand(subject, context.brand)
                    self._emit(quantity, subject, subject.region or context.region, period, sentence)
                    sentence_metrics.append(subject)
            self._bare_clauses = []

    def _clause_subject(self, clause: Span | None) -> subj.Subject | None:
        if clause is None:
            return None
        return subj.clean(subj.strip_predicate(self.text[clause.start:clause.end]))

    def _attribute(self, pre: str, run: list[Quantity], clause: Span, state: _BlockState, first_prefix: str,
                   before: Callable[[], subj.Subject | None]) -> list[tuple[Quantity, subj.Subject]]:
        """Pair each quantity of a run with what it is about."""
        text = self.text
        head = run[0]
        after = _after_qualifier(text, head.end, clause.end)
        if head.kind == "share" and text.startswith("的", head.end):
            noun = subj.clean(subj.counted_noun(text, head.end + 1, clause.end))
            if noun.metric:
                return [(q, noun) for q in run]
        if pre.rstrip().endswith("以") and text.startswith("的", head.end):  # 甲机场以N人次的旅客吞吐量…
            noun = subj.clean(subj.counted_noun(text, head.end + 1, clause.end))
            doer = subj.clean(pre.rstrip()[:-1])
            if noun.metric and doer.metric:
                subject = subj.Subject(doer.metric + noun.metric, doer.region or noun.region)
                state.subjects = [subject]
                return [(q, subject) for q in run]
        if head.classifier:
            noun_text = subj.counted_noun(text, after, clause.end)
            if noun_text:
                noun = subj.clean(noun_text)
                # 124个国家和地区523个港口: the words before this count are the last count's noun, so the
                # clause's subject (通达…) is what leads to this one too
                after_count = first_prefix != pre and subj.counted_noun(pre, 0, len(pre)) == pre.strip()
                prefix = first_prefix if (pre.endswith("的") or after_count) and first_prefix != pre else pre
                metric, region = subj.noun_with_prefix(prefix, noun.metric)
                subject = subj.Subject(metric, noun.region or region)
                state.subjects = [subject]
                return [(q, subject) for q in run]

        phrase = pre
        if head.kind == "share" and "占" in phrase:
            phrase = phrase[: phrase.rindex("占")]
        core = subj.strip_predicate(phrase)
        tail = phrase[len(core):]
        distributive = "分别" in tail or "均" in tail
        broadcast = "均" in tail
        shared_metric = None
        if "分别" in core:  # A与B分别完成旅客吞吐量X和Y: the metric follows 分别
            core, after_each = core.split("分别", 1)
            shared_metric = subj.clean(after_each).metric or None
            distributive = True
        subjects: list[subj.Subject]
        cleaned = subj.clean(core)
        if _TOTAL_TAIL.search(tail) and _PROVINCE_PAIR.match(core.lstrip()):
            cleaned = subj.Subject(cleaned.metric, lexicon().region("川渝"))  # 重庆、四川…合计: the two together
        if cleaned.topic:
            state.topic = cleaned.topic
        elif state.topic and cleaned.metric and not cleaned.region and subj.VERB_LED_BY_DOER.match(core):
            cleaned = subj.Subject(state.topic + cleaned.metric)  # ；完成货邮吞吐量…: the same doer
        if cleaned.metric in subj.VERB_ONLY and not cleaned.region and state.subjects:
            cleaned = subj.Subject("")  # 一举突破6000万人次: still the metric before
        if cleaned.metric or cleaned.region or cleaned.refers_back:
            subjects = subj.split_subjects(core) if distributive else [cleaned]
            if "分别" in tail and len(subjects) != len(run) and len(self._bare_clauses) + 1 >= len(run) \
                    and pre == first_prefix:  # 汽车制造业，电气机械和器材制造业增加值分别增长…: items by commas
                items = [self.text[c.start:c.end] for c in self._bare_clauses]
                items = [item for item in items if _LIST_ITEM.fullmatch(item) and subj.clean(item).metric]
                if len(items) + 1 == len(run):
                    subjects = subj.comma_list([*items, core])
            if shared_metric:
                subjects = [subj.Subject(shared_metric, s.region) for s in subjects]
            subjects = self._continue_verb_led(subjects, state)
            each_place = broadcast or not core.lstrip().startswith("两地")
            named_places = state.places
            if not named_places and distributive and len(run) > 1:  # 四川和重庆…，两地GDP分别达…: the list before
                named_places = next((p for end, p in reversed(self._place_lists) if end <= clause.start), [])
                named_places = named_places if len(named_places) == len(run) else []
            if len(subjects) == 1 and subjects[0].refers_back and len(named_places) > 1 and each_place:
                subjects = [subj.Subject(subjects[0].metric, place) for place in named_places]
            previous_metric = state.subjects[-1].metric if state.subjects else ""
            if previous_metric and not any(s.metric for s in subjects):  # 重庆、四川分别增长5.9%、5.7%
                subjects = [subj.Subject(previous_metric, s.region) for s in subjects]
            subjects = [self._qualify_generic(s, before) for s in subjects]
            if len(subjects) > 1 and all(s.region for s in subjects):
                state.places = [s.region for s in subjects if s.region]
            state.subjects = subjects
        elif distributive and len(run) > 1 and self._bare_clauses and \
                len(named := subj.split_subjects(subj.strip_predicate(
                    self.text[self._bare_clauses[-1].start:self._bare_clauses[-1].end]))) == len(run):
            subjects = named  # 家电和轻纺产业增长较快，分别增长…: the clause before names the subjects
            if _CONTRIBUTION_TAIL.search(subjects[-1].metric):  # 甲业、乙业贡献突出，分别为41.2%、9.8%
                subjects = [subj.Subject(_CONTRIBUTION_TAIL.sub("", s.metric) + "贡献率", s.region) for s in subjects]
                run = [replace(q, kind="share") if q.unit == "%" and q.kind == "level" else q for q in run]
            subjects = [self._qualify_generic(s, before) for s in subjects]
            state.subjects = subjects
        else:
            subjects = state.subjects or [subj.Subject("")]
            if distributive and len(run) > 1 and len(subjects) == 1 and subjects[0].metric:
                # 机场旅客吞吐量和货邮吞吐量继续位居全国前十，分别增长12.6%和21%: the list named before
                parts = subj.split_subjects(subjects[0].metric)
                if len(parts) == len(run):
                    subjects = [subj.Subject(p.metric, p.region or subjects[0].region) for p in parts]
        if not distributive and len(run) == 1 and len(subjects) == 1 and subjects[0].region is not None \
                and _LIST_SEPARATOR.search(core) and not _TOTAL_TAIL.search(tail) and not _TOGETHER.search(core) \
                and not ("等" in core and subj.EXAMPLES_END.match(core)):
            places = subj.split_subjects(core)  # 绵阳、德阳经济总量超过2000亿元: each place has that value
            if len(places) > 1 and all(p.region for p in places) and len({p.region for p in places}) > 1:
                subjects = [self._qualify_generic(p, before) for p in places]
                state.places = [p.region for p in places if p.region]
                state.subjects = subjects
                broadcast = True
        if broadcast and len(subjects) > 1 and len(run) == 1:
            return [(run[0], s) for s in subjects]
        if len(subjects) == len(run):
            return list(zip(run, subjects, strict=True))
        if len(subjects) > 1:  # counts differ: never guess which value is whose
            metrics = list(dict.fromkeys(s.metric for s in subjects))  # 两地GDP…，合计…: one metric, not a list
            joined = subj.Subject("、".join(metrics),
                                  subjects[0].region if len({s.region for s in subjects}) == 1 else None)
            return [(q, joined) for q in run]
        return [(q, subjects[0]) for q in run]

    @staticmethod
    def _lend_head(subject: subj.Subject, quantity: Quantity, state: _BlockState) -> subj.Subject:
        """集成电路产量增长67.3%，工业机器人增长54.9%: a parallel item takes the head noun of the one before."""
        metric = subject.metric
        if not metric or quantity.classifier or quantity.kind == "share":
            state.head = None
            return subject
        if state.frame_head and not metric.endswith(subj.HEADS) and not subj.MEASURE_END.search(metric):
            return subj.Subject(metric + state.frame_head, subject.region, subject.refers_back)
        if metric.endswith(subj.HEADS):
            state.head = next(h for h in subj.HEADS if metric.endswith(h))
            return subject
        if subj.MEASURE_END.search(metric) or not state.head:
            state.head = None
            return subject
        return subj.Subject(metric + state.head, subject.region, subject.refers_back)

    @staticmethod
    def _continue_verb_led(subjects: list[subj.Subject], state: _BlockState) -> list[subj.Subject]:
        """运输货物58万标箱 after 西部陆海新通道班列开行…: the verb continues the noun before it."""
        if len(subjects) != 1 or not state.subjects or not subj.VERB_LED.match(subjects[0].metric):
            return subjects
        noun = subj.TRAILING_VERB.sub("", state.subjects[-1].metric)
        if not noun:
            return subjects
        return [subj.Subject(noun + subjects[0].metric, subjects[0].region or state.subjects[-1].region)]

    @staticmethod
    def _qualify_generic(subject: subj.Subject, before_of: Callable[[], subj.Subject | None]) -> subj.Subject:
        """总投资 alone says little: name it after the clause before (重点项目 + 总投资); 总量 is that metric."""
        if subject.metric not in subj.GENERIC_HEADS and subject.metric not in subj.SAME_AS_BEFORE:
            return subject
        before = before_of()
        if before and before.metric:
            if subject.metric in subj.GENERIC_HEADS:
                return subj.Subject(before.metric + subject.metric, subject.region or before.region)
            if subject.metric in subj.SAME_AS_BEFORE:
                return subj.Subject(before.metric, subject.region or before.region)
        return subject

    def _emit(self, quantity: Quantity, subject: subj.Subject, region: Region | None, period: str | None,
              sentence: Span) -> None:
        lex = lexicon()
        start, end = self.wt.span_to_original(quantity.start, quantity.end)
        if self.wt.origin is not None and (gloss := GLOSS.search(self.wt.original, start, end)):
            end = gloss.start()  # 8.5萬(wàn)噸: the surface stops before the gloss (the unit is read after it)
        s_start, s_end = self.wt.span_to_original(sentence.start, sentence.end)
        sentence_text = self.wt.original[s_start:s_end].rstrip()
        metric = lex.canonical_metric(subject.metric) if subject.metric else ""
        branded, brand_region = lex.brand_region(metric)
        if branded and subject.region is None:  # the sentence's own subject still wins: 重庆西部陆海新通道…
            region = brand_region
        self.records.append(Indicator(
            metric=metric,
            region=region.name if region else "",
            period=period,
            kind=quantity.kind,
            value=quantity.value,
            unit=quantity.unit,
            qualifier=quantity.qualifier,
            surface=self.wt.original[start:end],
            sentence=sentence_text,
            start=start,
            end=end,
            sentence_start=s_start,
            status=quantity.status,
            metric_raw=subject.metric,
        ))


@dataclass(slots=True)
class _BlockState:
    subjects: list[subj.Subject] | None = None  # the last subjects named, for clauses that name none
    places: list[Region] = field(default_factory=list)  # the last list of places, for 两地/两市
    head: str | None = None  # the head noun (产量, 增加值) of the last metric, lent to parallel items
    topic: str = ""  # the doer of the last 'doer + 完成 + quantity' subject
    frame_head: str | None = None  # 从主要产品产量看: the head noun the block's items share


_POST_QUALIFIER = re.compile(r"以上|以下|以内|左右|有余|多")
_RUN_SEPARATOR = re.compile(r"[、和与及\s]*")
_POST_QUALIFIERS = frozenset({"以上", "以下", "以内", "左右", "有余", "多", "余"})


def _after_qualifier(text: str, position: int, end: int) -> int:
    match = _POST_QUALIFIER.match(text, position, end)
    return match.end() if match else position


def _runs(text: str, clause: Span, quantities: list[Quantity]) -> Iterable[tuple[str, list[Quantity]]]:
    """Group a clause's quantities: a value list (9.3%、16.8%) is one run; new words start a new run."""
    runs: list[tuple[str, list[Quantity]]] = []
    boundary = clause.start
    for quantity in quantities:
        pre = text[boundary:quantity.start]
        glued = not pre.strip() and runs and runs[-1][1][-1].unit != quantity.unit  # 12.8%4个行业: two things
        if runs and not glued and _RUN_SEPARATOR.fullmatch(_POST_QUALIFIER.sub("", pre, count=1)):
            runs[-1][1].append(quantity)
        else:
            runs.append((_POST_QUALIFIER.sub("", pre, count=1) if runs else pre, [quantity]))
        boundary = quantity.end
    for _, run in runs:  # 分别达到3.4万亿元和6.8万亿元: a qualifier before the list covers all of it
        if run[0].qualifier and run[0].qualifier not in _POST_QUALIFIERS:
            run[1:] = [q if q.qualifier else replace(q, qualifier=run[0].qualifier) for q in run[1:]]
    return runs


def extract_indicators(text: str, published: date | None = None, *,
                       default_region: str | None = None) -> list[Indicator]:
    """Every numeric indicator stated in an article.

    `published` resolves relative periods (今年, 去年, 1—5月 without a year); without it they resolve
    against today. `default_region` (e.g. 四川 for the Sichuan government's site) is what 全省/全市 mean
    when the article names no province or city first.
    """
    region = lexicon().region(default_region) if default_region else None
    return _Walker(normalise(text), published or date.today(), region).run()
