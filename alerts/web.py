"""`cywatch web`: the unsubscribe endpoint and the full digest behind "N more" (Starlette on uvicorn).

GET /unsubscribe/TOKEN shows a confirmation form (a link scanner that follows the link unsubscribes no one);
POST /unsubscribe/TOKEN unsubscribes, which is also what mail clients do for RFC 8058 one-click
(List-Unsubscribe-Post). A tampered or expired token gets a 400 page that says so, and so does a link
from before the address subscribed again (`--resubscribe`): it names the subscription the reader left.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from jinja2 import Environment, PackageLoader, select_autoescape
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from alerts import tokens
from alerts.digest import personalise_page
from alerts.readable import for_readers
from alerts.subscribers import unsubscribe
from db.connection import Connection, Row, connect, database_url
from settings import Settings

_PAGES = Environment(loader=PackageLoader("alerts", "templates"), autoescape=select_autoescape(["html"]),
                     finalize=for_readers)
_HEADERS = {"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
                                       "form-action 'self'; frame-ancestors 'none'",
            "Cache-Control": "no-store"}


def _page(status: int, title: str, message: str, **extra: str) -> HTMLResponse:
    html = _PAGES.get_template("page.html").render(title=title, message=message, **extra)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def create_app(settings: Settings) -> Starlette:
    """The ASGI application, with a connection pool opened for its lifetime."""
    secret = settings.signing_secret()
    state: dict[str, ConnectionPool[Connection]] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = cast("ConnectionPool[Connection]", ConnectionPool(
            database_url(settings), min_size=1, max_size=4, kwargs={"row_factory": dict_row}, open=False))
        await run_in_threadpool(pool.open, True, 30)
        state["pool"] = pool
        try:
            yield
        finally:
            await run_in_threadpool(pool.close)

    def _subscriber(token: str) -> Row | HTMLResponse:
        try:
            payload = tokens.read(secret, "unsubscribe", token, tokens.UNSUBSCRIBE_MAX_AGE)
        except tokens.InvalidToken as error:
            return _page(400, "链接无效 · Invalid link", str(error),
                         note="没有任何更改。请使用较新一期摘要中的链接，或回复该邮件。 "
                              "Nothing was changed. Use the link of a more recent digest, or reply to it.")
        with state["pool"].connection() as conn:
            row = conn.execute("SELECT id, email, unsubscribed_at, generation FROM subscribers "
                               "WHERE id = %s AND email = lower(%s)", [payload["s"], payload["e"]]).fetchone()
        if row is None:
            return _page(400, "链接无效 · Invalid link", "此订阅已不存在。 This subscription no longer exists.")
        if payload.get("g", 0) != row["generation"]:  # links mailed before these were signed without one
            return _page(400, "链接已失效 · Old link",
                         f"此链接早于 {row['email']} 重新订阅。 This link is from before {row['email']} subscribed again.",
                         note="没有任何更改。请使用较新一期摘要中的链接。 Nothing was changed. "
                              "Use the link of a more recent digest.")
        return row

    async def unsubscribe_form(request: Request) -> Response:
        found = await run_in_threadpool(_subscriber, request.path_params["token"])
        if isinstance(found, HTMLResponse):
            return found
        if found["unsubscribed_at"]:
            return _page(200, "已退订 · Unsubscribed", f"{found['email']} 已不再接收摘要。 {found['email']} no longer receives digests.")
        return _page(200, "退订 · Unsubscribe", f"不再向 {found['email']} 发送成渝观察摘要？ "
                     f"Stop sending chengyu-watch digests to {found['email']}?",
                     form=request.url.path, button="退订 Unsubscribe")

    async def unsubscribe_post(request: Request) -> Response:
        found = await run_in_threadpool(_subscriber, request.path_params["token"])
        if isinstance(found, HTMLResponse):
            return found

        def act() -> None:
            with state["pool"].connection() as conn:
                unsubscribe(conn, found["id"])

        await run_in_threadpool(act)
        return _page(200, "已退订 · Unsubscribed", f"{found['email']} 将不再收到摘要。 {found['email']} will receive no more digests.",
                     note="改变主意了？请联系管理员重新添加。 Changed your mind? Ask the operator to add you again.")

    async def full_digest(request: Request) -> Response:
        try:
            payload = tokens.read(secret, "digest", request.path_params["token"], tokens.DIGEST_MAX_AGE)
        except tokens.InvalidToken as error:
            return _page(400, "链接无效 · Invalid link", str(error))

        def fetch() -> Row | None:
            with state["pool"].connection() as conn:
                return conn.execute(
                    "SELECT r.full_html, s.id, s.email, s.generation FROM digests d JOIN digest_renderings r ON r.id = d.rendering_id "
                    "JOIN subscribers s ON s.id = d.subscriber_id WHERE d.subscriber_id = %s AND d.period = %s "
                    "ORDER BY d.id LIMIT 1",  # every target of a subscriber's period shares its rendering
                    [payload["s"], payload["p"]]).fetchone()

        row = await run_in_threadpool(fetch)
        if row is None:
            return _page(404, "找不到 · Not found", "这期摘要已不再保存。 This digest is no longer kept.")
        page = personalise_page(row["full_html"], row, str(payload["p"]), settings)
        return HTMLResponse(page, headers=_HEADERS)

    async def health(request: Request) -> Response:
        def check() -> None:
            with state["pool"].connection() as conn:
                conn.execute("SELECT 1")

        await run_in_threadpool(check)
        return PlainTextResponse("ok")

    return Starlette(routes=[
        Route("/unsubscribe/{token}", unsubscribe_form, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe_post, methods=["POST"]),
        Route("/digest/{token}", full_digest, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
    ], lifespan=lifespan)


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the app under uvicorn until interrupted; DatabaseUnavailable at once if the database is not there.

    Checked before the server starts: the pool would wait 30 s and uvicorn would print its traceback.
    """
    import uvicorn

    connect(settings).close()
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
