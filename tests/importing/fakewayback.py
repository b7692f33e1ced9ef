"""A local fake of the Wayback Machine: the CDX API and raw (``id_``) replay, with its
quirks on demand (its own error pages answered 200, redirects to another timestamp,
429/503 before an answer). Loopback only; bounded; stopped by the test."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

WAYBACK_ERROR_PAGE = (
    b"<html><head><title>Wayback Machine</title></head><body><p>Hrm. The Wayback Machine "
    b"has not archived that URL.</p></body></html>"
)


def digest_of(body: bytes) -> str:
    return base64.b32encode(hashlib.sha1(body).digest()).decode()


@dataclass
class Capture:
    timestamp: str
    original: str
    body: bytes = b""
    status: int = 200
    location: str | None = None  # a redirect capture's target (an original URL)
    quirk: str | None = None  # "error-page" | "redirect:<timestamp>" | "wrong-digest"
    digest: str = ""

    def __post_init__(self) -> None:
        self.digest = self.digest or digest_of(self.body)


@dataclass
class FakeWayback:
    captures: list[Capture] = field(default_factory=list)
    page_size: int = 3  # rows per CDX page: pagination by resumeKey is exercised
    faults: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # answered first
    requests: list[str] = field(default_factory=list)
    user_agents: set[str] = field(default_factory=set)
    base_url: str = ""
    cdx_error_page: bool = False  # the CDX answers the Wayback's HTML error page, status 200

    def replays(self) -> list[str]:
        return [r for r in self.requests if r.startswith("/web/")]

    # -- answers ----------------------------------------------------------------------------

    def cdx(self, query: dict[str, list[str]]) -> bytes:
        prefix = query["url"][0]
        since, until = query.get("from", [""])[0], query.get("to", ["99999999999999"])[0]
        rows = [
            c
            for c in sorted(self.captures, key=lambda c: (_key(c.original), c.timestamp))
            if _key(c.original).startswith(prefix)
            and c.timestamp[: len(since)] >= since
            and c.timestamp[: len(until)] <= until
        ]
        start = int(query.get("resumeKey", ["0"])[0])
        page = rows[start : start + self.page_size]
        out: list[list[str]] = [
            ["timestamp", "original", "statuscode", "mimetype", "digest", "length"]
        ]
        out += [
            [c.timestamp, c.original, str(c.status), "text/html", c.digest, str(len(c.body))]
            for c in page
        ]
        if start + self.page_size < len(rows):
            out += [[], [str(start + self.page_size)]]
        return json.dumps(out).encode()

    def find(self, timestamp: str, original: str) -> Capture | None:
        return next(
            (c for c in self.captures if c.timestamp == timestamp and c.original == original), None
        )


def _key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"


class _Handler(BaseHTTPRequestHandler):
    fake: FakeWayback

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        fake = self.server.fake  # type: ignore[attr-defined]
        fake.requests.append(self.path)
        fake.user_agents.add(self.headers.get("User-Agent", ""))
        if fake.faults:
            status, headers = fake.faults.pop(0)
            return self._send(status, b"busy", headers)
        parts = urlsplit(self.path)
        if parts.path == "/cdx/search/cdx" and fake.cdx_error_page:
            return self._send(200, WAYBACK_ERROR_PAGE, {"Content-Type": "text/html"})
        if parts.path == "/cdx/search/cdx":
            return self._send(200, fake.cdx(parse_qs(parts.query)), {"Content-Type": "text/plain"})
        if parts.path.startswith("/web/"):
            return self._replay(fake, self.path[len("/web/") :])
        self._send(404, b"no", {})

    def _replay(self, fake: FakeWayback, rest: str) -> None:
        stamp, _, original = rest.partition("/")
        timestamp = stamp.removesuffix("id_")
        capture = fake.find(timestamp, original)
        if capture is None:
            return self._send(404, WAYBACK_ERROR_PAGE, {"Content-Type": "text/html"})
        if capture.quirk == "error-page":
            return self._send(200, WAYBACK_ERROR_PAGE, {"Content-Type": "text/html"})
        if capture.quirk and capture.quirk.startswith("redirect:"):
            other = capture.quirk.split(":", 1)[1]
            return self._send(302, b"", {"Location": f"{fake.base_url}/web/{other}id_/{original}"})
        memento = {"Memento-Datetime": "Thu, 05 Mar 2020 08:00:00 GMT"}
        if 300 <= capture.status < 400:
            location = f"{fake.base_url}/web/{timestamp}id_/{capture.location}"
            return self._send(capture.status, b"", {"Location": location, **memento})
        body = capture.body + (b" " if capture.quirk == "wrong-digest" else b"")
        self._send(capture.status, body, {"Content-Type": "text/html", **memento})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serving(fake: FakeWayback) -> Iterator[FakeWayback]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.fake = fake  # type: ignore[attr-defined]
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
