"""四川省发展和改革委员会 (fgw.sc.gov.cn): 发改要闻 and 通知公告.

Lists are `ul.list > li` rows with `<span>YYYY-MM-DD</span>`. An article keeps both the date the page
was published (PubDate) and the document's own date (成文日期/发布日期 in its text), which can differ
by days, and its attachments (.pdf, .docx, …) as links on the real site.
"""

from __future__ import annotations

import re
from datetime import datetime

from scrapy.http import Response

from crawler.parsing import clean, parse_datetime
from crawler.spiders.base import SourceSpider

LISTS = (
    ("发改要闻", "https://fgw.sc.gov.cn/sfgw/fgyw/common_list.shtml"),
    ("通知公告", "https://fgw.sc.gov.cn/sfgw/tzgg/olist.shtml"),
)
ARTICLE = re.compile(r"/sfgw/.+/(20\d{2})/(\d{1,2})/(\d{1,2})/([0-9a-f]{32})\.shtml$")
_DOC_DATE = re.compile(r"(?:成文日期|发布日期|印发日期)\s*[:：]\s*(\d{4}\s*[-年/]\s*\d{1,2}\s*[-月/]\s*\d{1,2})")
_ATTACHMENT = re.compile(r"\.(?:pdf|docx?|xlsx?|wps|zip|rar|ofd)$", re.IGNORECASE)


class ScFgwSpider(SourceSpider):
    """四川省发改委: 发改要闻 and 通知公告."""

    name = "sc_fgw"
    LISTS = LISTS
    ARTICLE = ARTICLE
    ROWS = ("ul.list > li", "div.list li", "li")
    BODY = ("div.detail", "#NewsContent", "#zoomcon")
    METAS = {"author": "Author"}
    ATTACHMENTS = True

    def extra_metadata(self, response: Response, page_date: datetime | None) -> dict[str, object]:
        """The page's own date, the document's date (成文日期/发布日期 in its text), its attachments."""
        text = " ".join(response.css("body ::text").getall())
        attachments = [{"title": clean(" ".join(a.css("::text").getall())), "url": response.urljoin(a.attrib["href"])}
                       for a in response.css("a[href]") if _ATTACHMENT.search(a.attrib["href"])]
        metadata: dict[str, object] = {"page_date": page_date.isoformat() if page_date else None,
                                       "attachments": attachments}
        if doc_date := _DOC_DATE.search(text):
            parsed = parse_datetime(re.sub(r"\s", "", doc_date.group(1)))
            metadata["document_date"] = parsed.date().isoformat() if parsed else doc_date.group(1)
        return metadata
