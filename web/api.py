"""The read-only JSON API under /api/: indicators, one series, changes since a date, articles.

- Exact decimals are JSON **strings** ("42030000000", "9.1"): a JSON number is a float to most readers,
  and a figure must never be rounded on its way. Times are ISO 8601 with their offset.
- Lists are paged by an opaque cursor: `next` in a reply is the `cursor` of the following page (null: the
  last page); `limit` is 1 to 500 (default 100).
- Every reply carries a strong ETag (a hash of its body); a request with a matching `If-None-Match` gets
  304 and no body.
- `?format=csv` gives the same rows as CSV (formula-safe, as the indicator CSV).
- The OpenAPI document is /api/openapi.json.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from db import browse
from db.browse import ArticleSummary, Change, Figure, IndicatorSummary, Key
from settings import Settings
from web import format as fmt
from web.pages import (
    BadQuery,
    csv_response,
    indicator_url,
    query_day,
    query_kind,
    query_metric,
    query_region,
)
from web.render import HEADERS, read

MAX_LIMIT = 500
OUTCOMES = ("changed", "new", "confirmed")


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return fmt.exact(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadQuery(f"limit must be 1 to {MAX_LIMIT}, not {raw!r}")
    return int(raw)


def encode_cursor(position: object) -> str:
    """An opaque cursor for a position in a list."""
    return base64.urlsafe_b64encode(json.dumps(position, default=_json_default).encode()).decode().rstrip("=")


def decode_cursor(request: Request) -> Any:
    """The position a request's `cursor` names (None: the first page); BadQuery when it is not one of ours."""
    raw = request.query_params.get("cursor")
    if not raw:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        raise BadQuery("cursor is not one this API gave") from None


def _reply(request: Request, document: dict[str, Any], rows: list[dict[str, Any]] | None = None) -> Response:
    """JSON (or, with ?format=csv, the rows as CSV), with an ETag honoured by If-None-Match."""
    if request.query_params.get("format") == "csv" and rows is not None:
        header = list(rows[0]) if rows else []
        response = csv_response(header, [list(row.values()) for row in rows], "api.csv")
        body = bytes(response.body)
    else:
        body = json.dumps(document, ensure_ascii=False, default=_json_default, separators=(",", ":")).encode()
        response = Response(body, media_type="application/json")
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = HEADERS | {"ETag": tag, "Cache-Control": "no-cache"}
    wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    if tag in wanted or "*" in wanted:
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": "no-cache"})
    response.headers.update(headers)
    return response


def _error(status: int, text: str) -> Response:
    return Response(json.dumps({"error": text}, ensure_ascii=False), status_code=status,
                    media_type="application/json", headers=HEADERS)


def _figure(f: Figure, settings: Settings) -> dict[str, Any]:
    return {"id": f.id, "metric": f.metric, "region": f.region, "kind": f.kind, "unit": f.unit,
            "status": f.status, "period": f.period, "period_text": fmt.period(f, settings.zone, with_year=True),
            "value": fmt.exact(f.value), "qualifier": f.qualifier, "surface": f.surface, "sentence": f.sentence,
            "baseline": f.baseline, "published_at": f.published_at.isoformat(), "source": f.source,
            "article_id": f.article_id, "article_title": f.title, "article_url": f.url,
            "indicator_url": settings.public_url + indicator_url(f.key)}


def _change(c: Change, settings: Settings) -> dict[str, Any]:
    baseline_day = c.baseline_published_at.astimezone(settings.zone).date() if c.baseline_published_at else None
    return {"seq": c.seq, "outcome": c.outcome, "computed_at": c.computed_at.isoformat(),
            "old_value": fmt.exact(c.baseline_value), "old_qualifier": c.baseline_qualifier,
            "old_period": c.baseline_period,
            "old_period_text": fmt.reader_period(c.baseline_period, None) if baseline_day else None,
            "new_value": fmt.exact(c.figure.value), "delta": fmt.exact(c.delta),
            "delta_ratio": fmt.exact(c.delta_ratio)} | {f"figure_{k}": v for k, v in _figure(c.figure, settings).items()}


