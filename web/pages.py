"""The reader's pages: home, browse and search, an indicator (chart, table, CSV), an article.

Query parameters are read as `cywatch history` reads its options: a metric is canonicalised and matches
every metric containing it; a region is canonicalised (重庆市 -> 重庆); an unknown region is a 400 page
that says so. Nothing found suggests metrics like the one asked for.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alerts import confirmation
from alerts.export import spreadsheet_cell
from alerts.subscribers import SubscriberError, canonical_metrics, canonical_regions
from db import browse, confirm, history
from db.browse import Change, Figure, Key, Point
from settings import Settings
from web import chart
from web import format as fmt
from web.render import HEADERS, message, page, read

KINDS = {"level": "总量 level", "growth": "增速 growth", "share": "占比 share", "rank": "排名 rank",
         "change": "差值 change"}


class BadQuery(ValueError):
    """A query parameter that cannot be read; the message says which, Chinese first."""


def _zone(request: Request) -> tzinfo:
    settings: Settings = request.app.state.settings
    return settings.zone


def query_day(request: Request, name: str) -> date | None:
    """The date a query parameter gives (YYYY-MM-DD), None when absent; BadQuery when malformed."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadQuery(f"{name} 应为日期 must be a date (YYYY-MM-DD), not {raw!r}") from None


def query_region(raw: str | None) -> str | None:
    """A region filter, canonicalised (重庆市 -> 重庆); BadQuery names an unknown one."""
    if not raw or not raw.strip():
        return None
    try:
        return canonical_regions([raw])[0]
    except SubscriberError as error:
        raise BadQuery(f"未知地区 {error}") from None


def query_metric(raw: str | None) -> str | None:
    """A metric filter, canonicalised through the lexicon (matches every metric containing it)."""
    found = canonical_metrics([raw]) if raw else []
    return found[0] if found else None


def query_kind(raw: str | None) -> str | None:
    """A kind filter (level, growth, share, rank, change); BadQuery otherwise."""
    if not raw:
        return None
    if raw not in KINDS:
        raise BadQuery(f"kind 应为 must be one of {', '.join(KINDS)}, not {raw!r}")
    return raw


@functools.lru_cache(maxsize=4096)  # a page of changes names the same few indicators again and again
def indicator_url(key: Key, suffix: str = "") -> str:
    """The page (or, with suffix ".csv", the CSV) of one indicator."""
    return f"/indicator{suffix}?" + urlencode({"metric": key.metric, "region": key.region, "kind": key.kind,
                                              "unit": key.unit})


@dataclass(frozen=True, slots=True)
class Sentence:
    """A figure's sentence split around the figure, so that the figure alone is shown in bold."""

    before: str
    figure: str
    after: str


def sentence_of(figure: Figure) -> Sentence:
    """The sentence around its figure (the surface text as it appears in it)."""
    at = figure.sentence.find(figure.surface)
    if at < 0:
        return Sentence(figure.sentence, "", "")
    return Sentence(figure.sentence[:at], figure.surface, figure.sentence[at + len(figure.surface):])


def change_view(change: Change, zone: tzinfo) -> dict[str, Any]:
    """A compared figure as the home page and the feeds show it: old → new, delta, both periods."""
    f = change.figure
    old = old_period = ""
    if change.baseline_value is not None:
        old = fmt.value(change.baseline_value, f.unit, f.kind, change.baseline_qualifier)
        if change.baseline_published_at is not None:
            baseline_day = change.baseline_published_at.astimezone(zone).date()
            old_period = fmt.reader_period(change.baseline_period, baseline_day, target=f.status == "target")
    ratio = change.delta_ratio if change.outcome == "changed" else None
    rising = None if not change.delta else (change.delta > 0) != (f.kind == "rank")
    return {"change": change, "figure": f, "old": old, "old_period": old_period,
            "new": fmt.value(f.value, f.unit, f.kind, f.qualifier), "period": fmt.period(f, zone),
            "delta": fmt.change(change.delta, f.unit, f.kind, ratio) if change.outcome == "changed" else "",
            "direction": "" if rising is None else "up" if rising else "down",
            "kind_label": fmt.KIND_LABELS.get(f.kind, ""), "sentence": sentence_of(f),
            "url": indicator_url(f.key), "published": f"{f.published_at.astimezone(zone):%Y-%m-%d}"}


