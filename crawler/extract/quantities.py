"""Find the quantities of a clause and classify each: value, unit, qualifier, kind, target or actual.

A quantity is a number with a unit (9.3%, 22.8万标箱, 三成, 百分之五, 居全国前10). Numbers without a unit
(codes such as “1456” or 1+7+13+N, dates, years) are not indicators; neither are ordinals (第九次, 第5个年头),
numbers glued to Latin letters (阿维塔E11, 5G, G93) or Chinese numerals that name a slogan (十项行动,
“六个区”) rather than state an amount: those need a quantity verb right before them (开行两列, 约占三成).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from crawler.extract.lexicon import lexicon
from crawler.extract.numbers import (
    ARABIC,
    CHINESE,
    CLASSIFIERS,
    MAGNITUDE,
    UNITS,
    exact,
    is_chinese,
    parse_number,
    scale,
)

# A unit followed by one of these characters is the first character of another word (方面, 部门, 成渝).
_NOT_UNIT_BEFORE = {
    "成": "渝都德交立为功效本果员", "方": "面案式向法位针", "部": "门署委分长", "处": "理长置于",
    "项": "目", "条": "件例款", "户": "籍口", "人": "民才口均员工气大士类", "名": "单称义牌",
    "批": "准复次", "元": "旦素", "台": "湾阶", "所": "以有在属", "座": "谈", "架": "构",
    "次": "数", "件": "事", "个": "月人", "对": "外接象比于话口标照",
    "班": "子级长组车次机底主会列委", "种": "植类子养业", "类": "型别似", "单": "位元独一项", "张": "家江", "头": "部条雁", "米": "粮饭",
    # 天府, 天然气, 天津; 1小时通勤圈, 1小时经济圈: names, not durations
    "天": "府然津下气空地河际", "小时": "经通交生",
}


def _unit_alternatives() -> str:
    parts = []
    for unit in sorted(UNITS, key=len, reverse=True):
        follow = _NOT_UNIT_BEFORE.get(unit)
        parts.append(re.escape(unit) + (f"(?![{follow}])" if follow else ""))
    return "|".join(parts)


def _unit_starts() -> str:
    """A character class of the units' first characters: the alternation is tried only where one can start."""
    return "[" + "".join(re.escape(c) for c in sorted({unit[0] for unit in UNITS})) + "]"


_LIST_VERB = "提高|下降|上升|降低|增长|增加|减少|回落|拉动|提升"
# -1.25‰, 拉动-0.2个百分点: a minus sign printed before a number (not the dash of a range 5-10).
_MINUS = r"(?:(?=[-−])(?:(?<=[为是达至:、,(（\s])|(?<=增长|拉动|下降))[-−])?"  # tried only at a dash
QUANTITY_RE = re.compile(  # the lookahead lets the regex skip positions that cannot start a number
    rf"(?=[\d第前首榜百零〇一二两三四五六七八九十千万亿\-−])(?:"
    rf"(?P<rank>(?P<rank_kind>第|前)(?P<rank_num>\d{{1,3}}|[一二两三四五六七八九十]{{1,3}})(?P<rank_unit>位|名|大)?"
    rf"|(?P<rank_first>首位|榜首))"
    rf"|(?P<pct>百分之(?P<pct_num>{ARABIC}|{CHINESE}))"
    rf"|(?P<frac>(?P<frac_den>[二三四五六七八九十]{{1,3}})分之(?P<frac_num>[一二三四五六七八九十]{{1,3}})|一半"
    rf"|(?<![\d/.])(?P<slash_num>\d{{1,3}})/(?P<slash_den>\d{{1,4}})(?![\d/]))"
    rf"|(?P<minus>{_MINUS})(?P<num>{ARABIC}|{CHINESE})(?P<approx_before>余|多)?(?P<mag>{MAGNITUDE})?(?P<approx>余|多)?"
    rf"(?: (?=[个项家户条]))?(?={_unit_starts()})(?P<unit>{_unit_alternatives()})"
    # 下降0.8、提高2.3、下降1.5个百分点: a list of values, each with its own verb, sharing the last unit
    rf"|(?P<bare_minus>{_MINUS})(?P<bare>{ARABIC})(?=\s*[、和与及]\s*(?:{_LIST_VERB})?[-−]?(?:{ARABIC}))"
    rf"|(?P<implied>{ARABIC})(?P<implied_mag>万亿|万|亿)(?![\d万亿]))"
)

