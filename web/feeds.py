"""Atom feeds (RFC 4287) of the figures that moved: all of them, or filtered (?region=重庆&metric=投资).

Each entry is one moved figure: old → new in its title; in its content the delta, both periods (the
baseline's and the new one's), the sentence with the figure in bold, and links to the indicator page and
the article. Built with ElementTree, so every scraped string is escaped as XML; control characters, which
XML cannot carry, are removed first (alerts.readable).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from alerts.readable import readable
from db import browse
from settings import Settings
from web.pages import BadQuery, change_view, query_metric, query_region
from web.render import HEADERS, message, read

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: readable(v) for k, v in attributes.items()})
    if text is not None:
        element.text = readable(text)
    return element


def _content(view: dict[str, Any]) -> str:
    """The entry's HTML (escaped here, then escaped again as XML text, as type="html" wants)."""
    s = view["sentence"]
    f = view["figure"]
    old = f"{view['old']}（{view['old_period']}）" if view["old"] else "—"
    return (f"<p>{escape(old)} → <b>{escape(str(view['new']))}</b>（{escape(str(view['period']))}）"
            f"{' · ' + escape(str(view['delta'])) if view['delta'] else ''}</p>"
            f"<blockquote>{escape(s.before)}<b>{escape(s.figure)}</b>{escape(s.after)}</blockquote>"
            f"<p>{escape(f.source_name)} {escape(str(view['published']))} · "
            f"<a href=\"{escape(f.url)}\">{escape(f.title)}</a></p>")


async def changes(request: Request) -> Response:
    """The feed of moved figures, newest comparison first."""
    settings: Settings = request.app.state.settings
    try:
        region, metric = query_region(request.query_params.get("region")), query_metric(request.query_params.get("metric"))
    except BadQuery as error:
        return message(request, 400, "查询无效 · Bad query", str(error))
    found = await read(request, browse.changes, ("changed",), limit=ENTRIES, region=region, metric=metric)
    zone = settings.zone
    base = settings.public_url
    query = urlencode({k: v for k, v in (("region", region), ("metric", metric)) if v})
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    scope = "".join(f" · {v}" for v in (region, metric) if v)
    _add(feed, "title", f"成渝观察：指标变动{scope} · chengyu-watch: moved figures", type="text")
    _add(feed, "id", f"{base}/feeds/changes.atom" + (f"?{query}" if query else ""))
    _add(feed, "link", rel="self", type="application/atom+xml",
         href=f"{base}/feeds/changes.atom" + (f"?{query}" if query else ""))
    _add(feed, "link", rel="alternate", type="text/html", href=f"{base}/")
    _add(feed, "updated", _stamp(found[0].computed_at if found else datetime.now(UTC)))
    author = _add(feed, "author")
    _add(author, "name", "成渝观察 chengyu-watch")
    _add(feed, "generator", "chengyu-watch", uri="https://github.com/chengyu-watch/chengyu-watch")
    for change in found:
        view = change_view(change, zone)
        f = change.figure
        entry = _add(feed, "entry")
        _add(entry, "id", f"{base}/article/{f.article_id}#fig-{f.id}")
        title = f"{f.region}{f.metric}{view['kind_label']}：{view['old'] or '—'} → {view['new']}"
        _add(entry, "title", title + (f"（{view['delta']}）" if view["delta"] else ""), type="text")
        _add(entry, "updated", _stamp(change.computed_at))
        _add(entry, "published", _stamp(f.published_at))
        _add(entry, "link", rel="alternate", type="text/html", href=base + str(view["url"]))
        _add(entry, "link", rel="related", type="text/html", href=f.url, title=f.title)
        _add(entry, "category", term=f.region or "-", label=f.region or "未注明地区")
        _add(entry, "summary", f"{view['old_period']} {view['old'] or '—'} → {view['period']} {view['new']}"
                               + (f"，{view['delta']}" if view["delta"] else "") + f"。{f.sentence}", type="text")
        _add(entry, "content", _content(view), type="html")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8",
                    headers=HEADERS | {"Cache-Control": "max-age=300"})
