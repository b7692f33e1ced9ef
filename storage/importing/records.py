"""WARC records → what the server sent (``ArchivedResponse``), or why a record is not used.

``read_warc`` walks one WARC (``.warc`` or ``.warc.gz``, read by warcio's
``ArchiveIterator``) and yields, in file order, one item per record:

- ``ArchivedResponse``: a response record of a wanted URL whose framing, digests and HTTP
  head are sound, with the record's own date and its provenance (file, sha256, offset, id);
- ``RecordSkip``: a record that is fine but not used (other URL, revisit, request, ...);
- ``RecordProblem``: a record that cannot be trusted, with ``file:offset``. A damaged record
  never becomes a version: a Content-Length that lies (the record is not followed by the
  blank lines that end every WARC record), a WARC-Block-Digest or WARC-Payload-Digest that
  does not hold, a record
  cut short, an invalid HTTP head, an HTTP Content-Length that disagrees with the payload.
  When the file itself cannot be read past a point (truncated gzip, garbage where a record
  should start) the problem is ``fatal`` and the walk ends there; what came before stands.

warcio reports a wrong Content-Length by writing a warning to stderr and counting it in
``err_count``; the warning is kept off the user's terminal and the count is what we read.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from storage.enums import ProvenanceKind
from storage.fetch import Provenance
from storage.importing.httpblock import MAX_BODY, BadHttp, parse_response

__all__ = ["ArchivedResponse", "RecordProblem", "RecordSkip", "read_warc"]

# Errors warcio and zlib raise on a file that cannot be read any further.
UNREADABLE = (
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
)
MAX_BLOCK = MAX_BODY + 64 * 1024  # a record's HTTP head and body


@dataclass(frozen=True, slots=True)
class ArchivedResponse:
    """One HTTP response as an archive recorded it."""

    url: str
    observed_at: datetime  # the record's WARC-Date (Wayback: the capture's timestamp)
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes
    provenance: Provenance
    where: str  # "file:offset" or the replay URL, for messages


@dataclass(frozen=True, slots=True)
class RecordSkip:
    reason: str  # "other URL", "revisit record", "HTTP 500", ...
    where: str


@dataclass(frozen=True, slots=True)
class RecordProblem:
    message: str
    where: str
    fatal: bool = False  # nothing after it in the file could be read


Item = ArchivedResponse | RecordSkip | RecordProblem


def read_warc(
    stream: IO[bytes], *, name: str, sha256: str, wanted: Callable[[str], bool]
) -> Iterator[Item]:
    """Every record of the WARC in ``stream`` (named ``name`` in messages and provenance),
    in order. ``wanted(url)``: whether a response of that URL is worth reading at all."""
    iterator = ArchiveIterator(stream, no_record_parse=True)
    reader = _Reader(iterator, name=name, sha256=sha256, wanted=wanted)
    while True:
        try:
            with _quiet():
                record = next(iterator)
        except StopIteration:
            return
        except UNREADABLE as exc:
            yield RecordProblem(
                f"unreadable from here on: {_one_line(exc)}",
                f"{name}:{iterator.offset}",
                fatal=True,
            )
            return
        try:
            yield reader.item(record)
        except UNREADABLE as exc:  # the rest of this record could not be read
            yield RecordProblem(
                f"unreadable from here on: {_one_line(exc)}",
                f"{name}:{iterator.offset}",
                fatal=True,
            )
            return


class _Reader:
    def __init__(
        self, iterator: Any, *, name: str, sha256: str, wanted: Callable[[str], bool]
    ) -> None:
        self.iterator = iterator
        self.name = name
        self.sha256 = sha256
        self.wanted = wanted

    def item(self, record: Any) -> Item:
        header = record.rec_headers.get_header
        url = (header("WARC-Target-URI") or "").strip().strip("<>")
        kind = record.rec_type
        block = b""
        wanted = kind == "response" and bool(url) and self.wanted(url)
        if wanted:
            block = record.raw_stream.read(MAX_BLOCK + 1)
        errors_before = self.iterator.err_count
        with _quiet():  # reads the rest of the record and the blank lines after it
            offset = self.iterator.get_record_offset()
        where = f"{self.name}:{offset}"
        framing = self._framing_problem(record, block, errors_before, wanted)
        if framing is not None:
            return RecordProblem(framing, where)
        if kind != "response":
            return RecordSkip(f"{kind} record", where)
        if not url:
            return RecordProblem("response record without WARC-Target-URI", where)
        if not wanted:
            return RecordSkip("other URL", where)
        return self._response(record, url, block, offset, where)

    def _framing_problem(
        self, record: Any, block: bytes, errors_before: int, read: bool
    ) -> str | None:
        if self.iterator.err_count > errors_before:
            return (
                "record not followed by the blank lines that end a WARC record "
                "(its Content-Length is wrong)"
            )
        if read and not digest_matches(record.rec_headers.get_header("WARC-Block-Digest"), block):
            return f"block digest failed: {record.rec_headers.get_header('WARC-Block-Digest')}"
        if read and record.length is not None and len(block) < int(record.length):
            return f"record cut short: {len(block)} of {record.length} bytes"
        if read and len(block) > MAX_BLOCK:
            return f"record over {MAX_BLOCK} bytes"
        return None

    def _response(
        self, record: Any, url: str, block: bytes, offset: int, where: str
    ) -> ArchivedResponse | RecordProblem:
        header = record.rec_headers.get_header
        observed = _warc_date(header("WARC-Date"))
        if observed is None:
            return RecordProblem(f"missing or invalid WARC-Date {header('WARC-Date')!r}", where)
        try:
            response = parse_response(block)
        except BadHttp as exc:
            return RecordProblem(str(exc), where)
        payload_digest = header("WARC-Payload-Digest")
        if not digest_matches(payload_digest, response.payload, response.body):
            return RecordProblem(f"payload digest failed: {payload_digest}", where)
        return ArchivedResponse(
            url=url,
            observed_at=observed,
            status=response.status,
            headers=response.headers,
            body=response.body,
            provenance=Provenance(
                kind=ProvenanceKind.WARC.value,
                file=self.name,
                file_sha256=self.sha256,
                offset=offset,
                record_id=(header("WARC-Record-ID") or "").strip("<>") or None,
            ),
            where=where,
        )


def digest_matches(digest: str | None, *candidates: bytes) -> bool:
    """A WARC digest (``sha1:`` + base32, or hex) holds for one of ``candidates``; no
    digest holds trivially. (The payload digest is computed over the payload as sent by
    some writers and de-chunked by others.) warcio checks digests too, but only over what
    it parses itself: the importer reads each record's block once, unparsed."""
    if not digest:
        return True
    algorithm, _, value = digest.strip().partition(":")
    try:
        hashers = [hashlib.new(algorithm.lower().replace("-", "")) for _ in candidates]
    except ValueError:
        return False
    value = value.strip()
    for hasher, data in zip(hashers, candidates, strict=True):
        hasher.update(data)
        raw = hasher.digest()
        if value.upper() == base64.b32encode(raw).decode() or value.lower() == raw.hex():
            return True
    return False


def _warc_date(value: str | None) -> datetime | None:
    """WARC-Date (ISO 8601, UTC ``Z``; WARC 1.1 allows fractions of a second)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: "0001-01-01T00:00:00+01:00" in UTC
        return None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """warcio writes its warnings to stderr; they become ``RecordProblem``s instead."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]
