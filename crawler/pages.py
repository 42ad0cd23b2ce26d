"""Whether a page arrived whole: what a crawl checks before a page counts as seen.

A body sent without Content-Length ends where the connection does, so a connection that closes early
looks like a complete page to the HTTP client (Scrapy flags it "partial" and hands it on). Only the page
itself can tell: an HTML page ends with its closing </html>, and a list page shows its list's end (the
pager, or the e-paper's 版 navigation) after its rows.
"""

from __future__ import annotations

from scrapy.http import Response

UNDECODABLE = "undecodable"  # response flag set by CharsetMiddleware: the text decodes in no encoding


def incomplete(response: Response) -> str | None:
    """Why an HTML page is not whole (no closing </html>), or None when it is.

    A list page must also show its list's end (SourceSpider.accept_list).
    """
    if b"</html>" in response.body[-2048:].lower():
        return None
    sent = "sent without Content-Length" if "partial" in response.flags else "cut short"
    return f"truncated page: no closing </html> ({sent}, {len(response.body):,} bytes)"