async def home(request: Request) -> Response:
    """The latest moved figures, the new ones, the newest relevant articles, the sources' health."""
    zone = _zone(request)

    def gather(conn: Any) -> dict[str, Any]:
        return {"moved": browse.changes(conn, ("changed",), limit=20),
                "new": browse.changes(conn, ("new",), limit=20),
                "articles": browse.articles(conn, limit=15), "health": browse.health(conn)}

    found = await read(request, gather)
    return page(request, "home.html", title="首页 · Home",
                moved=[change_view(c, zone) for c in found["moved"]],
                new=[change_view(c, zone) for c in found["new"]],
                articles=found["articles"], health=found["health"], zone=zone)


async def browse_page(request: Request) -> Response:
    """Indicators by metric (contained), region, kind, source and publication dates."""
    q = request.query_params
    try:
        filters: dict[str, Any] = {"metric": query_metric(q.get("metric")), "region": query_region(q.get("region")),
                   "kind": query_kind(q.get("kind")), "source": q.get("source") or None,
                   "since": query_day(request, "since"), "until": query_day(request, "until")}
    except BadQuery as error:
        return message(request, 400, "查询无效 · Bad query", str(error))

    def gather(conn: Any) -> dict[str, Any]:
        found = browse.indicators(conn, **filters, limit=200)
        like = history.metrics_like(conn, filters["metric"]) if not found and filters["metric"] else []
        return {"found": found, "like": like, "sources": browse.sources(conn)}

    result = await read(request, gather)
    zone = _zone(request)
    rows = [{"summary": s, "url": indicator_url(s.key), "kind": KINDS[s.key.kind],
             "last": fmt.value(s.last_value, s.key.unit, s.key.kind),
             "last_period": fmt.reader_period(s.last_period, None, target=s.last_status == "target"),
             "last_published": f"{s.last_published.astimezone(zone):%Y-%m-%d}"} for s in result["found"]]
    return page(request, "browse.html", title="指标 · Indicators", rows=rows, like=result["like"],
                filters={k: v or "" for k, v in filters.items()}, kinds=KINDS, sources=result["sources"],
                asked=any(filters.values()))


def _key(request: Request) -> Key:
    q = request.query_params
    missing = [name for name in ("metric", "kind", "unit") if not q.get(name)]
    if missing:
        raise BadQuery(f"缺少 missing: {', '.join(missing)}")
    query_kind(q["kind"])
    return Key(q["metric"], q.get("region", ""), q["kind"], q["unit"])


def steps_before(points: Sequence[Figure | Point]) -> dict[int, Decimal]:
    """Each figure's predecessor value of the same status (actual after actual, target after target), by id."""
    previous: dict[str, Decimal] = {}
    before: dict[int, Decimal] = {}
    for f in points:
        if f.status in previous:
            before[f.id] = previous[f.status]
        previous[f.status] = f.value
    return before


def table_rows(figures: list[Figure], zone: tzinfo, before: dict[int, Decimal] | None = None) -> list[dict[str, Any]]:
    """The indicator table: each figure with its period, value, step from the one before (same status).

    `before` gives each figure's predecessor value (steps_before of the whole series) when `figures` is a
    page of it; by default the figures are the whole series.
    """
    if before is None:
        before = steps_before(figures)
    rows = []
    for f in figures:
        previous = before.get(f.id)
        rows.append({"figure": f, "period": fmt.period(f, zone, with_year=True), "sentence": sentence_of(f),
                     "value": fmt.value(f.value, f.unit, f.kind, f.qualifier),
                     "step": fmt.change(f.value - previous, f.unit, f.kind) if previous is not None else "",
                     "published": f"{f.published_at.astimezone(zone):%Y-%m-%d}"})
    return rows


