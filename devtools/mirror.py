"""Mirrors: crawl a local copy of the sites instead of the sites themselves.

With CYWATCH_MIRROR=http://127.0.0.1:PORT every request for https://HOST/PATH?QUERY is sent to
http://127.0.0.1:PORT/HOST/PATH?QUERY, while everything else (robots.txt, the duplicate filter, the
stored URLs) keeps seeing the real URL: the rewrite happens in the download handler, below all middleware.
crawler/deployment.py installs that handler only when a mirror is configured; no stage imports this module.

`MirrorServer` serves such a copy from a folder laid out HOST/PATH (tests/fixtures/sites/), on 127.0.0.1,
with ETags (so conditional requests get 304), a request log, a measure of how many requests of each host
it is answering at once, and faults that tests can program (500 then success, a timeout, 412, a dropped
connection, a body cut without Content-Length, a redirect, a maintenance page, a lying charset, a huge body).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from crawler.politeness import PoliteDownloadHandler


def mirror_url(mirror: str, url: str) -> str:
    """The mirror's address for a real URL: https://HOST/PATH?Q -> MIRROR/HOST/PATH?Q."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{mirror.rstrip('/')}/{parts.hostname}{path}" + (f"?{parts.query}" if parts.query else "")


class MirrorDownloadHandler(PoliteDownloadHandler):
    """The polite HTTP handler, sending each request to the mirror that CYWATCH_MIRROR (or --mirror) names.

    The per-site cap counts the real site (the request's URL), not the mirror's address.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.mirror = crawler.settings.get("CYWATCH_MIRROR") or None

    async def fetch(self, request: Request) -> Response:
        """Download from the mirror (if any) and hand back a response that carries the real URL."""
        if not self.mirror:
            return await super().fetch(request)
        response = await super().fetch(request.replace(url=mirror_url(self.mirror, request.url)))
        return response.replace(url=request.url, request=request)


# --- the server -------------------------------------------------------------------------------------------

_TEXT_TYPES = {".htm": "text/html", ".html": "text/html", ".shtml": "text/html", ".txt": "text/plain",
               ".xml": "application/xml", ".json": "application/json"}


class MirrorServer:
    """A file server for a mirror folder, on 127.0.0.1, in a background thread."""

    def __init__(self, root: Path, port: int = 0, *, delay: float = 0.0, log_file: Path | None = None) -> None:
        self.root = Path(root).resolve()
        self.delay = delay  # seconds added to every response (to make a crawl slow enough to interrupt)
        self.log_file = log_file
        self.requests: list[dict[str, object]] = []
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self._in_flight: dict[str, int] = defaultdict(int)
        self._max_in_flight: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The mirror's base URL, as CYWATCH_MIRROR expects it."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail(self, path: str, *actions: str) -> None:
        """Program the next responses for /HOST/PATH, one action each (then the file is served normally).

        'status:500' (any status), 'sleep:3' (then serve), 'drop' (promise a Content-Length, send half, close),
        'cut:0.6' (no Content-Length, send 60% of the body, close: the client cannot tell it was cut),
        'redirect:URL' (302 to URL), 'maintenance' (200, the page's <head> and an empty frame, no content),
        'gbk' (the text re-encoded as GBK, the header and <meta> still saying utf-8), 'gbk-nometa' (the same
        without its <meta charset>), 'garble' (invalid bytes spliced into the text), 'big:N' (N bytes of
        filler, no Content-Length).
        """
        with self._lock:
            self.faults[path].extend(actions)

    def clear_faults(self) -> None:
        """Forget the faults not yet served: every page answers normally again (the site is back)."""
        with self._lock:
            self.faults.clear()

    def max_in_flight(self) -> dict[str, int]:
        """Per host (the first path segment), the most requests it was answering at the same time."""
        with self._lock:
            return dict(self._max_in_flight)

    def paths(self) -> list[str]:
        """Paths requested so far, in order."""
        with self._lock:
            return [str(r["path"]) for r in self.requests]

    def clear_log(self) -> None:
        """Forget the requests logged so far."""
        with self._lock:
            self.requests.clear()

    def start(self) -> MirrorServer:
        """Serve in a background thread; returns self."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="mirror", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()

    def _record(self, entry: dict[str, object]) -> None:
        with self._lock:
            self.requests.append(entry)
            if self.log_file:
                with self.log_file.open("a", encoding="utf-8") as log:
                    log.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def _next_fault(self, path: str) -> str | None:
        with self._lock:
            queue = self.faults.get(path)
            return queue.popleft() if queue else None

    def _enter(self, host: str) -> None:
        with self._lock:
            self._in_flight[host] += 1
            self._max_in_flight[host] = max(self._max_in_flight[host], self._in_flight[host])

    def _leave(self, host: str) -> None:
        with self._lock:
            self._in_flight[host] -= 1


class _QuietServer(ThreadingHTTPServer):
    """A client that hung up (a timed-out crawler) is not an error worth a traceback."""

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serving(root: Path, **kwargs: object) -> Iterator[MirrorServer]:
    """A started MirrorServer for the duration of a with-block."""
    server = MirrorServer(root, **kwargs).start()  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def _handler_for(server: MirrorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one write (flushed after each request, or explicitly by the faults that
        # stream), and no segment waits for an ACK: written apart on a Nagle socket, every keep-alive
        # response after the first stalled ~40 ms on the client's delayed ACK.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # the request log is server.requests

        def do_HEAD(self) -> None:
            self._serve(head=True)

        def do_GET(self) -> None:
            self._serve(head=False)

        def _serve(self, head: bool) -> None:
            path = self.path.split("?", 1)[0]
            self._host: str | None = path.lstrip("/").split("/", 1)[0]
            server._enter(self._host)
            try:
                self._answer(path, head)
            finally:
                self._answered()

        def end_headers(self) -> None:
            self._answered()  # what is left is sending: the client may ask again as soon as it has the reply
            super().end_headers()

        def _answered(self) -> None:
            if getattr(self, "_host", None) is not None:
                server._leave(self._host)  # type: ignore[arg-type]
                self._host = None

        def _answer(self, path: str, head: bool) -> None:
            fault = server._next_fault(path)
            if server.delay:
                time.sleep(server.delay)
            if fault and fault.startswith("sleep:"):
                time.sleep(float(fault.split(":", 1)[1]))
                fault = None
            if fault and fault.startswith("status:"):
                status = int(fault.split(":", 1)[1])
                body = f"<html><body>error {status}</body></html>".encode()
                if status == 521:
                    body = b"<html><script>document.cookie='__jsl_clearance=1';location.reload()</script></html>"
                self._reply(status, body, {"Content-Type": "text/html"}, head, path)
                return
            if fault and fault.startswith("redirect:"):
                self._reply(302, b"", {"Location": fault.split(":", 1)[1]}, head, path)
                return
            if fault and fault.startswith("big:"):
                self._stream(200, {"Content-Type": "text/html; charset=utf-8"},
                             b"<html><body>" + b"x" * int(fault.split(":", 1)[1]), path, fault)
                return
            file = self._file(path)
            if file is None:
                self._reply(404, b"<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"},
                            head, path)
                return
            body = _altered(file.read_bytes(), fault)
            headers, status = self._headers_for(file, body)
            if self.headers.get("If-None-Match") == headers["ETag"]:
                self._reply(304, b"", {"ETag": headers["ETag"]}, head, path)
                return
            if fault == "drop":  # promise more than is sent, then close: a truncated transfer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                server._record({"path": path, "status": status, "fault": "drop", "time": time.time()})
                return
            if fault and fault.startswith("cut:"):  # no Content-Length: the body ends where the connection does
                self._stream(status, headers, body[: int(len(body) * float(fault.split(":", 1)[1]))], path, fault)
                return
            self._reply(status, body, headers, head, path)

        def _stream(self, status: int, headers: dict[str, str], body: bytes, path: str, fault: str) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            for start in range(0, len(body), 65536):
                self.wfile.write(body[start:start + 65536])
            self.wfile.flush()
            self.close_connection = True
            server._record({"path": path, "status": status, "fault": fault, "time": time.time()})

        def _file(self, path: str) -> Path | None:
            relative = unquote(path.lstrip("/"))  # as a web server does: %E9%99%84 is the file 附
            if not relative or relative.endswith("/"):
                relative += "index.html"
            candidate = (server.root / relative).resolve()
            if server.root not in candidate.parents or not candidate.is_file():
                return None
            return candidate

        def _headers_for(self, file: Path, body: bytes) -> tuple[dict[str, str], int]:
            kind = _TEXT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            headers = {"Content-Type": f"{kind}; charset=utf-8" if kind.startswith("text/") else kind,
                       "ETag": '"' + hashlib.sha1(body).hexdigest()[:16] + '"',
                       "Last-Modified": formatdate(file.stat().st_mtime, usegmt=True)}
            status = 200
            sidecar = file.with_name(file.name + ".headers")
            if sidecar.exists():  # per-file overrides: "Content-Type: text/html" (no charset), "Status: 200"
                for line in sidecar.read_text(encoding="utf-8").splitlines():
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "status":
                        status = int(value)
                    elif name.strip():
                        headers[name.strip()] = value.strip()
            return headers, status

        def _reply(self, status: int, body: bytes, headers: dict[str, str], head: bool, path: str) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head and status != 304:
                self.wfile.write(body)
            server._record({"path": path, "status": status, "time": time.time(),
                            "conditional": bool(self.headers.get("If-None-Match")
                                                or self.headers.get("If-Modified-Since"))})

    return Handler


_META_CHARSET = re.compile(rb"<meta[^>]*charset[^>]*>\s*", re.IGNORECASE)
_BODY = re.compile(rb"(<body[^>]*>).*(</body>)", re.IGNORECASE | re.DOTALL)


def _altered(body: bytes, fault: str | None) -> bytes:
    """The file's bytes as a fault changes them (see MirrorServer.fail); unchanged for other faults."""
    if fault == "maintenance":  # the site's frame, no content
        notice = '<div class="main"><p>系统维护中，请稍后访问</p></div>'.encode()
        return _BODY.sub(lambda m: m.group(1) + notice + m.group(2), body, count=1)
    if fault in ("gbk", "gbk-nometa"):
        text = body.decode("utf-8")
        data = text.encode("gbk")
        return _META_CHARSET.sub(b"", data, count=1) if fault == "gbk-nometa" else data
    if fault == "garble":  # bytes that are text in no encoding: 0xFF is invalid in UTF-8 and in GB18030
        middle = len(body) // 2
        return body[:middle] + b"\xff\xfe\xff" * 40 + body[middle:]
    return body
