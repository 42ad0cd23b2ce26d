"""The web app served by a real uvicorn on 127.0.0.1, in a thread of the test process, and a small client."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.cookiejar import CookieJar

import uvicorn

from settings import Settings
from tests.mail import free_port
from web.app import create_app


@contextmanager
def serving(settings: Settings, port: int | None = None) -> Iterator[str]:
    """The app under uvicorn until the block ends; yields its base URL once it accepts connections."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # set by uvicorn once the lifespan ran and the socket listens
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Reply:
    """One HTTP response."""

    status: int
    headers: Message  # case-insensitive, as HTTP headers are
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Client:
    """urllib with cookies (CSRF needs them), no redirects followed unless asked."""

    base: str
    jar: CookieJar = field(default_factory=CookieJar)

    def request(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with opener.open(request, timeout=10) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read())

    def get(self, path: str, **headers: str) -> Reply:
        return self.request(path, headers={k.replace("_", "-"): v for k, v in headers.items()})

    def post(self, path: str, form: dict[str, str | list[str]]) -> Reply:
        from urllib.parse import urlencode

        return self.request(path, urlencode(form, doseq=True).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})
