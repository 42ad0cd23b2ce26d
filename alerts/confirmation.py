"""How a figure's confirmation state (db/confirm.py) is said: in the digest, `cywatch diff` and the web alike.

Chinese first, then English, as everywhere in the digests. A figure is *confirmed* (多源印证) when another
independent source states it too, in a *conflict* (数据冲突) when one states another value, and *official*
(官方) when its own source is a statistics bureau.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from crawler.extract.numbers import display_value
from db.confirm import Standing, Witness

CONFIRMED = "多源印证 confirmed"
CONFLICT = "数据冲突 conflict"
OFFICIAL = "官方 official"


@dataclass(frozen=True, slots=True)
class Shown:
    """Another source's figure as a line quotes it."""

    value: str
    before: str
    surface: str
    after: str
    source: str
    official: bool
    title: str
    url: str
    published: str
    provenance: str


def split(sentence: str, surface: str) -> tuple[str, str, str]:
    """A sentence around its figure: (before, the figure, after); the figure "" when it is not found."""
    at = sentence.find(surface)
    return (sentence[:at], surface, sentence[at + len(surface):]) if at >= 0 else (sentence, "", "")


def shown(witness: Witness, zone: tzinfo) -> Shown:
    """A witness figure with its sentence split around it and its date in `zone`."""
    before, surface, after = split(witness.sentence, witness.surface)
    return Shown(value=display_value(witness.value, witness.unit, witness.kind, witness.qualifier), before=before,
                 surface=surface, after=after, source=witness.source_name, official=witness.official,
                 title=witness.title, url=witness.url,
                 published=f"{witness.published_at.astimezone(zone):%Y-%m-%d}", provenance=witness.provenance)


def tags(standing: Standing | None) -> list[str]:
    """The state's words, e.g. ["官方 official", "多源印证 confirmed：重庆日报"]."""
    if standing is None:
        return []
    out = [OFFICIAL] if standing.official else []
    if standing.state == "confirmed":
        out.append(f"{CONFIRMED}：{'、'.join(standing.sources)}")
    elif standing.state == "conflict" and standing.conflicting is not None:
        out.append(f"{CONFLICT}：{standing.conflicting.source_name}")
    return out


def cell(standing: Standing | None) -> str:
    """One short table cell: official, confirmed (N), conflict; "" for a figure that stands alone."""
    if standing is None:
        return ""
    words = ["official"] if standing.official else []
    if standing.state == "confirmed":
        words.append(f"confirmed ({len(standing.sources) + 1})")
    elif standing.state == "conflict":
        words.append("conflict")
    return ", ".join(words)


_WITNESS_FIELDS = ("value", "unit", "qualifier", "sentence", "source", "official", "title", "url", "published_at",
                   "provenance")


def _witness_fields(prefix: str, witness: Witness | None) -> dict[str, Any]:
    return {f"{prefix}_{name}": getattr(witness, name) if witness is not None else None for name in _WITNESS_FIELDS}


def json_fields(standing: Standing | None) -> dict[str, Any]:
    """The state as flat JSON fields of `cywatch diff --json`: the state, the agreeing sources, the figure in
    conflict (`conflicting_value`, `conflicting_source`, `conflicting_sentence` …) and the bureau's figure
    (`official_value` …), where there are such; `provenance` for a figure read from an attachment."""
    if standing is None:
        standing = Standing()
    return ({"confirmation": standing.state, "official": standing.official, "confirmed_by": standing.sources,
             "provenance": standing.provenance or None}
            | _witness_fields("conflicting", standing.conflicting if standing.state == "conflict" else None)
            | _witness_fields("official", standing.official_figure))
