"""Figures laid out as tables: 产品名称 | 单位 | 产量 | 比上年增长(%), 地区 | 地区生产总值(亿元) | 增速(%).

How tables sit in an article's text, and how they are found and located, is in `tablegrid`: one row a line,
cells separated by tabs, so each record's `surface` is the cell's number and its `sentence` the row's line.

A table arrives as a `TableLayout` (where its lines are, which rows are headers, its spans: what a spider saw
in the HTML) or is found in plain text; `locate` turns it into a `Table` of cells with offsets, and `read_table`
reads its figures:
- the metric from the row label (a row number 7、 and an alias in parentheses dropped; of a bilingual sheet
  the Chinese label, the English one only where the Chinese is empty: Total), completed by the parent row
  (其中：…, #…, indented or grouped rows), the column's quantity (产量, 地区生产总值(亿元)) or the caption
  (…GDP排名); place and zone rows under a block row (第一产业) measure the block's quantity;
- the unit from a unit column, the label (原煤(万吨)), the header (产量(万吨), 比上年增长(%)), the cell
  (11.08%), a note above the table (单位：亿元, also with its English gloss), or the unit the article gives one
  of the column's figures; an index column (上年=100) is a level in %, outside the note's unit;
- the kind from the header: 增长/增速/±/同比/环比 -> growth, 比重/占比 -> share, 排名/位次 -> rank, 增量/增加额 -> change,
  else level; the sign as printed;
- the region from the row when rows are places (without 区/县; zones as written: 一小时经济圈), else from the
  caption or title, else the publisher's (as given, also where the lexicon does not know it);
- the period from the column header (10月, 1-10月, 2018; a comparison base 与30年2月环比 is none: the column
  covers the level's period), else the caption, else the title (a bare year of an English caption: (2029)).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cached_property

from crawler.extract.extractor import Indicator, extract_indicators
from crawler.extract.lexicon import Region, lexicon
from crawler.extract.numbers import UNITS, exact
from crawler.extract.periods import PeriodMention, period_mentions
from crawler.extract.tablegrid import (
    YEAR,
    Cell,
    Table,
    find_flat_tables,
    find_tables,
    is_number,
    locate,
    parse_figure,
    unit_of,
)
from crawler.extract.text import normalise
from crawler.items import INDENT, TableLayout

__all__ = ["Cell", "Table", "extract_document", "find_tables", "locate", "read_table"]

# --- reading a table ------------------------------------------------------------------------------------

_RANK = re.compile(r"排名|排行|位次|名次|排序|排位")
_SHARE = re.compile(r"比重|占比|构成|占全")
_CHANGE = re.compile(r"增量|增加额|增减额|增减量|净增|新增")
_GROWTH = re.compile(r"增长|增速|增幅|±|比上年|同比|环比|增减|涨幅|降幅|涨跌幅|变动幅度|变化幅度|变幅")
_INDEX = re.compile(r"=\s*100")  # 上年=100: an index, a level in % of the year beside it
_UNIT_HEADER = re.compile(r"^(?:计量)?单位$")
_PAREN = re.compile(r"[(（]([^()（）]*)[)）]")
# Words of a header that say how a figure is given, not what it measures.
_NOT_NOUN = re.compile(r"(?:上年|上月|去年)?(?:同期)?=100|比上年(?:同期)?|比上月|比(?:19|20)\d\d年|(?:与|较|比)(?:19|20)?\d\d年|同比|环比|上月同期|上年同期|同期|上月|"
                       r"上期|本期|完成数|#|＃|增减|总计|增长|增速|增幅|增量|增加额|增减额|增减量|净增|比重|占比|构成|名义|实际|绝对[量值额数]|年末数|年底数|总量|数值|"
                       r"当月|本月|累计|全年|合计|指标(?:名称)?|名称|地区|区域|城市|区县(?!级)|市州|排名|排行|位次|涨跌幅|变动幅度|变化幅度|变幅|±|%|[\s:：]")
_PERIODS = re.compile(r"(?:19|20)\d\d年?|\d{1,2}[-—~至]\d{1,2}月(?:份)?|\d{1,2}月(?:份)?|[一二三四1-4]季度|前三季度|"
                      r"[上下]半年")
_GROUP = re.compile(r"^(?:按.+分|分.+|主要.+|其中)$")
_SUB_MARK = re.compile(r"^(?:其中\s*[:：]|#|＃|△)\s*")
# The head nouns a sub-row shares with its parent: 采矿业 under 规模以上工业增加值 -> 采矿业增加值.
_HEADS = ("工业总产值", "增加值", "常住人口", "户籍人口", "人口", "产量", "零售总额", "零售额", "营业收入", "利润总额",
          "进出口总额", "固定资产投资", "投资", "产值", "收入", "支出")
_PLACE_SUFFIX = re.compile(r"(?:省|市|区|县|州|自治区)$")
_PRICE = re.compile(r"均价|单价|价格|售价")
_FOOTNOTE = re.compile(r"[\u2460-\u2473\u2776-\u2793]")  # 牛肉②: a circled numeral marks a note, not a name
_PERIOD_HEADER = re.compile(r"^(?:年份|年度|年|时间|日期)?$")
_TOTAL = re.compile(r"^(?:合计|总计|小计|总数|全部|全市|全省|全区|全县|[Tt]otal|TOTAL)$")
_NUMBERED = re.compile(r"^\d{1,3}\s*[、.](?!\d)\s*")  # 7、乙油: a row number, not part of the name
# zones of a city as yearbooks name them: 一小时经济圈, 渝东北翼, 渝西经济走廊 (a place, as written)
_ZONE = re.compile(r"(?:经济圈|都市圈|城市群|经济带|经济走廊|经济区|[东西南北]翼)$")
# a bilingual cell's English part (上年=100 Index Preceding Year=100), or a cell of English only
_ENGLISH = re.compile(r"(?:^|\s+)[A-Za-z][A-Za-z\d\s\-'=(),.]*[a-z][A-Za-z\d\s\-'=(),.]*$")
# units of goods: an item row in one of them, under a column naming no quantity, is the item's output
_OUTPUT_UNITS = frozenset({"吨", "公斤", "斤", "立方米", "千瓦时", "千升", "升", "头", "只", "台", "辆", "件", "套", "米",
                           "平方米", "千克"})
_STRUCTURE = re.compile(r"(?:结构|构成)$")  # 三次产业结构: the rows under it are shares
_OPEN_PAREN = re.compile(r"[(（]([^()（）]*)$")  # 第一产业(% as printed, its parenthesis never closed
# classes of enterprises by ownership or registration: 国有 under 工业总产值 -> 国有企业工业总产值
_OWNERSHIP = re.compile(r"^(?:国有(?:控股)?|集体|私营|民营|个体|股份(?:合作)?制|外商(?:及港澳台)?(?:投资)?|港澳台(?:投资)?|"
                        r"三资|联营)$")
_LEVELS = ("national", "joint", "zone", "province", "municipality", "city", "district")
_PLACE_HEADER = re.compile(r"地区|区域|城市|区县|市州|省份|地市|县区")


@dataclass(slots=True)
class _Column:
    role: str = "value"  # value, rank, index, unit, label, skip
    kind: str = "level"
    unit: str | None = None
    factor: Decimal = Decimal(1)
    noun: str = ""
    period: str | None = None
    header: str = ""
    index: bool = False  # 上年=100


@dataclass(slots=True)
class _Row:
    label: str = ""
    metric: str = ""  # the row's own quantity, when its label names one
    region: Region | None = None
    place: str = ""  # a place the lexicon does not know (北京, 都市功能核心区)
    unit: str | None = None
    factor: Decimal = Decimal(1)
    sub: bool = False
    kind: str | None = None  # a row under 三次产业结构 is a share whatever its column says
    period: str | None = None  # a row labelled by a year (2011 | 6120.45)
    extra: dict[str, str] = field(default_factory=dict)


def _plain(text: str) -> str:
    """A cell's text for reading: NFKC, simplified, without spaces inside (城 镇 -> 城镇)."""
    return re.sub(r"[\s\u3000]+", "", normalise(text).text)


