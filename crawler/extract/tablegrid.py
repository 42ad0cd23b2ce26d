"""Tables in an article's text: where they are, and their cells with offsets.

How a table sits in an article's text (the spiders write it so, `cywatch extract` reads it so): one table row
a line, cells separated by tabs (an empty cell is an empty field), a cell a rowspan or colspan widens written
once, on its first row, as a browser shows it (texts stored before wrote the slots it covers as empty fields;
both read the same), a sub-row's indentation kept as leading ideographic spaces (U+3000). Offsets of cells are
therefore offsets in the article text. A plain-text table may also separate cells by runs of two or more
spaces (`find_tables`). `locate` turns the lines of a table into a `Table`: a grid of located cells, with its
caption, the text's title and the units noted above it. A page copied as text may have lost the rows and kept
one cell a line: `find_flat_tables` rebuilds those grids (one header cell per figure column). `crawler/extract/tables.py` reads its figures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from crawler.extract.numbers import UNITS
from crawler.extract.text import normalise
from crawler.items import INDENT


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's text exactly as in the article, and its offsets there."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Table:
    """A grid of cells (a spanned slot holds its cell again; None is an empty slot) at a place in a text."""

    rows: tuple[tuple[Cell | None, ...], ...]
    header_rows: int | None
    start: int
    end: int
    caption: str = ""
    title: str = ""
    unit_notes: tuple[tuple[str, str], ...] = ()  # 单位：亿元 -> ("", "亿元"); 面积：万亩 -> ("面积", "万亩")
    gloss: str = ""  # a caption in another language above the table (Gross Product by Region (2030))


# --- finding and locating tables ------------------------------------------------------------------------

_SPACES = re.compile(r"(?: {2,}|\u3000{2,}| \u3000|\u3000 )")
# 9.3, -0.4, 1,005.2, 13.03%, and as statistical yearbooks print them: 10 536 205, - 1.05
_NUMBER = re.compile(r"^[+\-−–﹢﹣＋－]? ?(?:\d{1,3}(?:[, ]\d{3})+|\d+)(?:\.\d+)?%?$")  # ﹢12.5, ﹣3.1 too
YEAR = re.compile(r"^(?:19|20)\d\d年?$")


def _fields(line: str) -> list[tuple[int, int]]:
    """[start, end) of a line's cells: split at tabs, else at runs of 2+ spaces (indentation stays with its cell)."""
    if "\t" in line:
        spans, pos = [], 0
        for part in line.split("\t"):
            spans.append((pos, pos + len(part)))
            pos += len(part) + 1
        return spans
    lead = len(line) - len(line.lstrip(" " + INDENT))
    spans, pos = [], lead
    for match in _SPACES.finditer(line, lead):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(line.rstrip())))
    return [(0 if i == 0 else s, e) for i, (s, e) in enumerate(spans) if e > s or "\t" in line]


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


_SIGNS = str.maketrans({"−": "-", "–": "-", "﹣": "-", "－": "-", "﹢": "+", "＋": "+"})


def parse_figure(text: str) -> Decimal:
    """The value of a figure cell: thousands separators and spaces dropped, any dash a minus sign."""
    return Decimal(re.sub(r"[\s,%]", "", text).translate(_SIGNS))


_MAGNITUDE = re.compile(r"^(万亿|亿|万)?(.*)$")  # not 千: 千克, 千升 are units of their own
_MAGNITUDES = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4}


def unit_of(spelled: str) -> tuple[str, Decimal] | None:
    """'亿元' -> ('元', 1e8); '万千升' -> ('千升', 1e4); '%' -> ('%', 1); '元/人' -> ('元/人', 1); '' -> None."""
    spelled = spelled.strip().replace("±", "")
    if not spelled:
        return None
    if "/" in spelled:  # 元/人, 千克/亩: a unit per something
        first, _, per = spelled.partition("/")
        found = unit_of(first)
        if found and re.fullmatch(r"(?:\d+(?:\.\d+)?)?(?:[\u4e00-\u9fff]{1,2}|ml|mL|L|g|kg)", per):  # 元/500克, 元/200ml
            return f"{found[0]}/{per}", found[1]
        return None
    if spelled in UNITS:
        base, factor = UNITS[spelled]
        return base, factor
    match = _MAGNITUDE.match(spelled)
    assert match is not None
    magnitude, rest = match.groups()
    if not rest:
        return None
    if rest not in UNITS and rest[0] == "千" and rest[1:] in UNITS:  # 千吨, 千元; not 千克, 千瓦时 (units of their own)
        base, factor = UNITS[rest[1:]]
        return base, factor * 1000 * _MAGNITUDES.get(magnitude or "", Decimal(1))
    base, factor = UNITS.get(rest, (rest, Decimal(1)))
    if rest not in UNITS and not re.fullmatch(r"[\u4e00-\u9fff]{1,2}", rest):  # 支, 只, 千升; not (含不满16周岁)
        return None
    return base, factor * _MAGNITUDES.get(magnitude or "", Decimal(1))


