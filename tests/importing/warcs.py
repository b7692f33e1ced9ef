"""WARC and WACZ files built in the tests from the real fixture pages (never committed).

``warc_bytes`` writes records with warcio's own writer (block and payload digests
included); ``raw_record`` writes one by hand, for the damaged records warcio would refuse
to write (a lying Content-Length, an invalid HTTP head).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import MFA_SITE

EN_FOLDER = "www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403"
ZH_FOLDER = "www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889"


def site_pages(folder: str = EN_FOLDER, limit: int | None = None) -> list[tuple[str, bytes]]:
    """(URL, body) of the mirror's transcript pages in ``folder``, sorted by URL."""
    paths = sorted((MFA_SITE / folder).glob("t*.shtml"))[:limit]
    return [(f"https://{folder}/{p.name}", p.read_bytes()) for p in paths]


@dataclass
class Rec:
    url: str
    body: bytes = b""
    status: int = 200
    date: str = "2020-07-03T08:00:00Z"
    headers: list[tuple[str, str]] = field(default_factory=list)
    kind: str = "response"  # response | request | revisit


def warc_bytes(records: list[Rec], *, gz: bool = True) -> tuple[bytes, list[int]]:
    """A WARC of ``records`` and each record's offset."""
    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=gz)
    offsets = []
    for rec in records:
        offsets.append(stream.tell())
        record = _record(writer, rec)
        writer.write_record(record)
        record.raw_stream.close()  # warcio spools the block to a temporary file
    return stream.getvalue(), offsets


def _record(writer: WARCWriter, rec: Rec):
    warc_headers = {"WARC-Date": rec.date}
    if rec.kind == "request":
        http = StatusAndHeaders(
            "GET / HTTP/1.1", [("Host", "www.fmprc.gov.cn")], is_http_request=True
        )
        return writer.create_warc_record(
            rec.url,
            "request",
            payload=io.BytesIO(b""),
            http_headers=http,
            warc_headers_dict=warc_headers,
        )
    headers = rec.headers or [("Content-Type", "text/html")]
    http = StatusAndHeaders(f"{rec.status} X", headers, protocol="HTTP/1.1")
    if rec.kind == "revisit":
        return writer.create_revisit_record(
            rec.url, "sha1:AAAA", rec.url, rec.date, http_headers=http
        )
    return writer.create_warc_record(
        rec.url,
        "response",
        payload=io.BytesIO(rec.body),
        http_headers=http,
        warc_headers_dict=warc_headers,
    )


def raw_record(
    url: str,
    block: bytes,
    *,
    date: str = "2020-07-03T08:00:00Z",
    content_length: int | None = None,
    gz: bool = False,
) -> bytes:
    """One response record written by hand; ``content_length`` may lie."""
    length = len(block) if content_length is None else content_length
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        f"WARC-Target-URI: {url}\r\nWARC-Date: {date}\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    data = head + block + b"\r\n\r\n"
    return gzip.compress(data) if gz else data


def http_block(body: bytes, *, status: str = "200 OK", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: text/html\r\n{extra}".encode()
    return head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def wacz_bytes(members: dict[str, bytes], *, lie_about: str | None = None) -> bytes:
    """A WACZ holding ``members`` (path → bytes) with a datapackage.json of their sha256
    (wrong for ``lie_about``)."""
    resources = []
    for path, data in members.items():
        digest = hashlib.sha256(data).hexdigest()
        if path == lie_about:
            digest = hashlib.sha256(data + b"x").hexdigest()
        resources.append(
            {"name": Path(path).name, "path": path, "hash": f"sha256:{digest}", "bytes": len(data)}
        )
    package = {"profile": "data-package", "wacz_version": "1.1.1", "resources": resources}
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("datapackage.json", json.dumps(package))
        for path, data in members.items():
            archive.writestr(path, data)
    return stream.getvalue()
