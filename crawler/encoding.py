"""Decoding bytes of Chinese documents whose encoding is not (reliably) declared.

Order: a byte-order mark; a `<meta charset>` (or http-equiv Content-Type) declaration; strict UTF-8;
GB18030 (a superset of GBK and GB2312, which old government pages use). Binary data is refused.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# GB2312 and GBK pages decode correctly, and more completely, as GB18030.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


class NotText(ValueError):
    """The bytes are not a text document in any encoding we accept."""


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in its first 4 KiB, normalised to a Python codec name."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_document(data: bytes) -> tuple[str, str]:
    """Text and encoding name of a document's bytes; raises NotText for binary data."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding), encoding
    if b"\x00" in data[:8192]:
        raise NotText("binary data (contains NUL bytes), not a text document")
    candidates = [declared_charset(data), "utf-8", "gb18030"]
    for encoding in filter(None, dict.fromkeys(candidates)):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_like_text(text):
            return text, encoding
    raise NotText("not text in UTF-8, GB18030 or its declared charset")


def _looks_like_text(text: str) -> bool:
    if not text:
        return True
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n\f")
    return controls / min(len(text), 4096) < 0.01
