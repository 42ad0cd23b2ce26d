"""Loading a baseline: its text through the extractor the crawl uses, then stored by db/baseline.py.

The extractor runs here, above the storage layer: db/ stores figures it is given and never extracts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crawler.encoding import NotText, decode_document
from crawler.extract import extract_indicators
from crawler.extract.lexicon import fingerprint
from crawler.sources import sync
from db import baseline, lexicon_store
from db.baseline import DEFAULT_NAME, BaselineSource, LoadResult
from db.connection import Connection


class BaselineFileError(ValueError):
    """A baseline file that cannot be loaded: missing facts (`missing`: date, title), unreadable, not text."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


def source_for(file: str | None, published: date | None = None, source: str = "cqrb",
               title: str | None = None) -> BaselineSource:
    """What to load: the bundled baseline when no file is named; else the file's text, which needs its date
    and title (a baseline's figures are dated by them), decoded as the crawl decodes pages."""
    if file is None:
        return baseline.bundled()
    missing = tuple(fact for fact, value in (("date", published), ("title", title)) if value is None)
    if missing or published is None or title is None:
        raise BaselineFileError(f"a FILE needs its {' and '.join(missing)}", missing)
    try:
        text, _ = decode_document(Path(file).read_bytes())
    except FileNotFoundError:
        raise BaselineFileError(f"{file}: no such file") from None
    except NotText as error:
        raise BaselineFileError(f"{file}: {error}") from None
    return BaselineSource(text, published, source, title, file)


def load(conn: Connection, source: BaselineSource, name: str = DEFAULT_NAME) -> LoadResult:
    """Store a baseline version unless the same text (and facts) is already a version of `name`, read with
    the lexicon of now (the data files and the stored entries: its fingerprint).

    One transaction: the version is looked up (under the name's lock), and only when it is new are its
    figures extracted and stored. After a lexicon edit the same text is read again as the next version.
    """
    sync(conn)  # the baseline's source row must exist (the registry declares it)
    with conn.transaction():
        lexicon_store.apply(conn)
        existing = baseline.find(conn, source, name, fingerprint())
        if existing is not None:
            return existing
        return baseline.store(conn, source, extract_indicators(source.text, source.published), name, fingerprint())


def reload(conn: Connection, name: str = DEFAULT_NAME) -> LoadResult | None:
    """Read the current version of `name` again when the lexicon changed since it was read (a new version;
    `created` False when it had not); None when there is no baseline."""
    source = baseline.source_of(conn, name)
    return None if source is None else load(conn, source, name)


def ensure_loaded(conn: Connection, name: str = DEFAULT_NAME) -> LoadResult | None:
    """Load the bundled baseline as `name` if no version of `name` exists; None when one does.

    Never loads over an existing baseline: an operator's own (or corrected) version stays the current one.
    """
    if baseline.version_info(conn, name) is not None:
        return None
    return load(conn, baseline.bundled(), name)