def find_tables(text: str) -> list[tuple[int, int]]:
    """Line ranges [first, last) of the plain-text tables in a text: 2+ lines of 2+ cells with figures in them.

    A one-cell line between such lines (a group label: 按城乡分) belongs to the table.
    """
    lines = text.split("\n")
    wide = [len(_fields(line)) >= 2 and bool(line.strip()) for line in lines]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if not wide[i]:
            i += 1
            continue
        j = i
        last_wide = i
        while j + 1 < len(lines) and (wide[j + 1] or (lines[j + 1].strip() and j + 2 < len(lines) and wide[j + 2])):
            j += 1
            if wide[j]:
                last_wide = j
        block = lines[i:last_wide + 1]
        figures = sum(1 for line in block for s, e in _fields(line)[1:] if is_number(line[s:e]))
        if last_wide > i and figures:
            found.append((i, last_wide + 1))
        i = last_wide + 1
    return found


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def locate(text: str, first_line: int, rows: int, header_rows: int | None = None,
           spans: Sequence[tuple[int, int, int, int]] = ()) -> Table:
    """The table whose rows are lines first_line … first_line+rows-1 of `text`, as a grid of located cells.

    With `spans` (from the HTML), a spanned slot repeats its cell; without, an empty header slot repeats the
    cell to its left (first header row) or above (later ones), as a colspan or rowspan would. Leading rows of
    one cell spanning the whole table (a yearbook sheet's title, its 单位：亿元 line) are lines above it, as
    in the plain-text form, where they are lines of one cell before the header.
    """
    width = max((c + colspan for _, c, _, colspan in spans), default=0)
    titles = 0
    while titles < rows - 1 and width > 1 and any(r == titles and c == 0 and colspan == width
                                                  for r, c, _, colspan in spans):
        titles += 1
    if titles:
        moved = [(r - titles, c, rowspan, colspan) for r, c, rowspan, colspan in spans if r >= titles]
        return locate(text, first_line + titles, rows - titles,
                      None if header_rows is None else max(header_rows - titles, 0), moved)
    starts = _line_starts(text)
    grid: list[list[Cell | None]] = []
    for r in range(first_line, first_line + rows):
        line_start = starts[r]
        line_end = starts[r + 1] - 1 if r + 1 < len(starts) else len(text)
        line = text[line_start:line_end]
        cells: list[Cell | None] = []
        for s, e in _fields(line):
            cell = line[s:e]
            cells.append(Cell(cell, line_start + s, line_start + e) if cell.strip() else None)
        grid.append(cells)
    width = max([len(row) for row in grid] + [c + colspan for _, c, _, colspan in spans], default=0)
    covered = {(r + dr, c + dc) for r, c, rowspan, colspan in spans
               for dr in range(rowspan) for dc in range(colspan) if dr or dc}
    for r, row in enumerate(grid):
        if len(row) < width and spans:  # a row's cells go to the slots no span of the page covers
            printed = iter(row)
            row[:] = [None if (r, c) in covered else next(printed, None) for c in range(width)]
        elif len(row) < width:  # a plain-text row with fewer cells: its label on the left, its figures on the right
            row[1:] = [None] * (width - len(row)) + row[1:]
    if spans:
        for r, c, rowspan, colspan in spans:
            origin = grid[r][c] if r < len(grid) and c < width else None
            for dr in range(rowspan):
                for dc in range(colspan):
                    if (dr or dc) and r + dr < len(grid) and c + dc < width:
                        grid[r + dr][c + dc] = origin
    caption, title, notes, gloss = _caption_and_title(text, first_line)
    table = Table(tuple(tuple(row) for row in grid), header_rows, starts[first_line],
                  (starts[first_line + rows] - 1) if first_line + rows < len(starts) else len(text), caption, title)
    header = table.header_rows if table.header_rows is not None else _header_rows(table)
    if not spans:
        for r in range(header):
            for c in range(width):
                if grid[r][c] is None:
                    grid[r][c] = grid[r][c - 1] if r == 0 and c > 0 else (grid[r - 1][c] if r > 0 else None)
    return Table(tuple(tuple(row) for row in grid), header, table.start, table.end, caption, title, notes, gloss)


