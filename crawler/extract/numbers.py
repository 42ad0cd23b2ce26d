"""Numbers as written in Chinese reporting, turned into exact Decimals in base units.

Arabic digits with thousands separators and decimals, the magnitudes 万/亿/万亿, Chinese numerals
(两千八百亿, 三成, 百分之九点三) and the units of the genre. Values are Decimals, never floats:
309.6亿元 is exactly 30960000000 元.
"""

from __future__ import annotations

import re
from decimal import Decimal

# 8. 4亿元: a space after the decimal point is kept in the surface and dropped from the value.
ARABIC = r"\d+(?:,\d{3})*(?:\. ?\d+)?"
# 二.六亿部: a dot stands for 点 too.
CHINESE = r"[零〇一二两三四五六七八九十百千万亿]+(?:[点.][零〇一二三四五六七八九]+)?"
MAGNITUDE = r"万亿|亿|万"

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_MAGNITUDES = {"万亿": 10**12, "亿": 10**8, "万": 10**4}

# Surface unit -> (base unit, factor). Longest spellings first when matched.
UNITS: dict[str, tuple[str, Decimal]] = {
    "个百分点": ("百分点", Decimal(1)), "百分点": ("百分点", Decimal(1)),
    "%": ("%", Decimal(1)), "‰": ("‰", Decimal(1)),
    "元": ("元", Decimal(1)), "元人民币": ("元", Decimal(1)), "美元": ("美元", Decimal(1)),
    "标箱": ("标箱", Decimal(1)), "TEU": ("标箱", Decimal(1)),
    "立方米": ("立方米", Decimal(1)), "方": ("立方米", Decimal(1)),
    "吨": ("吨", Decimal(1)), "平方公里": ("平方公里", Decimal(1)), "平方米": ("平方米", Decimal(1)),
    "公里": ("公里", Decimal(1)), "千米": ("公里", Decimal(1)), "亩": ("亩", Decimal(1)),
    "千瓦时": ("千瓦时", Decimal(1)), "千瓦": ("千瓦", Decimal(1)),
    "人次": ("人次", Decimal(1)), "架次": ("架次", Decimal(1)), "车次": ("车次", Decimal(1)),
    "班次": ("班次", Decimal(1)), "艘次": ("艘次", Decimal(1)),
    "人": ("人", Decimal(1)), "名": ("名", Decimal(1)), "户": ("户", Decimal(1)), "家": ("家", Decimal(1)),
    "个": ("个", Decimal(1)), "项": ("项", Decimal(1)), "条": ("条", Decimal(1)), "列": ("列", Decimal(1)),
    "座": ("座", Decimal(1)), "台": ("台", Decimal(1)), "辆": ("辆", Decimal(1)), "套": ("套", Decimal(1)),
    "件": ("件", Decimal(1)), "艘": ("艘", Decimal(1)), "架": ("架", Decimal(1)), "所": ("所", Decimal(1)),
    "批": ("批", Decimal(1)), "次": ("次", Decimal(1)), "趟": ("趟", Decimal(1)), "宗": ("宗", Decimal(1)),
    "处": ("处", Decimal(1)), "款": ("款", Decimal(1)), "部": ("部", Decimal(1)), "对": ("对", Decimal(1)),
    "种": ("种", Decimal(1)), "类": ("类", Decimal(1)), "单": ("单", Decimal(1)), "张": ("张", Decimal(1)),
    "头": ("头", Decimal(1)), "米": ("米", Decimal(1)), "个省份": ("个", Decimal(1)), "省份": ("个", Decimal(1)),
    "辆次": ("辆次", Decimal(1)), "班": ("班", Decimal(1)), "斤": ("斤", Decimal(1)), "公斤": ("公斤", Decimal(1)),
    "千克": ("公斤", Decimal(1)), "m2": ("平方米", Decimal(1)), "公里/小时": ("公里/小时", Decimal(1)), "千米/小时": ("公里/小时", Decimal(1)),
    "成": ("%", Decimal(10)), "倍": ("倍", Decimal(1)), "天": ("天", Decimal(1)), "小时": ("小时", Decimal(1)),
}
CLASSIFIERS = frozenset({"人", "名", "户", "家", "个", "项", "条", "列", "座", "台", "辆", "套", "件", "艘",
                         "架", "所", "批", "次", "趟", "宗", "处", "款", "部", "对", "种", "类", "单", "张",
                         "头", "个省份", "省份", "班"})
