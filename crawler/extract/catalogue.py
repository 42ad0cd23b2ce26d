"""Writing stored lexicon entries into metrics.toml (`cywatch lexicon export`), keeping the file as written.

The file is edited as text, not re-serialised, so that its comments and layout stay: an alias joins its
canonical name's one-line list under [aliases] (or a new line ends that table), a distinct pair joins the
one-line `distinct = [...]` of [never_merge]. The result is parsed again and checked to hold every entry.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable

_SECTION = re.compile(r"^\[([^\]]+)\][ \t]*$", re.MULTILINE)


class CatalogueError(ValueError):
    """The file is not laid out as this editor expects (a list over several lines, say)."""


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _section(text: str, name: str) -> tuple[int, int]:
    """Start (after its header line) and end of a [table] in the text; the table is added when missing."""
    headers = list(_SECTION.finditer(text))
    for i, header in enumerate(headers):
        if header.group(1).strip() == name:
            end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
            return header.end() + 1, end
    raise CatalogueError(f"metrics.toml has no [{name}] table")


def _add_alias(text: str, alias: str, canonical: str) -> str:
    start, end = _section(text, "aliases")
    line = re.compile(rf"^{re.escape(_quote(canonical))}\s*=\s*\[(.*)\][ \t]*$", re.MULTILINE)
    found = line.search(text, start, end)
    if found is None:
        body = text[start:end].rstrip("\n")
        addition = f"{_quote(canonical)} = [{_quote(alias)}]\n"
        return text[:start] + body + ("\n" if body else "") + addition + "\n" + text[end:].lstrip("\n")
    if _quote(alias) in found.group(1):
        return text
    inside = found.group(1).rstrip()
    joined = f"{inside}, {_quote(alias)}" if inside.strip() else _quote(alias)
    return text[:found.start(1)] + joined + text[found.end(1):]


def _set_distinct(text: str, pairs: list[list[str]]) -> str:
    start, end = _section(text, "never_merge")
    line = re.compile(r"^distinct\s*=\s*\[.*\][ \t]*$", re.MULTILINE)
    rendered = "distinct = [" + ", ".join(f"[{_quote(a)}, {_quote(b)}]" for a, b in pairs) + "]"
    found = line.search(text, start, end)
    if found is None:
        return text[:start] + rendered + "\n" + text[start:]
    return text[:found.start()] + rendered + text[found.end():]


def merge(text: str, aliases: Iterable[tuple[str, str]], distinct: Iterable[tuple[str, str]]) -> str:
    """metrics.toml's text with the aliases ((alias, canonical)) and distinct pairs added.

    CatalogueError when the file cannot be edited so, or the result would not hold them.
    """
    aliases, distinct = list(aliases), list(distinct)
    for alias, canonical in aliases:
        text = _add_alias(text, alias, canonical)
    try:
        existing = tomllib.loads(text).get("never_merge", {}).get("distinct", [])
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"metrics.toml does not parse: {error}") from None
    pairs = sorted({tuple(sorted(p)) for p in existing} | {tuple(sorted(p)) for p in distinct})
    if distinct:
        text = _set_distinct(text, [list(p) for p in pairs])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"the exported metrics.toml would not parse: {error}") from None
    held = data.get("aliases", {})
    missing = [a for a, c in aliases if a not in held.get(c, [])]
    got = {tuple(sorted(p)) for p in data.get("never_merge", {}).get("distinct", [])}
    missing += [f"{a} ≠ {b}" for a, b in distinct if tuple(sorted((a, b))) not in got]
    if missing:
        raise CatalogueError(f"the exported metrics.toml would not hold: {', '.join(missing)}")
    return text