_UNIT_NOTE = re.compile(r"^(?:单位\s*[:：]\s*)?(?:([\u4e00-\u9fff]{1,4})\s*[:：]\s*)?([^\s:：,，、;；]+)$")


def _unit_notes(lines: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Units stated above a table: 单位：亿元 (the whole table) or 面积：万亩 / 单位：总产：吨 (columns by key)."""
    notes = []
    for line in lines:
        plain = _GLOSS.sub("", normalise(line).text.strip())  # 单位:亿元 (100 million yuan)
        match = _UNIT_NOTE.match(plain)
        if match and (plain.startswith("单位") or match.group(1)) and unit_of(match.group(2)):
            notes.append((match.group(1) or "", match.group(2)))
    return tuple(notes)


_GLOSS = re.compile(r"\s*[(（][^()（）\u4e00-\u9fff]*[A-Za-z][^()（）\u4e00-\u9fff]*[)）]$")  # (10 000 yuan)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _caption_and_title(text: str, first_line: int) -> tuple[str, str, tuple[tuple[str, str], ...], str]:
    """The caption (the short line right above a table, notes of units aside), the text's first line, the
    units noted in the three short lines above the table, and a caption there in a language without Chinese
    characters (a bilingual sheet's English title)."""
    lines = text.split("\n")
    title = next((line.strip() for line in lines if line.strip()), "")
    above: list[str] = []
    for line in reversed(lines[:first_line]):
        if not line.strip():
            break
        if len(line.strip()) > (60 if _CJK.search(line) else 100) or len(_fields(line)) >= 2 or len(above) == 3:
            break
        above.append(line.strip())
    notes = _unit_notes(above)
    caption = next((line for line in above if not _unit_notes([line]) and _CJK.search(line)), "")
    gloss = next((line for line in above if not _CJK.search(line)), "")
    return caption, title, notes, gloss


def _header_rows(table: Table) -> int:
    """Leading rows that hold no figure (a year or a period in a header is not one); a row labelled by a year
    (2024 | 点击查看) is a row of data, figure or not."""
    for r, row in enumerate(table.rows):
        if any(c and is_number(c.text) and not YEAR.match(c.text.strip()) for c in row):
            return r
        if r and row and row[0] and YEAR.match(row[0].text.strip()) and any(c and c.text.strip() for c in row[1:]):
            return r
    return len(table.rows)


# --- tables flattened one cell a line -------------------------------------------------------------------
# A page copied as text may lose a table's rows and keep one cell a line (blank lines between): a caption,
# the header cells, then each row's label followed by its figures. Empty cells are dropped, `…` marks one.

_HEADER_WORD = re.compile(r"增长|增速|增幅|比重|占比|绝对[量值额数]|总量|数值|指标|名称|单位|本月|当月|累计|同比|%|=100")
_MEASURE = re.compile(r"增长|增速|增幅|比重|占比|绝对[量值额数]|总量|数值|同比")
_ABSOLUTE = re.compile(r"绝对[量值额数]|总量|数值")
_LABEL_HEADER = re.compile(r"^(?:指标(?:名称)?|名称|项目|单位|类别|地区)$")
_COLUMN_PERIOD = re.compile(r"^(?:\d{1,2}(?:[-—~]\d{1,2})?(?:月份?)?|(?:19|20)\d\d年?|[一二三四1-4]季度|[上下]半年|前三季度)$")
_PLACEHOLDER = re.compile(r"^[…\.·—\-]+$")
_PROSE = re.compile(r"[。，,;；!！?？]")


def _content_lines(text: str) -> list[tuple[int, int, str]]:
    """(line index, start offset, stripped text) of the non-blank lines."""
    found, pos = [], 0
    for index, line in enumerate(text.split("\n")):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            found.append((index, pos + lead, line.strip()))
        pos += len(line) + 1
    return found


def find_flat_tables(text: str) -> list[Table]:
    """Tables flattened one cell a line: a caption, header cells naming the figures (同比增长, 比重(%), 10月,
    1-10月), then rows of a label line and its figure lines. Each figure column gets one header cell, so
    `read_table` reads them as any table; a header with more measure cells than the rows have figures (the
    empty 绝对量 cells were dropped) keeps the cells that are not 绝对量."""
    lines = _content_lines(text)
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and len(lines[j][2]) <= 40 and not _PROSE.search(lines[j][2]):
            j += 1
        if j - i >= 8:
            table = _flat_table(text, lines[i:j])
            if table is not None:
                tables.append(table)
        i = j + 1
    return tables


def _flat_table(text: str, run: Sequence[tuple[int, int, str]]) -> Table | None:
    header_end = max((k for k, (_, _, cell) in enumerate(run) if _HEADER_WORD.search(cell) and not is_number(cell)),
                     default=-1)
    if header_end < 1:
        return None
    caption_at = 0 if not is_number(run[0][2]) and not _HEADER_WORD.fullmatch(run[0][2]) else -1
    header = run[caption_at + 1:header_end + 1]
    rows: list[list[Cell | None]] = []
    body = run[header_end + 1:]
    if all(is_number(cell) or _PLACEHOLDER.match(cell) for _, _, cell in body):  # the row labels were lost
        return _unlabelled(text, run, caption_at, header_end)
    for _, start, cell in body:
        if is_number(cell):
            if not rows:
                return None
            rows[-1].append(Cell(cell, start, start + len(cell)))
        elif not _PLACEHOLDER.match(cell):
            raw_start = text.rfind("\n", 0, start) + 1  # the label keeps its indentation
            rows.append([Cell(text[raw_start:start + len(cell)], raw_start, start + len(cell))])
    width = max((len(row) - 1 for row in rows), default=0)
    if width == 0 or sum(1 for row in rows if len(row) > 1) < 3:
        return None
    heads = _flat_header(header, width)
    if heads is None:
        return None
    grid = [[None, *heads], *[[row[0], *row[1:], *[None] * (width + 1 - len(row))] for row in rows]]
    caption = run[caption_at][2] if caption_at == 0 else ""
    title = next((line.strip() for line in text.split("\n") if line.strip()), "")
    first, last = run[0][1], run[-1][1] + len(run[-1][2])
    return Table(tuple(tuple(row[:width + 1]) for row in grid), 1, first, last, caption, title)


def _unlabelled(text: str, run: Sequence[tuple[int, int, str]], caption_at: int, header_end: int) -> Table | None:
    """A flattened table whose row labels were lost: its figures fill the header's columns row by row, and
    what they measure is the caption's."""
    figures = [Cell(cell, start, start + len(cell)) for _, start, cell in run[header_end + 1:] if is_number(cell)]
    columns = [(start, cell) for _, start, cell in run[caption_at + 1:header_end + 1]
               if not _LABEL_HEADER.match(cell) and not re.fullmatch(r"[(（]?%?[)）]?", cell)]
    width = len(columns)
    if not width or len(figures) < 2:
        return None
    heads: list[Cell | None] = [Cell(cell + ("(%)" if "=100" in cell else ""), start, start + len(cell))
                                for start, cell in columns]
    grid: list[list[Cell | None]] = [[None, *heads]]
    grid += [[None, *figures[i:i + width], *[None] * (width - len(figures[i:i + width]))]
             for i in range(0, len(figures), width)]
    caption = run[caption_at][2] if caption_at == 0 else ""
    title = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return Table(tuple(tuple(row) for row in grid), 1, run[0][1], run[-1][1] + len(run[-1][2]), caption, title)


def _flat_header(header: Sequence[tuple[int, int, str]], width: int) -> list[Cell | None] | None:
    """One header cell per figure column: its period (10月, 1-10月) and its measure (同比增长(%))."""
    periods = [(s, c) for _, s, c in header if _COLUMN_PERIOD.match(c)]
    measures = [(s, c) for _, s, c in header if _MEASURE.search(c)]
    if not measures:  # 指标 | 上年同期=100: the cells that do not head the label column
        measures = [(s, c) for _, s, c in header if not _LABEL_HEADER.match(c) and not _COLUMN_PERIOD.match(c)]
    percent = any("%" in c for _, _, c in header)
    if len(measures) > width:
        measures = [m for m in measures if not _ABSOLUTE.search(m[1])]
    if len(measures) == 1 and width > 1:
        measures = measures * width
    if len(measures) != width or (periods and len(periods) != width):
        return None
    cells: list[Cell | None] = []
    for k, (start, measure) in enumerate(measures):
        period = periods[k][1] if periods else ""
        if period and re.fullmatch(r"\d{1,2}(?:[-—~]\d{1,2})?", period):
            period += "月"  # 10 | 1-10 over a monthly release: the months
        index = "=100" in measure  # 上年同期=100: an index, in % of its base
        spelled = period + measure + ("(%)" if (percent or index) and "%" not in measure else "")
        cells.append(Cell(spelled, start, start + len(measure)))
    return cells
