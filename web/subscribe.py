"""Self-service subscriptions: subscribe with double opt-in, manage from any digest, unsubscribe in one click.

- The manage page shows the reader's conditions (alerts.conditions) and sets or clears them: the form is read
  whole (an unticked box is off) and parsed as the CLI's options are.
- The manage page lists the reader's targets (redacted) and adds a chat bot or webhook by its URL (checked
  by the channel registry, alerts.channels) or removes one; their own email target stays (unsubscribe).
- POST /subscribe mails a signed link that expires in 48 hours (`tokens.SUBSCRIBE_MAX_AGE`) and subscribes
  nobody; following it shows a button, and only that POST subscribes (a link scanner that opens the link
  confirms nothing). The link carries what was asked (address, regions, metrics, frequency), so nothing is
  stored before it is confirmed; a link older than the address's last unsubscribe does nothing.
- No enumeration: the page says the same whatever the address. An address already subscribed is mailed its
  manage link instead of a confirmation.
- Rate limits (web.limits, shared by every web process) on subscribe, per client and per address asked for; CSRF on every form
  (web.render); every write recorded (alerts.selfservice, table web_events).
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from alerts import conditions, selfservice, tokens
from alerts.conditions import Conditions
from alerts.digest import manage_link
from alerts.subscribers import SubscriberError, canonical_metrics, canonical_regions, normalise_email
from settings import Settings
from web.limits import Limiter
from web.links import has_left, signed_subscriber
from web.render import csrf_ok, form_of, message, page, read, remote


def limiters() -> dict[str, Limiter]:
    """The rate limits (shared by every web process, web.limits): subscribing per client and per address
    mailed; operator logins per client."""
    return {"client": Limiter("subscribe_client", 10, 3600), "address": Limiter("subscribe_address", 3, 3600),
            "login": Limiter("login", 10, 900)}


FREQUENCIES = {"daily": "每日 daily", "weekly": "每周 weekly（周一 Mondays）"}
_SPLIT = re.compile(r"[\s,，、;；]+")


class FormError(ValueError):
    """A field that cannot be accepted; the message says which, Chinese first."""


def _forbidden(request: Request) -> HTMLResponse:
    return message(request, 403, "表单已过期 · Form expired",
                   "请重新打开页面后再提交。 Open the page again, then submit (the form's security token did not match).")


def read_preferences(form: dict[str, Any]) -> dict[str, Any]:
    """Regions, metrics and frequency from a form, canonicalised; FormError says what is wrong."""
    try:
        regions = canonical_regions([r for r in _SPLIT.split(form.get("regions", "")) if r])
    except SubscriberError as error:
        raise FormError(f"地区 Regions: {error}") from None
    metrics = canonical_metrics([m for m in _SPLIT.split(form.get("metrics", "")) if m])
    frequency = form.get("frequency") or "daily"
    if frequency not in FREQUENCIES:
        raise FormError("频率 Frequency: daily or weekly")
    return {"regions": regions, "metrics": metrics, "frequency": frequency}


_CONDITION_NAMES = {"min_change": "最小变动 Minimum change", "threshold": "阈值 Threshold"}
MAX_THRESHOLDS = 20


def read_conditions(form: dict[str, Any]) -> Conditions:
    """The conditions a manage form asks for, every field read (an unticked box is off; `clear`: none);
    FormError says what is wrong."""
    if form.get("clear"):
        return Conditions()
    lines = [line for line in str(form.get("thresholds", "")).splitlines() if line.strip()]
    if len(lines) > MAX_THRESHOLDS:
        raise FormError(f"阈值 Thresholds: at most {MAX_THRESHOLDS}, got {len(lines)}")
    try:
        return conditions.edit(Conditions(), min_change=str(form.get("min_change", "")), flip=bool(form.get("flip")),
                               thresholds=lines, new_high=bool(form.get("new_high")), names=_CONDITION_NAMES)
    except conditions.ConditionError as error:
        raise FormError(str(error)) from None


def _conditions_form(stored: Conditions) -> dict[str, Any]:
    """The manage form's fields for stored conditions."""
    return {"min_change": "" if stored.min_change is None else str(stored.min_change), "flip": stored.flip,
            "thresholds": "\n".join(f"{t.metric}={t.value}" for t in stored.thresholds), "new_high": stored.new_high}


async def subscribe_form(request: Request) -> Response:
    """The subscribe page."""
    return page(request, "subscribe.html", title="订阅 · Subscribe", form={}, frequencies=FREQUENCIES)


