"""Loading a baseline: its text through the extractor the crawl uses, then stored by db/baseline.py.

The extractor runs here, above the storage layer: db/ stores figures it is given and never extracts.
"""

from __future__ import annotations

from crawler.extract import extract_indicators
from db import baseline
from db.baseline import DEFAULT_NAME, BaselineSource, LoadResult
from db.connection import Connection


def load(conn: Connection, source: BaselineSource, name: str = DEFAULT_NAME) -> LoadResult:
    """Store a baseline version unless the same text (and facts) is already a version of `name`.

    One transaction: the version is looked up (under the name's lock), and only when it is new are its
    figures extracted and stored.
    """
    with conn.transaction():
        existing = baseline.find(conn, source, name)
        if existing is not None:
            return existing
        return baseline.store(conn, source, extract_indicators(source.text, source.published), name)


def ensure_loaded(conn: Connection, name: str = DEFAULT_NAME) -> LoadResult | None:
    """Load the bundled baseline as `name` if no version of `name` exists; None when one does.

    Never loads over an existing baseline: an operator's own (or corrected) version stays the current one.
    """
    if baseline.version_info(conn, name) is not None:
        return None
    return load(conn, baseline.bundled(), name)