def _indicator(s: IndicatorSummary, settings: Settings) -> dict[str, Any]:
    return {"metric": s.key.metric, "region": s.key.region, "kind": s.key.kind, "unit": s.key.unit,
            "figures": s.figures, "first_published": s.first_published.isoformat(),
            "last_published": s.last_published.isoformat(), "last_value": fmt.exact(s.last_value),
            "last_period": s.last_period, "last_status": s.last_status,
            "url": settings.public_url + indicator_url(s.key),
            "series_url": settings.public_url + "/api/series?" + indicator_url(s.key).split("?", 1)[1]}


def _article(a: ArticleSummary) -> dict[str, Any]:
    return {"id": a.id, "title": a.title, "url": a.url, "source": a.source, "source_name": a.source_name,
            "published_at": a.published_at.isoformat(), "figures": a.figures}


async def indicators(request: Request) -> Response:
    """GET /api/indicators: indicators matching the filters, by key."""
    settings: Settings = request.app.state.settings
    q = request.query_params
    try:
        limit, after = _limit(request), decode_cursor(request)
        found = await read(request, browse.indicators, metric=query_metric(q.get("metric")),
                           region=query_region(q.get("region")), kind=query_kind(q.get("kind")),
                           source=q.get("source") or None, since=query_day(request, "since"),
                           until=query_day(request, "until"), limit=limit, after=Key(*after) if after else None)
    except (BadQuery, TypeError) as error:
        return _error(400, str(error))
    rows = [_indicator(s, settings) for s in found]
    last = found[-1].key if len(found) == limit else None
    return _reply(request, {"items": rows, "next": encode_cursor(
        [last.metric, last.region, last.kind, last.unit]) if last else None}, rows)


async def series(request: Request) -> Response:
    """GET /api/series?metric=&region=&kind=&unit=: every figure of one indicator, oldest period first."""
    settings: Settings = request.app.state.settings
    q = request.query_params
    missing = [name for name in ("metric", "kind", "unit") if not q.get(name)]
    if missing:
        return _error(400, f"missing: {', '.join(missing)}")
    key = Key(q["metric"], q.get("region", ""), q["kind"], q["unit"])
    figures = await read(request, browse.series, key)
    if not figures:
        return _error(404, "no figures of that indicator")
    rows = [_figure(f, settings) for f in figures]
    return _reply(request, {"indicator": {"metric": key.metric, "region": key.region, "kind": key.kind,
                                          "unit": key.unit}, "items": rows, "next": None}, rows)


async def changes(request: Request) -> Response:
    """GET /api/changes?since=YYYY-MM-DD: compared figures, the latest comparison first."""
    settings: Settings = request.app.state.settings
    q = request.query_params
    outcomes = tuple(o for o in q.get("outcome", "changed,new").split(",") if o)
    try:
        if not outcomes or any(o not in OUTCOMES for o in outcomes):
            raise BadQuery(f"outcome must be among {', '.join(OUTCOMES)}")
        limit, before = _limit(request), decode_cursor(request)
        if before is not None and not isinstance(before, int):
            raise BadQuery("cursor is not one this API gave")
        found = await read(request, browse.changes, outcomes, limit=limit, before=before,
                           since=query_day(request, "since"), region=query_region(q.get("region")),
                           metric=query_metric(q.get("metric")))
    except BadQuery as error:
        return _error(400, str(error))
    rows = [_change(c, settings) for c in found]
    return _reply(request, {"items": rows, "next": encode_cursor(found[-1].seq) if len(found) == limit else None},
                  rows)


