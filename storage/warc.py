"""WARC records of captures: built at fetch time, stored without the body, serialized again.

A crawl hands each fetch its ``WarcParts`` (``crawler.warc``: the request and response header
blocks as sent and received, the target URI, the remote address). ``record_meta`` turns them,
in the crawl's thread, into a ``WarcMeta``: record ids, ``WARC-Date`` (the fetch time), the
payload and block digests, and the sha256 of each serialized record. The capture stores
that row (``warc_record``) next to its body, which stays in ``raw_body`` (one copy, by
sha256). ``capture_records`` serializes the records again later, byte for byte: the sha256
kept at fetch time proves it (``RecordMismatch`` otherwise, never a silently different record).

Captures without a ``warc_record`` row (made before WARC recording existed, or with it
switched off) become a ``resource`` record of the stored body plus a ``metadata`` record that
says so (``legacy_records``): no request record is ever made up after the fact.

Records are written by ``warcio`` with every header given, so ``warcio`` computes nothing
itself: the same inputs give the same bytes. Digests are ``sha256:`` + hex (``warcio check``
verifies them); the payload digest of a response is its body's ``raw_body.sha256``.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import IO, Any

from sqlalchemy import Connection, select
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from storage.errors import ArchiveError
from storage.models import WarcRecord, table_of

__all__ = [
    "LegacyCapture",
    "RecordMismatch",
    "WarcMeta",
    "WarcParts",
    "capture_records",
    "legacy_records",
    "record_meta",
    "serialize",
]

WARC_VERSION = "WARC/1.1"
RESPONSE_TYPE = "application/http; msgtype=response"
REQUEST_TYPE = "application/http; msgtype=request"
# A fixed namespace: the ids of a legacy capture's records are the same at every export.
LEGACY_NAMESPACE = uuid.UUID("6f1b4c2e-2d52-4c8e-9a57-0b7b3f6f1d16")
WARC_RECORD = table_of(WarcRecord)


class RecordMismatch(ArchiveError):
    """A record serialized again differs from the one recorded at fetch time."""


@dataclass(frozen=True, slots=True)
class WarcParts:
    """What a crawl knows of one exchange with the server beyond the body (``crawler.warc``).

    ``response_head``: the status line and header lines, CRLF-terminated, ending in an empty
    line, as the payload is stored (``crawler.warc`` renames what decoding made untrue).
    ``request_head``: the request line and header lines as sent; None if unknown.
    """

    target_uri: str
    response_head: bytes
    request_head: bytes | None = None
    ip_address: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class WarcMeta:
    """A capture's ``warc_record`` row: everything of its records but the body."""

    response_id: str
    request_id: str | None
    warc_date: str
    target_uri: str
    ip_address: str | None
    request_head: bytes | None
    response_head: bytes
    payload_digest: str
    block_digest: str
    request_block_digest: str | None
    response_sha256: str
    request_sha256: str | None
    note: str | None

    def as_row(self, capture_id: int) -> dict[str, Any]:
        return {"capture_id": capture_id, **{name: getattr(self, name) for name in META_FIELDS}}


