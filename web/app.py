"""`cywatch web`: the analyst's web (Starlette on uvicorn, server-rendered, no JavaScript needed).

Pages (web.pages), Atom feeds (web.feeds), the read-only JSON API (web.api), self-service subscriptions
(web.subscribe) and the pages behind a digest's signed links (web.links). The web reads through db/ (typed
rows) and writes only through alerts.selfservice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from db.connection import Connection, connect, database_url
from settings import Settings
from web import links
from web.render import read
from web.subscribe import limiters


def _ping(conn: Connection) -> None:
    conn.execute("SELECT 1")


async def health(request: Request) -> Response:
    """200 ok when the database answers."""
    await read(request, _ping)
    return PlainTextResponse("ok")


def routes() -> list[Route]:
    """Every route of the web."""
    from web import api, feeds, operator, pages, subscribe

    return [
        Route("/", pages.home, methods=["GET"]),
        Route("/indicators", pages.browse_page, methods=["GET"]),
        Route("/indicator", pages.indicator, methods=["GET"]),
        Route("/indicator.csv", pages.indicator_csv, methods=["GET"]),
        Route("/figure/{id:int}", pages.figure, methods=["GET"]),
        Route("/article/{id:int}", pages.article, methods=["GET"]),
        Route("/digests", pages.archive, methods=["GET"]),
        Route("/feeds/changes.atom", feeds.changes, methods=["GET"]),
        *api.routes(),
        *subscribe.routes(),
        *operator.routes(),
        Route("/unsubscribe/{token}", links.unsubscribe_form, methods=["GET"]),
        Route("/unsubscribe/{token}", links.unsubscribe_post, methods=["POST"]),
        Route("/digest/{token}", links.full_digest, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
    ]


def create_app(settings: Settings, *, pool_size: int = 4) -> Starlette:
    """The ASGI application, with a connection pool opened for its lifetime."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = cast("ConnectionPool[Connection]", ConnectionPool(
            database_url(settings), min_size=1, max_size=pool_size, kwargs={"row_factory": dict_row},
            open=False, configure=_configure(settings)))
        await run_in_threadpool(pool.open, True, 30)
        app.state.pool = pool
        try:
            yield
        finally:
            await run_in_threadpool(pool.close)

    app = Starlette(routes=routes(), lifespan=lifespan)
    app.state.settings = settings
    app.state.secret = settings.signing_secret()
    app.state.limits = limiters()
    return app


def _configure(settings: Settings):  # type: ignore[no-untyped-def]
    """Each pooled connection gets the session's time zone, as db.connection's connections do."""
    zone = settings.timezone

    def configure(conn: Connection) -> None:
        conn.execute("SELECT set_config('TimeZone', %s, false)", [zone])
        conn.commit()

    return configure


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the app under uvicorn until interrupted; DatabaseUnavailable at once if the database is not there.

    Checked before the server starts: the pool would wait 30 s and uvicorn would print its traceback.
    """
    import uvicorn

    connect(settings).close()
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