async def articles(request: Request) -> Response:
    """GET /api/articles: relevant articles, newest first."""
    try:
        limit, before = _limit(request), decode_cursor(request)
        position = (datetime.fromisoformat(before[0]), int(before[1])) if before else None
    except (BadQuery, ValueError, TypeError, IndexError) as error:
        return _error(400, str(error) if isinstance(error, BadQuery) else "cursor is not one this API gave")
    found = await read(request, browse.articles, limit=limit, before=position,
                       source=request.query_params.get("source") or None)
    rows = [_article(a) for a in found]
    last = found[-1] if len(found) == limit else None
    return _reply(request, {"items": rows, "next": encode_cursor([last.published_at, last.id]) if last else None},
                  rows)


async def openapi(request: Request) -> Response:
    """GET /api/openapi.json: this API described (OpenAPI 3.1)."""
    settings: Settings = request.app.state.settings
    return _reply(request, openapi_document(settings.public_url))


def _parameters(*names: str) -> list[dict[str, Any]]:
    described = {
        "metric": "every metric containing this text (canonicalised: 规模以上 -> 规上)",
        "region": "a region (重庆市 and 重庆 are one)", "kind": "level, growth, share, rank or change",
        "unit": "the unit the figures are stored in (元, %, 条 …)", "source": "a source id (cqrb, sc_gov …)",
        "since": "YYYY-MM-DD", "until": "YYYY-MM-DD", "cursor": "`next` of the previous page",
        "limit": f"1 to {MAX_LIMIT} (default 100)", "format": "json (default) or csv",
        "outcome": "comma-separated: changed, new, confirmed (default changed,new)"}
    return [{"name": n, "in": "query", "required": n in ("kind", "unit"), "description": described[n],
             "schema": {"type": "string"}} for n in names]


def openapi_document(public_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API."""
    exact = {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$",
             "description": "an exact decimal, as a string (never a float)"}
    page = {"type": "object", "required": ["items", "next"],
            "properties": {"items": {"type": "array", "items": {"type": "object"}},
                           "next": {"type": ["string", "null"], "description": "the cursor of the next page"}}}

    def op(summary: str, *params: str) -> dict[str, Any]:
        return {"get": {"summary": summary, "parameters": _parameters(*params),
                        "responses": {"200": {"description": "a page of items (JSON, or CSV with format=csv)",
                                              "headers": {"ETag": {"schema": {"type": "string"}}},
                                              "content": {"application/json": {"schema": page},
                                                          "text/csv": {"schema": {"type": "string"}}}},
                                      "304": {"description": "not modified (If-None-Match matched)"},
                                      "400": {"description": "a malformed parameter"}}}}

    return {"openapi": "3.1.0",
            "info": {"title": "chengyu-watch read-only API", "version": "1",
                     "description": "Figures of the Chengdu–Chongqing circle, each with its sentence. Exact decimals "
                                    "are strings. Lists are paged by cursor; replies carry an ETag."},
            "servers": [{"url": public_url}],
            "components": {"schemas": {"Decimal": exact}},
            "paths": {"/api/indicators": op("indicators matching filters", "metric", "region", "kind", "source",
                                            "since", "until", "cursor", "limit", "format"),
                      "/api/series": op("every figure of one indicator", "metric", "region", "kind", "unit", "format"),
                      "/api/changes": op("compared figures, latest first", "since", "outcome", "region", "metric",
                                         "cursor", "limit", "format"),
                      "/api/articles": op("relevant articles, newest first", "source", "cursor", "limit", "format"),
                      "/api/openapi.json": {"get": {"summary": "this document",
                                                    "responses": {"200": {"description": "OpenAPI 3.1"}}}}}}


def routes() -> list[Route]:
    """The API's routes."""
    return [Route("/api/indicators", indicators, methods=["GET"]), Route("/api/series", series, methods=["GET"]),
            Route("/api/changes", changes, methods=["GET"]), Route("/api/articles", articles, methods=["GET"]),
            Route("/api/openapi.json", openapi, methods=["GET"])]
