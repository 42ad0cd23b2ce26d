"""Operator pages behind a login: recent cycles and their steps, sources' health, the outbox, possible matches.

The login is CYWATCH_OPERATOR_PASSWORD (unset: the pages are closed, 404). A successful login sets a
signed, expiring session cookie (`cw_operator`, HttpOnly, SameSite=Strict, 12 hours); logins are
rate-limited per client. A failed or unknown digest of the outbox is queued again from the page (POST
/operator/outbox/ID/resend, CSRF-checked, recorded in web_events), by the outbox's own rule: an `unknown`
one may have been delivered, so it needs the operator's explicit "resend anyway". The possible matches
(db.review's list) are accepted or rejected here too (POST /operator/matches/ID, CSRF-checked, recorded in
web_events through alerts.selfservice), as `cywatch review accept|reject ID` does.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alerts import outbox, selfservice, tokens
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
    if not await read(request, limits["login"].allow, remote(request)):
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


async def _operator_form(request: Request) -> dict[str, str] | Response:
    """The form of an operator's POST, or the page saying why it is refused (closed, no session, no CSRF)."""
    closed = _closed(request)
    if closed:
        return closed
    form = await form_of(request)
    if not signed_in(request) or not csrf_ok(request, request.app.state.secret, form.get("csrf")):
        return message(request, 403, "未登录或表单已过期 · Not signed in, or form expired",
                       "请登录后重新打开运维页面。 Sign in and open the operator page again.",
                       link="/operator", link_text="运维 · Operator")
    return form


async def resend_post(request: Request) -> Response:
    """Queue a failed or unknown digest again (an unknown one only with `unknown_confirmed`), recorded."""
    form = await _operator_form(request)
    if isinstance(form, Response):
        return form
    digest_id = request.path_params["id"]
    try:
        row = await read(request, selfservice.resend_digest, digest_id, remote(request),
                         unknown_confirmed=form.get("unknown_confirmed") == "yes")
    except selfservice.ResendRefused as error:
        return message(request, 409, "未重发 · Not resent", str(error), link="/operator#outbox",
                       link_text="返回 · Back")
    return message(request, 200, "已排队重发 · Queued again",
                   f"摘要 {row['id']}（{row['recipient']}，{row['period']}）将由下一次 cywatch digest 发出。 "
                   f"Digest {row['id']} ({row['recipient']}, {row['period']}) is queued: the next "
                   f"`cywatch digest` sends it, under the same Message-ID.",
                   link="/operator#outbox", link_text="返回 · Back")


async def decide_post(request: Request) -> Response:
    """Accept or reject one possible match (the operator's session and the form's CSRF field both needed)."""
    form = await _operator_form(request)
    if isinstance(form, Response):
        return form
    decision = form.get("decision")
    if decision not in ("accept", "reject"):
        return message(request, 400, "无效的决定 · Invalid decision", "decision: accept or reject",
                       link="/operator#matches", link_text="返回 · Back")
    change_id = request.path_params["id"]
    try:
        done = await read(request, selfservice.decide_match, change_id, decision == "accept", remote(request),
                          form.get("note", "").strip() or None)
    except review.ReviewError as error:
        return message(request, 409, "无法决定 · Cannot decide",
                       f"{error}。 可能已被处理。 It may have been decided already.",
                       link="/operator#matches", link_text="返回 · Back")
    if done.accepted:
        text = (f"已接受：{done.metric} 现为 {done.candidate_metric} 的别名。 Accepted: {done.metric} is now an alias "
                f"of {done.candidate_metric}; {done.rekeyed} stored figure(s) renamed, "
                f"{done.recomputed.revised} comparison(s) revised.")
    else:
        text = (f"已拒绝：{done.metric} 与 {done.candidate_metric} 是不同指标。 Rejected: {done.metric} and "
                f"{done.candidate_metric} stay distinct; {done.recomputed.revised} comparison(s) revised.")
    return message(request, 200, "已记录 · Decided", text, link="/operator#matches", link_text="返回 · Back")


def routes() -> list[Route]:
    """The operator routes."""
    return [Route("/operator", dashboard, methods=["GET"]), Route("/operator/login", login_form, methods=["GET"]),
            Route("/operator/login", login_post, methods=["POST"]),
            Route("/operator/logout", logout, methods=["POST"]),
            Route("/operator/matches/{id:int}", decide_post, methods=["POST"]),
            Route("/operator/outbox/{id:int}/resend", resend_post, methods=["POST"])]