def _headerunit_of(header: str) -> tuple[str, Decimal] | None:
    for match in _PAREN.finditer(header):
        if found := unit_of(match.group(1)):
            return found
    return ("%", Decimal(1)) if "%" in header else None


def _noun(header: str) -> str:
    """The quantity a header names (产量(万吨) -> 产量, 生产总值(亿元) -> 地区生产总值, 总GDP -> 地区生产总值,
    本期均价 -> 价格), without periods."""
    bare = _PERIODS.sub("", _NOT_NOUN.sub("", _PAREN.sub("", header)))
    if _PRICE.search(bare):
        return "价格"
    lex = lexicon()
    if bare.startswith("总") and lex.known_metric(lex.canonical_metric(bare[1:])):
        bare = bare[1:]
    return lex.canonical_metric(bare) if bare else ""


_BASE = re.compile(r"(?:与|较|比)(?:(?:19|20)?\d\d年)?(?:\d{1,2}月(?:份)?)?(?=环比|同比|增|±|$)")


# Head nouns of the English glosses of bilingual yearbooks, longest first: a Chinese header the stored copy
# cuts off (区县级地方 | Financial Budgetary Revenue at District Level) is completed by its gloss' head.
_GLOSS_HEADS = (("value-added tax", "增值税"), ("financial budgetary revenue", "财政收入"), ("financial revenue", "财政收入"),
                ("budgetary revenue", "预算收入"), ("budgetary expenditure", "预算支出"),
                ("financial expenditure", "财政支出"), ("gross output value", "总产值"), ("output value", "产值"),
                ("value-added", "增加值"), ("value added", "增加值"), ("revenue", "收入"), ("expenditure", "支出"),
                ("population", "人口"), ("employees", "从业人员"), ("output", "产量"), ("tax", "税"))