META_FIELDS = tuple(WarcMeta.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class LegacyCapture:
    """What the archive kept of a capture that has no ``warc_record`` row."""

    capture_id: int
    url: str
    fetched_at: datetime
    status_code: int | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    body_sha256: str


# ---------------------------------------------------------------------------- at fetch time


def record_meta(parts: WarcParts, body: bytes, fetched_at: datetime) -> WarcMeta:
    """Ids, date and digests of a fetch's records, and the sha256 of each serialized one."""
    response_id = new_record_id()
    request_id = new_record_id() if parts.request_head is not None else None
    meta = WarcMeta(
        response_id=response_id,
        request_id=request_id,
        warc_date=warc_date(fetched_at),
        target_uri=parts.target_uri,
        ip_address=parts.ip_address,
        request_head=parts.request_head,
        response_head=parts.response_head,
        payload_digest=labelled(hashlib.sha256(body)),
        block_digest=labelled(_hash(parts.response_head, body)),
        request_block_digest=(
            labelled(_hash(parts.request_head)) if parts.request_head is not None else None
        ),
        response_sha256="",
        request_sha256=None,
        note=parts.note,
    )
    from dataclasses import replace

    response, request = _record_sums(meta, body)
    return replace(meta, response_sha256=response, request_sha256=request)


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date: UTC, microseconds, ``Z``."""
    utc = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    text: str = datetime_to_iso_date(utc, use_micros=True)
    return text


def labelled(digest: Any) -> str:
    return f"sha256:{digest.hexdigest()}"


def _hash(*parts: bytes) -> Any:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest


# ---------------------------------------------------------------------------- serializing


def _record(
    rec_type: str, headers: list[tuple[str, str]], block: bytes, body: bytes = b""
) -> ArcWarcRecord:
    """A record whose block (``block`` then ``body``) is given whole: warcio writes it as
    is (no re-parsed headers). The two parts are read in turn, never joined: a body can be
    tens of megabytes, and a copy of it per record multiplied a crawl's memory."""
    content_type = dict(headers).get("Content-Type", "")
    rec_headers = StatusAndHeaders("", headers, protocol=WARC_VERSION)
    size = len(block) + len(body)
    stream = _Parts(block, body) if body else BytesIO(block)
    record = ArcWarcRecord("warc", rec_type, rec_headers, stream, None, content_type, size)
    record.payload_length = size
    return record


class _Parts(io.RawIOBase):
    """Two byte strings read as one stream, without concatenating them."""

    def __init__(self, *parts: bytes) -> None:
        self._parts = [memoryview(p) for p in parts]
        self._index = 0
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._index < len(self._parts):
            part = self._parts[self._index]
            if self._offset < len(part):
                n = min(len(buffer), len(part) - self._offset)
                buffer[:n] = part[self._offset : self._offset + n]
                self._offset += n
                return n
            self._index, self._offset = self._index + 1, 0
        return 0


class _HashSink:
    """A write-only stream that keeps only the SHA-256 of what was written."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        return None


def _response(meta: WarcMeta, body: bytes) -> ArcWarcRecord:
    headers = [
        ("WARC-Type", "response"),
        ("WARC-Record-ID", meta.response_id),
        ("WARC-Date", meta.warc_date),
        ("WARC-Target-URI", meta.target_uri),
    ]
    if meta.ip_address:
        headers.append(("WARC-IP-Address", meta.ip_address))
    headers += [
        ("WARC-Payload-Digest", meta.payload_digest),
        ("WARC-Block-Digest", meta.block_digest),
        ("Content-Type", RESPONSE_TYPE),
        ("Content-Length", str(len(meta.response_head) + len(body))),
    ]
    return _record("response", headers, meta.response_head, body)


def _request(meta: WarcMeta) -> ArcWarcRecord | None:
    if meta.request_head is None or meta.request_id is None:
        return None
    block = meta.request_head
    headers = [
        ("WARC-Type", "request"),
        ("WARC-Record-ID", meta.request_id),
        ("WARC-Date", meta.warc_date),
        ("WARC-Target-URI", meta.target_uri),
        ("WARC-Concurrent-To", meta.response_id),
        ("WARC-Payload-Digest", labelled(hashlib.sha256(b""))),  # a GET: no body
        ("WARC-Block-Digest", meta.request_block_digest or labelled(_hash(block))),
        ("Content-Type", REQUEST_TYPE),
        ("Content-Length", str(len(block))),
    ]
    return _record("request", headers, block)


def serialize(records: Iterable[ArcWarcRecord], *, gzip: bool = False) -> bytes:
    """Records as WARC bytes (one gzip member per record with ``gzip``)."""
    out = BytesIO()
    write_records(out, records, gzip=gzip)
    return out.getvalue()


def write_records(out: IO[bytes], records: Iterable[ArcWarcRecord], *, gzip: bool) -> None:
    writer = WARCWriter(out, gzip=gzip, warc_version=WARC_VERSION)
    for record in records:
        writer.write_record(record)


def _record_sums(meta: WarcMeta, body: bytes) -> tuple[str, str | None]:
    """SHA-256 of the serialized response and request records, streamed (no copy kept)."""
    request = _request(meta)
    return (
        _sha256_of([_response(meta, body)]),
        _sha256_of([request]) if request is not None else None,
    )


def _sha256_of(records: Iterable[ArcWarcRecord]) -> str:
    sink = _HashSink()
    write_records(sink, records, gzip=False)  # type: ignore[arg-type]
    return sink.digest.hexdigest()


def capture_records(meta: WarcMeta, body: bytes) -> list[ArcWarcRecord]:
    """A capture's request and response records, checked against the sums kept at fetch
    time (``RecordMismatch``: the stored body or header blocks no longer match)."""
    response, request = _record_sums(meta, body)
    if response != meta.response_sha256:
        raise RecordMismatch(
            f"the response record {meta.response_id} no longer serializes to the bytes "
            "recorded at fetch time (stored body or headers changed)"
        )
    if request is not None and request != meta.request_sha256:
        raise RecordMismatch(f"the request record {meta.request_id} no longer matches")
    pair = [_response(meta, body)]
    request_record = _request(meta)
    return [request_record, *pair] if request_record is not None else pair


def legacy_records(capture: LegacyCapture, body: bytes) -> list[ArcWarcRecord]:
    """A capture without header blocks: its body as a ``resource`` record and a
    ``metadata`` record that says what is known and what is not."""
    resource_id = legacy_id(capture.capture_id, "resource")
    date = warc_date(capture.fetched_at)
    digest = f"sha256:{capture.body_sha256}"
    resource = _record(
        "resource",
        [
            ("WARC-Type", "resource"),
            ("WARC-Record-ID", resource_id),
            ("WARC-Date", date),
            ("WARC-Target-URI", capture.url),
            ("WARC-Payload-Digest", digest),
            ("WARC-Block-Digest", digest),
            ("Content-Type", capture.content_type or "application/octet-stream"),
            ("Content-Length", str(len(body))),
        ],
        body,
    )
    note = provenance_note(capture).encode("utf-8")
    metadata = _record(
        "metadata",
        [
            ("WARC-Type", "metadata"),
            ("WARC-Record-ID", legacy_id(capture.capture_id, "metadata")),
            ("WARC-Date", date),
            ("WARC-Target-URI", capture.url),
            ("WARC-Refers-To", resource_id),
            ("WARC-Payload-Digest", labelled(_hash(note))),
            ("WARC-Block-Digest", labelled(_hash(note))),
            ("Content-Type", "application/warc-fields"),
            ("Content-Length", str(len(note))),
        ],
        note,
    )
    return [resource, metadata]


def warcinfo_record(created: str, software: str) -> ArcWarcRecord:
    """The first record of a bundle's WARC: who wrote it, when, in what format."""
    fields = (
        f"software: {software}\r\n"
        "format: WARC File Format 1.1\r\n"
        "conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
        f"description: briefings evidence bundle, created {created}\r\n"
    ).encode()
    return _record(
        "warcinfo",
        [
            ("WARC-Type", "warcinfo"),
            ("WARC-Record-ID", new_record_id()),
            ("WARC-Date", created),
            ("WARC-Filename", "data.warc.gz"),
            ("WARC-Block-Digest", labelled(_hash(fields))),
            ("Content-Type", "application/warc-fields"),
            ("Content-Length", str(len(fields))),
        ],
        fields,
    )


def legacy_id(capture_id: int, kind: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(LEGACY_NAMESPACE, f'capture:{capture_id}:{kind}')}>"


def provenance_note(capture: LegacyCapture) -> str:
    """``application/warc-fields``: what the archive kept of a capture without headers."""
    fields = [
        ("provenance", "briefings archive; captured before WARC recording (no header blocks kept)"),
        ("note", "the body is the stored response body; no request record was made"),
        ("capture-id", str(capture.capture_id)),
        ("fetched-at", capture.fetched_at.astimezone(UTC).isoformat()),
        ("http-status", str(capture.status_code) if capture.status_code is not None else ""),
        ("content-type", capture.content_type or ""),
        ("etag", capture.etag or ""),
        ("last-modified", capture.last_modified or ""),
    ]
    return "".join(f"{name}: {value}\r\n" for name, value in fields if value)


# ---------------------------------------------------------------------------- the database


def insert_meta(conn: Connection, capture_id: int, meta: WarcMeta) -> None:
    conn.execute(WARC_RECORD.insert(), meta.as_row(capture_id))


def load_meta(conn: Connection, capture_ids: Iterable[int]) -> dict[int, WarcMeta]:
    """The ``warc_record`` rows of these captures, by capture id."""
    ids = list(capture_ids)
    if not ids:
        return {}
    rows = conn.execute(select(WARC_RECORD).where(WARC_RECORD.c.capture_id.in_(ids)))
    return {row.capture_id: meta_of(row) for row in rows}


def meta_of(row: Any) -> WarcMeta:
    values = {name: getattr(row, name) for name in META_FIELDS}
    for name in ("request_head", "response_head"):
        if values[name] is not None:
            values[name] = bytes(values[name])  # memoryview on PostgreSQL
    return WarcMeta(**values)
