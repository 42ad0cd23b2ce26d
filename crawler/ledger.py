"""What became of every article a crawl was shown: the ledger behind "no article is lost".

An article linked from a list page is unfinished work until it is stored, or settled for good (the site says
it is gone, robots.txt forbids it). Whatever else keeps it from being stored (an off-site redirect, a page
without the expected body, a failed request) leaves it unfinished: the run has an error, so its lists'
validators are not saved and its window does not move past it, and the next run fetches it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Ledger:
    """Linked articles (URL -> the list pages that linked it) and their outcomes."""

    linked: dict[str, set[str]] = field(default_factory=dict)
    stored: set[str] = field(default_factory=set)
    settled: set[str] = field(default_factory=set)  # stored, or not to be stored (gone, forbidden)
    reported: set[str] = field(default_factory=set)  # unfinished with an error already logged
    unreachable: set[str] = field(default_factory=set)  # of those, the ones whose requests failed
    why: dict[str, str] = field(default_factory=dict)  # unfinished without an error logged: what dropped it

    def link(self, url: str, page: str) -> None:
        """An article a list page links to, that the crawl will request."""
        self.linked.setdefault(url, set()).add(page)

    def store(self, url: str) -> None:
        """The article is stored (committed)."""
        self.stored.add(url)
        self.settled.add(url)

    def settle(self, url: str) -> None:
        """The article is not to be stored, for good (gone, or forbidden by robots.txt)."""
        self.settled.add(url)

    def report(self, url: str, *, fetched: bool = True) -> None:
        """An error was logged for this article: a page that was not whole (or, not `fetched`, a request that
        failed for good)."""
        self.reported.add(url)
        if not fetched:
            self.unreachable.add(url)

    def drop(self, url: str, reason: str) -> None:
        """The article's request was dropped without an error (e.g. redirected off-site); say why."""
        self.why.setdefault(url, reason)

    def unfinished(self) -> list[str]:
        """Linked articles neither stored nor settled, in the order they were linked."""
        return [url for url in self.linked if url not in self.settled]

    def none_fetched(self) -> bool:
        """Whether articles were linked and the site answered for none of them (every request failed)."""
        unfinished = self.unfinished()
        return bool(unfinished) and not self.stored and all(url in self.unreachable for url in unfinished)

    def silent(self) -> list[str]:
        """Unfinished articles for which no error has been logged yet."""
        return [url for url in self.unfinished() if url not in self.reported]