_HEADED = re.compile(r"(?:[税额量值数率费价]|收入|支出|人口|人员|单位|产值|总值|面积)$")


def _completed(noun: str, english: str) -> str:
    """A header's noun, completed by the head its English gloss names when the Chinese stops short of one
    (一般 | General Budgetary Revenue -> 一般预算收入)."""
    if not noun or not english or _HEADED.search(noun) or lexicon().known_metric(noun):
        return noun
    gloss = english.lower()
    head = next((chinese for words, chinese in _GLOSS_HEADS if words in gloss), "")
    return _join(noun, head) if head else noun


def _column_period(header: str, published: date) -> str | None:
    """The period a column header names; a comparison base (与30年2月环比: the month before) is none."""
    header = _BASE.sub("", header)
    for part in header.split():
        if YEAR.match(part):
            return part[:4]
    mentions = period_mentions(header, 0, len(header), published)
    return mentions[-1].period if mentions else None


def _context_period(mentions: Sequence[PeriodMention]) -> str | None:
    """The period a caption and title give: the first named, made precise by months of the same year
    (2018年…排名 | 2018年前三季度… -> 2018-01/2018-09)."""
    if not mentions:
        return None
    first = mentions[0].period
    return next((m.period for m in mentions if "/" in m.period and m.period[:4] == first[:4]), first)


def _bare_year(context: str) -> str | None:
    """The one year a caption writes without 年 (Revenue by District (2029)), or None (1910 各区财政收入2029:
    a sheet number and a year)."""
    years = set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", context))
    return years.pop() if len(years) == 1 else None


def _in_year(period: str | None, context: str | None) -> str | None:
    """A column's bare year in the months the table is about: 2017 in a 前三季度 table -> 2017-01/2017-09."""
    if period and context and len(period) == 4 and "/" in context:
        first, last = context.split("/")
        return f"{period}-{first[5:]}/{period}-{last[5:]}"
    return period


def _cumulative_period(header: str, context: str | None) -> str | None:
    """The months a level column of a cumulative table covers, in a table about 2020-01/2020-03: 本月数 ->
    2020-03/2020-03, 本年累计 -> 2020-01/2020-03, 同期累计 (上年同期) -> 2019-01/2019-03."""
    if not context or "/" not in context:
        return None
    first, last = context.split("/")
    if re.search(r"同期|上年|去年", header):
        return f"{int(first[:4]) - 1}{first[4:]}/{int(last[:4]) - 1}{last[4:]}"
    if re.search(r"本月|当月", header):
        return f"{last}/{last}"
    return context if "累计" in header else None


