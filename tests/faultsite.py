"""A fault-injecting loopback web site for reliability tests.

It serves the real fixture mirror (``shared/fixtures/mfa/site/www.fmprc.gov.cn``) by URL path,
as the ministry does, with ``tests/sitemock.py``'s answers (no charset in ``Content-Type``; a
missing page is a 302 to ``/error.htm``; optional ETag/Last-Modified and 304s), and lets a test put a *fault* on any path: a server error that recovers, a 429, a hang, a
connection dropped mid-body, a truncated body, a slow drip, redirect loops, redirects off the host
or to ``file:``, a huge body, a gzip bomb, hostile or re-encoded HTML, and scripted edits
(version 1, then version 2 after a switch).

    with FaultSite() as site:
        site.set("/mfa_eng/.../t1794629.shtml", Status(503, times=2))   # 503, 503, then the page
        site.set("/mfa_eng/.../t1793858.shtml", Hang(30))
        run_crawl(start_url=site.url(EN_LIST))
        assert site.hits("/mfa_eng/.../t1794629.shtml") == 3

Safety: the server only binds loopback addresses (it refuses anything else) and never opens an
outgoing connection; it stops by itself after ``lifetime`` seconds even if a test forgets to.
Every request is logged (``site.log``) with the fault that answered it.
"""

from __future__ import annotations

import contextlib
import gzip
import html as _html
import io
import ipaddress
import random
import re
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.sitemock import EN_DIR as EN_DIR  # re-exported: tests import paths from here
from tests.sitemock import EN_LIST as EN_LIST
from tests.sitemock import ERROR_PATH, HTML, SITE_ROOT, Reply, SiteMock
from tests.sitemock import ZH_DIR as ZH_DIR
from tests.sitemock import ZH_LIST as ZH_LIST
from tests.sitemock import Request as MockRequest

MIB = 1024 * 1024


# --------------------------------------------------------------------------- request log


@dataclass(slots=True)
class LoggedRequest:
    method: str
    path: str  # path + query, as requested
    headers: dict[str, str]
    fault: str | None  # name of the fault that answered, None for the plain page (or not yet)
    at: float  # time.monotonic()

    @property
    def bare_path(self) -> str:
        return self.path.split("?", 1)[0]


# --------------------------------------------------------------------------- faults