UNIT_PATTERN = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))


def parse_chinese_integer(text: str) -> int:
    """Value of a Chinese integer numeral: 两千八百亿 -> 280000000000, 十一 -> 11, 二〇二四 -> 2024."""
    if all(ch in _DIGITS for ch in text):  # digit by digit, as in years: 二〇二四
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total = section = number = 0
    for ch in text:
        if ch in _DIGITS:
            number = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (number or 1) * _SMALL_UNITS[ch]
            number = 0
        elif ch == "万":  # a lone 万 is ten thousand: 首次突破万家
            total += (section + number or (0 if total else 1)) * 10**4
            section = number = 0
        elif ch == "亿":
            total = (total + section + number or 1) * 10**8
            section = number = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + section + number


def parse_number(text: str) -> Decimal:
    """Value of an Arabic or Chinese number, without magnitude: '1,005.2' -> 1005.2, '九点三' -> 9.3."""
    if text[0].isdigit():
        return Decimal(text.replace(",", "").replace(" ", ""))
    integer, _, decimals = text.replace(".", "点").partition("点")
    value = Decimal(parse_chinese_integer(integer)) if integer else Decimal(0)
    if decimals:
        value += Decimal("0." + "".join(str(_DIGITS[ch]) for ch in decimals))
    return value


def is_chinese(text: str) -> bool:
    """Whether a number is written in Chinese numerals."""
    return not text[0].isdigit()


def scale(value: Decimal, magnitude: str | None, unit: str) -> tuple[Decimal, str]:
    """Apply the magnitude and unit factor: (22.8, '万', '标箱') -> (228000, '标箱')."""
    base, factor = UNITS[unit]
    if magnitude:
        value *= _MAGNITUDES[magnitude]
    return exact(value * factor), base


def exact(value: Decimal) -> Decimal:
    """A Decimal without exponent or trailing zeros: 3.0960E+10 -> 30960000000, 9.30 -> 9.3."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return normal.quantize(Decimal(1))
    return normal


def format_decimal(value: Decimal) -> str:
    """Plain positional notation of an exact Decimal, as JSON and people expect it."""
    return format(exact(value), "f")


def format_change(delta: Decimal, unit: str, kind: str = "level", ratio: Decimal | None = None) -> str:
    """A difference between two figures as a reader wants it: +2条（+12.5%）, −0.4个百分点, +3位.

    Rates differ in percentage points, ranks in places; an amount also gets its relative change when known.
    """
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if unit == "%":
        text = f"{sign}{format_decimal(abs(delta))}个百分点"
    elif kind == "rank":
        text = f"{sign}{format_decimal(abs(delta))}位"
    else:
        text = sign + humanize(abs(delta), unit)
    if ratio is not None and unit not in ("%", "百分点") and kind != "rank":
        text += f"（{sign}{format_decimal((abs(ratio) * 100).quantize(Decimal('0.1')))}%）"
    return text


def humanize(value: Decimal, unit: str, kind: str = "level") -> str:
    """A base-unit value written as the genre writes it: 30960000000 元 -> 309.6亿元, 10 位 (rank) -> 第10."""
    if kind == "rank":
        return f"第{format_decimal(value)}"
    if unit == "百分点":
        return f"{format_decimal(value)}个百分点"
    if unit in ("%", "‰", "倍"):
        return f"{format_decimal(value)}{unit}"
    magnitude = abs(value)
    for name, size in (("万亿", Decimal(10) ** 12), ("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4)):
        if magnitude >= size:
            return f"{format_decimal(value / size)}{name}{unit}"
    return f"{format_decimal(value)}{unit}"


# Qualifiers written after the figure (30%以上, 10亿元左右); every other one goes before it (超过30%, 近30%).
_TRAILING_QUALIFIERS = ("以上", "以下", "以内", "左右", "多", "余", "有余")


def display_value(value: Decimal, unit: str, kind: str = "level", qualifier: str | None = None) -> str:
    """A figure as readers see it everywhere (CLI, digest, web): its value, unit and qualifier in the
    order Chinese writes them: 30%以上, 超过309.6亿元, and 前10 for a rank qualified by 前 (第10 → 前10)."""
    shown = humanize(value, unit, kind)
    if not qualifier:
        return shown
    if qualifier in _TRAILING_QUALIFIERS:
        return shown + qualifier
    if qualifier == "前" and shown.startswith("第"):
        return "前" + shown[1:]
    return qualifier + shown
