"""Real HTTP receivers on 127.0.0.1 that answer as the chat APIs do (WeCom, DingTalk, Feishu, Slack, Telegram)
and as a generic webhook receiver would, checking signatures; scripted per API to fail as those APIs fail.

Every request is logged; a message the API took (it would show it in the chat) is `delivered`, whatever
answer the sender then got (a timeout after taking it, say). Counting `delivered` per idempotency key or
per body tells what was lost and what was posted twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the receiver saw it."""

    api: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    signed: bool | None  # None: this API was not asked to check a signature
    delivered: bool = False

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """The emulated APIs; `script[api]` holds the next answers ("ok", "rate", "429", "5xx", "error",
    "hang": take the message and never answer), "ok" when empty; `secrets[api]` turns signature checks on."""

    script: dict[str, deque[str]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)  # lets "hang" answers go at the end
    url: str = ""

    def delivered(self, api: str | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.log if r.delivered and (api is None or r.api == api)]

    def plan(self, api: str, *answers: str) -> None:
        self.script.setdefault(api, deque()).extend(answers)

    def _next(self, api: str) -> str:
        with self.lock:
            queue = self.script.get(api)
            return queue.popleft() if queue else "ok"


def _api(path: str) -> str:
    if path.startswith("/cgi-bin/webhook/send"):
        return "wecom"
    if path.startswith("/robot/send"):
        return "dingtalk"
    if path.startswith("/open-apis/bot/v2/hook/"):
        return "feishu"
    if path.startswith("/services/"):
        return "slack"
    if path.startswith("/bot") and path.endswith("/sendMessage"):
        return "telegram"
    return "webhook"


def _check(api: str, secret: str | None, query: dict[str, str], headers: dict[str, str], body: bytes) -> bool | None:
    """Verify a request's signature the way each API documents it (None: no secret to check with)."""
    if secret is None:
        return None
    if api == "dingtalk":
        stamp = query.get("timestamp", "")
        expected = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest())
        fresh = stamp.isdigit() and abs(time.time() * 1000 - int(stamp)) < 3600_000
        return fresh and hmac.compare_digest(expected.decode(), query.get("sign", ""))
    if api == "feishu":
        data = json.loads(body)
        stamp = str(data.get("timestamp", ""))
        expected = base64.b64encode(hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest())
        return stamp.isdigit() and hmac.compare_digest(expected.decode(), str(data.get("sign", "")))
    if api == "webhook":
        stamp = headers.get("x-cywatch-timestamp", "")
        expected = "sha256=" + hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
        return fresh and hmac.compare_digest(expected, headers.get("x-cywatch-signature", ""))
    return None


# (HTTP status, JSON answer) per API for each scripted outcome
_OK = {"wecom": (200, {"errcode": 0, "errmsg": "ok"}), "dingtalk": (200, {"errcode": 0, "errmsg": "ok"}),
       "feishu": (200, {"code": 0, "msg": "success", "data": {}}), "slack": (200, "ok"),
       "telegram": (200, {"ok": True, "result": {"message_id": 1}}), "webhook": (204, None)}
_RATE = {"wecom": (200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
         "dingtalk": (200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
         "feishu": (200, {"code": 11232, "msg": "frequency limited"}),
         "slack": (429, "rate_limited"),
         "telegram": (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                            "parameters": {"retry_after": 7}}),
         "webhook": (429, None)}
_ERROR = {"wecom": (200, {"errcode": 93000, "errmsg": "invalid webhook url"}),
          "dingtalk": (200, {"errcode": 300001, "errmsg": "token is not exist"}),
          "feishu": (200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}),
          "slack": (404, "no_service"),
          "telegram": (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
          "webhook": (410, None)}
_BAD_SIGN = {"dingtalk": (200, {"errcode": 310000, "errmsg": "sign not match"}),
             "feishu": (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}),
             "webhook": (401, None)}


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs
        wbufsize = 65536  # headers and body in one write: no delayed-ACK stall between them
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            api = _api(parts.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(api, parts.path, query, headers, body, _check(api, receiver.secrets.get(api), query,
                                                                             headers, body))
            with receiver.lock:
                receiver.log.append(request)
            answer = receiver._next(api)
            if request.signed is False:
                status, data = _BAD_SIGN[api]
            elif answer in ("ok", "hang"):
                request.delivered = True
                if answer == "hang":  # taken, and the answer never comes in time
                    receiver.release.wait(30)
                    return
                status, data = _OK[api]
            elif answer in ("rate", "429"):
                status, data = _RATE[api] if answer == "rate" else (429, {"ok": False})
            elif answer == "5xx":
                status, data = 502, None
            else:
                status, data = _ERROR[api]
            raw = b"" if data is None else (data.encode() if isinstance(data, str) else json.dumps(data).encode())
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "7")
            self.send_header("Content-Type", "application/json" if raw[:1] in (b"{", b"[") else "text/plain")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


class Serving:
    """`with Serving() as receiver:` a Receiver listening on 127.0.0.1 (a free port) until the block ends."""

    def __init__(self) -> None:
        self.receiver = Receiver()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.receiver))
        self.server.daemon_threads = True
        self.receiver.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self.receiver

    def __exit__(self, *exc: object) -> None:
        self.receiver.release.set()
        self.server.shutdown()
        self.server.server_close()
