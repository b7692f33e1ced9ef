"""A fake Internet Archive on loopback: a CDX endpoint and Save Page Now, counting requests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ROWS = [
    ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
    [
        "cn,gov,fmprc)/x",
        "20260301120000",
        "https://www.fmprc.gov.cn/x",
        "text/html",
        "200",
        "AAA",
        "1",
    ],
    [
        "cn,gov,fmprc)/x",
        "20260302093000",
        "https://www.fmprc.gov.cn/x",
        "text/html",
        "200",
        "BBB",
        "1",
    ],
    [
        "cn,gov,fmprc)/x",
        "20260310000000",
        "https://www.fmprc.gov.cn/x",
        "text/html",
        "404",
        "CCC",
        "1",
    ],
]


class FakeArchive:
    def __init__(self) -> None:
        self.paths: list[str] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeArchive:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                fake.paths.append(self.path)
                parts = urlsplit(self.path)
                if parts.path == "/cdx/search/cdx" and parse_qs(parts.query).get("url"):
                    self._reply(200, json.dumps(ROWS).encode())
                else:
                    self._reply(404, b"")

            def do_POST(self) -> None:
                fake.paths.append(self.path)
                self._reply(200 if self.path.startswith("/save/") else 404, b"ok")

        return Handler
