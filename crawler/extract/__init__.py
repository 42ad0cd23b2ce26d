"""Indicator extraction: Chinese economic reporting in, indicator records out (see `extractor`).

The extractor is imported on first use of one of its names, not with the package: importing
`crawler.extract.lexicon` alone (the region and metric names every command validates against) then does
not compile the extractor's patterns, a tenth of a second of each command's start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.extract.extractor import KINDS, Indicator, extract_indicators, to_json_line

__all__ = ["KINDS", "Indicator", "extract_indicators", "to_json_line"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("crawler.extract.extractor"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
