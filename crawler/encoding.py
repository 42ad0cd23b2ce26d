"""Decoding bytes of Chinese documents whose encoding is not (reliably) declared.

Every candidate is tried strictly, so a page whose declarations lie is never read as text full of U+FFFD:
a byte-order mark; UTF-8 (bytes that are valid UTF-8 are UTF-8 whatever the page claims, while GB18030
accepts much UTF-8 as mojibake); the HTTP header's charset (unless it is a Latin one, which these servers
send when they know nothing); the `<meta charset>` (or http-equiv Content-Type) declaration; GB18030 (a
superset of GBK and GB2312, which old government pages use); last, what charset-normalizer detects, if it
is a Chinese or Unicode encoding. Bytes that decode in none of them are not text: refused, never stored.
Parsing the declarations is w3lib's (as Scrapy does); choosing among them is ours.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

_LATIN = frozenset({"cp1252", "latin_1", "iso8859-1", "ascii"})
# What a detector may propose for a Chinese site: Chinese and Unicode encodings (anything else it proposes
# for such bytes is a guess that reads garbage as Latin or Cyrillic text).
_DETECTABLE = frozenset({"utf_8", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "hz", "utf_16", "utf_32"})


class NotText(ValueError):
    """The bytes are not a text document in any encoding we accept."""


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML document declares (<meta>), as a Python codec name (GB2312, GBK -> GB18030)."""
    name = html_body_declared_encoding(data)
    return _codec(name) if name else None


def decode_page(data: bytes, header: str | None = None, expected: str | None = None) -> tuple[str, str] | None:
    """Text and codec name of a page's bytes, decoded strictly; None when no candidate decodes them.

    `header` is the charset of the HTTP Content-Type header, if any; `expected` the one the site is declared
    to serve (a spider's ENCODING), tried after what the page itself declares.
    """
    bom, _ = read_bom(data)
    candidates = [bom, "utf-8", None if header and _codec(header) in _LATIN else header,
                  declared_charset(data), expected, "gb18030"]
    found = _first_decoding(data, candidates)
    if found is None:
        found = _first_decoding(data, [_detected(data)])
    return found


def decode_document(data: bytes) -> tuple[str, str]:
    """Text and encoding name of a document's bytes; raises NotText for binary data."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding), encoding
    if b"\x00" in data[:8192]:
        raise NotText("binary data (contains NUL bytes), not a text document")
    found = decode_page(data)
    if found is None:
        raise NotText("not text in UTF-8, GB18030 or its declared charset")
    return found


def _codec(name: str) -> str | None:
    resolved = resolve_encoding(name)
    if not resolved:
        return None
    return codecs.lookup(resolved).name


def _first_decoding(data: bytes, candidates: Iterable[str | None]) -> tuple[str, str] | None:
    for encoding in dict.fromkeys(filter(None, (_codec(c) if c else None for c in candidates))):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_like_text(text):
            return text, encoding
    return None


def _detected(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    codec = _codec(best.encoding)
    return codec if codec in {_codec(name) for name in _DETECTABLE} else None


def _looks_like_text(text: str) -> bool:
    """Few control characters, and few private-use ones: GB18030 reads bytes of other encodings (Big5, say)
    without an error, but maps much of them to the private use area."""
    if not text:
        return True
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n\f")
    wide = [ch for ch in text if ord(ch) > 127]
    private = sum(1 for ch in wide if "\ue000" <= ch <= "\uf8ff")
    return controls / min(len(text), 4096) < 0.01 and private <= 0.02 * len(wide)