def _place(label: str) -> tuple[Region | None, str]:
    """The region a row label names, or a place name the lexicon lacks (黑龙江省 -> 黑龙江), or (None, '')."""
    lex = lexicon()
    label = re.sub(r"(?:总计|合计|全部)$", "", label) or label  # 全国总计, 全市合计
    if region := lex.region(label) or (lex.region(_PLACE_SUFFIX.sub("", label)) if len(label) > 2 else None):
        return region, ""
    return None, ""


def _short(name: str) -> str:
    """A row's place without 区/县, as tables name them (江北区 -> 江北), unless one character is left (丙县)."""
    return name[:-1] if len(name) >= 3 and name[-1] in "区县" and not name.endswith("自治县") else name


def _metric_of(label: str) -> str:
    """The canonical metric a label names by itself (工业总产值, 全市常住人口 -> 常住人口), or ''."""
    lex = lexicon()
    name = re.sub(r"^(?:全市|全省|全区|全县|全国|本市|本省|本区|本县)", "", label)
    canonical = lex.canonical_metric(name)
    if lex.known_metric(canonical) or any(canonical.endswith(h) for h in _HEADS):
        return canonical
    return ""


def _head(metric: str, label: str) -> str:
    """What a sub-row's label is completed with: the parent's head noun (the GDP's parts are 增加值)."""
    if metric == "地区生产总值":
        return "增加值" if label.endswith("业") else metric
    for head in _HEADS:
        if metric.endswith(head):
            return head if head != "工业总产值" else metric
    return metric


def _join(label: str, head: str) -> str:
    for size in range(min(len(label), len(head)), 0, -1):  # 轻工业 + 工业总产值 -> 轻工业总产值
        if label.endswith(head[:size]):
            return label + head[size:]
    return label + head


