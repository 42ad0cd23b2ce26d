"""An indicator's series as an SVG chart, drawn on the server: no script, no library, no CDN.

Periods run along the x axis as readers write them (2024年1—7月), oldest first; actual figures are a solid
line of filled points, targets a dashed line of hollow ones; the baseline's figure is a dashed horizontal
line, labelled. Every point links to its row in the table under the chart (its sentence; on the table's
page that holds it, when the table has several), and carries a tooltip (<title>). All text is escaped: metric
names and qualifiers are scraped.

A chart is drawn from the series' points (db.browse.Point: everything it shows of a figure) and kept, by
those points, in a small in-process cache: an indicator page asked again draws nothing until a figure of
its series changes (a new one, a value, a period, a figure re-keyed or marked a duplicate: any of them makes
other points, hence another entry).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import Decimal
from html import escape

from alerts.readable import readable
from db.browse import Key, Point
from web import format as fmt
from web.render import Readable

WIDTH, HEIGHT = 940, 340
LEFT, RIGHT, TOP, BOTTOM = 96, 24, 36, 72


@dataclass(frozen=True, slots=True)
class _Point:
    x: float
    y: float
    figure: Point
    label: str


def _when(figure: Point, zone: tzinfo) -> date:
    return figure.period_end or figure.published_at.astimezone(zone).date()


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values spanning [low, high] (steps of 1, 2 or 5 times a power of ten)."""
    span = high - low
    raw = span / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    return [first + i * step for i in range(int(math.ceil((high - first) / step)) + 1)]


def page_of(index: int, count: int, size: int) -> int:
    """The table page holding the figure at `index` of a series of `count`, in pages of `size` (1: the newest)."""
    return (count - 1 - index) // size + 1


def svg(key: Key, figures: Sequence[Point], zone: tzinfo, page_url: str = "", page_size: int = 0) -> Readable:
    """The chart of one indicator's points (as db.browse.series_points returns them), as inline SVG markup.

    A point links to `#fig-ID` (its table row); when the table is cut into pages of `page_size` figures
    (more than one; page 1 the newest), to `page_url&page=N#fig-ID`, the page holding its row.
    Cached by all its arguments.
    """
    return _svg(key, tuple(figures), zone, page_url, page_size)


@functools.lru_cache(maxsize=128)  # a chart of 300 points is about 60 kB
def _svg(key: Key, figures: tuple[Point, ...], zone: tzinfo, page_url: str, page_size: int) -> Readable:
    if not figures:
        return Readable("")
    unit, kind = key.unit, key.kind
    count = len(figures)
    paged = 0 < page_size < count
    href = {f.id: f"{page_url}&page={page_of(i, count, page_size)}#fig-{f.id}" if paged else f"#fig-{f.id}"
            for i, f in enumerate(figures)}
    # each figure's place on the axis and its period as readers write it, worked out once
    slot_of = {f.id: (_when(f, zone), fmt.period(f, zone, with_year=True)) for f in figures}
    slot_of = {i: (when, label or f"{when:%Y-%m-%d}") for i, (when, label) in slot_of.items()}
    periods = sorted(set(slot_of.values()))
    slots: dict[tuple[date, str], int] = {p: i for i, p in enumerate(periods)}
    values = [float(f.value) for f in figures]
    low, high = min(values), max(values)
    if low == high:
        low, high = low - (abs(low) * 0.1 or 1), high + (abs(high) * 0.1 or 1)
    pad = (high - low) * 0.08
    ticks = _ticks(low - pad, high + pad)
    low, high = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(slot: int) -> float:
        return LEFT + (plot_w / 2 if len(periods) == 1 else plot_w * slot / (len(periods) - 1))

    def y_of(number: float) -> float:
        return TOP + plot_h * (1 - (number - low) / (high - low))

    points = [_Point(x_of(slots[slot_of[f.id]]), y_of(float(f.value)), f, fmt.value(f.value, unit, kind, f.qualifier))
              for f in figures]
    title = f"{key.region}{key.metric}（{fmt.KIND_LABELS.get(kind, '总量')}）"
    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" role="img" '
           f'aria-label="{escape(title)}">',
           f'<text x="{LEFT}" y="20">● 实际 actual　○ 目标 target　┄ 基线 baseline</text>']
    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eaeef2"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{escape(fmt.value(_decimal(tick), unit, kind))}</text>')
    for slot, (_, label) in enumerate(periods):
        x = x_of(slot)
        out.append(f'<text class="period" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="end" '
                   f'transform="rotate(-30 {x:.1f} {HEIGHT - BOTTOM + 16})">{escape(label)}</text>')
    for figure in figures:
        if figure.baseline:
            y = y_of(float(figure.value))
            text = f"基线 baseline：{fmt.value(figure.value, unit, kind, figure.qualifier)}（{fmt.period(figure, zone, with_year=True)}）"
            out.append(f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
            out.append(f'<text class="baseline" x="{WIDTH - RIGHT - 4}" y="{y - 5:.1f}" text-anchor="end">{escape(text)}</text>')
    for status in ("actual", "target"):
        line = [p for p in points if p.figure.status == status]
        if len(line) > 1:
            dash = ' stroke-dasharray="5 4"' if status == "target" else ""
            coords = " ".join(f"{p.x:.1f},{p.y:.1f}" for p in line)
            out.append(f'<polyline class="{status}" points="{coords}" fill="none" stroke-width="2"{dash}/>')
        for p in line:
            tip = (f"{slot_of[p.figure.id][1]} {p.label}"
                   f"{'（目标 target）' if status == 'target' else ''} · {p.figure.source_name} "
                   f"{p.figure.published_at.astimezone(zone):%Y-%m-%d}")
            out.append(f'<a class="point" href="{escape(href[p.figure.id])}"><circle class="{status}" cx="{p.x:.1f}" '
                       f'cy="{p.y:.1f}" r="5" stroke-width="2"><title>{escape(tip)}</title></circle></a>')
    out.append("</svg>")
    return Readable(readable("".join(out)))  # scraped text in it: made readable once, here


def _decimal(number: float) -> Decimal:
    """A tick's value as the formatter takes it (rounded: 0.30000000000000004 is 0.3)."""
    return Decimal(repr(round(number, 10))).normalize()
