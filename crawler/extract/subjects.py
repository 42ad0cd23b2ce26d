"""What a figure is about: turn the words around a number into a metric and, if named there, a region.

The phrases come from the clause: the subject before the predicate (重庆规上工业增加值、工业投资 | 分别增长),
or the noun counted after a classifier (开展219项 | 原创性颠覆性技术攻关项目). jieba marks the word
boundaries so that fillers and verbs (累计, 联合, 实施, 建成…) can be peeled off whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crawler.extract.lexicon import Region, cut, lexicon
from crawler.extract.periods import PERIOD_RE

# Words that open a subject phrase without being part of the metric.
_LEAD_FILLERS = frozenset(
    ["全市", "全省", "全区", "全县", "其中", "今年", "目前", "截至目前", "据统计", "同时", "此外", "另外", "累计", "共", "共同", "联合", "实施", "布局", "建设", "建成", "开展", "实现", "完成", "签约", "开工", "新增", "新建", "推动", "加快", "已", "已经", "已有", "拥有", "有", "共有", "现有", "全年", "共建", "新开通", "开通", "首批", "持续", "稳步", "推进", "打造", "获批", "设立", "引进", "培育", "落地", "新开", "净增", "增加", "同比", "合计", "总计", "当年", "年内", "全面", "深入", "大力", "着力", "截至", "截止", "以来", "期间", "年度", "经", "间", "新区", "该区", "新引进", "新", "引进", "开行", "新开行", "两地", "两者", "两市", "年末", "年底", "的", "安排", "确定", "认定", "两省", "两区", "力争", "力争到", "到", "预计", "计划", "争取", "确保", "(", ")", "“", "”", '"', "'", "、", "-", "—", "·"])
# Verbs whose object is what a figure counts: 双方将共建协同创新平台10个 -> 协同创新平台.
_OBJECT_VERBS = frozenset(["实施", "布局", "建设", "建成", "开展", "签约", "开工", "新增", "新建", "共建", "新开通",
                           "开通", "打造", "引进", "新引进", "培育", "落地", "净增", "安排", "确定", "认定",
                           "评定", "组建", "设立", "获批"])
# Words dropped wherever they stand in a metric.
_ANYWHERE = frozenset({"全年", "累计", "当年", "全市", "全省", "实现", "首次", "共计", "历史性", "年度"})
# A clause whose subject is only one of these goes on about the metric before it (一举突破6000万人次).
VERB_ONLY = frozenset({"转为", "一举", "再创新高", "创新高", "跃升", "跃居", "跻身", "至", "由", "稳", "其中",
                       "同比", "比", "分别", "均", "增速", "增幅", "降幅", "一举突破"})
# A subject ends where the predicate begins; these are peeled off its end, repeatedly.
_PREDICATE_TAIL = re.compile(
    r"(?:分别为|分别是|分别达|分别|依次为|依次|均为|均达|均|同比|环比|"
    r"(?:比|较|相比|与)(?:上年|去年|上月|今年|\d{4}年|\d{1,2}月份?|全国|全省|全市|上半年|下半年|一季度|"
    r"前三季度|年初)?(?:同期|末|底|初)?|"
    r"(?:较|相较于?)[^,;:。\d]{1,6}|"  # 较传统运输: the base of a comparison
    r"\d{4}年(?:底|末)?的|从|增加至|增加到|增长至|增长到|压缩至|压缩到|缩短至|缩短|节约|节省|压缩|再|进入|"
    r"(?<=..)(?<![集其心])中(?:有|共有)?|"  # 在180个站点中: the class a count is taken from
    r"(?:高于|低于|快于|慢于|超过)[^,;:。]{0,8}|"
    r"增长|增速|增幅|上涨|提高到|提高|提升到|提升|上升|回升|增加到|增加|新增|净增|下降到|下降|回落|降低|"
    r"减少到|减少|下滑|降至|增至|升至|达到|达|突破|超过|超|逾|大约|约|将近|接近|近|不到|不足|"
    r"为|是|拥有|共有|有|共|合计|总计|累计|实现|完成|占全国|约占|占比|占|"
    r"(?:居|位居|位列|排名|名列)(?:全国|全省|全市|西部|中西部|全球|世界|同类)?(?:副省级城市|城市|地区|省份|省区市)?|"
    r"(?<=..)(?<!预期)(?:预期)?目标(?:为|是)?|未来将|未来|将|预计|力争|有望|仅|高|低|全国|全省|全市|已|建成|新建|开通|引进|落地|签约|开工|投用|完工|"
    r"较快|较大|明显|显著|迅速|加快|放缓|继续|持续|共计|首次|历史性地|历史性|达到了|领涨|领跑|飙升|飙|稳居|稳|由|保持|连续[\d一二三四五六七八九十两]+年)$")
_LABEL = re.compile(r"^(?:(?:已)?连续[\d一二三四五六七八九十两]+年(?:保持|位居|居|稳居)?(?:全国|全省|全市)?|首批|第[一二三四五六七八九十\d]+(?:批|届|次|期)|这|该|本|\d{1,2}[.、．](?!\d)|"
                    r"[一二三四五六七八九十]{1,2}、|[(（][\d一二三四五六七八九十]{1,2}[)）])")
# Parenthetical notes that do not change what is measured: (GDP), (不含农户).
_NOTE_PAREN = re.compile(r"\((?:[A-Za-z]+|(?:不含|含|包括|扣除|剔除)[^)]*)\)")
_LIST_SEPARATOR = re.compile(r"、|以及|和|与|及")
# Head nouns that a coordinated list shares: 新能源汽车、集成电路产量 -> 新能源汽车产量, 集成电路产量.
_HEADS = ("吞吐量", "客流量", "成交额", "销售额", "零售额", "进出口", "增加值", "营业收入", "产量", "投资",
          "总额", "利润", "产值", "出口", "进口", "收入", "支出", "产能")
HEADS = _HEADS
# A metric ending in one of these already names a measure (发电量, 营业收入, 城镇化率), so it needs no head.
MEASURE_END = re.compile(r"(?:量|额|值|率|数|入|资|重|比|价|费|度|积|模|程|长|规模|指数|水平|面|位|里程)$")
# A subject that names only a generic aggregate takes the noun of the clause before: 重点项目 + 总投资.
GENERIC_HEADS = frozenset({"总投资", "投资总额", "完成投资", "投资额", "总规模", "金额"})
# A subject that names only "the total" means the metric before it: 技术合同成交额…，总量居全国第5位.
SAME_AS_BEFORE = frozenset({"总量", "总额", "规模", "增速", "增幅", "降幅"})
# A count of these alone says too little; keep the verb that qualifies them (累计签约项目 -> 签约项目).
_BARE_NOUNS = frozenset({"项目", "企业", "事项", "平台"})
# A subject that starts with one of these verbs continues the noun of the subject before it.
VERB_LED = re.compile(r"^(?:运输|发送|接待|运送)")
TRAILING_VERB = re.compile(r"(?:累计)?(?:开行|运输|发送|接待|完成|实现)$")
# Verbs that, between a subject and a count, belong in the metric: 西部陆海新通道通达123个国家和地区.
_REACH_VERBS = re.compile(r"(?:通达|覆盖|连接|辐射|联通|通往|直达)$")
# Where the noun counted after a classifier ends.
_STOP_AFTER = frozenset(
    ["的", "等", "已", "正", "将", "均", "分别", "获", "获得", "获批", "入选", "顺利", "完成", "加快", "入驻", "运行", "实现", "落地", "开工", "投用", "建成", "通过", "建设", "开展", "启动", "签约", "纳入", "覆盖", "达", "达到", "增长", "同比", "占", "在", "于", "被", "向", "为", "是", "成功", "上市", "正式", "全面", "基本", "陆续", "相继", "同步", "共", "累计", "提速", "步伐", "获得", "入围", "参与", "实施", "发布", "亮相", "完工", "通车", "开通", "运营", "集聚", "落户", "进驻", "新增", "超过", "突破", "和", "与", "及", "或", "当天", "当日", "今天", "昨天",
     "近日", "从", "自", "中"])


@dataclass(frozen=True, slots=True)
class Subject:
    """What one figure is about: a metric phrase (not yet canonical) and the region named with it."""

    metric: str
    region: Region | None = None
    refers_back: bool = False  # opened with 两地/两市…: the places just listed
    topic: str = ""  # 铁路 of 铁路完成旅客发送量: who did it, for a later clause led by the verb alone


# 两者/两市 name the places just listed. So does 两地 with 均 (两地…均增长7%: each place); without 均 it is
# one figure for the last joint region named (两地机场货邮吞吐量达62.3万吨: 成渝 together).
_REFERS_BACK = re.compile(r"^(?:两地|两者|两市|两省|两区)")
_CO_BUILT = re.compile(r"^(?:川渝)?(?:共建|共同建设|共同实施)")
_JOINT_SUBJECT = re.compile(r"^(四川|重庆)[省市]?[、和与](四川|重庆)[省市]?(?:两地|两省市)?(?:共同|共|联合|合力|携手)")
# 80项事项实现跨省通办: a short predicate after a bare noun defines what is counted.
_DEFINING_VERBS = frozenset({"实现", "纳入", "入选", "获评"})


def strip_predicate(phrase: str) -> str:
    """Peel the predicate (分别增长, 约占, 增至, 比上年同期…) off the end of a subject phrase."""
    while True:
        stripped = _PREDICATE_TAIL.sub("", phrase).rstrip()
        if stripped == phrase:
            return phrase
        phrase = stripped


def _strip_leading(tokens: Sequence[str]) -> Sequence[str]:
    kept = tokens
    while kept and (kept[0] in _LEAD_FILLERS or not kept[0].strip()):
        if len("".join(kept[1:])) == 1 and len(kept[0]) > 1:
            break  # 开行|量: the filler is part of the name when only a suffix would remain
        kept = kept[1:]
    if kept and "".join(kept) in _BARE_NOUNS and len(kept) < len(tokens) and len(tokens[-len(kept) - 1]) > 1:
        return tokens[-len(kept) - 1:]  # 签约项目, not just 项目
    return kept


def _drop_chars(tokens: Sequence[str], count: int) -> Sequence[str]:
    """Tokens after the first `count` characters; re-segments when the cut falls inside a token."""
    taken = 0
    for i, token in enumerate(tokens):
        if taken == count:
            return tokens[i:]
        taken += len(token)
        if taken > count:
            return cut("".join(tokens)[count:])
    return []


def clean(phrase: str) -> Subject:
    """Region and metric of a subject phrase: '1—5月重庆规上工业增加值' -> (重庆, 规上工业增加值)."""
    lex = lexicon()
    phrase = _LABEL.sub("", PERIOD_RE.sub("", phrase).strip())
    examples = EXAMPLES_END.match(phrase) if "等" in phrase else None
    if examples and len(phrase) - examples.end() >= 2:  # 甲线、乙站等交通项目: what the examples are of
        phrase = phrase[examples.end():]
    if not phrase:
        return Subject("")
    co_built = _CO_BUILT.match(phrase)
    if co_built:  # 共建成渝地区双城经济圈重点项目: programmes the two build together
        found, _ = lex.split_region_prefix(phrase[co_built.end():])
        if found is not None and found.level == "joint":
            return Subject(clean(phrase[co_built.end():]).metric, lex.region("川渝"))
    joint = _JOINT_SUBJECT.match(phrase)
    if joint and joint.group(1) != joint.group(2):  # 重庆、四川共推出…: the two together
        return Subject(clean(phrase[joint.end():]).metric, lex.region("川渝"))
    if lex.cue_nouns and phrase.endswith(lex.cue_nouns):  # 城镇新增就业 is a name: its 新增 is no filler
        noun = next(n for n in lex.cue_nouns if phrase.endswith(n))
        return Subject(noun, lex.split_region_prefix(phrase)[0])
    refers_back = bool(_REFERS_BACK.match(phrase))
    if not refers_back:  # the common case needs no segmentation: [region] + a known metric
        found, rest = lex.split_region_prefix(phrase)
        if lex.known_metric(rest) or (not rest and found):
            return Subject(rest, found)
    region: Region | None = None
    tokens: Sequence[str] = cut(phrase)
    for _ in range(4):  # fillers, labels and regions interleave: 全省累计建成…, 川渝联合布局建设…
        tokens = _strip_leading(tokens)
        joined = "".join(tokens)
        label = _LABEL.match(joined)
        if label:
            tokens = _drop_chars(tokens, label.end())
            continue
        found, rest = lex.split_region_prefix(joined)
        if found is None:
            break
        region = region or found
        tokens = _drop_chars(tokens, len(joined) - len(rest))
    verbs = [i for i, t in enumerate(tokens[:-1]) if t in _OBJECT_VERBS]
    if verbs and "".join(tokens[verbs[-1] + 1:]) not in _BARE_NOUNS:  # 双方将共建|协同创新平台: the object
        tokens = tokens[verbs[-1] + 1:]
        found, rest = lex.split_region_prefix("".join(tokens))
        if found is not None:
            region = region or found
            tokens = cut(rest)
    kept = [t for t in tokens if t not in _ANYWHERE and t not in "“”\"'"]
    while kept and kept[-1] in ("的", "增速", "增幅", "合计", "总计"):
        kept.pop()
    metric = _NOTE_PAREN.sub("", "".join(kept)).strip()
    if "的" in metric[1:-1]:  # 作为重庆主要优势产品的笔记本电脑出口额: the noun after the last 的
        tail = metric.rsplit("的", 1)[1]
        if len(tail) > 2 and (lex.known_metric(tail) or any(tail.endswith(h) for h in _HEADS)):
            metric = tail
    if refers_back:
        return Subject(metric, None, refers_back=True)
    infix = _DOER_VERB.search(metric)
    if infix and MEASURE_END.search(metric) and metric[infix.start():] not in GENERIC_HEADS \
            and not lex.known_metric(metric[infix.start():]):  # 民用机场完成旅客吞吐量: doer and quantity (完成投资 is a name)
        return Subject(metric[:infix.start()] + metric[infix.end():], region, topic=metric[:infix.start()])
    return Subject(metric, region)


# 甲线、乙站等交通项目: the examples end at the last 等 (not 等于, 同等, 高等教育, 一等奖).
EXAMPLES_END = re.compile(r".*(?<![一二三四五同平对中高初上])等(?![于同级奖])")


# A verb between a doer and the quantity it achieved (民用机场完成旅客吞吐量); at the start of a clause
# (；完成货邮吞吐量…) it continues the doer named before.
_DOER_VERB = re.compile(r"(?<=..)(?:完成|实现)(?=..)")
VERB_LED_BY_DOER = re.compile(r"^\s*(?:完成|实现)")


def under_brand(subject: Subject, brand: str) -> Subject:
    """A figure said of a brand named before (中欧班列(成渝)…，运行线路50余条) is named after it; a word standing
    for the brand (该班列, 通道) gives way to its name."""
    metric = subject.metric
    if not metric or brand in metric:
        return subject
    metric = _BRAND_ANAPHOR.sub("", metric)
    return Subject(brand + metric, subject.region, subject.refers_back, subject.topic) if metric else subject


_BRAND_ANAPHOR = re.compile(r"^(?:该|这一|这条)?(?:班列|通道|品牌)(?=..)")


def split_subjects(phrase: str) -> list[Subject]:
    """Coordinated subjects of a distributive predicate (分别, 均), each with its own region or metric.

    Three shapes: metrics (规上工业增加值、工业投资), metrics sharing a head noun (旅客和货邮吞吐量), and
    regions sharing a metric (四川、重庆地区生产总值; 成都、重庆两地GDP).
    """
    parts = [clean(p) for p in _LIST_SEPARATOR.split(phrase) if p.strip()]
    if len(parts) < 2:
        return parts
    if all(p.region is not None for p in parts):
        shared = next((p.metric for p in reversed(parts) if p.metric), "")
        return [Subject(shared, p.region) for p in parts]
    category = next((c for c in _LENT_CATEGORIES if parts[-1].metric.endswith(c)), None)
    if category:  # 摩托车和装备产业: the category word of the last item is the others' too
        parts = [p if not p.metric or p.metric.endswith("业") else Subject(p.metric + category, p.region)
                 for p in parts]
    head = _shared_head(parts[-1].metric)
    if head:
        parts = [p if any(p.metric.endswith(h) for h in _HEADS) else Subject(p.metric + head, p.region)
                 for p in parts]
    return parts


def comma_list(items: Sequence[str]) -> list[Subject]:
    """Subjects of a list whose items are separated by commas and may hold 和/、 inside their names
    (汽车制造业，化学原料和化学制品制造业增加值): each item whole, lent the head noun of the last."""
    parts = [clean(item) for item in items]
    head = next((h for h in _HEADS if parts[-1].metric.endswith(h)), "")
    return [p if not head or any(p.metric.endswith(h) for h in _HEADS) else Subject(p.metric + head, p.region)
            for p in parts]


def _shared_head(last: str) -> str | None:
    """The head the last item of a list lends the others: 装备制造产业增加值 -> 产业增加值, 集成电路产量 -> 产量."""
    if not any(last.endswith(h) for h in _HEADS):
        return None
    tokens = cut(last)
    for i in range(1, len(tokens)):
        if tokens[i] in _CATEGORY_WORDS or any(tokens[i] == h for h in _HEADS):
            return "".join(tokens[i:])
    return next(h for h in _HEADS if last.endswith(h))


_CATEGORY_WORDS = frozenset({"产业", "行业", "领域", "制造业"})
_LENT_CATEGORIES = ("产业",)


def counted_noun(text: str, start: int, end: int) -> str:
    """The noun counted right after a classifier: '重大项目' from '300个|重大项目，…', up to the next verb."""
    noun = ""
    tokens = cut(text[start:end])
    for i, token in enumerate(tokens):
        if token in "“”\"":
            continue  # 120项“一网通办”事项: the noun runs through the quotes
        if (token in _STOP_AFTER or token[:2] in _STOP_AFTER or not token.strip() or token[0].isdigit()
                or token in ",;:。、()"):
            rest = "".join(tokens[i + 1:])
            if noun in _BARE_NOUNS and token in _DEFINING_VERBS and 1 < len(rest) <= 6 \
                    and not any(ch.isdigit() or ch in ",;:。、" for ch in rest):
                return rest + noun
            break
        noun += token
    return noun


_ADVERBS = frozenset({"已经", "已", "目前", "现已", "累计", "共", "又", "还", "也", "均"})
_SCOPE_WORDS = frozenset({"全球", "全国", "国内", "境内外", "国内外", "海内外", "欧亚", "亚欧", "沿线", "境外", "海外"})


def noun_with_prefix(prefix: str, noun: str) -> tuple[str, Region | None]:
    """The metric for a counted noun, given the words between the clause start and the count.

    A modifier right before the count belongs to the metric (市场一体化17条经验 -> 市场一体化经验); so does a
    subject that reaches the counted things (西部陆海新通道通达123个国家和地区). Other verbs and fillers
    do not (共同实施100项重大合作事项 -> 重大合作事项). In 共建A、B等22个事项 the verb names the items.
    Returns the metric and the region named in the prefix, if any.
    """
    if "等" in prefix:
        lead = cut(prefix.strip())[0]
        named = lead in _LEAD_FILLERS and len(lead) > 1
        return (lead + noun if named else noun), None
    region, rest = lexicon().split_region_prefix(_LABEL.sub("", PERIOD_RE.sub("", prefix).strip()))
    tokens = _strip_leading(cut(rest))
    if not tokens:
        return noun, region
    kept = [t for t in tokens if t not in _ADVERBS and t not in _SCOPE_WORDS]
    text = "".join(kept)
    if _REACH_VERBS.search(text):  # 西部陆海新通道已经通达全球124个国家和地区 -> …通达国家和地区
        return text + noun, region
    if any(t in _LEAD_FILLERS or t in _STOP_AFTER for t in tokens):
        return noun, region
    return "".join(tokens) + noun, region
