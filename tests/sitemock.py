"""A loopback web site that behaves like the ministry's, serving the fixture mirror.

    with SiteMock() as site:
        site.url("/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml")
        site.serve("/path/t1.shtml", body=edited_bytes)          # an edited page
        site.add_hook(lambda req: Reply(503) if req.path == "/x" else None)
        site.hits("/path/t1.shtml"), site.requests                # what was asked, with headers

Behaviour of the real site (``shared/fixtures/mfa/README.md``): pages are served by URL path
from ``site/www.fmprc.gov.cn/``; ``Content-Type: text/html`` with no charset; a missing page
(``robots.txt`` included) is a 302 to ``/error.htm``, which answers 200; a folder URL serves
its list page 0. ``validators=True`` adds ETag / Last-Modified and answers conditional GETs
with 304 (the real pages in the mirror carry none).

Extension points, in the order a request meets them:

1. ``hooks``: callables ``(Request) -> Reply | None``, first non-None wins (fault injection,
   scripted edits, counters);
2. ``overrides``: path -> ``Reply`` or ``(Request) -> Reply`` (``serve()`` sets them);
3. the mirror on disk (``page()``), then the 302 to ``/error.htm``.

A subclass may override ``respond(request)`` for anything else. Only loopback addresses
are bound; the server never makes an outgoing connection.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import MFA_SITE

SITE_ROOT = MFA_SITE / "www.fmprc.gov.cn"
ERROR_PATH = "/error.htm"
HTML = "text/html"  # what the ministry sends: no charset
INDEX_FILES = ("default.shtml", "index.shtml", "index.html")

EN_LIST = "/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml"
ZH_LIST = "/web/wjdt_674879/fyrbt_674889/default.shtml"
EN_DIR = EN_LIST.rsplit("/", 1)[0] + "/"
ZH_DIR = ZH_LIST.rsplit("/", 1)[0] + "/"
# Fixed so validators are stable across runs.
LAST_MODIFIED = "Fri, 03 Jul 2020 10:00:00 GMT"


@dataclass(slots=True)
class Request:
    method: str
    path: str  # without the query
    query: str
    headers: dict[str, str]  # names as sent
    status: int | None = None  # filled in once answered

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass(slots=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


Hook = Callable[[Request], Reply | None]
Override = Reply | Callable[[Request], Reply]


class SiteMock:
    """The fixture mirror on a loopback port. Use as a context manager (or start/stop)."""

    def __init__(
        self, root: Path = SITE_ROOT, *, host: str = "127.0.0.1", validators: bool = False
    ) -> None:
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("SiteMock only binds loopback addresses")
        self.root = Path(root)
        self.host = host
        self.validators = validators
        self.hooks: list[Hook] = []
        self.overrides: dict[str, Override] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SiteMock:
        self._server = ThreadingHTTPServer((self.host, 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SiteMock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- scripting ------------------------------------------------------------------------------

    def serve(
        self,
        path: str,
        body: bytes | str | None = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        reply: Override | None = None,
    ) -> None:
        """Answer ``path`` with this instead of the mirror (``body=None``: remove the override)."""
        if reply is None and body is None:
            self.overrides.pop(path, None)
            return
        if reply is None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            reply = Reply(status, {"Content-Type": HTML, **(headers or {})}, data or b"")
        self.overrides[path] = reply

    def add_hook(self, hook: Hook) -> Hook:
        self.hooks.append(hook)
        return hook

    @contextmanager
    def hooked(self, hook: Hook) -> Iterator[Hook]:
        self.hooks.append(hook)
        try:
            yield hook
        finally:
            self.hooks.remove(hook)

    def page(self, path: str) -> bytes | None:
        """The mirror's bytes for ``path`` (a folder serves its list page 0), or None."""
        file = self._file_for(path)
        return file.read_bytes() if file is not None else None

    def _file_for(self, path: str) -> Path | None:
        relative = path.lstrip("/")
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root.resolve()):
            return None  # ../ tricks stay inside the mirror
        if candidate.is_dir():
            return next((candidate / n for n in INDEX_FILES if (candidate / n).is_file()), None)
        return candidate if candidate.is_file() else None

    # -- the request log ------------------------------------------------------------------------

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    # -- answering ------------------------------------------------------------------------------

    def respond(self, request: Request) -> Reply:
        for hook in list(self.hooks):
            reply = hook(request)
            if reply is not None:
                return reply
        override = self.overrides.get(request.path)
        if override is not None:
            reply = override(request) if callable(override) else override
            return self._conditional(request, reply)
        body = self.page(request.path)
        if body is None:
            return Reply(302, {"Location": self.url(ERROR_PATH), "Content-Type": HTML}, b"")
        return self._conditional(request, Reply(200, {"Content-Type": HTML}, body))

    def _conditional(self, request: Request, reply: Reply) -> Reply:
        """With ``validators``: ETag and Last-Modified on 200s, 304 when they match."""
        if not self.validators or reply.status != 200:
            return reply
        etag = '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, **reply.headers}
        if request.header("If-None-Match") == etag or (
            request.header("If-None-Match") is None
            and request.header("If-Modified-Since") == LAST_MODIFIED
        ):
            return Reply(304, {"ETag": etag, "Last-Modified": LAST_MODIFIED}, b"")
        return Reply(200, headers, reply.body)

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


def _handler_for(site: SiteMock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server
        server_version = "Apache"
        sys_version = ""

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, *, send_body: bool) -> None:
            parts = urlsplit(self.path)
            request = Request(self.command, parts.path, parts.query, dict(self.headers.items()))
            site._record(request)
            try:
                reply = site.respond(request)
            except Exception as exc:  # a broken hook answers 500, visibly
                reply = Reply(500, {"Content-Type": "text/plain"}, repr(exc).encode())
            request.status = reply.status
            self.send_response(reply.status)
            headers = {"Date": email.utils.formatdate(usegmt=True), **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            if reply.status != 304:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if send_body and reply.status != 304:
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the request log is site.requests

    return Handler
