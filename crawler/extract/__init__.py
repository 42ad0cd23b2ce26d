"""Indicator extraction: Chinese economic reporting in, indicator records out (see `extractor`)."""

from crawler.extract.extractor import KINDS, Indicator, extract_indicators, to_json_line

__all__ = ["KINDS", "Indicator", "extract_indicators", "to_json_line"]
