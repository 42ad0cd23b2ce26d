"""What a spider hands the pipeline: one article, parsed, with the real site's URL, and where its tables are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

INDENT = "\u3000"  # a table cell's indentation, one per level, as the spiders write it (crawler/extract/tables.py)


@dataclass(frozen=True, slots=True)
class TableLayout:
    """What a spider knows of a table it wrote into the article's lines."""

    first_line: int  # index of the table's first row among the article body's lines
    rows: int
    header_rows: int | None = None  # None: decide from the cells
    spans: tuple[tuple[int, int, int, int], ...] = ()  # (row, column, rowspan, colspan) of cells wider than a slot



@dataclass
class ArticleItem:
    """An article page, parsed."""

    source: str
    url: str  # canonical URL on the real site
    title: str
    published_at: datetime  # timezone-aware, Asia/Shanghai
    paragraphs: list[str]  # the body's lines; a table's rows are lines too (cells separated by tabs)
    doc_id: str | None = None
    pretitle: str | None = None  # 引题
    subtitle: str | None = None  # 副题
    section: str | None = None  # 版 of the e-paper, column of a site
    metadata: dict[str, object] = field(default_factory=dict)
    tables: list[TableLayout] = field(default_factory=list)  # where the body's tables are among `paragraphs`

    def text(self) -> str:
        """The article as a reader sees it: headline lines, then the body, one paragraph per line."""
        head = [line for line in (self.pretitle, self.title, self.subtitle) if line]
        return "\n".join(head) + "\n\n" + "\n".join(self.paragraphs)


@dataclass(frozen=True)
class AttachmentItem:
    """A file a relevant article links (PDF, XLS/XLSX, DOC/DOCX): fetched, or why not."""

    source: str
    article_url: str  # the article's canonical URL
    url: str
    name: str  # the link's text, else the file name
    kind: str  # pdf, xlsx, xls, docx, doc, wps (from the URL)
    published: date  # the article's date: what 今年 and 1—7月 in the file refer to
    status: str = "fetched"  # fetched, failed (could not be fetched), refused (not on the source's domains)
    detail: str | None = None
    data: bytes = b""


@dataclass(frozen=True)
class AttachmentLinks:
    """The files an article page links, yielded just before its article: the storing pipeline fetches them
    (`requests`, Scrapy requests on the source's domains) and records `refused` (off the domains) only when
    the article's analysis finds it relevant, so the spider never scores relevance on the reactor's thread."""

    article_url: str  # the article's canonical URL
    requests: tuple[object, ...]
    refused: tuple[AttachmentItem, ...]

