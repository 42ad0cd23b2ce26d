"""Small helpers the spiders share: text of paragraphs, trailer lines, metas, dates, fallback selectors."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from parsel import Selector, SelectorList

SHANGHAI = ZoneInfo("Asia/Shanghai")
_SPACE = re.compile(r"[\s\u3000\xa0]+")
# Lines that are page furniture, not article text: editors' credits, share and print links.
TRAILER = re.compile(r"^(?:责任编辑|责编|编辑|美编|审核|校对|监制|来源)\s*[:：\s]|扫一扫在手机打开|【打印】|【关闭】|"
                     r"【字体|分享到|打印本页|关闭窗口")


def clean(text: str | None) -> str:
    """Text with runs of white space (including full-width and no-break spaces) folded, ends trimmed."""
    return _SPACE.sub(" ", text or "").strip()


def paragraphs(container: Selector | SelectorList) -> list[str]:
    """The paragraphs of an article body: its <p> elements, or its lines when it has none; no furniture."""
    found = [clean("".join(p.css("::text").getall())) for p in container.css("p")]
    if not any(found):
        found = [clean(line) for line in "\n".join(container.css("::text").getall()).splitlines()]
    return [line for line in found if line and not TRAILER.search(line)]


def meta(page: Selector, name: str) -> str | None:
    """The content of <meta name=NAME>, cleaned, or None."""
    value = page.css(f'meta[name="{name}"]::attr(content), meta[name="{name.lower()}"]::attr(content)').get()
    return clean(value) or None


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
                 "%Y年%m月%d日 %H时%M分", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")


def parse_datetime(text: str | None) -> datetime | None:
    """A Chinese site's local date or time (no zone written: Asia/Shanghai), or None."""
    text = clean(text).strip("()（）[]【】")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    match = re.search(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})", text)
    if match:
        return at_midnight(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
    return None


def at_midnight(day: date) -> datetime:
    """00:00 of a day in Asia/Shanghai."""
    return datetime.combine(day, time(0, 0), SHANGHAI)


def first_matching(page: Selector, selectors: Sequence[str], what: str, url: str,
                   logger: logging.Logger | logging.LoggerAdapter) -> SelectorList:
    """The elements of the first CSS selector that matches; a clear log line when none does.

    The sites' markup is known from public scrapers, not from live requests: when a layout changes, the
    log names the page and the selectors tried instead of silently storing nothing.
    """
    for css in selectors:
        found = page.css(css)
        if found:
            return found
    logger.warning("none of the %s selectors matched at %s (tried: %s); the page layout may have changed",
                   what, url, " | ".join(selectors))
    return SelectorList([])
