"""Capture provenance rows: written with each imported capture, read back for its history.

``store_provenance`` is called by ``storage.capture`` in the capture's own transaction, so a
capture and its provenance (the import's resume key) commit together or not at all. The
readers answer the importer's "was this record imported already?" and the history's "where
did this capture come from?".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from storage.enums import ProvenanceKind
from storage.fetch import Provenance
from storage.identity import find_briefing
from storage.models import Capture, CaptureProvenance, CrawlRun, Version, table_of

PROVENANCE = table_of(CaptureProvenance)
INSERT_PROVENANCE = insert(PROVENANCE)


def store_provenance(conn: Connection, capture_id: int, provenance: Provenance) -> None:
    conn.execute(INSERT_PROVENANCE, provenance.row(capture_id))


def imported_offsets(session: Session, file_sha256: str) -> set[int]:
    """Offsets of the records of the WARC with this sha256 that are captures already."""
    rows = session.scalars(
        select(PROVENANCE.c.record_offset).where(PROVENANCE.c.file_sha256 == file_sha256)
    )
    return {int(offset) for offset in rows if offset is not None}


def imported_wayback(session: Session, urls: Iterable[str]) -> set[tuple[str, str, str]]:
    """(timestamp, digest, original URL) of the Wayback captures of ``urls`` imported."""
    wanted = sorted(set(urls))
    found: set[tuple[str, str, str]] = set()
    for start in range(0, len(wanted), 500):  # bounded IN lists
        rows = session.execute(
            select(
                PROVENANCE.c.wayback_timestamp, PROVENANCE.c.digest, PROVENANCE.c.original_url
            ).where(
                PROVENANCE.c.kind == ProvenanceKind.WAYBACK.value,
                PROVENANCE.c.original_url.in_(wanted[start : start + 500]),
            )
        )
        found |= {(ts, digest, url) for ts, digest, url in rows}
    return found


def provenance_of(session: Session, capture_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The provenance of each imported capture among ``capture_ids``, as JSON."""
    ids = sorted(set(capture_ids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        rows = session.scalars(
            select(CaptureProvenance).where(
                CaptureProvenance.capture_id.in_(ids[start : start + 500])
            )
        )
        found |= {row.capture_id: provenance_json(row) for row in rows}
    return found


def provenance_json(row: CaptureProvenance) -> dict[str, Any]:
    if row.kind == ProvenanceKind.WAYBACK:
        return {
            "kind": str(row.kind),
            "timestamp": row.wayback_timestamp,
            "digest": row.digest,
            "original_url": row.original_url,
        }
    return {
        "kind": str(row.kind),
        "file": row.file,
        "file_sha256": row.file_sha256,
        "offset": row.record_offset,
        "record_id": row.record_id,
    }


@dataclass(frozen=True, slots=True)
class CaptureOrigin:
    """One capture of a briefing and where it came from."""

    capture_id: int
    fetched_at: datetime  # observed time (an imported record's own date)
    outcome: str
    version: int | None  # the version this capture made or confirmed
    run_id: int | None
    run_kind: str | None
    provenance: dict[str, Any] | None  # None: fetched by the crawl ``run_id``

    @property
    def origin(self) -> str:
        """One line: "crawl run 12", "WARC x.warc.gz @ 1234", "Wayback 20200305080000"."""
        return describe(self.provenance, self.run_id, self.run_kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "capture_id": self.capture_id,
            "fetched_at": self.fetched_at.isoformat(),
            "outcome": self.outcome,
            "version": self.version,
            "run_id": self.run_id,
            "run_kind": self.run_kind,
            "origin": self.origin,
            "provenance": self.provenance or {"kind": "crawl", "run_id": self.run_id},
        }


def describe(provenance: dict[str, Any] | None, run_id: int | None, kind: str | None) -> str:
    if provenance is None:
        return f"{kind or 'crawl'} run {run_id}" if run_id is not None else "unknown"
    if provenance["kind"] == ProvenanceKind.WAYBACK:
        return f"Wayback {provenance['timestamp']} {provenance['original_url']}"
    return f"WARC {provenance['file']} @ {provenance['offset']}"


def capture_origins(session: Session, ref: str | int) -> list[CaptureOrigin]:
    """Every capture of briefing ``ref``, oldest observation first, with its origin."""
    briefing = find_briefing(session, ref)
    rows = session.execute(
        select(
            Capture.id,
            Capture.fetched_at,
            Capture.outcome,
            Version.number,
            CrawlRun.id,
            CrawlRun.kind,
        )
        .outerjoin(Version, Version.id == Capture.version_id)
        .outerjoin(CrawlRun, CrawlRun.id == Capture.run_id)
        .where(Capture.briefing_id == briefing.id)
        .order_by(Capture.fetched_at, Capture.id)
    ).all()
    origins = provenance_of(session, [row[0] for row in rows])
    return [
        CaptureOrigin(
            capture_id=capture_id,
            fetched_at=fetched_at,
            outcome=str(outcome),
            version=number,
            run_id=run_id,
            run_kind=str(kind) if kind is not None else None,
            provenance=origins.get(capture_id),
        )
        for capture_id, fetched_at, outcome, number, run_id, kind in rows
    ]
