"""Reading the files government articles attach: PDF, XLS/XLSX and DOCX, into text and tables.

`read(name, data)` turns a file into parts (a PDF page, a sheet, a document's body), each as lines the
extractor reads, its tables as tab-separated rows with their layout (crawler/extract/tables.py), exactly as
the spiders write an article's tables. `figures(...)` runs the extractor on each part and says where each
figure is: the part, and the cell (`B3`, or row and column of a PDF or Word table) or the sentence.
A file none of the readers can read raises `Unreadable`, with the reason in words; the caller records it.

The readers are well-kept libraries: pdfplumber (PDF text and ruled tables), python-calamine (XLS, XLSX,
ODS), python-docx (DOCX). The old binary Word format (.doc, .wps) has no such reader and is recorded as
unreadable.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from crawler.extract.extractor import Indicator
from crawler.extract.tables import extract_document
from crawler.items import TableLayout
from crawler.parsing import clean
from db.attachments import AttachmentFigure

KINDS = {"pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "xls": "application/vnd.ms-excel",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "doc": "application/msword", "wps": "application/vnd.ms-works"}
LINK = re.compile(r"\.(pdf|xlsx?|docx?|wps)$", re.IGNORECASE)  # what counts as an attachment link


class Unreadable(ValueError):
    """A file that is not (or not readably) what its name says; the message says why."""


@dataclass
class Part:
    """One readable part of a file: a PDF page, a sheet, the body of a document."""

    label: str  # 第2页, the sheet's name, 正文
    lines: list[str] = field(default_factory=list)
    tables: list[TableLayout] = field(default_factory=list)
    cell_names: bool = False  # a sheet: cells are named A1, B3 …

    row_numbers: dict[int, int] = field(default_factory=dict)  # a table line -> its row in the file (1-based)

    def add_table(self, rows: list[list[str]]) -> None:
        """Append a table, as tab-separated rows of equal width (empty rows left out), with its layout."""
        kept = [(number, row) for number, row in enumerate(rows, 1) if any(cell for cell in row)]
        if not kept:
            return
        width = max(len(row) for _, row in kept)
        self.tables.append(TableLayout(len(self.lines), len(kept)))
        for number, row in kept:
            self.row_numbers[len(self.lines)] = number
            self.lines.append("\t".join(row + [""] * (width - len(row))))

    @property
    def text(self) -> str:
        """The part as the extractor reads it."""
        return "\n".join(self.lines)


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure of an attachment, with where it is."""

    part: str
    location: str  # the cell (B3, 第3行第2列) or "" for a sentence
    indicator: Indicator


def kind_of(name: str) -> str | None:
    """The file kind its name says (pdf, xlsx, xls, docx, doc, wps), or None."""
    match = LINK.search(name.split("?", 1)[0])
    return match.group(1).lower() if match else None


def read(name: str, data: bytes) -> list[Part]:
    """The parts of a file, by what its bytes are (its name decides only between look-alikes)."""
    kind = kind_of(name)
    if data.startswith(b"%PDF"):
        return _pdf(data)
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile as error:
            raise Unreadable(f"a damaged zip container ({error})") from None
        if "word/document.xml" in names:
            return _docx(data)
        if "xl/workbook.xml" in names or kind in ("xlsx", "xls"):
            return _sheets(data)
        raise Unreadable("a zip container that is neither a Word nor an Excel file")
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary Office formats
        if kind == "xls":
            return _sheets(data)
        raise Unreadable("an old binary Word/WPS file (.doc, .wps): no maintained reader for it")
    raise Unreadable(f"not a {kind or 'known'} file: it starts {data[:8]!r}")


def _pdf(data: bytes) -> list[Part]:
    import pdfplumber

    parts = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages, 1):
                part = Part(f"第{number}页")
                found = page.find_tables()
                outside = page
                for table in found:
                    outside = outside.outside_bbox(table.bbox)
                part.lines = unwrap(clean(t) for t in (outside.extract_text() or "").splitlines())
                for table in found:
                    part.add_table([[clean(cell) for cell in row] for row in table.extract()])
                parts.append(part)
    except Exception as error:  # pdfplumber and pdfminer raise many types for a bad file
        raise Unreadable(f"a PDF that could not be parsed ({type(error).__name__}: {error})") from None
    if not any(part.lines for part in parts):
        raise Unreadable("a PDF without text (a scan?)")
    return parts


_PARAGRAPH_END = re.compile(r"[。！？；：”」）)]$")


def unwrap(lines: Iterable[str]) -> list[str]:
    """A PDF page's text lines joined back into paragraphs: a line that does not end a sentence wrapped."""
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            continue
        current += line
        if _PARAGRAPH_END.search(line):
            paragraphs.append(current)
            current = ""
    return paragraphs + ([current] if current else [])


def _cell(value: object) -> str:
    if isinstance(value, float):
        exact = Decimal(repr(value))
        return str(exact.quantize(Decimal(1))) if exact == exact.to_integral_value() else str(exact)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean(str(value)) if value is not None else ""


def _sheets(data: bytes) -> list[Part]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        parts = []
        for sheet_name in book.sheet_names:
            part = Part(sheet_name, cell_names=True)
            part.add_table([[_cell(v) for v in row] for row in book.get_sheet_by_name(sheet_name).to_python()])
            parts.append(part)
    except Exception as error:  # calamine raises its own error types for a bad file
        raise Unreadable(f"a spreadsheet that could not be read ({type(error).__name__}: {error})") from None
    return parts


def _docx(data: bytes) -> list[Part]:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises several types for a bad package
        raise Unreadable(f"a Word file that could not be read ({type(error).__name__}: {error})") from None
    part = Part("正文")
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            part.add_table([[clean(cell.text) for cell in row.cells] for row in block.rows])
        elif line := clean(block.text):
            part.lines.append(line)
    return [part]


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def figures(parts: list[Part], published: date, default_region: str | None) -> list[Figure]:
    """Every figure of each part, with its part and its cell (tables) or "" (sentences)."""
    found = []
    for part in parts:
        text = part.text
        table_lines = {line for t in part.tables for line in range(t.first_line, t.first_line + t.rows)}
        for indicator in extract_document(text, published, default_region=default_region, layouts=part.tables):
            line = text.count("\n", 0, indicator.start)
            location = ""
            if line in table_lines:
                line_start = text.rfind("\n", 0, indicator.start) + 1
                column = text.count("\t", line_start, indicator.start)
                row = part.row_numbers[line]
                location = f"{_column_name(column)}{row}" if part.cell_names else f"第{row}行第{column + 1}列"
            found.append(Figure(part.label, location, indicator))
    return found


def stored(found: list[Figure]) -> list[AttachmentFigure]:
    """Figures as the store keeps them: each with where it is, and its offsets in its part's text."""
    return [AttachmentFigure(f.part, f.location, i.metric, i.region, i.period, i.kind, i.value, i.unit, i.qualifier,
                             i.status, i.surface, i.sentence, i.metric_raw, i.start, i.end, i.sentence_start)
            for f in found for i in (f.indicator,)]
