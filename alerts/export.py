"""Figures written for other programs: CSV a spreadsheet opens safely (`cywatch history --format csv`)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import IO

from crawler.extract.numbers import format_decimal

# What a spreadsheet reads as the start of a formula (or that it strips, to find one behind it).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A CSV cell: exact decimals, ISO dates, and scraped text that a spreadsheet cannot run as a formula."""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(stream: IO[str], fields: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """A header of `fields`, then each row's values of those fields as spreadsheet cells."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows([spreadsheet_cell(row[key]) for key in fields] for row in rows)