_RANK_CUE = re.compile(
    r"(?:居|位居|位列|排名|排|名列|列|跻身|进入|保持|升至|跃居|跃升至|跃升|稳居|上升至|上升到|提升至|"
    r"(?:连续[\d一二三四五六七八九十两]+年(?:保持|位居|居|位列|稳居)?)|(?:是|为|成为)(?=全国|全球|世界|全省|西部|中西部|亚洲))"
    r"(?:全国|全省|全市|西部|中西部|全球|世界)?(?:同类)?(?:[^,;:。、，\d]{0,8}?)?"
    r"(?:城市|地区|省份|省区市|副省级城市)?(?:第一方阵)?$")
# A Chinese numeral states a quantity only right after one of these (开行两列, 约占三成, 增长两成),
# or at the end of a clause that opened with a verb of the second list (新开行“双城号”旅游专列两列).
_CN_QUANTITY_CUE = re.compile(
    r"(?:开行|新开通|新开|开通|新增|增加|减少|增至|达到|达|共有|共|累计|超过|超|突破|近|约|逾|拥有|引进|签约|"
    r"增长|下降|提高|为|占|约占|合计|总计|仅|只有|新建|建成|实现|完成|年产)$")
_CN_CLAUSE_CUE = re.compile(r"开行|新开行|新开通|开通|新增|引进|新引进|新建|建成|签约|开工|投用|年产")
# 一万多家, 两百多万辆: a round Chinese amount with 多/余 after it is an amount, never a name.
_CN_ROUND = re.compile(r"[十百千万亿]")
# 投资8亿元(约新台币36亿元), 52000元(7600美元): a conversion restating the figure before it.
_RESTATED_BEFORE = re.compile(r"(?:元|人民币)\((?:约|约合|折合|合|约为|即)?(?:新台币|人民币|港币|港元|美元|澳门元)?$")
_ORDINAL_LABEL = re.compile(r"第(?:[\d一二三四五六七八九十]+个)?$")  # 第5个, “第一个1万列”: a milestone's name
_ORDINAL_UNIT = re.compile(r"[批届次期个年季章条款轮号家]")
_ENTITY_SUBJECT = re.compile(r"该公司|该企业|这家公司|这家企业|该集团")
# 提升2.8个百分点至48%: after a change and 至, the figure is the level reached.
# 从90个增加至全球124个: a rise *to* a value states the level it reached, whatever words follow the verb.
_RISEN_TO = re.compile(r"(?:增加|增长|提高|提升|上升|扩大|跃升|下降|降低|减少|回落)(?:到|至|为)[^\d,;:。]{0,10}$")
# 拉动全市投资增长1.6个百分点: a contribution to growth, a level in percentage points.
_CONTRIBUTION = re.compile(r"拉动")
_CHANGED_TO = re.compile(r"(?:提升|提高|上升|增加|增长|下降|降低|减少|回落)[\d.]+(?:个百分点|百分点|%)(?:至|到)$")
# Numbers that are page furniture or only size the class the next figure counts in.
_NOT_A_FIGURE_AFTER = re.compile(
    r"(?:浏览|阅读|点击|评论|点赞|转发)|方面(?!军)|[^,;:。，、\d]{1,10}中(?:有|共有)?(?=\d|[一二两三四五六七八九十]+[个项家])")
# Classifiers of things (三趟专列…): a Chinese numeral with one of these may open a clause.
_THINGS_COUNTED = frozenset({"趟", "列", "架", "艘", "辆", "台", "套", "座", "条", "家", "项", "批"})
_OPEN_QUOTES = "“\"「『‘"
_QUOTED = re.compile(r"[”\"」』’]")
_LONE_MAGNITUDE = re.compile(r"[万亿]|万亿|千亿|百亿|十亿|千万|百万")
_CLASS_LABEL_AFTER = re.compile(r"以上|以下|级|量级")
_SIZE_CLASS_AFTER = re.compile(r"(?:以上|以下)的")
_NAMED_PROJECT_AFTER = re.compile(
    r"(?:[^\d,;:。、，“”()\s]{1,12}?)(?:项目|工程|生产线|基地|产业园)(?:[^,;:。]{0,4})(?:建成|投产|开工|落地|签约|竣工|投运|并网)")
