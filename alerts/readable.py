"""Scraped text as readers see it: without the characters that make it show other than it reads.

Bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) let a title display reversed or reordered, so
that what a reader sees is not what the text says; C0/C1 control characters have no business in a digest.
They are removed where text is shown to readers, once: every value a digest or web template prints passes
through `for_readers` (the jinja2 `finalize` of both environments), and so does the subject. The stored
text stays as scraped, so offsets into it keep their meaning.
"""

from __future__ import annotations

import re

from markupsafe import Markup

_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_BREAKS = re.compile("[\u2028\u2029]")  # line and paragraph separators: breaks a header must never get


def readable(text: str) -> str:
    """`text` without bidi controls and C0/C1 controls (tab and newline stay), separators as spaces."""
    return _BREAKS.sub(" ", _HIDDEN.sub("", text))


def for_readers(value: object) -> object:
    """A template value made readable; markup stays markup, anything but text passes unchanged."""
    if isinstance(value, Markup):
        return Markup(readable(str(value)))
    if isinstance(value, str):
        return readable(value)
    return value
