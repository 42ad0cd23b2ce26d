"""The pages behind the signed links of a digest: one-click unsubscribe, and the full digest behind "N more".

GET /unsubscribe/TOKEN shows a confirmation form (a link scanner that follows the link unsubscribes no one);
POST /unsubscribe/TOKEN unsubscribes, which is also what mail clients do for RFC 8058 one-click
(List-Unsubscribe-Post, a POST without cookies: the signed token is its authority, so it needs no CSRF
field; the form posts one anyway). A tampered or expired token gets a 400 page that says so, and so does a
link from before the address subscribed again (`--resubscribe`): it names the subscription the reader left.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from alerts import outbox, selfservice, subscribers, tokens
from alerts.digest import personalise_page
from db.connection import Row
from web.render import PRIVATE, message, read, remote

_NOTHING_CHANGED = ("没有任何更改。请使用较新一期摘要中的链接，或回复该邮件。 "
                    "Nothing was changed. Use the link of a more recent digest, or reply to it.")


async def signed_subscriber(request: Request, purpose: str, max_age: int) -> Row | HTMLResponse:
    """The subscriber of the path's signed token (purpose `unsubscribe` or `manage`), or the page saying why not."""
    secret: str = request.app.state.secret
    try:
        payload = tokens.read(secret, purpose, request.path_params["token"], max_age)
    except tokens.InvalidToken as error:
        return message(request, 400, "链接无效 · Invalid link", str(error), note=_NOTHING_CHANGED)
    row = await read(request, subscribers.signed_subscriber, payload["s"], payload["e"])
    if row is None:
        return message(request, 400, "链接无效 · Invalid link", "此订阅已不存在。 This subscription no longer exists.")
    if payload.get("g", 0) != row["generation"]:  # links mailed before these were signed without one
        return message(request, 400, "链接已失效 · Old link",
                       f"此链接早于 {row['who']} 重新订阅。 This link is from before {row['who']} subscribed again.",
                       note="没有任何更改。请使用较新一期摘要中的链接。 Nothing was changed. "
                            "Use the link of a more recent digest.")
    return row


def has_left(request: Request, found: Row, **extra: object) -> HTMLResponse:
    """The page for a link of an address that has unsubscribed."""
    return message(request, 200, "已退订 · Unsubscribed",
                   f"{found['who']} 已不再接收摘要。 {found['who']} no longer receives digests.", **extra)


async def unsubscribe_form(request: Request) -> Response:
    """The confirmation page of an unsubscribe link."""
    found = await signed_subscriber(request, "unsubscribe", tokens.UNSUBSCRIBE_MAX_AGE)
    if isinstance(found, HTMLResponse):
        return found
    if found["unsubscribed_at"]:
        return has_left(request, found)
    return message(request, 200, "退订 · Unsubscribe", f"不再向 {found['who']} 发送成渝观察摘要？ "
                   f"Stop sending chengyu-watch digests to {found['who']}?",
                   form=request.url.path, button="退订 Unsubscribe")


async def unsubscribe_post(request: Request) -> Response:
    """Unsubscribe (the form's button, or a mail client's RFC 8058 one-click POST)."""
    found = await signed_subscriber(request, "unsubscribe", tokens.UNSUBSCRIBE_MAX_AGE)
    if isinstance(found, HTMLResponse):
        return found
    await read(request, selfservice.unsubscribe, found["id"], remote(request))
    return message(request, 200, "已退订 · Unsubscribed",
                   f"{found['who']} 将不再收到摘要。 {found['who']} will receive no more digests.",
                   note="改变主意了？可在订阅页重新订阅。 Changed your mind? Subscribe again on the subscribe page.")


async def full_digest(request: Request) -> Response:
    """A digest whole, as its subscriber got it, behind its signed "N more" link."""
    secret: str = request.app.state.secret
    try:
        payload = tokens.read(secret, "digest", request.path_params["token"], tokens.DIGEST_MAX_AGE)
    except tokens.InvalidToken as error:
        return message(request, 400, "链接无效 · Invalid link", str(error))
    row = await read(request, outbox.full_digest, payload["s"], payload["p"])
    if row is None:
        return message(request, 404, "找不到 · Not found", "这期摘要已不再保存。 This digest is no longer kept.")
    page = personalise_page(row["full_html"], row, str(payload["p"]), request.app.state.settings)
    return HTMLResponse(page, headers=PRIVATE)
