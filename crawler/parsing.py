"""Small helpers the spiders share: text of paragraphs, trailer lines, metas, dates, fallback selectors."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date, datetime, time

from parsel import Selector, SelectorList

from crawler.items import INDENT, TableLayout
from settings import SITES_TIMEZONE as SHANGHAI  # the sites write their local time, with no zone

_SPACE = re.compile(r"[\s\u3000\xa0]+")
# Lines that are page furniture, not article text: editors' credits, share and print links.
TRAILER = re.compile(r"^(?:责任编辑|责编|编辑|美编|审核|校对|监制|来源)\s*[:：\s]|扫一扫在手机打开|【打印】|【关闭】|"
                     r"【字体|分享到|打印本页|关闭窗口")


def clean(text: str | None) -> str:
    """Text with runs of white space (including full-width and no-break spaces) folded, ends trimmed."""
    return _SPACE.sub(" ", text or "").strip()


def paragraphs(container: Selector | SelectorList[Selector]) -> list[str]:
    """The paragraphs of an article body: its <p> elements, or its lines when it has none; no furniture."""
    return body_content(container)[0]


def body_content(container: Selector | SelectorList) -> tuple[list[str], list[TableLayout]]:
    """The lines of an article body and where its tables are among them.

    Paragraphs (<p> outside tables) are lines, without furniture; each <table> row is one line, its cells
    separated by tabs (see crawler/extract/tables.py), with the table's layout (header rows, spans) kept.
    A body with neither gives its text lines.
    """
    lines: list[str] = []
    layouts: list[TableLayout] = []
    for element in container.xpath(".//p[not(ancestor::table)] | .//table[not(ancestor::table)]"):
        if element.root.tag == "table":
            rows, header_rows, spans = table_rows(element)
            if any(cell for row in rows for cell in row):
                layouts.append(TableLayout(len(lines), len(rows), header_rows, tuple(spans)))
                lines.extend("\t".join(row) for row in rows)
            continue
        line = clean("".join(element.css("::text").getall()))
        if line and not TRAILER.search(line):
            lines.append(line)
    if not lines:
        found = [clean(line) for line in "\n".join(container.css("::text").getall()).splitlines()]
        lines = [line for line in found if line and not TRAILER.search(line)]
    return lines, layouts


def lines_at_breaks(container: Selector | SelectorList[Selector]) -> list[str]:
    """The lines of a body whose paragraphs are <br>-separated lines inside <p>s (some e-papers): one line
    per run of text between <br>s, without furniture; the text lines of the body when it has no <p>."""
    lines: list[str] = []
    for p in container.xpath(".//p"):
        current: list[str] = []
        for node in p.xpath("node()"):
            if isinstance(node.root, str):  # a text node
                current.append(node.root)
            elif getattr(node.root, "tag", None) == "br":
                lines.append(clean("".join(current)))
                current = []
            else:
                current.append("".join(node.xpath(".//text()").getall()))
        lines.append(clean("".join(current)))
    if not lines:
        lines = [clean(line) for line in "\n".join(container.css("::text").getall()).splitlines()]
    return [line for line in lines if line and not TRAILER.search(line)]


_LEAD_SPACE = re.compile(r"^[ \t\r\n]*([\u3000\xa0][\s\u3000\xa0]*)")


def table_rows(table: Selector) -> tuple[list[list[str]], int | None, list[tuple[int, int, int, int]]]:
    """A <table> as its rows of cell texts, its header row count, its spans.

    A cell a rowspan or colspan widens is written once, on its first row, as a browser shows it (a row under
    a rowspan has fewer cells; `spans` says which slots they cover). An empty <td> stays an empty cell.

    A cell's text is cleaned; its explicit indentation (leading &nbsp; or 　, which HTML does not collapse)
    becomes as many U+3000, so that sub-rows stay recognisable. Header rows: those of <thead>, else the
    leading rows made of <th> only; None when the table marks none.
    """
    taken: set[tuple[int, int]] = set()  # slots of the grid a cell fills or covers
    printed: list[list[str]] = []
    spans: list[tuple[int, int, int, int]] = []
    header_rows = 0
    header_done = False
    for r, tr in enumerate(table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")):
        cells = tr.xpath("./td | ./th")
        in_head = tr.root.getparent().tag == "thead" or (bool(cells) and all(c.root.tag == "th" for c in cells))
        if in_head and not header_done:
            header_rows = r + 1
        else:
            header_done = True
        printed.append([])
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            raw = "".join(cell.css("::text").getall())
            lead = _LEAD_SPACE.match(raw)
            text = clean(raw)
            if lead and text:
                text = INDENT * len(re.sub(r"[^\u3000\xa0]", "", lead.group(1))) + text
            printed[-1].append(text)
            rowspan, colspan = (_span(cell.attrib.get(name)) for name in ("rowspan", "colspan"))
            taken.update((r + dr, c + dc) for dr in range(rowspan) for dc in range(colspan))
            if rowspan > 1 or colspan > 1:
                spans.append((r, c, rowspan, colspan))
            c += colspan
    return printed, header_rows or None, spans


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 50))
    except ValueError:
        return 1


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
                   logger: logging.Logger | logging.LoggerAdapter[logging.Logger]) -> SelectorList[Selector]:
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


# --- dating a document that comes without a date (cywatch extract FILE) ----------------------------------
_DATE_IN_NAME = (re.compile(r"(?<!\d)(20\d\d)[-_.](\d{1,2})[-_.](\d{1,2})(?!\d)"),  # cqrb-2024-6-22.txt
                 re.compile(r"(?<!\d)(20\d\d)(\d\d)(\d\d)(?!\d)"))  # t20240810_…
_DATELINE = re.compile(r"(20\d\d)年(\d{1,2})月(\d{1,2})日")
_LABEL = re.compile(r"(发布|时间|日期|来源)[^\n]{0,8}$")  # 发布时间：2024年8月10日
_RANGE_BEFORE = re.compile(r"(截至|截止|至|到|从|自|于)\s*$")  # a date the text talks about, not its own
_RANGE_AFTER = re.compile(r"^\s*(至|到|起|以来|[—–~-])")


def _valid(parts: tuple[str, ...]) -> date | None:
    try:
        return date(*map(int, parts))
    except ValueError:
        return None


def publication_date(name: str, text: str) -> tuple[date, str] | None:
    """The date a document was published, and where it was found; None when neither place gives one.

    From a date in its file name (cqrb-2024-06-22-….txt), else from the dateline among its first lines: a
    date labelled 发布/时间/日期/来源, else the first one that is not part of a range or a 截至… phrase.
    """
    for pattern in _DATE_IN_NAME:
        for found in pattern.finditer(name):
            if day := _valid(found.groups()):
                return day, "from the file name"
    head = text[:300]
    candidates = []
    for found in _DATELINE.finditer(head):
        before, after = head[max(0, found.start() - 12):found.start()], head[found.end():found.end() + 3]
        if (day := _valid(found.groups())) and not (_RANGE_BEFORE.search(before) or _RANGE_AFTER.search(after)):
            candidates.append((not _LABEL.search(before), found.start(), day))
    return (min(candidates)[2], "from the dateline in its first lines") if candidates else None
