"""Chat bots and webhooks: WeCom (企业微信), DingTalk (钉钉), Feishu (飞书), Slack, Telegram, a generic JSON webhook.

Target addresses (`cywatch subscribers add … --channel URL`):

    wecom://KEY                        企业微信 group bot (the key of its webhook URL)
    dingtalk://TOKEN?secret=SEC…       钉钉 custom bot (access_token; the signing secret, 加签, optional)
    feishu://HOOK?secret=S             飞书 bot (the hook id after /bot/v2/hook/; the signing secret, optional)
    slack://T…/B…/X…                   Slack incoming webhook (the path after /services/)
    telegram://TOKEN@CHAT              Telegram bot sendMessage (CHAT: a chat id, or @channel)
    https://host/path#secret=S         a generic JSON webhook, signed (the secret never leaves this side)

Each sends one summary per period (alerts.channels.summary: Chinese first, within the API's size limit, in
the API's markdown where it has one) with a link to the whole digest. The body is built once into the
outbox; signatures that must be fresh (DingTalk's and Feishu's timestamps, the webhook's) are made at send.

Sending uses the standard library's http.client: one keep-alive connection per host, certificates
verified, a timeout on everything. The connection is opened before `before_send` runs, so a refused or
failed connection is simply retried; once the request is on its way, no answer (a timeout, a reset) is
`unknown`: the API may have posted the message, and it is not sent again blindly. A 429 or an API's
rate-limit code backs off for Retry-After (or a minute) and defers the host's other messages of the run.

The generic webhook's request carries:
    Content-Type: application/json
    Idempotency-Key: digest.PERIOD.SUBSCRIBER.TARGET   the same on every attempt: a receiver drops repeats
    X-Cywatch-Timestamp: UNIX-SECONDS
    X-Cywatch-Signature: sha256=HEX                    HMAC-SHA256(secret, TIMESTAMP + "." + BODY), hex
A receiver recomputes the signature over the raw body, compares in constant time and refuses timestamps
more than five minutes old.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import select
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from alerts.channels import guard, summary
from alerts.channels.base import DigestInput, Outgoing, Payload, TargetError, register
from alerts.digest import Item
from alerts.transport import Outcome

if TYPE_CHECKING:
    from settings import Settings

RATE_LIMIT_PAUSE = 60.0  # seconds, when an API says "too fast" without saying for how long
# "CHANNEL HOST" that asked to slow down -> the monotonic time they may be asked again: shared by every sender of the
# process (the workers of a run, the runs of a long-lived scheduler).
_PAUSED: dict[str, float] = {}
_PAUSED_LOCK = threading.Lock()


def clear_pauses() -> None:
    """Forget every "slow down" this process was told (the outbox's next_attempt_at still holds its rows)."""
    with _PAUSED_LOCK:
        _PAUSED.clear()


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> dict[str, Any]:
        """The body as a JSON object ({} if it is none)."""
        try:
            value = json.loads(self.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def retry_after(self) -> float:
        """Retry-After in seconds (a minute when absent or not a number)."""
        try:
            return max(float(self.headers.get("retry-after", "")), 1.0)
        except ValueError:
            return RATE_LIMIT_PAUSE


def _reason(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


class Poster:
    """POSTs over one keep-alive connection per host."""

    def __init__(self, timeout: float, loopback: bool = False) -> None:
        self.timeout, self.loopback = timeout, loopback  # loopback: CYWATCH_UNSAFE_LOOPBACK_WEBHOOKS (guard)
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        key = (scheme, host, port)
        conn = self._connections.get(key)
        if conn is not None and (conn.sock is None or select.select([conn.sock], [], [], 0)[0]):
            conn.close()  # closed by the server while idle (readable: its FIN): a fresh one, before sending
            conn = None
        if conn is None:
            resolved = guard.checked_addresses(host, port, self.loopback)  # now, at send time (DNS rebinding)
            if scheme == "https":
                conn = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                   context=ssl.create_default_context())
            else:
                conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            conn._create_connection = guard.connector(resolved)  # type: ignore[attr-defined]  # what was checked
            self._connections[key] = conn
        if conn.sock is None:
            conn.connect()
        return conn

    def post(self, url: str, body: bytes, headers: dict[str, str],
             before_send: Callable[[], None]) -> Reply | Outcome:
        """POST `body`; an Outcome when no answer came (retry before sending, unknown after)."""
        parts = urlsplit(url)
        host, scheme = parts.hostname or "", parts.scheme
        port = parts.port or (443 if scheme == "https" else 80)
        try:
            conn = self._connection(scheme, host, port)
        except guard.HostRefused as error:  # nothing was sent, and nothing ever will be to that address
            return Outcome("failed", str(error))
        except (OSError, http.client.HTTPException) as error:  # nothing was sent
            self._drop(scheme, host, port)
            return Outcome("retry", f"could not connect to {host}: {_reason(error)}")
        before_send()
        try:
            conn.request("POST", parts.path + (f"?{parts.query}" if parts.query else ""), body=body,
                         headers={"Content-Type": "application/json; charset=utf-8",
                                  "User-Agent": "chengyu-watch"} | headers)
            response = conn.getresponse()
            data = response.read()
        except Exception as error:  # the request may have arrived: never resend it blindly
            self._drop(scheme, host, port)
            return Outcome("unknown", f"it may have been delivered: no answer from {host} after the request "
                                      f"was sent ({_reason(error)})")
        if response.will_close:
            self._drop(scheme, host, port)
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def _drop(self, scheme: str, host: str, port: int) -> None:
        conn = self._connections.pop((scheme, host, port), None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Close every connection."""
        for conn in self._connections.values():
            with contextlib.suppress(OSError):
                conn.close()
        self._connections.clear()


def _http_outcome(reply: Reply, what: str) -> Outcome | None:
    """The answers every API gives alike: 429 backs off, 5xx retries; None: look at the body."""
    if reply.status == 429:
        return Outcome("retry", f"{what}: 429 too many requests", retry_after=reply.retry_after())
    if reply.status >= 500:
        return Outcome("retry", f"{what}: HTTP {reply.status}")
    return None


def _text(reply: Reply) -> str:
    return " ".join(reply.body.decode("utf-8", "replace").split())[:200]


def _hint(token: str) -> str:
    """The first four characters of a token: enough to tell two targets apart, not to use one."""
    return f"{token[:4]}…" if len(token) > 4 else "…"


class Webhook:
    """What the chat bots have in common; a subclass names its API, its format and its answers."""

    name: ClassVar[str]
    schemes: ClassVar[tuple[str, ...]] = ()  # () : its name
    api: ClassVar[str]  # the API's base URL (https://host)
    limit: ClassVar[int]  # the largest message text the API takes, in bytes of UTF-8
    style: ClassVar[summary.Style] = summary.MARKDOWN

    def _split(self, url: str) -> tuple[str, dict[str, str]]:
        """(the part after SCHEME://, its query as a dict); TargetError if there is no token."""
        rest = url.split("://", 1)[1] if "://" in url else ""
        token, _, query = rest.partition("?")
        if not token.strip("/"):
            raise TargetError(f"{self.name}:// needs a token: {self.name}://TOKEN")
        return token.strip("/"), {k: v[-1] for k, v in parse_qs(query).items()}

    def parse(self, url: str) -> str:
        """The address with its token and secret (stored as given, scheme in lower case)."""
        token, query = self._split(url)
        unknown = set(query) - {"secret"}
        if unknown:
            raise TargetError(f"{self.name}:// takes only ?secret=…, not {', '.join(sorted(unknown))}")
        return f"{self.name}://{token}" + (f"?{urlencode({'secret': query['secret']})}" if query.get("secret") else "")

    def redact(self, address: str) -> str:
        """SCHEME://TOKE… (and ?secret=*** when there is one)."""
        token, query = self._split(address)
        return f"{self.name}://{_hint(token)}" + ("?secret=***" if "secret" in query else "")

    def message(self, title: str, text: str, digest: DigestInput) -> dict[str, Any]:
        """The API's JSON body for the summary."""
        raise NotImplementedError

    def payload(self, digest: DigestInput) -> Payload:
        """One summary of the digest, in the API's format and size."""
        title = summary.title(digest.content, digest.period)
        text = summary.of(digest, self.style, self.limit)
        body = json.dumps(self.message(title, text, digest), ensure_ascii=False).encode()
        key = f"digest.{digest.period.key}.{digest.subscriber['id']}.{digest.target_id}"
        return Payload(recipient=self.redact(digest.address), subject=title, body=body, idempotency_key=key)

    path: ClassVar[str] = ""  # the API's path, {token} standing for the target's token

    def request(self, item: Outgoing, base: str) -> tuple[str, bytes, dict[str, str]]:
        """(URL, body, headers) of the POST, signed now if the API signs (here: BASE + path, unsigned)."""
        token, _ = self._split(item.address)
        return base + self.path.format(token=quote(token, safe="/:")), item.body, {}

    def outcome(self, reply: Reply) -> Outcome:
        """What the API's answer means."""
        raise NotImplementedError

    def sender(self, settings: Settings, endpoint: str | None = None) -> WebhookSender:
        """A sender with keep-alive connections; `endpoint` replaces the API's base URL."""
        return WebhookSender(self, Poster(settings.webhook_timeout, settings.unsafe_loopback_webhooks),
                             endpoint or self.api)


class WebhookSender:
    """Sends one channel's messages; pauses a host that said "too fast" for the rest of the run."""

    def __init__(self, channel: Webhook, poster: Poster, base: str) -> None:
        self.channel, self.poster, self.base = channel, poster, base.rstrip("/")

    def send(self, item: Outgoing, before_send: Callable[[], None]) -> Outcome:
        """POST one message and say what the API answered."""
        url, body, headers = self.channel.request(item, self.base)
        host = urlsplit(url).netloc
        paused = f"{self.channel.name} {host}"  # one API's limit (a local receiver may play several APIs)
        with _PAUSED_LOCK:
            wait = _PAUSED.get(paused, 0.0) - time.monotonic()
        if wait > 0:  # not even tried: the API asked us to slow down
            return Outcome("deferred", f"{host} asked to slow down; waiting {wait:.0f} s", retry_after=wait)
        reply = self.poster.post(url, body, headers, before_send)
        outcome = reply if isinstance(reply, Outcome) else self.channel.outcome(reply)
        if outcome.kind == "sent" and not outcome.delivered_to:
            outcome = Outcome("sent", outcome.reply, item.recipient)
        if outcome.retry_after:
            with _PAUSED_LOCK:
                _PAUSED[paused] = max(_PAUSED.get(paused, 0.0), time.monotonic() + outcome.retry_after)
        return outcome

    def close(self) -> None:
        """Close the connections."""
        self.poster.close()


def _errcode(reply: Reply, what: str, ok: str, code_field: str, message_field: str,
             rate_codes: set[int]) -> Outcome:
    """The Chinese bots' answer: HTTP 200 with {code: 0} for success, another code for an error."""
    common = _http_outcome(reply, what)
    if common:
        return common
    answer = reply.json()
    code = answer.get(code_field, answer.get("StatusCode"))
    text = str(answer.get(message_field, answer.get("StatusMessage", ""))) or _text(reply)
    if reply.status == 200 and code == 0:
        return Outcome("sent", f"{what}: {ok}")
    if isinstance(code, int) and code in rate_codes:
        return Outcome("retry", f"{what}: {code} {text}", retry_after=RATE_LIMIT_PAUSE)
    return Outcome("failed", f"{what}: {code if code is not None else 'HTTP ' + str(reply.status)} {text}")


@register
class WeCom(Webhook):
    """企业微信 group bot: markdown, 4,096 bytes, 20 messages a minute (errcode 45009 when exceeded)."""

    name = "wecom"
    api = "https://qyapi.weixin.qq.com"
    path = "/cgi-bin/webhook/send?key={token}"
    limit = 4096

    def message(self, title: str, text: str, digest: DigestInput) -> dict[str, Any]:
        """{"msgtype": "markdown", …}."""
        return {"msgtype": "markdown", "markdown": {"content": text}}

    def outcome(self, reply: Reply) -> Outcome:
        """errcode 0: posted; 45009: too fast; anything else: refused (93000: no such bot …)."""
        return _errcode(reply, "企业微信 WeCom", "posted", "errcode", "errmsg", {45009})


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉's 加签: base64(HMAC-SHA256(key=secret, "TIMESTAMP\\nSECRET")) (URL-quoted by the caller)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@register
class DingTalk(Webhook):
    """钉钉 custom bot: markdown with a title, 20 messages a minute (errcode 130101), optional signing."""

    name = "dingtalk"
    api = "https://oapi.dingtalk.com"
    limit = 18_000  # the API takes about 20,000 bytes of text

    def message(self, title: str, text: str, digest: DigestInput) -> dict[str, Any]:
        """{"msgtype": "markdown", "markdown": {"title", "text"}}."""
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}

    def request(self, item: Outgoing, base: str) -> tuple[str, bytes, dict[str, str]]:
        """…/robot/send?access_token=T, with &timestamp=…&sign=… when the bot has a secret."""
        token, query = self._split(item.address)
        url = f"{base}/robot/send?access_token={quote(token, safe='')}"
        if query.get("secret"):
            now = int(time.time() * 1000)
            url += f"&timestamp={now}&sign={quote(dingtalk_sign(query['secret'], now), safe='')}"
        return url, item.body, {}

    def outcome(self, reply: Reply) -> Outcome:
        """errcode 0: posted; 130101: too fast; 310000 (sign, keyword, IP) and others: refused."""
        return _errcode(reply, "钉钉 DingTalk", "posted", "errcode", "errmsg", {130101})


def feishu_sign(secret: str, timestamp: int) -> str:
    """飞书's signature: base64(HMAC-SHA256(key="TIMESTAMP\\nSECRET", empty message))."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@register
class Feishu(Webhook):
    """飞书 bot: an interactive card with a markdown element, 20 KB a request, optional signing."""

    name = "feishu"
    api = "https://open.feishu.cn"
    limit = 16_000

    def message(self, title: str, text: str, digest: DigestInput) -> dict[str, Any]:
        """{"msg_type": "interactive", "card": {header, markdown element}}."""
        return {"msg_type": "interactive",
                "card": {"header": {"title": {"tag": "plain_text", "content": title}, "template": "blue"},
                         "elements": [{"tag": "markdown", "content": text}]}}

    def request(self, item: Outgoing, base: str) -> tuple[str, bytes, dict[str, str]]:
        """…/open-apis/bot/v2/hook/HOOK; "timestamp" and "sign" added to the body when there is a secret."""
        hook, query = self._split(item.address)
        body = item.body
        if query.get("secret"):
            now = int(time.time())
            signed = json.loads(body) | {"timestamp": str(now), "sign": feishu_sign(query["secret"], now)}
            body = json.dumps(signed, ensure_ascii=False).encode()
        return f"{base}/open-apis/bot/v2/hook/{quote(hook, safe='')}", body, {}

    def outcome(self, reply: Reply) -> Outcome:
        """code 0: posted; 11232: too fast; 19021 (bad signature) and others: refused."""
        return _errcode(reply, "飞书 Feishu", "posted", "code", "msg", {11232, 9499})


@register
class Slack(Webhook):
    """Slack incoming webhook: a header and a mrkdwn section (3,000 characters), "ok" on success."""

    name = "slack"
    api = "https://hooks.slack.com"
    path = "/services/{token}"
    limit = 3000
    style = summary.SLACK

    def message(self, title: str, text: str, digest: DigestInput) -> dict[str, Any]:
        """{"text": fallback, "blocks": [header, section]}."""
        return {"text": title, "blocks": [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
                                          {"type": "section", "text": {"type": "mrkdwn", "text": text}}]}

    def outcome(self, reply: Reply) -> Outcome:
        """200 "ok": posted; 429: Retry-After; 4xx (invalid_payload, no_service, channel_is_archived): refused."""
        common = _http_outcome(reply, "Slack")
        if common:
            return common
        if reply.status == 200:
            return Outcome("sent", f"Slack: {_text(reply) or 'ok'}")
        return Outcome("failed", f"Slack: HTTP {reply.status} {_text(reply)}")


@register
class Telegram(Webhook):
    """Telegram bot sendMessage: HTML, 4,096 characters; 429 with parameters.retry_after."""

    name = "telegram"
    api = "https://api.telegram.org"
    limit = 4096
    style = summary.TELEGRAM

    def _parts(self, address: str) -> tuple[str, str]:
        rest = address.split("://", 1)[1] if "://" in address else ""
        token, at, chat = rest.rpartition("@")
        if not at or not token or not chat:
            raise TargetError("telegram:// needs a bot token and a chat: telegram://TOKEN@CHAT")
        return token, chat

    def parse(self, url: str) -> str:
        """telegram://TOKEN@CHAT."""
        token, chat = self._parts(url)
        return f"telegram://{token}@{chat}"

    def redact(self, address: str) -> str:
        """telegram://TOKE…@CHAT (the chat is not a secret; the token is)."""
        token, chat = self._parts(address)
        return f"telegram://{_hint(token)}@{chat}"

    def payload(self, digest: DigestInput) -> Payload:
        """The summary in Telegram's HTML, within 4,096 characters."""
        title = summary.title(digest.content, digest.period)
        text = summary.of(digest, self.style, self.limit, size=len)
        _, chat = self._parts(digest.address)
        body = json.dumps({"chat_id": chat, "text": text, "parse_mode": "HTML",
                           "disable_web_page_preview": True}, ensure_ascii=False).encode()
        key = f"digest.{digest.period.key}.{digest.subscriber['id']}.{digest.target_id}"
        return Payload(recipient=self.redact(digest.address), subject=title, body=body, idempotency_key=key)

    def request(self, item: Outgoing, base: str) -> tuple[str, bytes, dict[str, str]]:
        """…/botTOKEN/sendMessage."""
        token, _ = self._parts(item.address)
        return f"{base}/bot{quote(token, safe=':')}/sendMessage", item.body, {}

    def outcome(self, reply: Reply) -> Outcome:
        """{"ok": true}: posted; 429: parameters.retry_after; 400/401/403: refused."""
        answer = reply.json()
        if reply.status == 429:
            retry = answer.get("parameters", {}).get("retry_after")
            wait = float(retry) if isinstance(retry, int | float) else reply.retry_after()
            return Outcome("retry", f"Telegram: 429 {answer.get('description', '')}".strip(), retry_after=wait)
        common = _http_outcome(reply, "Telegram")
        if common:
            return common
        if reply.status == 200 and answer.get("ok") is True:
            return Outcome("sent", "Telegram: posted")
        return Outcome("failed", f"Telegram: {answer.get('error_code', reply.status)} "
                                 f"{answer.get('description', _text(reply))}")


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The generic webhook's X-Cywatch-Signature: sha256=HEX(HMAC-SHA256(secret, "TIMESTAMP." + body))."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@register
class GenericWebhook(Webhook):
    """A JSON webhook of your own: the whole digest's figures, signed (see the module's docstring)."""

    name = "webhook"
    schemes: ClassVar[tuple[str, ...]] = ("https", "http")
    api = ""
    limit = 64_000

    def _url_secret(self, address: str) -> tuple[str, str]:
        url, _, fragment = address.partition("#")
        secret = parse_qs(fragment).get("secret", [""])[-1]
        return url, secret

    def parse(self, url: str) -> str:
        """https://host/path#secret=S (http:// only to this machine); the secret is required."""
        target, secret = self._url_secret(url)
        parts = urlsplit(target)
        if not parts.hostname:
            raise TargetError("a webhook URL needs a host: https://host/path#secret=S")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise TargetError("a webhook on another machine must use https:// (digests are signed, not secret)")
        if not secret:
            raise TargetError("a webhook needs a signing secret: https://host/path#secret=S "
                              "(the fragment is never sent; the receiver checks X-Cywatch-Signature with it)")
        return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "") \
            + f"#{urlencode({'secret': secret})}"

    def redact(self, address: str) -> str:
        """https://host/… (paths and queries often hold tokens) with #secret=***."""
        target, _ = self._url_secret(address)
        parts = urlsplit(target)
        return f"{parts.scheme}://{parts.netloc}/…#secret=***"

    def payload(self, digest: DigestInput) -> Payload:
        """{"event": "digest", period, title, summary (markdown), url, counts, changed, new, articles, targets}."""
        content = digest.content
        title = summary.title(content, digest.period)

        def figure(item: Item) -> dict[str, Any]:
            return {"metric": item.metric, "region": item.region, "kind": item.kind, "period": item.period,
                    "value": item.new, "previous": item.old, "change": item.delta, "status": item.status,
                    "article": {"title": item.title, "url": item.url, "source": item.source,
                                "published": item.published}}

        body = {"event": "digest", "period": digest.period.key, "title": title,
                "summary": summary.of(digest, summary.MARKDOWN, self.limit),
                "url": digest.full_url, "counts": content.counts(),
                "changed": [figure(i) for i in content.changed], "new": [figure(i) for i in content.new],
                "articles": [{"title": a["title"], "url": a["canonical_url"], "source": a["source_name"]}
                             for a in content.articles], "targets": [t.to_json() for t in content.targets]}
        key = f"digest.{digest.period.key}.{digest.subscriber['id']}.{digest.target_id}"
        return Payload(recipient=self.redact(digest.address), subject=title,
                       body=json.dumps(body, ensure_ascii=False).encode(), idempotency_key=key)

    def request(self, item: Outgoing, base: str) -> tuple[str, bytes, dict[str, str]]:
        """The target's own URL (or `base` with its path, for a local receiver), signed now."""
        url, secret = self._url_secret(item.address)
        if base:
            parts = urlsplit(url)
            url = base + parts.path + (f"?{parts.query}" if parts.query else "")
        now = int(time.time())
        return url, item.body, {"Idempotency-Key": item.idempotency_key, "X-Cywatch-Timestamp": str(now),
                                "X-Cywatch-Signature": webhook_signature(secret, now, item.body),
                                "X-Cywatch-Event": "digest"}

    def outcome(self, reply: Reply) -> Outcome:
        """2xx: delivered; 429: Retry-After; 5xx: retry; other 4xx: refused."""
        common = _http_outcome(reply, "webhook")
        if common:
            return common
        if 200 <= reply.status < 300:
            return Outcome("sent", f"webhook: HTTP {reply.status}")
        return Outcome("failed", f"webhook: HTTP {reply.status} {_text(reply)}")
