"""One fetch as the archive receives it: what came back, and what it hashes to.

``Fetch`` is built by the crawl pipeline (or ``make_fetch`` from keywords), ``prepared()``
in the crawl's own thread (hashes and the compressed body, no database), then recorded by
``storage.capture.CaptureRecorder``. The parsed transcript travels typed
(``crawler.schema.Briefing``); its JSON form is computed once, in ``prepared()``.
``gone_evidence`` asks ``crawler.gone`` whether a fetch suggests the page is gone; the capture
rules decide what that means for the archive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from crawler import gone
from crawler.schema import Briefing, content_hash
from storage import rawstore
from storage import warc as warc_lib
from storage.diff import exchange_fingerprint
from storage.types import utcnow

__all__ = ["Derived", "Fetch", "Provenance", "as_utc", "make_fetch", "normalize_headers"]


# --- history import (issue 18): where an imported fetch came from ----------------------------


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where an imported fetch came from, stored with its capture (``capture_provenance``).

    A WARC record: ``file`` (the path as given; a WACZ member as ``x.wacz#archive/y.warc``),
    ``file_sha256``, ``offset`` and ``record_id``. A Wayback capture: ``timestamp`` (14
    digits), ``digest`` and ``original_url``. A crawl's fetch has none (its run says)."""

    kind: str  # storage.enums.ProvenanceKind
    file: str | None = None
    file_sha256: str | None = None
    offset: int | None = None
    record_id: str | None = None
    timestamp: str | None = None
    digest: str | None = None
    original_url: str | None = None

    def row(self, capture_id: int) -> dict[str, Any]:
        """The ``capture_provenance`` row of this provenance."""
        return {
            "capture_id": capture_id,
            "kind": self.kind,
            "file": self.file,
            "file_sha256": self.file_sha256,
            "record_offset": self.offset,
            "record_id": self.record_id,
            "wayback_timestamp": self.timestamp,
            "digest": self.digest,
            "original_url": self.original_url,
        }


# --- end of history import -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Derived:
    """What a fetch hashes and compresses to: computed without the database, so a crawl can
    compute it in its own thread before handing the fetch to the archive's writer thread."""

    body_sha256: str | None
    packed_body: bytes | None  # the body as rawstore stores it
    data: dict[str, Any] | None  # the parsed transcript as schema JSON
    content_hash: str | None  # of ``data``
    fingerprints: tuple[str, ...]  # of its exchanges, in order
    warc: warc_lib.WarcMeta | None = None  # evidence: record ids, date, digests (storage.warc)


@dataclass(frozen=True, slots=True)
class Fetch:
    run_id: int | None
    url: str
    final_url: str | None
    status_code: int | None
    headers: dict[str, str]
    body: bytes | None
    briefing: Briefing | None
    not_transcript: str | None
    error: str | None
    parser_version: str | None
    fetched_at: datetime
    # Characters the page's bytes could not be decoded to (``crawler.extract.ParseReport``).
    replaced_chars: int = 0
    warc: warc_lib.WarcParts | None = None  # evidence: the WARC header blocks (crawler.warc)
    derived: Derived | None = None  # see prepared(); computed on the way when missing
    provenance: Provenance | None = None  # an imported fetch's origin (history import)

    def prepared(self) -> Fetch:
        """This fetch with its hashes, JSON and compressed body computed (``Derived``)."""
        if self.derived is not None:
            return self
        data = self.briefing.to_dict() if self.briefing is not None else None
        exchanges = data["exchanges"] if data is not None else []
        derived = Derived(
            body_sha256=rawstore.sha256_of(self.body) if self.body is not None else None,
            packed_body=rawstore.pack(self.body) if self.body is not None else None,
            data=data,
            content_hash=content_hash(data) if data is not None else None,
            fingerprints=tuple(exchange_fingerprint(ex) for ex in exchanges),
            warc=self._warc_meta(),
        )
        return replace(self, derived=derived)

    def _warc_meta(self) -> warc_lib.WarcMeta | None:
        """Evidence: the WARC records' ids, date and digests, at fetch time."""
        if self.warc is None or self.body is None:
            return None
        return warc_lib.record_meta(self.warc, self.body, self.fetched_at)

    @property
    def data(self) -> dict[str, Any] | None:
        """The parsed transcript as schema JSON (computed on the way when not prepared)."""
        return self.prepared().derived.data if self.briefing is not None else None  # type: ignore[union-attr]

    @property
    def is_error_page(self) -> bool:
        return gone.is_error_page_url(self.final_url or self.url)

    def gone_evidence(self) -> str | None:
        """Why this fetch suggests the page is gone (``crawler.gone``); None otherwise."""
        return gone.gone_evidence(
            url=self.url,
            final_url=self.final_url,
            status=self.status_code,
            body_empty=not self.body,
            not_transcript=self.not_transcript,
        )


def make_fetch(
    run_id: int | None,
    *,
    url: str,
    final_url: str | None = None,
    status_code: int | None = None,
    headers: Mapping[Any, Any] | None = None,
    body: bytes | None = None,
    briefing: Briefing | dict[str, Any] | None = None,
    not_transcript: str | None = None,
    error: str | None = None,
    parser_version: str | None = None,
    fetched_at: datetime | None = None,
    replaced_chars: int = 0,
    warc: warc_lib.WarcParts | None = None,
    provenance: Provenance | None = None,
) -> Fetch:
    """A ``Fetch`` from ``Archive.record_capture``'s keywords (headers normalized, UTC; a
    schema dict for ``briefing`` is read into the typed ``Briefing``)."""
    if isinstance(briefing, dict):
        briefing = Briefing.from_dict(briefing)
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
        replaced_chars=replaced_chars,
        warc=warc,
        provenance=provenance,
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
