"""A digest as one short chat message: Chinese first, the figures that moved, a link to the whole digest.

Chat APIs cap a message (WeCom 4,096 bytes, Telegram 4,096 characters …); the summary takes items in the
digest's order while they fit, then says how many more there are behind the link. Scraped text (titles,
metric names) is hostile: the characters each format reads as markup are replaced by their full-width
forms (markdown, Slack) or escaped (Telegram's HTML), so a title can never make a link or a heading.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from alerts.channels.base import DigestInput
from alerts.digest import Content, Item, Period, subject_of
from alerts.readable import readable

_FULL_WIDTH = str.maketrans({"[": "［", "]": "］", "(": "（", ")": "）", "*": "＊", "_": "＿", "`": "｀", "<": "＜",
                             ">": "＞", "#": "＃", "|": "｜", "~": "～", "\\": "＼", "!": "！"})


def _plain(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Style:
    """How one API writes bold, a link, a list item, and escapes untrusted text."""

    escape: Callable[[str], str]
    bold: Callable[[str], str]
    link: Callable[[str, str], str]  # (text, url)


MARKDOWN = Style(escape=lambda t: _plain(t).translate(_FULL_WIDTH), bold=lambda t: f"**{t}**",
                 link=lambda text, url: f"[{text}]({url})")
SLACK = Style(escape=lambda t: html.escape(_plain(t), quote=False).translate(_FULL_WIDTH),
              bold=lambda t: f"*{t}*", link=lambda text, url: f"<{url}|{text}>")
TELEGRAM = Style(escape=lambda t: html.escape(_plain(t)), bold=lambda t: f"<b>{t}</b>",
                 link=lambda text, url: f'<a href="{html.escape(url)}">{text}</a>')
PLAIN = Style(escape=_plain, bold=lambda t: t, link=lambda text, url: f"{text}: {url}")


def title(content: Content, period: Period) -> str:
    """The digest's subject line (成渝观察 2024年8月12日：3项指标变动 …)."""
    return readable(subject_of(content, period))


def _item_line(item: Item, style: Style) -> str:
    what = f"{item.region}{item.metric}{item.kind_label}" + (f"（{item.period}）" if item.period else "")
    line = f"{style.escape(what)}：{style.escape(item.new)}"
    if item.old is not None:
        line += f"（原 {style.escape(item.old)}" + (f"，{style.escape(item.delta)}" if item.delta else "") + "）"
    return "- " + line


def _bytes(text: str) -> int:
    return len(text.encode())


def of(digest: DigestInput, style: Style, limit: int, size: Callable[[str], int] = _bytes) -> str:
    """A target's summary (`render`) with the subscriber's signed links: the whole digest, manage, unsubscribe."""
    return render(digest.content, digest.period, digest.full_url, style, limit, size,
                  manage_url=digest.manage_url, unsubscribe_url=digest.unsubscribe_url)


def render(content: Content, period: Period, full_url: str, style: Style, limit: int,
           size: Callable[[str], int] = _bytes, *, manage_url: str = "", unsubscribe_url: str = "") -> str:
    """The summary in `style`, at most `limit` by `size` (bytes of UTF-8 unless told); its last line links to
    the whole digest, and to the subscriber's settings and one-click unsubscribe when given."""
    head = style.bold(style.escape(title(content, period)))
    footer = " · ".join([style.link("查看完整摘要 Full digest", full_url)]
                        + ([style.link("订阅设置 Manage", manage_url)] if manage_url else [])
                        + ([style.link("退订 Unsubscribe", unsubscribe_url)] if unsubscribe_url else []))
    if content.targets:  # the section itself is too long for a chat message: its count, behind the link
        n = len(content.targets)
        footer = f"{style.bold('目标与实际 Targets')}：{n}项指标的目标与最新实际值 ({n} against actuals)\n{footer}"
    sections: list[tuple[str, list[str]]] = [
        ("指标变动 Changed", [_item_line(i, style) for i in content.changed]),
        ("新指标 New", [_item_line(i, style) for i in content.new]),
        ("新报道 Articles", [f"- {style.escape(str(a['title']))}（{style.escape(str(a['source_name']))}）"
                           for a in content.articles]),
    ]
    if content.health:
        sections.append(("信息源异常 Source trouble", [f"- {style.escape(str(h['source']))}" for h in content.health]))
    lines = [head]
    total = sum(len(lines) for _, lines in sections)
    shown = 0
    for label, items in sections:
        if not items:
            continue
        for index, line in enumerate(items):
            candidate = [*lines, style.bold(label)] if index == 0 else list(lines)
            candidate.append(line)
            more = total - shown - 1
            tail = [f"……另有 {more} 项 ({more} more)"] if more else []
            if size("\n".join([*candidate, *tail, footer])) > limit:
                break
            lines, shown = candidate, shown + 1
        else:
            continue
        break
    if shown < total:
        lines.append(f"……另有 {total - shown} 项 ({total - shown} more)")
    lines.append(footer)
    text = "\n".join(lines)
    while size(text) > limit:  # only a title longer than the whole limit gets here
        text = text[: len(text) * 9 // 10]
    return text
