"""What a WARC request/response record needs, taken from Scrapy's request and response.

Two steps, because Scrapy changes a response on its way to the spider:

1. ``WarcHeadersMiddleware`` (a downloader middleware placed next to the downloader, so its
   ``process_response`` runs before decompression and redirects, and its ``process_request``
   after every other middleware set its headers) keeps a ``WireHead`` in the request's meta:
   the request line and header lines as Twisted writes them, and the response's status,
   protocol, header lines and body length as the download handler produced them.
2. ``warc_parts(response)`` (pure) builds ``storage.warc.WarcParts`` for the response the
   spider got, from that ``WireHead``.

Honest about what Scrapy hides (docs/evidence.md):

- Header names come as Twisted canonicalizes them, repeated headers grouped under their
  first occurrence; ``Content-Length`` is the length Twisted parsed and
  ``Transfer-Encoding`` is gone (Twisted decodes chunked bodies): the block holds the header
  lines we were given, nothing invented.
- The reason phrase is not passed on by Scrapy: the standard phrase of the status is used.
- When the stored payload is not the bytes on the wire (Scrapy decoded a
  ``Content-Encoding``), ``Content-Encoding`` and ``Content-Length`` are kept as
  ``X-Archive-Orig-Content-Encoding`` / ``X-Archive-Orig-Content-Length`` (as pywb does for
  decoded payloads) and a ``Content-Length`` of the stored payload is added; ``WarcParts.note``
  says so.

``BRIEFINGS_WARC`` (default on) switches it off: the middleware then keeps nothing and the
captures have no ``warc_record`` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from twisted.web.client import URI
from twisted.web.http_headers import Headers as TxHeaders

from storage.api import WarcParts

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

META_KEY = "briefings_warc_wire"
# Placed after every built-in middleware (HttpCache is 900): closest to the downloader.
MIDDLEWARE_ORDER = 950
ORIG_PREFIX = "X-Archive-Orig-"
DECODED_HEADERS = ("content-encoding", "content-length")

Header = tuple[bytes, bytes]


@dataclass(frozen=True, slots=True)
class WireHead:
    """One request and its response as the downloader saw them (before decoding)."""

    request_head: bytes
    status: int
    protocol: str | None
    headers: tuple[Header, ...]
    body_length: int
    ip_address: str | None


class WarcHeadersMiddleware:
    """Keeps each response's ``WireHead`` in ``request.meta`` (``BRIEFINGS_WARC``)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcHeadersMiddleware:
        if not crawler.settings.getbool("BRIEFINGS_WARC", True):
            raise NotConfigured("BRIEFINGS_WARC is off")
        return cls()

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        request.meta[META_KEY] = wire_head(request, response)
        return response


def wire_head(request: Request, response: Response) -> WireHead:
    ip = getattr(response, "ip_address", None)
    return WireHead(
        request_head=request_head(request),
        status=response.status,
        protocol=getattr(response, "protocol", None),
        headers=tuple(
            (bytes(name), bytes(value))
            for name, values in response.headers.items()
            for value in values
        ),
        body_length=len(response.body),
        ip_address=str(ip) if ip is not None else None,
    )


def request_head(request: Request) -> bytes:
    """The request line and headers as Twisted's HTTP/1.1 client writes them: the URI's
    origin form, its canonical header names in order, then the ``Host`` its ``Agent`` adds
    (``twisted.web.client.Agent.request``); a body is framed by ``Content-Length``."""
    uri = URI.fromBytes(urldefrag(request.url)[0].encode("ascii"))  # type: ignore[no-untyped-call]
    headers = TxHeaders(dict(request.headers))
    if not headers.hasHeader(b"host"):
        headers.addRawHeader(b"host", host_value(uri.scheme, uri.host, uri.port))
    lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), uri.originForm)]
    if request.body:
        lines.append(b"Content-Length: %d\r\n" % len(request.body))
    for name, values in headers.getAllRawHeaders():
        lines += [name + b": " + value + b"\r\n" for value in values]
    lines.append(b"\r\n")
    return b"".join(lines) + (request.body or b"")


def host_value(scheme: bytes, host: bytes, port: int) -> bytes:
    """``Agent._computeHostValue``: the port only when it is not the scheme's default."""
    if (scheme, port) in ((b"http", 80), (b"https", 443)):
        return host
    return b"%s:%d" % (host, port)


def warc_parts(response: Response) -> WarcParts | None:
    """The ``WarcParts`` of a response the spider got (None: WARC recording is off)."""
    wire: WireHead | None = response.meta.get(META_KEY) if _has_meta(response) else None
    if wire is None:
        return None
    head, note = response_head(wire, response.body, response.headers)
    return WarcParts(
        target_uri=response.url,
        response_head=head,
        request_head=wire.request_head,
        ip_address=wire.ip_address,
        note=note,
    )


def _has_meta(response: Response) -> bool:
    try:
        return response.meta is not None
    except AttributeError:  # a response built without a request (tests)
        return False


def response_head(wire: WireHead, body: bytes, final_headers: Any) -> tuple[bytes, str | None]:
    """Status line and header lines for the stored ``body``, and a note if adjusted."""
    decoded = len(body) != wire.body_length or (
        _had_encoding(wire) and not final_headers.get("Content-Encoding")
    )
    lines = [status_line(wire)]
    for name, value in wire.headers:
        if decoded and name.decode("latin-1").lower() in DECODED_HEADERS:
            name = ORIG_PREFIX.encode("ascii") + name
        lines.append(name + b": " + value + b"\r\n")
    note = None
    if decoded:
        lines.append(b"Content-Length: %d\r\n" % len(body))
        encodings = [
            v.decode("latin-1") for n, v in wire.headers if n.lower() == b"content-encoding"
        ]
        note = (
            f"payload stored decoded ({', '.join(encodings) or 'identity'}; "
            f"{wire.body_length} bytes on the wire, {len(body)} stored): "
            "Content-Encoding and Content-Length kept as X-Archive-Orig-*"
        )
    lines.append(b"\r\n")
    return b"".join(lines), note


def _had_encoding(wire: WireHead) -> bool:
    return any(name.lower() == b"content-encoding" for name, _ in wire.headers)


def status_line(wire: WireHead) -> bytes:
    try:
        phrase = HTTPStatus(wire.status).phrase
    except ValueError:
        phrase = ""
    protocol = wire.protocol or "HTTP/1.1"
    return f"{protocol} {wire.status} {phrase}".rstrip().encode("latin-1") + b"\r\n"
