"""The HTTP response inside a WARC response record: status line, headers, payload.

Strict on purpose. warcio's own header parser is lenient (it drops a header line without a
colon and accepts ``HTTP/1.1 abc``), which suits replay but not an archive that must not
build a version from a damaged record: a record whose HTTP head does not follow RFC 9112's
grammar is reported, never imported. The payload is then de-chunked and decompressed with
warcio's readers, and checked against the Content-Length the server announced.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass

from warcio.bufferedreaders import ChunkedDataException, ChunkedDataReader

__all__ = ["MAX_BODY", "BadHttp", "HttpResponse", "decode_content", "parse_response"]

_STATUS_LINE = re.compile(rb"HTTP/\d\.\d ([1-5]\d\d)(?: [^\r\n]*)?")
_HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*?)[ \t]*")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
MAX_HEAD = 64 * 1024  # bytes of status line and headers
MAX_BODY = 32 * 1024 * 1024  # the crawl's download cap (crawler/settings.py)


class BadHttp(ValueError):
    """The record's HTTP response cannot be trusted; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: dict[str, str]  # names lower-cased; a repeated header's values joined by ", "
    body: bytes  # de-chunked and decompressed
    payload: bytes  # as the record holds it (what WARC-Payload-Digest is computed over)


def parse_response(block: bytes) -> HttpResponse:
    """The HTTP response in a record's block, or ``BadHttp``."""
    end = _HEAD_END.search(block, 0, MAX_HEAD + 4)
    if end is None:
        raise BadHttp("no end of HTTP headers (blank line) in the record")
    lines = block[: end.start()].split(b"\n")
    status = _status(lines[0].rstrip(b"\r"))
    headers = _headers([line.rstrip(b"\r") for line in lines[1:]])
    raw = block[end.end() :]
    _check_length(headers, raw)
    return HttpResponse(status=status, headers=headers, body=_decoded(headers, raw), payload=raw)


def _status(line: bytes) -> int:
    match = _STATUS_LINE.fullmatch(line)
    if match is None:
        raise BadHttp(f"invalid HTTP status line {_shown(line)}")
    return int(match.group(1))


def _headers(lines: list[bytes]) -> dict[str, str]:
    headers: dict[str, str] = {}
    last: str | None = None
    for number, line in enumerate(lines, start=2):
        if line[:1] in (b" ", b"\t") and last is not None:  # obsolete line folding
            headers[last] += " " + line.strip().decode("latin-1")
            continue
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            raise BadHttp(f"invalid HTTP header line {number}: {_shown(line)}")
        name = match.group(1).decode("ascii").lower()
        value = match.group(2).decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
        last = name
    return headers


def _check_length(headers: dict[str, str], raw: bytes) -> None:
    """A payload shorter or longer than its Content-Length is a cut or garbled capture."""
    declared = headers.get("content-length")
    if declared is None or "chunked" in headers.get("transfer-encoding", "").lower():
        return
    values = {v.strip() for v in declared.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise BadHttp(f"invalid HTTP Content-Length {declared!r}")
    if int(next(iter(values))) != len(raw):
        raise BadHttp(
            f"HTTP Content-Length says {int(next(iter(values)))} bytes, the record holds {len(raw)}"
        )


def _decoded(headers: dict[str, str], raw: bytes) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raw = _dechunked(raw)
    return decode_content(headers, raw)


def decode_content(headers: dict[str, str], raw: bytes) -> bytes:
    """The body of a payload sent with ``headers``' Content-Encoding (``BadHttp`` if it
    cannot be decoded)."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in _WBITS:
        raise BadHttp(f"unsupported Content-Encoding {encoding!r}")
    return _decompressed(raw, encoding)


def _dechunked(raw: bytes) -> bytes:
    reader = ChunkedDataReader(io.BytesIO(raw), raise_exceptions=True)
    try:
        return bytes(reader.read())
    except ChunkedDataException as exc:
        raise BadHttp(f"invalid chunked body: {exc}") from exc


# zlib's window bits per Content-Encoding (deflate: the zlib format; raw deflate is retried).
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _decompressed(raw: bytes, encoding: str) -> bytes:
    """Strict (warcio's reader falls back to the raw bytes when decompression fails) and
    bounded: a body inflating past ``MAX_BODY`` is refused (a decompression bomb)."""
    attempts = [_WBITS[encoding]] + ([-zlib.MAX_WBITS] if encoding == "deflate" else [])
    error: zlib.error | None = None
    for wbits in attempts:
        inflater = zlib.decompressobj(wbits)
        try:
            body = inflater.decompress(raw, MAX_BODY + 1)
        except zlib.error as exc:
            error = exc
            continue
        if len(body) > MAX_BODY:
            raise BadHttp(f"body inflates past {MAX_BODY} bytes ({encoding})")
        if not inflater.eof:
            raise BadHttp(f"{encoding} body is cut short")
        return body
    raise BadHttp(f"body cannot be decoded ({encoding}): {error}")


def _shown(line: bytes) -> str:
    return repr(line[:80].decode("latin-1"))
