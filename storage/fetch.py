"""One fetch as the archive receives it: what came back, and what it hashes to.

``Fetch`` is built by the crawl pipeline (or ``make_fetch`` from keywords), ``prepared()``
in the crawl's own thread (hashes and the compressed body, no database), then recorded by
``storage.capture.CaptureRecorder``. ``gone_evidence`` says whether a fetch suggests the page
is gone; the capture rules decide what that means for the archive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from crawler.schema import content_hash
from storage import rawstore
from storage.diff import exchange_fingerprint
from storage.types import utcnow

__all__ = ["Derived", "Fetch", "as_utc", "make_fetch", "normalize_headers"]

ERROR_PAGE_MARKERS = ("/error.htm", "/web/system/")
GONE_STATUS_CODES = (404, 410)


@dataclass(frozen=True, slots=True)
class Derived:
    """What a fetch hashes and compresses to: computed without the database, so a crawl can
    compute it in its own thread before handing the fetch to the archive's writer thread."""

    body_sha256: str | None
    packed_body: bytes | None  # the body as rawstore stores it
    content_hash: str | None  # of the parsed transcript
    fingerprints: tuple[str, ...]  # of its exchanges, in order


@dataclass(frozen=True, slots=True)
class Fetch:
    run_id: int | None
    url: str
    final_url: str | None
    status_code: int | None
    headers: dict[str, str]
    body: bytes | None
    briefing: dict[str, Any] | None
    not_transcript: str | None
    error: str | None
    parser_version: str | None
    fetched_at: datetime
    derived: Derived | None = None  # see prepared(); computed on the way when missing

    def prepared(self) -> Fetch:
        """This fetch with its hashes and compressed body computed (``Derived``)."""
        exchanges = (self.briefing or {}).get("exchanges") or []
        derived = Derived(
            body_sha256=rawstore.sha256_of(self.body) if self.body is not None else None,
            packed_body=rawstore.pack(self.body) if self.body is not None else None,
            content_hash=content_hash(self.briefing) if self.briefing is not None else None,
            fingerprints=tuple(exchange_fingerprint(ex) for ex in exchanges),
        )
        return replace(self, derived=derived)

    @property
    def is_error_page(self) -> bool:
        target = self.final_url or self.url
        return any(marker in target for marker in ERROR_PAGE_MARKERS)

    def gone_evidence(self) -> str | None:
        """Why this fetch suggests the page is gone; None for plain download errors.

        Evidence: a not-a-transcript answer, an error or system page, HTTP 404/410, an
        empty 2xx body. Not evidence: timeouts, connection errors, 5xx, 429, parser crashes
        on a real page (a parser bug is not the ministry deleting anything).
        """
        code = self.status_code
        if self.not_transcript:
            return f"not a transcript: {self.not_transcript}"
        if self.is_error_page:
            return f"error page {self.final_url or self.url}"
        if code in GONE_STATUS_CODES:
            return f"HTTP {code}"
        if code is not None and 200 <= code < 300 and not self.body:
            return "empty body"
        return None


def make_fetch(
    run_id: int | None,
    *,
    url: str,
    final_url: str | None = None,
    status_code: int | None = None,
    headers: Mapping[Any, Any] | None = None,
    body: bytes | None = None,
    briefing: dict[str, Any] | None = None,
    not_transcript: str | None = None,
    error: str | None = None,
    parser_version: str | None = None,
    fetched_at: datetime | None = None,
) -> Fetch:
    """A ``Fetch`` from ``Archive.record_capture``'s keywords (headers normalized, UTC)."""
    return Fetch(
        run_id=run_id,
        url=url,
        final_url=final_url,
        status_code=status_code,
        headers=normalize_headers(headers),
        body=body,
        briefing=briefing,
        not_transcript=not_transcript,
        error=error,
        parser_version=parser_version,
        fetched_at=as_utc(fetched_at) if fetched_at else utcnow(),
    )


def normalize_headers(headers: Mapping[Any, Any] | None) -> dict[str, str]:
    """Header names lower-cased, values as text (Scrapy gives bytes and lists of bytes)."""
    result: dict[str, str] = {}
    for key, value in (headers or {}).items():
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value is None:
            continue
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        result[name.lower()] = text
    return result


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