class Fault:
    """One way of answering a request. ``times`` bounds how often (None: forever).

    ``respond`` returns False to let the request fall through to the real page (a fault
    that has "recovered"), True when it answered.
    """

    name = "fault"

    def __init__(self, times: int | None = None) -> None:
        self.times = times
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Claim one use of the fault; False once it is used up."""
        with self._lock:
            if self.times is not None and self.used >= self.times:
                return False
            self.used += 1
            return True

    def respond(self, req: Handler) -> bool:
        if not self.take():
            return False
        req.answering()
        self.answer(req)
        return True

    def answer(self, req: Handler) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(times={self.times})"


class Status(Fault):
    """A bare status code (500, 503, 404, ...) ``times`` times, then the real page."""

    def __init__(
        self,
        code: int,
        times: int | None = 1,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        super().__init__(times)
        self.code = code
        self.headers = headers or {}
        self.body = body or f"<html><body>error {code}</body></html>".encode()
        self.name = f"status-{code}"

    def answer(self, req: Handler) -> None:
        req.send_whole(self.code, self.body, headers=self.headers)


class TooManyRequests(Status):
    """429 with ``Retry-After`` seconds, ``times`` times, then the real page."""

    def __init__(self, retry_after: int = 1, times: int | None = 1) -> None:
        super().__init__(429, times, headers={"Retry-After": str(retry_after)})
        self.name = "429"


class Hang(Fault):
    """Accept the request and never answer (until ``seconds`` pass or the site stops)."""

    name = "hang"

    def __init__(self, seconds: float = 60.0, times: int | None = None) -> None:
        super().__init__(times)
        self.seconds = seconds

    def answer(self, req: Handler) -> None:
        req.site.stopped.wait(self.seconds)
        req.abort()


class DropMidBody(Fault):
    """Headers with the full Content-Length, part of the body, then a TCP reset."""

    name = "drop"
    reset = True  # a TCP reset; False: a clean close

    def __init__(self, fraction: float = 0.5, times: int | None = None) -> None:
        super().__init__(times)
        self.fraction = fraction

    def answer(self, req: Handler) -> None:
        body = req.page_body()
        req.send_head(200, len(body))
        req.write(body[: int(len(body) * self.fraction)])
        req.abort(reset=self.reset)


class Truncate(DropMidBody):
    """Headers with the full Content-Length, part of the body, then a clean close."""

    name = "truncate"
    reset = False


class Drip(Fault):
    """The real page (or ``body``), ``chunk`` bytes every ``interval`` seconds."""

    name = "drip"

    def __init__(
        self,
        chunk: int = 2048,
        interval: float = 0.02,
        times: int | None = None,
        body: bytes | None = None,
    ) -> None:
        super().__init__(times)
        self.chunk = chunk
        self.interval = interval
        self.body = body  # None: the real page

    def answer(self, req: Handler) -> None:
        body = self.body if self.body is not None else req.page_body()
        req.send_head(200, len(body))
        for start in range(0, len(body), self.chunk):
            if req.site.stopped.wait(self.interval) or not req.write(
                body[start : start + self.chunk]
            ):
                return


class Redirect(Fault):
    """A redirect to ``location`` (absolute: another host, ``file:///etc/passwd``, ...)."""

    name = "redirect"

    def __init__(self, location: str, code: int = 302, times: int | None = None) -> None:
        super().__init__(times)
        self.location = location
        self.code = code

    def answer(self, req: Handler) -> None:
        req.send_whole(self.code, b"", headers={"Location": self.location})


class RedirectLoop(Fault):
    """Redirects that never end: ``path?hop=1`` -> ``path?hop=2`` -> ... (or ping-pong)."""

    name = "redirect-loop"

    def __init__(self, pingpong: bool = False, times: int | None = None) -> None:
        super().__init__(times)
        self.pingpong = pingpong

    def respond(self, req: Handler) -> bool:
        # Every hop of the loop lands on the same path: it must stay faulty for all of them.
        if not self.take():
            return False
        req.answering()
        path, _, query = req.path.partition("?")
        hop = int(query.removeprefix("hop=") or 0) if query.startswith("hop=") else 0
        nxt = (hop + 1) % 2 if self.pingpong else hop + 1
        req.send_whole(302, b"", headers={"Location": f"{path}?hop={nxt}"})
        return True


class BigBody(Fault):
    """A ``size``-byte 200 answer, streamed (never held in memory)."""

    name = "big"

    def __init__(self, size: int = 40 * MIB, times: int | None = None) -> None:
        super().__init__(times)
        self.size = size

    def answer(self, req: Handler) -> None:
        req.send_head(200, self.size)
        block = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        sent = 0
        while sent < self.size:
            n = min(len(block), self.size - sent)
            if not req.write(block[:n]):
                return
            sent += n


class GzipBomb(Fault):
    """``Content-Encoding: gzip``: about 1/1000 of ``size`` on the wire, ``size`` inflated."""

    name = "gzip-bomb"

    def __init__(self, size: int = 512 * MIB, times: int | None = None) -> None:
        super().__init__(times)
        self.size = size

    def answer(self, req: Handler) -> None:
        body = gzip_bomb(self.size)
        req.send_whole(200, body, headers={"Content-Encoding": "gzip"})


class Body(Fault):
    """A fixed answer: any bytes, status and headers (hostile HTML, re-encoded pages, ...)."""

    name = "body"

    def __init__(
        self,
        body: bytes,
        content_type: str | None = HTML,
        status: int = 200,
        headers: dict[str, str] | None = None,
        times: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(times)
        self.body = body
        self.status = status
        self.headers = dict(headers or {})
        if content_type is not None:
            self.headers.setdefault("Content-Type", content_type)
        if name:
            self.name = name

    def answer(self, req: Handler) -> None:
        req.send_whole(self.status, self.body, headers=self.headers, content_type=None)


class Versions(Fault):
    """Scripted edits: serves ``bodies[current]``; ``switch(n)`` or a time table moves on.

    ``Versions([v1, v2])`` then ``fault.switch(1)``; or
    ``Versions([v1, v2, v3], at=[0, 20, 40])`` switches by itself 20 s and 40 s after ``start()``
    (the site calls ``start()`` when the fault is set).
    """

    name = "versions"

    def __init__(self, bodies: list[bytes], at: list[float] | None = None) -> None:
        super().__init__(None)
        if at is not None and len(at) != len(bodies):
            raise ValueError("one switch time per body")
        self.bodies = bodies
        self.at = at
        self.current = 0
        self.t0 = time.monotonic()
        self.served: list[int] = []  # which version each request got

    def start(self) -> None:
        self.t0 = time.monotonic()

    def switch(self, n: int) -> None:
        self.current = n

    def version_now(self) -> int:
        if self.at is None:
            return self.current
        elapsed = time.monotonic() - self.t0
        return max(i for i, t in enumerate(self.at) if t <= elapsed)

    def answer(self, req: Handler) -> None:
        n = self.version_now()
        self.served.append(n)
        req.send_whole(200, self.bodies[n])


class Chaos(Fault):
    """Random transient faults: with probability ``p`` one of ``faults`` answers, else the page.

    Seeded, so a failing soak can be replayed. The chosen faults must be ones that should
    never change the archive's content (errors, hangs, truncation, error-page redirects).
    """

    name = "chaos"

    def __init__(
        self,
        faults: list[Callable[[], Fault]],
        p: float = 0.3,
        seed: int = 0,
        after: Fault | None = None,
    ) -> None:
        super().__init__(None)
        self.factories = faults
        self.p = p
        self.rng = random.Random(seed)
        self.after = after  # what answers when no fault is drawn (e.g. a Versions script)
        self.enabled = True
        self.drawn: list[str] = []

    def respond(self, req: Handler) -> bool:
        with self._lock:
            fault = (
                self.rng.choice(self.factories)()
                if self.enabled and self.rng.random() < self.p
                else None
            )
        if fault is not None:
            self.drawn.append(fault.name)
            req.fault_name = f"chaos:{fault.name}"
            if fault.respond(req):
                return True
        if self.after is not None:
            req.fault_name = self.after.name
            return self.after.respond(req)
        return False


class Sequence(Fault):
    """Faults in turn: each one until it is used up, then the next, then the real page."""

    name = "sequence"

    def __init__(self, *faults: Fault) -> None:
        super().__init__(None)
        self.faults = list(faults)

    def respond(self, req: Handler) -> bool:
        for fault in self.faults:
            req.fault_name = fault.name
            if fault.respond(req):
                return True
        return False


# --------------------------------------------------------------------------- the server


class Handler(BaseHTTPRequestHandler):
    server_version = "faultsite"
    sys_version = ""
    protocol_version = "HTTP/1.0"  # one request per connection: faults never leak into the next
    server: _Server
    fault_name: str | None = None
    entry: LoggedRequest | None = None

    def answering(self) -> None:
        """A fault answers this request: log it before the client can see the answer (a
        test reading the log right after its last response must find every fault)."""
        if self.entry is not None:
            self.entry.fault = self.fault_name

    @property
    def site(self) -> FaultSite:
        return self.server.site

    def log_message(self, format: str, *args: Any) -> None:  # quiet tests
        pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        site = self.site
        entry = self.entry = site.record(self)  # logged at once: a hang is already counted
        fault = site.fault_for(self.path)
        self.fault_name = fault.name if fault else None
        answered = False
        try:
            answered = fault.respond(self) if fault else False
        except (BrokenPipeError, ConnectionResetError):
            answered = True
        finally:
            entry.fault = self.fault_name if answered else None
        if not answered:
            self.serve_static()

    # ----- plain pages, as the ministry serves them (tests/sitemock.py decides)

    def page_body(self) -> bytes:
        """The real page at this path (used by faults that damage it)."""
        return self.site.page(self.path) or b""

    def serve_static(self) -> None:
        path, _, query = self.path.partition("?")
        request = MockRequest(self.command, path, query, dict(self.headers.items()))
        reply = self.site.mirror_reply(request)
        try:
            self.send_head(
                reply.status,
                None if reply.status == 304 else len(reply.body),
                reply.headers,
                content_type=None,
            )
            if self.command != "HEAD" and reply.status != 304:
                self.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # ----- low-level writing helpers for faults

    def send_head(
        self,
        status: int,
        length: int | None,
        headers: dict[str, str] | None = None,
        content_type: str | None = HTML,
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()

    def send_whole(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str | None = HTML,
    ) -> None:
        self.send_head(status, len(body), headers, content_type)
        if self.command != "HEAD":
            self.write(body)

    def write(self, data: bytes) -> bool:
        """False once the client has gone (stop sending)."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except (BrokenPipeError, ConnectionResetError, OSError):
            return False

    def abort(self, reset: bool = False) -> None:
        """Close the connection now; with ``reset`` a TCP RST instead of a FIN."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        if reset:
            # SO_LINGER with a zero timeout makes close() send RST.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR) if not reset else None
        self.connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    site: FaultSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-answer is what these tests are about


class _Mirror(SiteMock):
    """SiteMock's answers (mirror by path, 302 to /error.htm, validators), not its server."""

    def __init__(self, site: FaultSite, root: Path, validators: bool) -> None:
        super().__init__(root, validators=validators)
        self._site = site

    @property
    def port(self) -> int:
        return self._site.port

    @property
    def base_url(self) -> str:
        return self._site.base


class FaultSite:
    """The fault-injecting site. Use as a context manager, or ``start()``/``stop()``.

    ``root``: the mirror to serve by path (None: serve nothing but the faults and
    ``/error.htm``-style redirects). ``host``: any loopback address (127.0.0.2 makes a
    second, "other" host on the same machine).
    """

    def __init__(
        self,
        root: Path | None = SITE_ROOT,
        host: str = "127.0.0.1",
        port: int = 0,
        lifetime: float = 1800.0,
        faults: dict[str, Fault] | None = None,
        validators: bool = False,
    ) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"refusing to serve on a non-loopback address: {host}")
        self.root = root
        self.mirror = _Mirror(self, root, validators) if root is not None else None
        self.host = host
        self.port = port
        self.lifetime = lifetime
        self.faults: dict[str, Fault] = {}
        self.prefix_faults: dict[str, Fault] = {}
        self.log: list[LoggedRequest] = []
        self.stopped = threading.Event()
        self._log_lock = threading.Lock()
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        for path, fault in (faults or {}).items():
            self.set(path, fault)

    # ----- lifecycle

    def start(self) -> FaultSite:
        server = _Server((self.host, self.port), Handler)
        server.site = self
        self._server = server
        self.port = server.server_address[1]
        serve = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="faultsite", daemon=True
        )
        serve.start()
        # Stops by itself: a test that forgets (or dies) never leaves a server behind.
        timer = threading.Timer(self.lifetime, self.stop)
        timer.daemon = True
        timer.start()
        self._threads = [serve, timer]
        return self

    def stop(self) -> None:
        if self.stopped.is_set():
            return
        self.stopped.set()  # releases hanging and dripping handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            if isinstance(thread, threading.Timer):
                thread.cancel()

    def __enter__(self) -> FaultSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- configuration

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, fault: Fault | None) -> None:
        """Put ``fault`` on ``path`` (exact path, query ignored). ``None`` clears it.

        A path ending in ``*`` matches every path with that prefix.
        """
        table = self.prefix_faults if path.endswith("*") else self.faults
        key = path.rstrip("*")
        if fault is None:
            table.pop(key, None)
            return
        if isinstance(fault, Versions):
            fault.start()
        table[key] = fault

    def clear(self) -> None:
        self.faults.clear()
        self.prefix_faults.clear()

    def fault_for(self, path: str) -> Fault | None:
        bare = path.split("?", 1)[0]
        if bare in self.faults:
            return self.faults[bare]
        for prefix, fault in self.prefix_faults.items():
            if bare.startswith(prefix):
                return fault
        return None

    # ----- content

    def page(self, path: str) -> bytes | None:
        """The mirror's bytes for ``path`` (query ignored), or None."""
        return self.mirror.page(path.split("?", 1)[0]) if self.mirror else None

    def mirror_reply(self, request: MockRequest) -> Reply:
        """The ministry's answer when no fault applies (``tests/sitemock.py`` behaviour)."""
        if self.mirror is None:
            return Reply(302, {"Location": self.url(ERROR_PATH), "Content-Type": HTML}, b"")
        return self.mirror.respond(request)

    # ----- the request log

    def record(self, req: Handler) -> LoggedRequest:
        entry = LoggedRequest(
            method=req.command,
            path=req.path,
            headers={k: v for k, v in req.headers.items()},
            fault=None,
            at=time.monotonic(),
        )
        with self._log_lock:
            self.log.append(entry)
        return entry

    def requests(self, path: str | None = None) -> list[LoggedRequest]:
        with self._log_lock:
            entries = list(self.log)
        if path is None:
            return entries
        return [e for e in entries if e.bare_path == path]

    def hits(self, path: str) -> int:
        return len(self.requests(path))


