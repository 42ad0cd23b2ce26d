"""Pages as the web serves them: jinja2 (autoescaped, scraped text made readable), security headers, CSRF.

Every value a template prints passes through `alerts.readable.for_readers` (bidi and control characters
removed) and is HTML-escaped: scraped text is hostile. No page carries a script; the CSP forbids them.

CSRF: a random cookie (`cw_csrf`, HttpOnly, SameSite=Strict) and, in every form, a hidden field holding its
HMAC under CYWATCH_SECRET. A POST whose field does not match its cookie is refused (`csrf_ok`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from alerts.readable import for_readers
from db.connection import Connection
from settings import Settings


class Readable(Markup):
    """Markup made readable (alerts.readable) where it was built, and kept: a template prints it as it is.

    A chart of 300 points is 90 kB of markup; going over it again on every page view cost more than the rest
    of the page.
    """


def _finalize(value: object) -> object:
    return value if isinstance(value, Readable) else for_readers(value)


PAGES = Environment(loader=PackageLoader("web", "templates"), autoescape=select_autoescape(["html", "svg", "xml"]),
                    finalize=_finalize, trim_blocks=True, lstrip_blocks=True)
HEADERS = {"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                      "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}
PRIVATE = HEADERS | {"Cache-Control": "no-store"}  # pages behind a signed link
CSRF_COOKIE = "cw_csrf"
T = TypeVar("T")


def _csrf_value(secret: str, cookie: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(request: Request, secret: str, field: str | None) -> bool:
    """Whether a form's CSRF field matches the cookie its browser was given with the form."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie and field) and hmac.compare_digest(_csrf_value(secret, cookie), str(field))


def page(request: Request, template: str, status: int = 200, *, private: bool = False,
         **context: object) -> HTMLResponse:
    """A rendered page; forms in it get a CSRF field (and the browser its cookie, if it had none)."""
    settings: Settings = request.app.state.settings
    secret: str = request.app.state.secret
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    fresh = not cookie
    if fresh:
        cookie = secrets.token_urlsafe(24)
    html = PAGES.get_template(template).render(csrf=_csrf_value(secret, cookie), request=request,
                                               public_url=settings.public_url, **context)
    response = HTMLResponse(html, status_code=status, headers=PRIVATE if private else HEADERS)
    if fresh:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
    return response


def message(request: Request, status: int, title: str, text: str, **extra: object) -> HTMLResponse:
    """A one-message page (a confirmation, an invalid link), never cached."""
    return page(request, "message.html", status, private=True, title=title, message=text, **extra)


async def read(request: Request, query: Callable[..., T], *args: object, **kwargs: object) -> T:
    """`query(conn, *args, **kwargs)` on a pooled connection, off the event loop."""
    pool: ConnectionPool[Connection] = request.app.state.pool

    def run() -> T:
        with pool.connection() as conn:
            return query(conn, *args, **kwargs)

    return await run_in_threadpool(run)


def remote(request: Request) -> str:
    """The client's address, as recorded with a write (the proxy in front, if there is one)."""
    return request.client.host if request.client else ""


MAX_FORM = 16 * 1024


async def form_of(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (the only kind our forms post), first value per field.

    Parsed here rather than by Starlette's form parser, which needs python-multipart for this too; a body
    larger than any of our forms is read as empty.
    """
    body = await request.body()
    if len(body) > MAX_FORM:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
