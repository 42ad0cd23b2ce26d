"""Statistical periods: 1—5月, 上半年, 一季度, 前三季度, 今年, 去年, 2023年, 截至5月底 …

A period resolves against the article's publication date, never the wall clock, into `YYYY-MM/YYYY-MM`
(month ranges, cumulative from January as statistics offices report them) or `YYYY` (a year).
Comparison bases (比2023年末, 去年同期, 较上年) and dates (6月21日) are not periods.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources

from crawler.extract.numbers import parse_chinese_integer

_N = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_YEAR = r"(?:(?P<year>\d{4}|二[〇零]\d{2}|二[〇零][一二三四五六七八九〇零]{2})年|(?P<rel>今年|去年|上年|明年|过去一年))?"
_DASH = r"[—–―‒\-~～至到]"

_PATTERNS = [
    ("days", rf"{_YEAR}(?P<m>{_N})月(?P<a>{_N})日\s*{_DASH}+\s*(?:(?P<m2>{_N})月)?(?P<b>{_N})日"),
    ("holiday", rf"{_YEAR}(?P<name>国庆中秋|中秋国庆|国庆|春节|劳动节|五一|端午|中秋|元旦|清明)"
                r"(?:假期|长假|小长假|黄金周|期间)"),
    ("first_day", r"(?:假期)?首日"),
    ("range", rf"{_YEAR}(?P<a>{_N})(?:月份?)?\s*{_DASH}+\s*(?P<b>{_N})月(?:份)?"),
    ("first_months", rf"{_YEAR}前(?P<b>{_N})个月"),
    ("until_month", rf"截至{_YEAR}(?P<b>{_N})月(?:底|末)"),
    ("first_quarters", rf"{_YEAR}前(?P<q>[一二三]|[123])(?:个)?季度"),
    ("quarter", rf"{_YEAR}(?:第)?(?P<q>[一二三四]|[1-4])季度"),
    ("half", rf"{_YEAR}(?P<half>上半年|下半年)"),
    ("month", rf"{_YEAR}(?P<b>{_N})月(?:份)?(?!\d|[一二三四五六七八九十]{1,3}[日号]|日|号|底|末|初|中旬|上旬|下旬)"),
    ("year", r"(?:(?P<year>\d{4})年|(?P<rel>今年|去年|上年|过去一年))(?:全年|以来)?"
             r"(?!\d{1,2}月|[一二三四五六七八九十]{1,2}月|末|底|同期)"),
    ("now", r"截至目前|目前|当前"),
]
# Every period starts with a digit, a numeral or one of 今去上下明前截第…: checking that first lets the
# regex skip most positions at once.
PERIOD_RE = re.compile("(?=[\\d一二三四五六七八九十〇零今去上下明前截第过目当国春劳五端中元清假首])(?:" + "|".join(
    f"(?P<{name}>{pattern.replace('(?P<', f'(?P<{name}_')})" for name, pattern in _PATTERNS) + ")")

# A period right after these words is the base of a comparison, not the figure's period.
_BASE_BEFORE = re.compile(r"(?:比|较|同比|相比|与|对比|相较|高于|低于|快于|慢于|好于|优于|超过|超出)$")
# 从上半年的1.7个百分点上升为2.5个百分点: the period is the base's, and holds for the base value only.
_FROM_BEFORE = re.compile(r"从$")
_BASE_VALUE_AFTER = re.compile(r"的")
# Where the base value ends and the figure's own value begins: 上升为, 增长到, 提高至 …
BASE_VALUE_END = re.compile(r"(?:上升|增长|增加|提高|提升|扩大|下降|降低|减少|回落|缩小|跃升)?(?:为|到|至)")
_TARGET_YEAR = re.compile(r"(?:到|至|力争到|预计到|计划到)$")
# 2035年远景目标, 2025年规划: a year that names a plan, not a period.
_PLAN_NAME_AFTER = re.compile(r"远景|(?:年)?(?:规划|纲要|行动计划|行动方案|愿景)")
# 从2019年的9.4万标箱增长到2023年的…: the year a rise reached, a period like any other, not a target's.
_RISE_TO_BEFORE = re.compile(r"(?:增长|增加|提高|提升|上升|扩大|跃升|下降|降低|减少|回落)(?:到|至)$")
_FORECAST_BEFORE = re.compile(r"(?:预计|力争|计划|有望|争取)$")
_SINCE_AFTER = re.compile(r"[^,，。;；:：]{0,8}?以来")
# 5年来, 多年来, 十四五期间: spans of several years; figures stated for them have no period.
SPAN_RE = re.compile(r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3}|多|近[\d一二两三四五六七八九十]+)年(?:来|以来)|"
                     r"(?:十[一二三四五]五|“十[一二三四五]五”)(?:期间|以来|时期)")


@dataclass(frozen=True, slots=True)
class PeriodMention:
    """A period named in the working text, resolved."""

    period: str
    start: int
    end: int
    target: bool = False  # 到2027年: the year a target is set for
    base: bool = False  # 从上半年的…: the period of a comparison's base value only
    since: bool = False  # 2021年以来, 自2023年前三季度以来: a span up to now, no period of its own


def _number(text: str) -> int:
    return int(text) if text.isdigit() else parse_chinese_integer(text)


def _year(groups: dict[str, str | None], kind: str, published: date, end_month: int | None) -> int:
    explicit = groups.get(f"{kind}_year")
    if explicit:
        return _number(explicit) if explicit.isdigit() else parse_chinese_integer(explicit)
    relative = groups.get(f"{kind}_rel")
    if relative in ("去年", "上年", "过去一年"):
        return published.year - 1
    if relative == "明年":
        return published.year + 1
    if relative == "今年":
        return published.year
    # No year written: the latest such period that has ended by the publication month.
    if end_month is not None and end_month > published.month:
        return published.year - 1
    return published.year


def _months(year: int, first: int, last: int) -> str:
    return f"{year:04d}-{first:02d}/{year:04d}-{last:02d}"


@functools.cache
def _holidays() -> dict[tuple[int, str], tuple[date, date]]:
    """(year, name) -> first and last day of a public holiday, from data/holidays.tsv."""
    table: dict[tuple[int, str], tuple[date, date]] = {}
    text = (resources.files("crawler.extract") / "data" / "holidays.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        year_text, names, first, last = line.split("\t")
        year = int(year_text)
        bounds = tuple(date.fromisoformat(day if len(day) > 5 else f"{year}-{day}") for day in (first, last))
        for name in names.split(","):
            table[(year, name.strip())] = bounds  # type: ignore[assignment]
    return table


def _days(first: date, last: date) -> str:
    return f"{first.isoformat()}/{last.isoformat()}"


def _resolve_days(kind: str, groups: dict[str, str | None], published: date) -> str | None:
    if kind == "holiday":
        name = groups["holiday_name"] or ""
        explicit = groups.get("holiday_year") or groups.get("holiday_rel")
        years = [_year(groups, kind, published, None)] if explicit else [published.year, published.year - 1]
        for year in years:  # no year written: the latest such holiday begun by the publication date
            bounds = _holidays().get((year, name))
            if bounds and (explicit or bounds[0] <= published):
                return _days(*bounds)
        return None
    month = _number(groups["days_m"] or "")
    last_month = _number(groups.get("days_m2") or "") if groups.get("days_m2") else month
    first_day, last_day = _number(groups["days_a"] or ""), _number(groups["days_b"] or "")
    year = _year(groups, kind, published, last_month)
    try:
        first, last = date(year, month, first_day), date(year, last_month, last_day)
    except ValueError:
        return None
    return _days(first, last) if first <= last else None


def _resolve(match: re.Match[str], published: date) -> str | None:
    kind = match.lastgroup
    groups = match.groupdict()
    if kind in ("days", "holiday"):
        return _resolve_days(kind, groups, published)
    if kind in ("range", "first_months", "until_month", "month"):
        last = _number(groups[f"{kind}_b"] or "")
        first = _number(groups["range_a"]) if kind == "range" else (last if kind == "month" else 1)
        if not (1 <= first <= last <= 12):
            return None
        return _months(_year(groups, kind, published, last), first, last)
    if kind in ("quarter", "first_quarters"):
        q = _number(groups[f"{kind}_q"] or "")
        year = _year(groups, kind, published, q * 3)
        return _months(year, 1 if kind == "first_quarters" else q * 3 - 2, q * 3)
    if kind == "half":
        last = 6 if groups["half_half"] == "上半年" else 12
        return _months(_year(groups, kind, published, last), last - 5, last)
    if kind == "now":  # a stock stated as of now: the publication year
        return f"{published.year:04d}"
    if kind == "year":
        year = _year(groups, kind, published, None)
        return f"{year:04d}" if 1990 <= year <= published.year + 30 else None
    return None


def is_future(period: str, published: date) -> bool:
    """Whether a period has not begun by the publication date (预计下半年 in June)."""
    first = period.split("/")[0]
    if len(first) == 10:
        return date.fromisoformat(first) > published
    year, month = int(first[:4]), int(first[5:7]) if len(first) > 4 else 1
    return (year, month) > (published.year, published.month)


def is_closed(period: str, published: date) -> bool:
    """Whether a period had ended by the publication date (2025 in a January 2026 report)."""
    last = period.split("/")[-1]
    if len(last) == 10:
        return date.fromisoformat(last) < published
    year, month = int(last[:4]), int(last[5:7]) if len(last) > 4 else 12
    return (year, month) < (published.year, published.month)


def period_mentions(text: str, start: int, end: int, published: date) -> list[PeriodMention]:
    """Periods named in text[start:end], skipping comparison bases and dates."""
    mentions: list[PeriodMention] = []
    for match in PERIOD_RE.finditer(text, start, end):
        before = text[max(0, match.start() - 3): match.start()]
        if _BASE_BEFORE.search(before):
            continue
        if match.lastgroup == "first_day":  # 假期首日: the first day of the day period named last
            days = next((m.period for m in reversed(mentions) if len(m.period) == 21 and not m.base), None)
            if days:
                mentions.append(PeriodMention(_days(*(date.fromisoformat(days[:10]),) * 2), match.start(),
                                              match.end()))
            continue
        period = _resolve(match, published)
        if period and _FROM_BEFORE.search(before) and _BASE_VALUE_AFTER.match(text, match.end()):
            mentions.append(PeriodMention(period, match.start(), match.end(), base=True))
            continue
        if period and _PLAN_NAME_AFTER.match(text, match.end()):
            continue
        if period:
            forecast = _FORECAST_BEFORE.search(text, max(0, match.start() - 3), match.start())
            rise = _RISE_TO_BEFORE.search(text, max(0, match.start() - 4), match.start())
            target = bool((_TARGET_YEAR.search(before) and not rise) or forecast or is_future(period, published))
            since = match.lastgroup != "now" and bool(_SINCE_AFTER.match(text, match.end(), end))
            if match.group().endswith("以来"):
                since = True
            since = since and period[:4] != f"{published.year:04d}"  # 今年以来 is this year to date
            mentions.append(PeriodMention(period, match.start(), match.end(), target, since))
    return mentions


_QUARTERS = {3: "一季度", 6: "二季度", 9: "三季度", 12: "四季度"}
_CUMULATIVE = {3: "一季度", 6: "上半年", 9: "前三季度", 12: "全年"}


def reader_period(period: str | None, published: date | None = None, *, target: bool = False) -> str:
    """A stored period as Chinese reporting writes it: 2024-01/2024-07 -> 1—7月, 2024-01/2024-06 -> 上半年.

    The year is written unless it is the year of `published` (the article's date, shown next to it). A
    whole year not over at publication is 今年以来 for an actual figure (a target's year is just the year).
    Never an ISO range: those wrap mid-token and readers do not write them.
    """
    if not period:
        return ""
    same_year = published is not None
    if re.fullmatch(r"\d{4}", period):
        year = int(period)
        if same_year and year == published.year and not target:  # type: ignore[union-attr]
            return "今年以来"
        return f"{year}年"
    found = re.fullmatch(r"(\d{4})-(\d{2})/(\d{4})-(\d{2})", period)
    if not found or found[1] != found[3]:
        return period
    year, first, last = int(found[1]), int(found[2]), int(found[4])
    if first == last:
        name = f"{last}月"
    elif first == 1 and last in _CUMULATIVE:
        name = _CUMULATIVE[last]
    elif last - first == 2 and last in _QUARTERS:
        name = _QUARTERS[last]
    elif (first, last) == (7, 12):
        name = "下半年"
    else:
        name = f"{first}—{last}月"
    return name if same_year and year == published.year else f"{year}年{name}"  # type: ignore[union-attr]