class _Reader:
    """One table of one article."""

    def __init__(self, table: Table, text: str, published: date, default_region: Region | None,
                 home: str = "") -> None:
        self.table, self.text, self.published = table, text, published
        self.home = home  # the publisher's region as given, when the lexicon does not know it (昭化)
        self.rows = table.rows
        self.header = table.header_rows or 0
        self.width = max((len(r) for r in self.rows), default=0)
        lex = lexicon()
        context = _plain(table.caption) + "|" + _plain(table.title)
        mentions = [m for m in lex.region_mentions(context) if m.region.level != "national"]
        first = 0  # 重庆市开州区…: a place written right after the one containing it is the table's
        while (first + 1 < len(mentions) and mentions[first + 1].start == mentions[first].end and
               _LEVELS.index(mentions[first + 1].region.level) > _LEVELS.index(mentions[first].region.level)):
            first += 1
        self.region = mentions[first].region if mentions else default_region
        self.period = _context_period(period_mentions(context, 0, len(context), published)) or \
            next((year for line in (table.gloss, table.caption, table.title) if (year := _bare_year(line))), None)
        caption = _plain(re.sub(r"^\s*(?:表\s*\d+|\d+[-—]\d+)(?:\s+|(?=\D))", "", table.caption or table.title))
        for mention in reversed(lex.region_mentions(caption)):
            caption = caption[:mention.start] + caption[mention.end:]
        caption = re.sub(r"^表\d+|\d{4}年|\d{1,2}[-—~至]\d{1,2}月|\d{1,2}月|各(?:城市|区县|市州|地区|区)|\d+区县|"
                         r"排名|排行|主要|情况|数据|及其构成", "", caption)
        self.caption_text = caption
        # what the caption says the table measures: the longest known metric it ends with (…城市地区生产总值)
        self.caption_noun = next((lex.canonical_metric(caption[i:]) for i in range(len(caption))
                                  if lex.known_metric(lex.canonical_metric(caption[i:]))), "") or \
            (caption if re.search(r"(?:水平|总值|总额|产量|收入|支出|人口|面积)$", caption) else "")

    def cell(self, r: int, c: int) -> Cell | None:
        row = self.rows[r]
        return row[c] if c < len(row) else None

    def text_at(self, r: int, c: int) -> str:
        cell = self.cell(r, c)
        return cell.text if cell else ""

    def columns(self) -> list[_Column]:
        body = range(self.header, len(self.rows))
        columns = []
        unit_rows = [r for r in range(self.header) if self._unit_row(r)]
        for c in range(self.width):
            parts: list[str] = []
            english = " ".join(found.group(0).strip() for r in range(self.header)
                               if (found := _ENGLISH.search(self.text_at(r, c))))
            for r in range(self.header):
                part = _plain(_ENGLISH.sub("", self.text_at(r, c)))  # 上年=100 Index Preceding Year=100
                if r in unit_rows:  # a row of units under the header: 亿元 | %
                    part = f"({part})" if part and self.cell(r, c) is not self.cell(r - 1, c) else ""
                if part and part not in parts:
                    parts.append(part)
            header = " ".join(parts)
            texts = [self.text_at(r, c).strip() for r in body if self.text_at(r, c).strip()]
            numeric = [t for t in texts if is_number(t)]
            column = _Column(header=header, period=_column_period(header, self.published),
                             noun=_completed(_noun(header), english))
            if _UNIT_HEADER.match(header):
                column.role = "unit"
            elif texts and all(YEAR.match(t) for t in texts) and _PERIOD_HEADER.match(header):
                column.role, column.kind = "label", "period"  # 年份 | GDP: each row is a year, not a figure
            elif texts and len(numeric) * 2 < len(texts):
                column.role = "label"
            elif _INDEX.search(header):
                column.unit, column.index, column.noun, column.period = "%", True, "", None
            elif _RANK.search(header):
                column.role, column.kind, column.unit = "rank", "rank", "位"
            else:
                column.kind = ("share" if _SHARE.search(header) else
                               "change" if (_CHANGE.search(header) or "增减" in header) and "%" not in header else
                               "growth" if _GROWTH.search(header) else "level")
                if (unit := _headerunit_of(header)) is not None:
                    column.unit, column.factor = unit
                elif column.kind in ("growth", "share"):
                    column.unit = "%"
            columns.append(column)
        for c, column in enumerate(columns):  # 2030年 | 比上年增长: the growth of the year beside it
            if column.role == "value" and (column.kind in ("growth", "share", "change") or column.index) \
                    and not column.period:
                column.period = next((columns[k].period for k in range(c - 1, -1, -1)
                                      if columns[k].role == "value" and columns[k].period), None)
        for column in columns:
            if column.role == "value" and column.kind == "level" and not column.period:
                column.period = _cumulative_period(column.header, self.period)
        labels = [c for c, col in enumerate(columns) if col.role == "label"]
        self.label_column = labels[0] if labels else 0
        for c, column in enumerate(columns):
            if c < self.label_column and column.role == "value":
                column.role = "index"  # a row number: 1, 2, 3 … under 序号 (or under the label's header)
            if c > self.label_column and column.role == "label":
                column.role = "skip"
        self._implied_units(columns)
        return columns

    def _unit_row(self, r: int) -> bool:
        """A header row made of units only (亿元 | % | 万人, bare or in parentheses)."""
        cells = [_plain(cell.text).strip("()（）") for c, cell in enumerate(self.rows[r])
                 if cell and cell.text.strip() and not (r and cell is self.cell(r - 1, c))]  # not one spanned down
        known = {u for u, _ in UNITS.values()}
        return bool(cells) and all((found := unit_of(cell)) is not None and (found[0] in known or "/" in found[0])
                                   for cell in cells)

    def _implied_units(self, columns: list[_Column]) -> None:
        """A level column without a unit takes the unit the article writes after one of its figures;
        a change column without one takes its level columns' unit."""
        working = normalise(self.text).text
        outside = working[:self.table.start] + "\n" + working[self.table.end:]
        for c, column in enumerate(columns):
            if column.role != "value" or column.unit or column.kind not in ("level", "change"):
                continue
            noted = next((unit_of(u) for key, u in self.table.unit_notes if key and key in column.header), None) or \
                next((unit_of(u) for key, u in self.table.unit_notes if not key), None)
            if noted:
                column.unit, column.factor = noted
                continue
            for r in range(self.header, len(self.rows)):
                figure = self.text_at(r, c).strip()
                if not is_number(figure):
                    continue
                found = re.search(rf"(?<![\d.]){re.escape(figure)}((?:万亿|亿|万)?[^\d\s,.，。、;；]{{1,3}})", outside)
                if found:
                    for size in range(len(found.group(1)), 0, -1):
                        if (unit := unit_of(found.group(1)[:size])) and unit[0] in {u for u, _ in UNITS.values()}:
                            column.unit, column.factor = unit
                            break
                if column.unit:
                    break
        self._unit_by_elimination(columns)
        levels = [col for col in columns if col.role == "value" and col.kind == "level" and col.unit]
        for column in columns:  # 2017 beside 2018(亿元), 增量 beside them: the same quantity, the same unit
            same = [col for col in levels if col.noun == column.noun]
            if column.role == "value" and column.kind in ("level", "change") and not column.unit and same:
                column.unit, column.factor = same[0].unit, same[0].factor

    def _unit_by_elimination(self, columns: list[_Column]) -> None:
        """面积：万亩 / 总产：吨 / 单产：千克 above 播种面积 | 总产量 | 每亩产量: the one note whose key names no
        column (单产, an abbreviation) goes to the one quantity still without a unit."""
        keyed = [(key, u) for key, u in self.table.unit_notes if key]
        unmatched = [u for key, u in keyed if not any(key in col.header for col in columns)]
        missing = {col.noun for col in columns if col.role == "value" and col.kind in ("level", "change")
                   and not col.unit and col.noun}
        if len(unmatched) == 1 and len(missing) == 1 and (found := unit_of(unmatched[0])):
            for column in columns:
                if column.role == "value" and not column.unit and column.noun in missing:
                    column.unit, column.factor = found

    def read(self) -> list[Indicator]:
        columns = self.columns_cache
        unit_columns = [c for c, col in enumerate(columns) if col.role == "unit"]
        records: list[Indicator] = []
        parent = ""  # the metric sub-rows complete their label with
        group_head = ""
        in_group = False  # after 按城乡分 / 分三大门类: the rows break down the aggregate above
        parent_unit: tuple[str, Decimal] | None = None  # 规模以上工业增加值(亿元): its parts are in 亿元 too
        structure = False  # after 三次产业结构: shares of the parts
        self.top = ""  # the table's first aggregate row (全市常住人口): what grouped rows and places break down
        block = ""
        for r in range(self.header, len(self.rows)):
            raw = _FOOTNOTE.sub("", self.text_at(r, self.label_column))
            indent = len(raw) - len(raw.lstrip(INDENT + " "))
            label = _plain(raw)
            marked = bool(_SUB_MARK.match(label))
            label = _NUMBERED.sub("", _SUB_MARK.sub("", label))
            if not label and self.label_column + 1 < len(columns) and columns[self.label_column + 1].role == "skip":
                label = _plain(self.text_at(r, self.label_column + 1))  # | Total | 3601167: the English label
            figures = [c for c, col in enumerate(columns)
                       if col.role in ("value", "rank") and is_number(self.text_at(r, c))]
            if not figures:
                if label and (_GROUP.match(label) or _STRUCTURE.search(label)):
                    group_head = next((h for h in _HEADS if label.endswith(h)), "")
                    parent = parent or self.top
                    in_group = True
                    structure = bool(_STRUCTURE.search(label))
                continue
            row = _Row(label=label)
            if columns[self.label_column].kind == "period" and YEAR.match(label):
                row.period, label, row.label = label[:4], "", ""
            for spelled in _PAREN.findall(label):
                if found := unit_of(spelled):
                    row.unit, row.factor = found
            if (dangling := _OPEN_PAREN.search(label)) and (found := unit_of(dangling.group(1))):
                row.unit, row.factor = found
            name = _OPEN_PAREN.sub("", _PAREN.sub("", label))
            if structure:
                row.kind, row.unit, row.factor = "share", "%", Decimal(1)
            if unit_columns and (found := unit_of(_plain(self.text_at(r, unit_columns[0])))):
                row.unit, row.factor = found
            row.region, row.place = _place(name)
            if not row.region and _ZONE.search(name):
                row.place = name
            elif not row.region and (_PLACE_HEADER.search(columns[self.label_column].header) or
                                     (_PLACE_SUFFIX.search(name) and (len(name) >= 5 or self.rows_are_places))):
                row.place = _PLACE_SUFFIX.sub("", name) if 3 <= len(name) <= 4 else name  # 北京市, not 贵州
            total = bool(_TOTAL.match(name))  # 合计: the column's quantity, in the table's region
            own = "" if (row.region or row.place or row.period or total) else _metric_of(name)
            # the parts of 地区生产总值 are industries' value added, marked or not (第一产业, 建筑业增加值)
            part = parent == "地区生产总值" and (own.endswith("增加值") or (not own and name.endswith("业")))
            classed = name + "企业" if _OWNERSHIP.match(name) else name
            item = False
            if row.region or row.place or row.period or total:
                metric = ""
            elif own:
                metric = own
                scoped = lexicon().canonical_metric(self.caption_text)  # 规模以上工业总产值 over 工业总产值
                if not parent and not indent and not marked and scoped != own and scoped.endswith(own):
                    metric = scoped
            elif group_head:
                metric = _join(classed, group_head)
            elif parent and (indent or marked or in_group or part):
                metric = _join(classed, _head(parent, name))
            else:
                metric, item = re.sub(r"^(?:全市|全省|全区|全县)", "", name) or name, True
            if metric and (not own or marked or indent or part) and not item and row.unit is None and parent_unit:
                row.unit, row.factor = parent_unit
            if own and not indent and not marked and not group_head and not part:
                self.top = self.top or own
                parent = own
                parent_unit = (row.unit, row.factor) if row.unit else None
            for c in figures:
                records.append(self._record(r, c, columns[c], row, self._metric(c, columns[c], row, metric, item,
                                                                                block)))
            if metric and not item:
                block = metric  # 第一产业 | 606.8, then zone rows: the zones' 第一产业增加值
        return records

    @cached_property
    def rows_are_places(self) -> bool:
        """Whether most row labels name places the lexicon knows: then 双桥区 among them is one too."""
        labels = [_plain(self.text_at(r, self.label_column)) for r in range(self.header, len(self.rows))]
        labels = [_SUB_MARK.sub("", label) for label in labels if label]
        return bool(labels) and sum(1 for label in labels if _place(label)[0]) * 2 >= len(labels)

    def _metric(self, c: int, column: _Column, row: _Row, metric: str, item: bool, block: str = "") -> str:
        """A place row measures the quantity of the block it sits in (the row above that is no place), else
        the column's; an item row (汽车) is completed by the column's quantity (汽车产量), or is output when it
        is counted in a unit of goods (小麦(吨) | 完成数)."""
        if not metric:
            if column.role == "rank" and not lexicon().known_metric(column.noun):  # 经济排行: the GDP beside it
                return self._noun_near(c) or column.noun or self.top or self.caption_noun or row.label
            return block or column.noun or self.top or self._noun_near(c) or self.caption_noun or row.label
        if item:
            noun = column.noun or self._noun_near(c) or self.caption_noun or \
                ("产量" if (row.unit or column.unit) in _OUTPUT_UNITS else "")
            if noun and not re.search(r"[量额值数率]$", metric):
                return _join(metric, noun)
        return metric

    def _record(self, r: int, c: int, column: _Column, row: _Row, metric: str) -> Indicator:
        cell = self.cell(r, c)
        assert cell is not None
        stripped = cell.text.strip()
        offset = cell.text.index(stripped)
        start, end = cell.start + offset, cell.start + offset + len(stripped)
        number = parse_figure(stripped)
        kind, unit, factor = column.kind, column.unit, column.factor
        if stripped.endswith("%"):
            unit, factor = "%", Decimal(1)
        elif kind == "level" and row.unit:
            unit, factor = row.unit, row.factor
        if row.kind:
            kind, unit, factor = row.kind, row.unit, row.factor
        region_name = _short(row.region.name) if row.region else \
            row.place or (self.region.name if self.region else self.home)
        line_start = self.text.rfind("\n", 0, cell.start) + 1
        line_end = self.text.find("\n", cell.start)
        line_end = len(self.text) if line_end < 0 else line_end
        period = row.period or _in_year(column.period, self.period) or self.period
        return Indicator(metric=metric, region=region_name, period=period, kind=kind,
                         value=exact(number * factor), unit=unit or "", qualifier=None, surface=stripped,
                         sentence=self.text[line_start:line_end], start=start, end=end, sentence_start=line_start,
                         metric_raw=f"{row.label}|{column.header}")

    def _noun_near(self, c: int) -> str:
        """The quantity of the nearest value column that names one (left first): 产量 for 比上年±%."""
        columns = self.columns_cache
        for k in [*range(c - 1, -1, -1), *range(c + 1, len(columns))]:
            if columns[k].noun and columns[k].role == "value":
                noun: str = columns[k].noun
                return noun
        return ""

    def descriptive_cells(self) -> set[Cell]:
        """Cells that describe rather than measure: a unit column (元/500克) and the text columns whose cells
        mostly do not start with a number (规格: 二级, 袋装10公斤): their digits are no figures, for prose either
        (a column of 1234567人 stays for the prose reader)."""
        found: set[Cell] = set()
        body = range(self.header, len(self.rows))
        for c, column in enumerate(self.columns_cache):
            cells = [cell for r in body if (cell := self.cell(r, c)) and cell.text.strip()]
            leading = [cell for cell in cells if re.match(r"\s*[\d+\-]", cell.text)]
            if column.role == "unit" or (column.role in ("label", "skip") and len(leading) * 2 < len(cells)):
                found.update(cell for cell in cells if re.search(r"\d", cell.text))
        return found

    @property
    def columns_cache(self) -> list[_Column]:
        if not hasattr(self, "_columns"):
            self._columns = self.columns()
        return self._columns


