"""Which extractor produced a figure: the code's version and the lexicon's fingerprint, stored with it.

`cywatch reprocess` re-extracts what an older extractor or lexicon read; `cywatch baseline load` makes a new
baseline version when the lexicon changed since the current one was extracted.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources

from crawler.extract.lexicon import fingerprint


@dataclass(frozen=True, slots=True)
class Stamp:
    """What extracted a figure: the extractor's version and the lexicon's fingerprint."""

    extractor: str
    lexicon: str


# Modules of the package that extract nothing: the matcher, the catalogue writer, this one.
_NOT_EXTRACTING = frozenset({"identity.py", "catalogue.py", "version.py"})


@functools.cache
def extractor_version() -> str:
    """A hash of the extractor's code (its modules), so that any change to a rule is a new version."""
    digest = hashlib.sha256()
    package = resources.files("crawler.extract")
    modules = (p for p in package.iterdir() if p.name.endswith(".py") and p.name not in _NOT_EXTRACTING)
    for module in sorted(modules, key=lambda p: p.name):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:12]


def current() -> Stamp:
    """The stamp of figures extracted now, in this process (with the stored entries it applies)."""
    return Stamp(extractor_version(), fingerprint())
