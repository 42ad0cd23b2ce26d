"""The small chart of a moved figure in a digest: a Unicode sparkline for the text part, a PNG for the HTML.

Mail clients do not run SVG (Gmail and Outlook drop it), and a CSS bar chart falls apart in Outlook's Word
engine. An image fetched from our web would be blocked until the reader allows remote images (Outlook,
Thunderbird, Apple Mail with privacy protection) and would tell us who opened what. So the HTML part carries
a tiny PNG (about 300 bytes, no text in it: no font needed) attached to the message by Content-ID, which
those clients show at once, with the sparkline as its alt text; the plain text part has the sparkline
alone (▁▃▅█), which any client with a CJK font shows. Drawn with Pillow (already installed for pdfplumber).

Both show the last `POINTS` figures of the indicator up to the moved one (same metric, region, kind, unit
and status), oldest first: db.history.recent_values.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from decimal import Decimal

POINTS = 12
BARS = "▁▂▃▄▅▆▇█"
WIDTH, HEIGHT, MARGIN = 96, 24, 3
LINE, UP, DOWN, FLAT = (11, 83, 148), (26, 127, 55), (207, 34, 46), (87, 96, 106)


def sparkline(values: Sequence[Decimal]) -> str:
    """The values as block characters, lowest ▁ to highest █ (all ▄ when they are equal); '' for fewer than 2."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    if low == high:
        return BARS[3] * len(values)
    return "".join(BARS[round((v - low) / (high - low) * (len(BARS) - 1))] for v in values)


def x_of(index: int, count: int) -> int:
    """The pixel column of point `index` of `count` in the PNG."""
    return MARGIN + round(index * (WIDTH - 2 * MARGIN - 1) / max(count - 1, 1))


def y_of(value: Decimal, low: Decimal, high: Decimal) -> int:
    """The pixel row of a value in the PNG (the top row is the highest value)."""
    if low == high:
        return HEIGHT // 2
    return MARGIN + round((high - value) / (high - low) * (HEIGHT - 2 * MARGIN - 1))


@functools.lru_cache(maxsize=1024)  # groups of subscribers share indicators: each chart drawn once per run
def png(values: tuple[Decimal, ...], direction: str = "") -> bytes:
    """The values as a line, the last point (the moved figure) a dot coloured by `direction` (up, down)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    low, high = min(values), max(values)
    points = [(x_of(i, len(values)), y_of(v, low, high)) for i, v in enumerate(values)]
    draw.line(points, fill=LINE, width=2, joint="curve")
    x, y = points[-1]
    draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill={"up": UP, "down": DOWN}.get(direction, FLAT))
    out = io.BytesIO()
    image.convert("P", palette=Image.Palette.ADAPTIVE, colors=8).save(out, "PNG", optimize=True)
    return out.getvalue()