async def _series(request: Request) -> tuple[Key, list[Figure]] | Response:
    """The indicator the query names and its figures, or the page saying why there are none."""
    try:
        key = _key(request)
    except BadQuery as error:
        return message(request, 400, "查询无效 · Bad query", str(error))
    figures = await read(request, browse.series, key)
    if not figures:
        return _not_found(request, key)
    return key, figures


def _not_found(request: Request, key: Key) -> Response:
    return message(request, 404, "找不到 · Not found", f"没有 {key.region}{key.metric} 的数据。 "
                   f"No figures of {key.metric} in {key.region or '(no region)'}.")


TABLE_PAGE = 50  # figures per page of an indicator's table (the CSV has them all)


def _page_number(request: Request, pages: int) -> int:
    """The table page asked for (1 = the newest figures, the default; higher numbers go back in time)."""
    raw = request.query_params.get("page", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= pages else 1


async def indicator(request: Request) -> Response:
    """One indicator: the chart of every figure, the table one page at a time (the newest page unless
    asked otherwise), a CSV link with them all.

    The chart comes from the series' points (a light query) and is drawn only when they changed
    (web.chart's cache); the table reads whole figures (sentence, article) for its page only.
    """
    try:
        key = _key(request)
    except BadQuery as error:
        return message(request, 400, "查询无效 · Bad query", str(error))

    def gather(conn: Any) -> tuple[list[Point], int, list[Figure], dict[int, confirm.Standing]]:
        points = browse.series_points(conn, key)
        pages = max(1, -(-len(points) // TABLE_PAGE))
        number = _page_number(request, pages)
        end = len(points) - (number - 1) * TABLE_PAGE  # each page in the chart's order: oldest first
        shown = [p.id for p in points[max(0, end - TABLE_PAGE):end]]
        return points, number, browse.figures_by_id(conn, shown), confirm.standings(conn, shown)

    points, number, figures, standings = await read(request, gather)
    if not points:
        return _not_found(request, key)
    zone = _zone(request)
    rows = table_rows(figures, zone, steps_before(points))
    for row in rows:
        standing = standings.get(row["figure"].id)
        row["standing"] = {"tags": confirmation.tags(standing),
                           "conflict": standing and standing.conflicting and confirmation.shown(standing.conflicting,
                                                                                               zone),
                           "provenance": standing.provenance if standing else "",
                           "attachment_url": standing.attachment_url if standing else ""}
    url = indicator_url(key)
    pages = -(-len(points) // TABLE_PAGE)
    return page(request, "indicator.html", title=f"{key.region}{key.metric}", key=key, kind=KINDS[key.kind],
                chart=chart.svg(key, points, zone, url, TABLE_PAGE),
                rows=rows, total=len(points),
                pager={"number": number, "pages": pages,
                       "earlier": f"{url}&page={number + 1}#figures" if number < pages else "",
                       "later": f"{url}&page={number - 1}#figures" if number > 1 else ""},
                csv_url=indicator_url(key, ".csv"),
                feed_url="/feeds/changes.atom?" + urlencode({"metric": key.metric, "region": key.region}))


async def figure(request: Request) -> Response:
    """A figure's short link (/figure/ID, what digests link to): its row on its indicator's page."""
    wanted = request.path_params["id"]

    def gather(conn: Any) -> tuple[Key, int] | None:
        found = browse.figures_by_id(conn, [wanted])
        if not found:
            return None
        points = browse.series_points(conn, found[0].key)
        index = next((i for i, p in enumerate(points) if p.id == wanted), len(points) - 1)
        return found[0].key, chart.page_of(index, len(points), TABLE_PAGE)

    found = await read(request, gather)
    if found is None:
        return message(request, 404, "找不到 · Not found", "没有这个数字。 There is no such figure.")
    key, number = found
    return RedirectResponse(f"{indicator_url(key)}&page={number}#fig-{wanted}", status_code=303, headers=HEADERS)


def csv_response(header: list[str], rows: list[list[object]], filename: str) -> Response:
    """A UTF-8 CSV (with a BOM, so that spreadsheets read the Chinese), formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers=HEADERS | {"Content-Disposition": f"attachment; filename={filename}"})


FIGURE_COLUMNS = ["metric", "region", "kind", "unit", "status", "period", "period_text", "value", "qualifier",
                  "surface", "sentence", "published_at", "source", "title", "url", "baseline"]


def figure_cells(f: Figure, zone: tzinfo) -> list[object]:
    """One figure as a CSV row (FIGURE_COLUMNS)."""
    return [f.metric, f.region, f.kind, f.unit, f.status, f.period, fmt.period(f, zone, with_year=True), f.value,
            f.qualifier, f.surface, f.sentence, f.published_at, f.source_name, f.title, f.url, f.baseline]


async def indicator_csv(request: Request) -> Response:
    """One indicator's figures as CSV."""
    found = await _series(request)
    if isinstance(found, Response):
        return found
    figures = found[1]
    zone = _zone(request)
    return csv_response(FIGURE_COLUMNS, [figure_cells(f, zone) for f in figures], "indicator.csv")


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of an article's text, and the figure it is (None: plain text)."""

    text: str
    figure: Figure | None


def segments(body: str, figures: list[Figure]) -> list[Segment]:
    """The text cut at its figures' offsets (overlapping figures: the first one wins). A figure whose offsets do
    not hold its surface was read from an attachment (its offsets are in the file): listed, not highlighted."""
    out: list[Segment] = []
    at = 0
    for f in sorted(figures, key=lambda f: (f.start_offset, f.id)):
        if f.start_offset < at or f.end_offset > len(body) or f.end_offset <= f.start_offset:
            continue
        if body[f.start_offset:f.end_offset] != f.surface:
            continue
        out.append(Segment(body[at:f.start_offset], None))
        out.append(Segment(body[f.start_offset:f.end_offset], f))
        at = f.end_offset
    out.append(Segment(body[at:], None))
    return out


async def article(request: Request) -> Response:
    """An article's stored text with its figures highlighted, and listed."""
    found = await read(request, browse.article, request.path_params["id"])
    if found is None:
        return message(request, 404, "找不到 · Not found", "没有这篇文章。 There is no such article.")
    zone = _zone(request)
    return page(request, "article.html", title=found.summary.title, article=found,
                segments=segments(found.body, found.figures), rows=table_rows(found.figures, zone),
                published=f"{found.summary.published_at.astimezone(zone):%Y-%m-%d}",
                urls={f.id: indicator_url(f.key) for f in found.figures})


ARCHIVE_DAYS = 7  # days on one page of the archive
ARCHIVE_FIGURES = 50  # moved (and new) figures shown per day


async def archive(request: Request) -> Response:
    """The digests sent, by day: what each day's digest reported as moved and new, for everyone to read.

    The shared sections only (every figure in the range the day's digests covered): no subscriber's address,
    preferences or links. A subscriber's own digest stays behind its signed link (/digest/TOKEN).
    """
    try:
        before = query_day(request, "before")
    except BadQuery as error:
        return message(request, 400, "查询无效 · Bad query", str(error))

    def gather(conn: Any) -> list[dict[str, Any]]:
        found = []
        for day in browse.digest_days(conn, limit=ARCHIVE_DAYS, before=before):
            moved, new = (browse.changes(conn, (outcome,), after=day.after, before=day.upto + 1,
                                         limit=ARCHIVE_FIGURES) for outcome in ("changed", "new"))
            found.append({"day": day, "moved": moved, "new": new})
        return found

    found = await read(request, gather)
    zone = _zone(request)
    days = [{"period": f"{d['day'].period:%Y-%m-%d}", "moved": [change_view(c, zone) for c in d["moved"]],
             "new": [change_view(c, zone) for c in d["new"]], "limit": ARCHIVE_FIGURES} for d in found]
    older = f"/digests?before={days[-1]['period']}" if len(days) == ARCHIVE_DAYS else ""
    return page(request, "digests.html", title="摘要存档 · Digest archive", days=days, older=older)
