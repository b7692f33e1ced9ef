"""Capture provenance rows: written with each imported capture, read back for its history.

``store_provenance`` is called by ``storage.capture`` in the capture's own transaction, so a
capture and its provenance (the import's resume key) commit together or not at all. The
readers answer the importer's "was this record imported already?" and the history's "where
did this capture come from?".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from storage.enums import ProvenanceKind
from storage.fetch import Provenance
from storage.models import CaptureProvenance, table_of

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