def read_table(table: Table, text: str, published: date, default_region: str | None = None) -> list[Indicator]:
    """The figures of one table of `text` as indicator records (offsets in `text`)."""
    region = lexicon().region(default_region) if default_region else None
    return _Reader(table, text, published, region, default_region or "").read()


def extract_document(text: str, published: date | None = None, *, default_region: str | None = None,
                     layouts: Sequence[TableLayout] = (), body_line: int = 0) -> list[Indicator]:
    """Every figure of a text: its tables read as tables, the rest as prose (see `extract_indicators`).

    `layouts` are tables a spider saw (their `first_line` counts from line `body_line` of the text); tables
    found in plain text (`find_tables`) are read too. What the table reader read is hidden from the prose
    extractor (replaced by spaces, so offsets stay), so no cell counts twice; a table row with a figure the
    table reader could not read (a cell such as 80417528人) stays visible to the prose extractor, so that
    nothing is lost.
    """
    published = published or date.today()
    tables = [locate(text, body_line + t.first_line, t.rows, t.header_rows, t.spans) for t in layouts]
    taken = {line for t in layouts for line in range(body_line + t.first_line, body_line + t.first_line + t.rows)}
    for first, last in find_tables(text):
        if not taken.intersection(range(first, last)):
            tables.append(locate(text, first, last - first))
    spanned = [(t.start, t.end) for t in tables]
    tables += [t for t in find_flat_tables(text) if not any(s < t.end and t.start < e for s, e in spanned)]
    region = lexicon().region(default_region) if default_region else None
    readers = [_Reader(table, text, published, region, default_region or "") for table in tables]
    cells = [record for reader in readers for record in reader.read()]
    chars = list(text)
    for start, end in [(r.start, r.end) for r in cells] + [(c.start, c.end) for reader in readers
                                                         for c in reader.descriptive_cells()]:
        chars[start:end] = " " * (end - start)
    for table in tables:
        for row in table.rows:
            unread = [c for c in dict.fromkeys(row) if c and re.search(r"\d", "".join(chars[c.start:c.end]))]
            line = next((c for c in row if c), None)
            if line and not unread:  # nothing left to read on this row: hide its labels from the prose walk
                start = text.rfind("\n", 0, line.start) + 1
                end = text.find("\n", line.start)
                end = len(text) if end < 0 else end
                chars[start:end] = " " * (end - start)
    masked = "".join(chars)
    prose = extract_indicators(masked, published, default_region=default_region)  # same offsets, same text
    prose = [replace(r, sentence=text[r.sentence_start:r.sentence_start + len(r.sentence)]) for r in prose]
    return sorted(prose + cells, key=lambda r: (r.start, r.metric))
