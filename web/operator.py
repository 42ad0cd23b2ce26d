"""Operator pages behind a login: recent cycles and their steps, sources' health, the outbox, possible matches.

The login is CYWATCH_OPERATOR_PASSWORD (unset: the pages are closed, 404). A successful login sets a
signed, expiring session cookie (`cw_operator`, HttpOnly, SameSite=Strict, 12 hours); logins are
rate-limited per client. Read only: resending from the outbox stays `cywatch outbox resend ID`, and the
possible matches (db.review's list) are accepted or rejected with `cywatch review`, not here.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alerts import outbox, tokens
from db import browse, review
from settings import Settings
from web import format as fmt
from web.limits import Limiter
from web.render import PRIVATE, csrf_ok, form_of, message, page, read, remote

SESSION_COOKIE = "cw_operator"
SESSION_MAX_AGE = 12 * 3600


def _closed(request: Request) -> Response | None:
    settings: Settings = request.app.state.settings
    if not settings.operator_password:
        return message(request, 404, "找不到 · Not found",
                       "运维页面未开启（未设置 CYWATCH_OPERATOR_PASSWORD）。 The operator pages are closed "
                       "(CYWATCH_OPERATOR_PASSWORD is not set).")
    return None


def signed_in(request: Request) -> bool:
    """Whether the request carries a valid operator session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return False
    try:
        tokens.read(request.app.state.secret, "operator", cookie, SESSION_MAX_AGE)
    except tokens.InvalidToken:
        return False
    return True


async def login_form(request: Request) -> Response:
    """The operator's login page."""
    return _closed(request) or page(request, "login.html", private=True, title="运维登录 · Operator login")


async def login_post(request: Request) -> Response:
    """Check the password; on success, a session cookie and the operator page."""
    closed = _closed(request)
    if closed:
        return closed
    settings: Settings = request.app.state.settings
    form = await form_of(request)
    if not csrf_ok(request, request.app.state.secret, form.get("csrf")):
        return message(request, 403, "表单已过期 · Form expired", "请重新打开登录页。 Open the login page again.")
    limits: dict[str, Limiter] = request.app.state.limits
    if not limits["login"].allow(remote(request)):
        return message(request, 429, "请稍后再试 · Try again later", "登录尝试过多。 Too many attempts: wait 15 minutes.")
    given = form.get("password", "").encode()
    if not hmac.compare_digest(given, str(settings.operator_password).encode()):
        return page(request, "login.html", 403, private=True, title="运维登录 · Operator login",
                    error="密码错误。 Wrong password.")
    response = RedirectResponse("/operator", status_code=303, headers=PRIVATE)
    response.set_cookie(SESSION_COOKIE, tokens.make(request.app.state.secret, "operator", {"o": 1}),
                        max_age=SESSION_MAX_AGE, httponly=True, samesite="strict", path="/operator",
                        secure=request.url.scheme == "https")
    return response


async def logout(request: Request) -> Response:
    """End the session (a POST with the CSRF field)."""
    form = await form_of(request)
    if not csrf_ok(request, request.app.state.secret, form.get("csrf")):
        return message(request, 403, "表单已过期 · Form expired", "请重新打开页面。 Open the page again.")
    response = RedirectResponse("/operator/login", status_code=303, headers=PRIVATE)
    response.delete_cookie(SESSION_COOKIE, path="/operator")
    return response


def _gather(conn: Any) -> dict[str, Any]:
    return {"cycles": browse.cycles(conn), "health": browse.health(conn), "outbox": outbox.listing(conn),
            "matches": review.list_possible_matches(conn)[:100]}


async def dashboard(request: Request) -> Response:
    """Cycles, sources' health, the outbox, possible matches."""
    closed = _closed(request)
    if closed:
        return closed
    if not signed_in(request):
        return RedirectResponse("/operator/login", status_code=303, headers=PRIVATE)
    found = await read(request, _gather)
    zone = request.app.state.settings.zone
    matches = [{"match": m, "value": fmt.value(m.value, m.unit, m.kind),
                "candidate": fmt.value(m.candidate_value, m.unit, m.kind)} for m in found["matches"]]
    return page(request, "operator.html", private=True, title="运维 · Operator", zone=zone, matches=matches,
                cycles=found["cycles"], health=found["health"], outbox=found["outbox"])


def routes() -> list[Route]:
    """The operator routes."""
    return [Route("/operator", dashboard, methods=["GET"]), Route("/operator/login", login_form, methods=["GET"]),
            Route("/operator/login", login_post, methods=["POST"]),
            Route("/operator/logout", logout, methods=["POST"])]