# --------------------------------------------------------------------------- hostile bodies


def site_page(path: str) -> bytes:
    """The mirror's bytes at ``path`` (raises if absent)."""
    return (SITE_ROOT / path.lstrip("/")).read_bytes()


def article_paths(list_dir: str) -> list[str]:
    """Every article path of one mirrored list folder, sorted (``/.../t1794629.shtml``)."""
    folder = SITE_ROOT / list_dir.strip("/")
    return sorted(
        f"{list_dir}{p.name}" for p in folder.iterdir() if re.fullmatch(r"t\d+\.s?html?", p.name)
    )


@lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """A gzip member that inflates to ``size`` zero bytes; built in memory, about size/1000."""
    out = io.BytesIO()
    block = bytes(MIB)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        for _ in range(size // MIB):
            gz.write(block)
        gz.write(bytes(size % MIB))
    return out.getvalue()


def deflate_bomb(size: int) -> bytes:
    """The same as a raw zlib stream (``Content-Encoding: deflate``)."""
    comp = zlib.compressobj(9)
    block = bytes(MIB)
    parts = [comp.compress(block) for _ in range(size // MIB)]
    parts.append(comp.flush())
    return b"".join(parts)


_META_CHARSET = re.compile(rb"(<meta[^>]*charset\s*=\s*[\"']?)([A-Za-z0-9_-]+)", re.I)


def set_meta_charset(html: bytes, charset: str) -> bytes:
    """Rewrite the meta charset declaration(s), leaving the ``document.charset`` JS line alone."""
    new, n = _META_CHARSET.subn(lambda m: m.group(1) + charset.encode(), html)
    if not n:
        raise ValueError("page has no meta charset")
    return new


def strip_meta_charset(html: bytes) -> bytes:
    """Remove every ``<meta ... charset=...>`` tag."""
    return re.sub(rb"<meta[^>]*charset[^>]*>", b"", html, flags=re.I)


def reencode(html: bytes, codec: str, label: str | None) -> bytes:
    """The UTF-8 page in ``codec``; its meta charset says ``label`` (None: no meta charset)."""
    text_bytes = strip_meta_charset(html) if label is None else set_meta_charset(html, label)
    return text_bytes.decode("utf-8").encode(codec, errors="xmlcharrefreplace")


def gbk_labelled_utf8(html: bytes) -> Body:
    """GBK bytes whose header and meta both claim UTF-8 (a mislabelled page)."""
    return Body(reencode(html, "gbk", "utf-8"), content_type="text/html; charset=utf-8")


def gb18030_page(html: bytes, label: str = "gb18030", header: bool = True) -> Body:
    """A correctly labelled GB18030/GBK page (meta charset and, if ``header``, Content-Type)."""
    content_type = f"text/html; charset={label}" if header else HTML
    return Body(reencode(html, label, label), content_type=content_type)


def no_charset(html: bytes, codec: str = "utf-8") -> Body:
    """The page in ``codec`` with no charset anywhere (no header charset, no meta)."""
    return Body(reencode(html, codec, None), content_type=HTML)


SCRIPT_PAYLOAD = "<script>alert('briefings-xss')</script>"
JS_URL_PAYLOAD = "javascript:alert(document.cookie)"
IMG_PAYLOAD = '<img src=x onerror="alert(1)">'


def with_script_payload(html: bytes, anchor: bytes) -> bytes:
    """Put script payloads into the transcript *text* right after ``anchor`` (e.g. a label).

    The payloads are HTML-escaped in the page, so the transcript's text literally reads
    ``<script>...`` and ``javascript:...``; a live ``<a href="javascript:...">`` link and a raw
    ``<script>`` element are added too, to check that markup never leaks through as text.
    """
    if anchor not in html:
        raise ValueError(f"anchor {anchor!r} not in page")
    text = (
        f" {escape_html(SCRIPT_PAYLOAD)} see {escape_html(JS_URL_PAYLOAD)} and "
        f"{escape_html(IMG_PAYLOAD)} "
        '<a href="javascript:alert(2)">link</a><script>alert(3)</script> '
    ).encode()
    return html.replace(anchor, anchor + text, 1)


def escape_html(text: str) -> str:
    return _html.escape(text, quote=True)


def deeply_nested(html: bytes, depth: int = 5000, before: bytes = b"</body>") -> bytes:
    """``depth`` nested ``<div>``s inserted before ``before`` (after the transcript)."""
    nest = b"<div>" * depth + b"deep" + b"</div>" * depth
    if before not in html:
        raise ValueError(f"{before!r} not in page")
    return html.replace(before, nest + before, 1)


def replace_once(html: bytes, old: bytes | str, new: bytes | str) -> bytes:
    """``html`` with ``old`` replaced by ``new`` exactly once (raises if ``old`` is absent)."""
    old_b = old.encode() if isinstance(old, str) else old
    new_b = new.encode() if isinstance(new, str) else new
    if html.count(old_b) < 1:
        raise ValueError(f"{old_b[:60]!r} not in page")
    return html.replace(old_b, new_b, 1)


_PARA = re.compile(rb"<P\b[^>]*>.*?</P>\s*", re.I | re.S)


def paragraphs(html: bytes) -> list[re.Match[bytes]]:
    """The ``<P>`` paragraphs of a legacy page (matches; ``.group(0)`` is the markup)."""
    return list(_PARA.finditer(html))


def drop_paragraphs(html: bytes, containing: Iterable[bytes]) -> bytes:
    """Remove every paragraph whose markup contains one of ``containing``."""
    needles = list(containing)
    out = html
    for m in reversed(paragraphs(html)):
        if any(n in m.group(0) for n in needles):
            out = out[: m.start()] + out[m.end() :]
    if out == html:
        raise ValueError("no paragraph removed")
    return out


def insert_before_paragraph(html: bytes, containing: bytes, new_markup: bytes) -> bytes:
    """Insert ``new_markup`` before the first paragraph that contains ``containing``."""
    for m in paragraphs(html):
        if containing in m.group(0):
            return html[: m.start()] + new_markup + html[m.start() :]
    raise ValueError(f"no paragraph contains {containing!r}")


def other_host(port: int = 0) -> FaultSite:
    """A second loopback host (127.0.0.2) serving nothing: it must never get a request."""
    return FaultSite(root=None, host="127.0.0.2", port=port)


def iter_paths(site: FaultSite, fault_name: str) -> Iterator[str]:
    """Paths answered at least once by a fault called ``fault_name``."""
    seen: set[str] = set()
    for entry in site.requests():
        if entry.fault == fault_name and entry.bare_path not in seen:
            seen.add(entry.bare_path)
            yield entry.bare_path