async def subscribe_post(request: Request) -> Response:
    """Mail a confirmation (or, to a subscribed address, its manage link); the same reply either way."""
    settings: Settings = request.app.state.settings
    form = await form_of(request)
    if not csrf_ok(request, request.app.state.secret, str(form.get("csrf", ""))):
        return _forbidden(request)
    try:
        try:
            email = normalise_email(str(form.get("email", "")))
        except SubscriberError:
            raise FormError("邮箱地址无效 · Not a valid email address") from None
        wanted = read_preferences(form)
    except FormError as error:
        return page(request, "subscribe.html", 400, title="订阅 · Subscribe", form=form, error=str(error),
                    frequencies=FREQUENCIES)
    limits: dict[str, Limiter] = request.app.state.limits
    if not await read(request, limits["client"].allow, remote(request)) or not await read(
            request, limits["address"].allow, email):
        return message(request, 429, "请稍后再试 · Try again later",
                       "请求过于频繁。 Too many requests: try again in an hour.")
    state = await read(request, selfservice.subscription_state, email)
    if state is not None and state["unsubscribed_at"] is None:
        link, subscribed = manage_link({"s": state["id"], "e": email, "g": state["generation"]}, settings), True
    else:
        token = tokens.make(request.app.state.secret, "subscribe", {"e": email, "t": int(time.time()), **wanted})
        link, subscribed = f"{settings.public_url}/subscribe/confirm/{token}", False
    mail = selfservice.confirmation_mail(settings, email, link, subscribed=subscribed)
    outcome = await run_in_threadpool(selfservice.send_now, settings, mail)
    await read(request, selfservice.request_subscription, email, remote(request),
               mailed="manage" if subscribed else "confirm", delivered=outcome.kind, **wanted)
    if outcome.kind not in ("sent", "unknown"):
        return message(request, 503, "暂时无法发送 · Cannot send now",
                       "邮件暂时无法发出，请稍后再试。 The mail could not be sent; try again later.")
    return message(request, 200, "请查收邮件 · Check your mail",
                   f"我们已向 {email} 发送一封邮件，请按邮件中的链接操作（48小时内有效）。 "
                   f"A mail is on its way to {email}: follow its link (valid for 48 hours).",
                   note="没有收到？请检查垃圾邮件，或一小时后再试。 Nothing came? Look in the spam folder, or try again in an hour.")


def _confirmation(request: Request) -> dict[str, Any] | HTMLResponse:
    try:
        return tokens.read(request.app.state.secret, "subscribe", request.path_params["token"],
                           tokens.SUBSCRIBE_MAX_AGE)
    except tokens.InvalidToken as error:
        return message(request, 400, "链接无效 · Invalid link", str(error),
                       note="请在订阅页重新订阅。 Subscribe again on the subscribe page.")


async def confirm_form(request: Request) -> Response:
    """What the mailed link opens: what will be subscribed, and the button that does it."""
    payload = _confirmation(request)
    if isinstance(payload, HTMLResponse):
        return payload
    return page(request, "confirm.html", private=True, title="确认订阅 · Confirm", wanted=payload,
                frequencies=FREQUENCIES)


async def confirm_post(request: Request) -> Response:
    """Subscribe the address of a confirmation link (CSRF-checked)."""
    settings: Settings = request.app.state.settings
    form = await form_of(request)
    if not csrf_ok(request, request.app.state.secret, str(form.get("csrf", ""))):
        return _forbidden(request)
    payload = _confirmation(request)
    if isinstance(payload, HTMLResponse):
        return payload
    email = str(payload["e"])
    state = await read(request, selfservice.subscription_state, email)
    if state is not None and state["unsubscribed_at"] is not None and state["unsubscribed_at"].timestamp() > payload["t"]:
        return message(request, 400, "链接已失效 · Old link",
                       "此链接早于您的退订。 This link is from before you unsubscribed.",
                       note="请在订阅页重新订阅。 Subscribe again on the subscribe page.")
    state = await read(request, selfservice.confirm_subscription, email, list(payload["regions"]),
                       list(payload["metrics"]), str(payload["frequency"]), remote(request))
    link = manage_link({"s": state["id"], "e": email, "g": state["generation"]}, settings)
    return message(request, 200, "已订阅 · Subscribed",
                   f"{email} 将收到成渝观察摘要。 {email} will receive chengyu-watch digests.",
                   note="每期摘要都附有订阅设置与退订链接。 Every digest links to its settings and to unsubscribe.",
                   link=link, link_text="订阅设置 · Manage")


def _unsubscribe_link(row: dict[str, Any], settings: Settings, secret: str) -> str:
    """The path of a subscriber's signed unsubscribe link (the manage page's button posts to it)."""
    token = tokens.make(secret, "unsubscribe", {"s": row["id"], "e": row["email"], "g": row["generation"]})
    return f"/unsubscribe/{token}"


async def _manage_page(request: Request, found: dict[str, Any], status: int = 200, *, form: dict[str, Any] | None = None,
                       error: str | None = None, target_error: str | None = None,
                       watch: dict[str, Any] | None = None, watch_error: str | None = None) -> HTMLResponse:
    """The manage page of a signed-in subscriber: preferences, conditions, targets, unsubscribe."""
    if form is None:
        form = {"regions": " ".join(found["regions"]), "metrics": " ".join(found["metrics"]),
                "frequency": found["frequency"]}
    stored = Conditions.from_json(found["conditions"])
    targets = await read(request, selfservice.reader_targets, found["id"])
    return page(request, "manage.html", status, private=True, title="订阅设置 · Manage", subscriber=found,
                frequencies=FREQUENCIES, form=form, error=error, targets=targets, target_error=target_error,
                stored=stored, watch=watch if watch is not None else _conditions_form(stored), watch_error=watch_error,
                base=_manage_base(request),
                unsubscribe=_unsubscribe_link(found, request.app.state.settings, request.app.state.secret))