_DURATION_AFTER = re.compile(r"(?:月|年|小时|季度|工作日|星期)")
# 故障后2小时人员到场、3小时恢复使用: a response standard, not a measured duration.
_RESPONSE_AFTER = re.compile(r"内?[^\d,;:。、]{0,3}?(?:到场|到达|抵达|响应|恢复|办结|处置|修复|送达)")

_QUALIFIER_BEFORE = re.compile(
    r"(?:大约|(?<![签节制预合契条公])约|将近|接近|近|超过|超|逾|突破|达到|高达|(?<![通到抵直送下传表发转])达|增至|增加到|增加至|增长到|上升为|提高到|提高至|提升到|提升至|"
    r"(?<![提上])升至|上升至|上升到|降至|下降到|下降至|减少到|减少至|回落至|回落到|"
    r"不到|不足|低于|高于|多于|少于|仅)$")
_QUALIFIER_AFTER = re.compile(r"以上|以下|以内|左右|有余|多")
# Qualifiers that set a level rather than state a change.
LEVEL_SETTERS = frozenset({"达到", "达", "高达", "增至", "增加到", "增加至", "增长到", "上升为", "提高到", "提高至", "提升到", "提升至", "升至", "上升至",
                           "上升到", "降至", "下降到", "下降至", "减少到", "减少至", "回落至", "回落到", "突破"})

_GROWTH_CUE = re.compile(
    r"负增长|增长|增速|增幅|涨幅|降幅|上涨|提高|提升|上升|回升|增加(?!值)|下降|回落|降低|减少|下滑|收窄|缩小|扩大|"
    r"高(?!达)|低(?!至)")
_NEGATIVE_CUES = frozenset({"负增长", "下降", "回落", "降低", "减少", "下滑", "收窄", "缩小", "低", "降幅"})
_SHARE_CUE = re.compile(r"占比|比重|占")
# A percentage right after a ratio noun is a share of something, whatever verb sits in the noun
# (对全市工业增长的贡献率为41.0%, 城镇化率提高至61.3%, 增长面达72.6%); 增长率 and 增速 are growth.
_RATIO_NOUN = re.compile(
    r"(?:(?<!增长)(?<!增)率|比重|占比|增长面|份额|覆盖面|贡献度|集中度)"
    r"(?:分别|依次|均|已|已经|稳定|保持|继续)?(?:为|是|达到|达|超过|超|突破|约|近|在|保持在|控制在)?$")
_CHANGE_CUE = re.compile(r"新增|净增|增加(?!值)|减少|新开通|新开|新建|新开行|新引进|缩短|节约|节省|压缩(?!至|到)")
_NEW_THINGS = frozenset({"新增", "新建", "新开通", "新开", "新开行", "新引进"})
_BASE_WORD = re.compile(r"比|较|同比|相比|上年|去年")
_NEGATIVE_CHANGES = frozenset({"减少", "缩短", "节约", "节省", "压缩"})
_TARGET_IN_SENTENCE = re.compile(r"(?:预计|力争|(?<!远景)(?<!符合)(?<!低于)(?<!高于)(?<!超过)(?<!好于)目标(?!中|完成)|有望|计划(?!总投资|投资)|(?:\d{4}年|今年|年度|全年|当年)计划投资|争取|确保|"
                                 r"(?<!增长|增加|提高|提升|上升|扩大|跃升|下降|降低|减少|回落)(?:到|至)\d{4}年(?!远景))")