def _manage_base(request: Request) -> str:
    return f"/manage/{request.path_params['token']}"


async def _manage_write(request: Request) -> tuple[dict[str, Any], dict[str, str]] | HTMLResponse:
    """(subscriber, form) of a POST to a manage link: its CSRF field checked, the subscriber still subscribed;
    otherwise the page saying why not."""
    form = await form_of(request)
    if not csrf_ok(request, request.app.state.secret, str(form.get("csrf", ""))):
        return _forbidden(request)
    found = await signed_subscriber(request, "manage", tokens.MANAGE_MAX_AGE)
    if isinstance(found, HTMLResponse):
        return found
    if found["unsubscribed_at"]:
        return message(request, 400, "已退订 · Unsubscribed", "此地址已退订，请重新订阅。 This address has "
                       "unsubscribed: subscribe again.", link="/subscribe", link_text="订阅 · Subscribe")
    return found, form


async def manage_form(request: Request) -> Response:
    """A subscriber's preferences and targets, behind the signed link of every digest."""
    found = await signed_subscriber(request, "manage", tokens.MANAGE_MAX_AGE)
    if isinstance(found, HTMLResponse):
        return found
    if found["unsubscribed_at"]:
        return has_left(request, found, link="/subscribe", link_text="重新订阅 · Subscribe again")
    return await _manage_page(request, found)


async def manage_post(request: Request) -> Response:
    """Save a subscriber's preferences (CSRF-checked, recorded)."""
    checked = await _manage_write(request)
    if isinstance(checked, HTMLResponse):
        return checked
    found, form = checked
    try:
        wanted = read_preferences(form)
    except FormError as error:
        return await _manage_page(request, found, 400, form=form, error=str(error))
    await read(request, selfservice.update_preferences, found["id"], found["email"], wanted["regions"],
               wanted["metrics"], wanted["frequency"], remote(request))
    return message(request, 200, "已保存 · Saved", f"{found['who']} 的订阅设置已更新。 "
                   f"The preferences of {found['who']} are saved.", link=request.url.path,
                   link_text="返回设置 · Back to settings")


async def conditions_post(request: Request) -> Response:
    """Set or clear a subscriber's conditions (POST …/conditions; CSRF-checked, recorded); a value that cannot
    be used re-shows the form saying why, and changes nothing."""
    checked = await _manage_write(request)
    if isinstance(checked, HTMLResponse):
        return checked
    found, form = checked
    typed = {**form, "flip": bool(form.get("flip")), "new_high": bool(form.get("new_high"))}  # shown again if refused
    try:
        wanted = read_conditions(form)
    except FormError as error:
        return await _manage_page(request, found, 400, watch=typed, watch_error=str(error))
    await read(request, selfservice.update_conditions, found["id"], found["email"], wanted, remote(request))
    shown = wanted.describe() or "无 none"
    return message(request, 200, "已保存 · Saved", f"{found['who']} 的提醒条件：{shown}。 "
                   f"The conditions of {found['who']} are saved.", link=_manage_base(request),
                   link_text="返回设置 · Back to settings")


async def target_post(request: Request) -> Response:
    """Add a chat bot or webhook target by its URL (POST …/targets) or remove one (POST …/targets/ID/remove);
    CSRF-checked, recorded; a URL that cannot be used, or a target that cannot be removed, says why."""
    checked = await _manage_write(request)
    if isinstance(checked, HTMLResponse):
        return checked
    found, form = checked
    target = request.path_params.get("target")
    try:
        if target is None:
            changed = await read(request, selfservice.add_target, found["id"], found["email"],
                                 str(form.get("url", "")).strip(), remote(request))
        else:
            changed = await read(request, selfservice.remove_target, found["id"], found["email"], target,
                                 remote(request))
    except selfservice.TargetRefused as error:
        return await _manage_page(request, found, 400, target_error=str(error))  # the URL not echoed: a token
    shown = changed.shown
    title, text = (("已添加 · Added", f"摘要也将发送到 {shown}。 Digests will also go to {shown}.") if target is None
                   else ("已删除 · Removed", f"摘要不再发送到 {shown}。 Digests no longer go to {shown}."))
    return message(request, 200, title, text, link=_manage_base(request), link_text="返回设置 · Back to settings")


def routes() -> list[Route]:
    """The subscription routes."""
    return [Route("/subscribe", subscribe_form, methods=["GET"]), Route("/subscribe", subscribe_post, methods=["POST"]),
            Route("/subscribe/confirm/{token}", confirm_form, methods=["GET"]),
            Route("/subscribe/confirm/{token}", confirm_post, methods=["POST"]),
            Route("/manage/{token}", manage_form, methods=["GET"]), Route("/manage/{token}", manage_post, methods=["POST"]),
            Route("/manage/{token}/conditions", conditions_post, methods=["POST"]),
            Route("/manage/{token}/targets", target_post, methods=["POST"]),
            Route("/manage/{token}/targets/{target:int}/remove", target_post, methods=["POST"])]