# 完成年度投资计划的115%: an achievement against a plan is an actual figure.
_NOT_A_TARGET_BEFORE = re.compile(r"完成[^,;:。]{0,8}$")
_PLAN_SHARE = re.compile(r"(?:计划|目标|任务)的$")
_SPEED_BEFORE = re.compile(r"时速(?:为|达到|达|超过|约)?$")
_TARGET_IN_CLAUSE = re.compile(r"将(?!近)|未来")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit in the working text, classified."""

    start: int
    end: int
    value: Decimal
    unit: str
    kind: str  # level, growth, share, rank, change
    qualifier: str | None
    status: str  # actual or target
    classifier: bool  # the unit counts things (个, 项, 家…): the counted noun may follow
    bare: bool = False  # written without a unit; takes the unit of the next value in its list
    magnitude: str | None = None
    raw_value: Decimal | None = None  # the number as written, before magnitude and unit
    unit_surface: str = ""  # the unit as written (亿元 is magnitude 亿 + unit 元)


@dataclass(frozen=True, slots=True)
class SentenceCues:
    """Where a sentence first says it is about one company, or about a target (computed once)."""

    entity_at: int
    target_at: int
    target_word: str = ""  # the cue itself: 预计 for a closed period is an estimate, not a target

    @classmethod
    def of(cls, text: str, start: int, end: int) -> SentenceCues:
        """The cues of text[start:end]."""
        entity = _ENTITY_SUBJECT.search(text, start, end)
        target = next((m for m in _TARGET_IN_SENTENCE.finditer(text, start, end)
                       if not _NOT_A_TARGET_BEFORE.search(text, max(start, m.start() - 10), m.start())), None)
        return cls(entity.start() if entity else end, target.start() if target else end,
                   target.group() if target else "")


def find_quantities(text: str, start: int, end: int, cues: SentenceCues) -> list[Quantity]:
    """The quantities of text[start:end], a clause of a sentence whose cues are given."""
    found: list[Quantity] = []
    for match in QUANTITY_RE.finditer(text, start, end):
        quantity = _classify(text, match, start, end, cues)
        if quantity is not None:
            found.append(quantity)
    _give_bare_values_their_unit(found, text, start)
    if (text.find("比", start, end) >= 0 or text.find("指数", start, end) >= 0) and \
            (levels := _index_levels(text, start, end, cues, found)):
        found.extend(levels)
        found.sort(key=lambda q: q.start)
    return found


# 人口性别比(以女性为100)为103.2, 价格指数为101.5: a ratio to a base of 100, a level in % (the base is no figure).
INDEX_LEVEL = re.compile(r"(?:性别比|价格指数|价格总指数|总指数)(?:\([^()]{0,12}\))?(?:为|是|达到|达)?"
                          r"(?P<value>\d{2,3}(?:\.\d+)?)(?![\d.%‰万亿])")


def _index_levels(text: str, start: int, end: int, cues: SentenceCues, found: list[Quantity]) -> list[Quantity]:
    taken = {q.start for q in found}
    levels = []
    for match in INDEX_LEVEL.finditer(text, start, end):
        at = match.start("value")
        if at in taken:
            continue
        value = Decimal(match.group("value"))
        status = "target" if cues.target_at < at else "actual"
        levels.append(Quantity(at, match.end("value"), value, "%", "level", None, status, False, raw_value=value,
                               unit_surface=""))
    return levels


def _classify(text: str, match: re.Match[str], clause_start: int, clause_end: int,
              cues: SentenceCues) -> Quantity | None:
    before = text[clause_start:match.start()]
    prev_char = text[match.start() - 1] if match.start() > 0 else ""
    next_char = text[match.end()] if match.end() < len(text) else ""
    url_after = text.startswith(("http", "www."), match.end())
    if prev_char.isascii() and prev_char.isalpha() or next_char.isascii() and next_char.isalpha() and not url_after:
        return None  # 阿维塔E11, 5G, G93 (but 5000万人次http://… is a figure followed by its source)
    if prev_char.isdigit():
        return None  # the tail of a number already refused (第5000万名: not 0万名)
    if prev_char == "+" or next_char == "+":
        return None  # 1+7+13+N
    if cues.entity_at < match.start():
        return None  # one company's figures are not a region's indicators
    status = "target" if (cues.target_at < match.start() or _TARGET_IN_CLAUSE.search(before)) else "actual"

    if _in_nickname(text, match.start(), match.end(), clause_start):
        return None  # 稳居“航空第三城”: a nickname that holds a number
    if match.group("rank"):
        if not _RANK_CUE.search(before) or _ORDINAL_UNIT.match(text, match.end()):
            return None  # an ordinal: 第九次会议, 第二批
        value = Decimal(1) if match.group("rank_first") else Decimal(parse_number(match.group("rank_num")))
        qualifier = "前" if match.group("rank_kind") == "前" else _qualifier_before(before)
        return Quantity(match.start(), match.end(), value, "位", "rank", qualifier, status, False)
    if _QUOTED.match(text, match.end()) and text[match.start() - 1:match.start()] in _OPEN_QUOTES:
        return None  # 稳增长“20条”: a policy's nickname

    if _ORDINAL_LABEL.search(before):
        return None
    if match.group("implied"):  # 40.8万青年: the noun counted implies the unit
        unit = lexicon().implied_unit(text, match.end())
        if unit is None and _MONEY_BEFORE.search(before[-12:]):  # 经济总量达8万亿, 投资12亿: an amount of money
            converted = f"新台币{match.group('implied')}{match.group('implied_mag')}"
            unit = "新台币" if text.find(converted) >= 0 else "元"  # a headline giving only the converted amount
        if unit is None:
            return None
        raw = parse_number(match.group("implied"))
        value = exact(raw * {"万": 10**4, "亿": 10**8, "万亿": 10**12}[match.group("implied_mag")])
        return Quantity(match.start(), match.end(), value, unit, "level", _qualifier_before(before), status,
                        True, magnitude=match.group("implied_mag"), raw_value=raw)
    if match.group("bare"):
        value = parse_number(match.group("bare"))
        value = -value if match.group("bare_minus") else value
        return Quantity(match.start(), match.end(), value, "", "level", _qualifier_before(before), status,
                        False, bare=True, raw_value=value)

    if match.group("frac"):
        if match.group("frac") == "一半":
            share = Decimal(50)
        elif match.group("slash_num"):
            numerator, denominator = Decimal(match.group("slash_num")), Decimal(match.group("slash_den"))
            if not 0 < numerator < denominator:
                return None  # 24/7, a date: not a fraction of a whole
            share = Decimal(100) * numerator / denominator
        else:
            share = Decimal(100) * parse_number(match.group("frac_num")) / parse_number(match.group("frac_den"))
        kind, _ = _kind(before, "%", None, "")
        return Quantity(match.start(), match.end(), exact(share.quantize(Decimal("0.01"))), "%",
                        "share" if kind == "level" else kind, _qualifier_before(before), status, False,
                        unit_surface="%")
    if match.group("pct"):
        number, magnitude, unit, approx = match.group("pct_num"), None, "%", None
    else:
        number, magnitude, unit = match.group("num"), match.group("mag"), match.group("unit")
        approx = match.group("approx") or match.group("approx_before")
        if unit == "个" and _DURATION_AFTER.match(text, match.end()):
            return None  # 5个月, 第5个年头
        if unit in ("天", "小时") and _RESPONSE_AFTER.match(text, match.end(), clause_end):
            return None  # 2小时人员到场: a response standard
        if len(unit) == 1 and text.startswith(unit, match.end()):
            return None  # 一艘艘游船: a doubled classifier describes, it does not count
        if " " in number and not text[text.rfind("\n", 0, match.start()) + 1:match.start()].strip():
            return None  # "1. 20个项目": a list label before the number
    if "(" in before[-9:] and _RESTATED_BEFORE.search(before, max(0, len(before) - 12)):
        return None  # 8亿元(约新台币36亿元): the conversion of the figure before
    rounded = bool(approx) and _CN_ROUND.search(number) is not None  # 一万多家
    if is_chinese(number) and not match.group("pct") and unit != "成" and not _CN_QUANTITY_CUE.search(before) \
            and not rounded \
            and not (not before.strip() and unit in _THINGS_COUNTED and not _LONE_MAGNITUDE.fullmatch(number)) \
            and not (_CN_CLAUSE_CUE.search(before) and not text[match.end():clause_end].strip("以上左右余多 ")):
        return None  # 十项行动, 六个区, 千万方天然气: a name, not an amount
    if _LONE_MAGNITUDE.fullmatch(number) and _CLASS_LABEL_AFTER.match(text, match.end()):
        return None  # 亿元以上项目, 万亿级产业: a size class, not an amount
    if unit not in ("%", "成") and _SIZE_CLASS_AFTER.match(text, match.end()):
        return None  # 1000万人次以上的机场: the bound of a class, not an amount
    if unit not in CLASSIFIERS and unit not in ("%", "成", "倍") and _NAMED_PROJECT_AFTER.match(text, match.end()):
        return None  # 10万吨再生纸项目: the capacity names the project
    if _NOT_A_FIGURE_AFTER.match(text, match.end(), clause_end) or (
            "+" in text[clause_start:clause_end] and _inside_code(text, match.start(), clause_start)):
        return None  # 0次浏览; 12个方面; 41个大类行业中有35个; “3座航站楼+4条跑道”
    raw = parse_number(number)
    value, base_unit = scale(raw, magnitude, unit)
    if base_unit == "公里" and _SPEED_BEFORE.search(before):
        base_unit = "公里/小时"  # 时速350公里 is a speed

    qualifier = _qualifier_before(before) or approx
    after = _QUALIFIER_AFTER.match(text, match.end(), clause_end)
    end = match.end()
    if after and not (after.group() == "多" and approx):
        qualifier = after.group()
    kind, sign = _kind(before, base_unit, qualifier, text[end:clause_end])
    if match.group("minus"):
        sign = -1  # -1.25‰: the sign as printed
    if unit == "成" and kind == "level":
        kind = "share"  # 七成: a share of a whole
    if unit == "倍" and kind == "growth":
        value, base_unit = value * 100, "%"  # 增长1.2倍 is growth of 120%
    return Quantity(match.start(), end, exact(value * sign), base_unit, kind, qualifier, status,
                    unit in CLASSIFIERS, magnitude=magnitude, raw_value=raw, unit_surface=unit)


def _in_nickname(text: str, start: int, end: int, clause_start: int) -> bool:
    """Whether a number stands inside a short quoted name (“航空第三城”, “千万级”) that closes right after it."""
    opening = max(text.rfind(q, clause_start, start) for q in _OPEN_QUOTES)
    if opening < 0 or start - opening > 6 or _QUOTED.search(text, opening, start):
        return False
    return _QUOTED.match(text, end) is None and _QUOTED.search(text, end, end + 3) is not None


def _inside_code(text: str, position: int, clause_start: int) -> bool:
    """Whether a number stands inside a quoted code built with '+' (“3座航站楼+4条跑道”)."""
    opening = max(text.rfind(q, clause_start, position) for q in "“「『")
    if opening < 0 or any(text.find(q, opening, position) >= 0 for q in "”」』"):
        return False
    closing = min((i for i in (text.find(q, position) for q in "”」』") if i >= 0), default=-1)
    return closing > 0 and "+" in text[opening:closing]


# 增长到2023年的86.1万标箱, 增加至全球124个: the qualifier stands before a period or a scope word.
_BETWEEN_QUALIFIER = re.compile(r"(?:\d{4}年(?:底|末)?的?|全球|全国)$")


def _qualifier_before(before: str) -> str | None:
    direct = _QUALIFIER_BEFORE.search(before)
    if direct is None and _BETWEEN_QUALIFIER.search(before):
        direct = _QUALIFIER_BEFORE.search(_BETWEEN_QUALIFIER.sub("", before))
        direct = direct if direct and direct.group() in LEVEL_SETTERS else None
    if direct:
        return direct.group()
    if re.search(r"约占(?:全国|全省|全市)?[^\d]{0,12}$", before):
        return "约"
    return None


# 依次为3.0%、72.5%和…: a later item of a value list is read from the words before the list.
_VALUE_LIST_TAIL = re.compile(r"(?:[-−]?[\d.]+\s?(?:%|‰|个百分点)?\s*[、和与及]\s*)+$")
_LIST_ENDS = ("、", "和", "与", "及")
_MONEY_BEFORE = re.compile(r"(?:投资|投资额|总投资|营收|营业收入|收入|总额|生产总值|GDP|产值|增加值|销售额|零售额|成交额|融资|"
                           r"贷款|余额|税收|利润|经济总量|总量)(?:达到|达|超过|超|突破|约|近|为|逾|高达|实现|完成)?$")
_PER_MILLE_RATE = re.compile(r"率(?:为|是|达到|达|约)?$")


def _kind(before: str, unit: str, qualifier: str | None, after: str) -> tuple[str, int]:
    """Kind and sign of a quantity from the words before it."""
    cue_zone = _VALUE_LIST_TAIL.sub("", before[-40:]) if before.endswith(_LIST_ENDS) else before
    if qualifier in LEVEL_SETTERS and cue_zone.endswith(qualifier):
        cue_zone = cue_zone[: -len(qualifier)]
    changed_to = _CHANGED_TO.search(cue_zone)
    if changed_to:  # 占比提升2.8个百分点至48%: the level the change arrived at
        cue_zone = cue_zone[:changed_to.start()]
        if unit == "%" and (_RATIO_NOUN.search(cue_zone.rstrip()) or _SHARE_CUE.search(cue_zone)):
            return "share", 1
        return "level", 1
    cue_nouns = lexicon().cue_noun_re
    if cue_nouns is not None and cue_nouns.search(cue_zone):  # 城镇新增就业: the 新增 names the metric
        cue_zone = cue_nouns.sub("", cue_zone)
    growth = list(_GROWTH_CUE.finditer(cue_zone))
    share = list(_SHARE_CUE.finditer(cue_zone))
    last_growth = growth[-1] if growth else None
    last_share = share[-1] if share else None
    sign = -1 if last_growth and last_growth.group() in _NEGATIVE_CUES else 1
    if last_growth and last_growth.group() in ("收窄", "缩小") and "降幅" in cue_zone:
        sign = 1  # 降幅收窄2.2个百分点: the fall is smaller, the figure improved
    if unit == "百分点":
        if _CONTRIBUTION.search(cue_zone):
            return "level", 1
        return "change", sign
    risen = _RISEN_TO.search(cue_zone)
    if risen:  # 比重提升至约7.2%: the level reached, a share when the noun is a ratio
        noun = cue_zone[:risen.start()].rstrip()
        return ("share" if unit == "%" and (_RATIO_NOUN.search(noun) or _SHARE_CUE.search(noun)) else "level"), 1
    if unit == "‰" and _PER_MILLE_RATE.search(cue_zone.rstrip()):
        return "share", 1  # 人口自然增长率为-1.25‰: a rate of a population
    if unit in ("%", "倍"):
        if unit == "%" and (_RATIO_NOUN.search(cue_zone.rstrip()) or _PLAN_SHARE.search(cue_zone)):
            return "share", 1
        if last_share and (not last_growth or last_share.start() > last_growth.start()):
            return "share", 1
        if last_growth and last_growth.group() not in ("高", "低"):
            return "growth", sign
        if unit == "%" and after.startswith("的"):
            return "share", 1  # 全国21%的动力电池
        return "level", 1
    change = list(_CHANGE_CUE.finditer(cue_zone))
    if change and change[-1].group() in _NEW_THINGS and not _BASE_WORD.search(cue_zone):
        return "level", 1  # 新建基地6万亩: how many new ones, with no base to differ from
    if change and qualifier not in LEVEL_SETTERS:
        return "change", -1 if change[-1].group() in _NEGATIVE_CHANGES else 1
    return "level", 1


def _give_bare_values_their_unit(found: list[Quantity], text: str, clause_start: int) -> None:
    """5,528.4、7,385.1亿元: a unit-less value takes the magnitude and unit of the next value in its list;
    its own verb gives its sign (下降0.8、提高2.3、下降1.5个百分点)."""
    for i in range(len(found) - 2, -1, -1):
        item, following = found[i], found[i + 1]
        if item.bare and following.unit_surface:
            value, unit = scale(item.value, following.magnitude, following.unit_surface)
            kind = following.kind
            if kind in ("growth", "change") and item.value > 0:
                own_kind, sign = _kind(text[clause_start:item.start], unit, item.qualifier, "")
                value = value * sign if own_kind == kind else value
            found[i] = Quantity(item.start, item.end, value, unit, kind, item.qualifier,
                                item.status, following.classifier, magnitude=following.magnitude,
                                raw_value=item.raw_value, unit_surface=following.unit_surface)
    found[:] = [q for q in found if q.unit]
