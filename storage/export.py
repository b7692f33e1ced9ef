"""Exporting the archive as JSON Lines, CSV or Parquet, streamed.

Rows come from the database in batches (``yield_per``: a server-side cursor on PostgreSQL,
stepped statements on SQLite) and are written as they come, so memory stays flat however
large the archive is.

Shapes:

- ``jsonl``: one schema-v1 object per line, the latest version of each briefing. With
  ``all_versions`` every version, wrapped::

      {"briefing_id": 7, "version": 2, "first_seen": "...", "last_seen": "...",
       "cause": "page", "briefing": {...schema-v1 object...}}

- ``csv`` / ``parquet``: one row per exchange (of the latest versions, or of every version
  with ``all_versions``), with the briefing's fields; columns ``EXCHANGE_COLUMNS``. Each row
  says the briefing's status (``active``, ``suspect``, ``removed``), its version's number and
  observed times, and ``exchange_state``: ``current`` (in the briefing's current text),
  ``edited_away`` (a later version holds another wording of it) or ``removed`` (no later
  version holds it, or the whole briefing is gone).

- ``warc`` (evidence, issue 16): every capture with a body as gzipped WARC records, oldest
  first: request + response when recorded at fetch time, else resource + metadata
  (``storage.warc``); ``source``/``since``/``until`` filter by the capture's briefing.

JSON Lines stay schema-valid: the default lines are the schema objects themselves; the
status travels in the ``all_versions`` wrapper (``status``, ``is_current``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import IO, Any, TypeVarTuple

from sqlalchemy import Connection, Executable, Select, case, literal, select
from sqlalchemy.orm import aliased

from storage.enums import BriefingStatus
from storage.errors import ArchiveError
from storage.models import Briefing, Exchange, Version

Row = TypeVarTuple("Row")
FORMATS = ("jsonl", "csv", "parquet", "warc")
BATCH_ROWS = 1000  # rows fetched from the database at a time
PARQUET_ROW_GROUP = 10_000  # rows per Parquet row group (and the most held in memory)

EXCHANGE_COLUMNS = (
    "briefing_id",
    "source",
    "language",
    "url",
    "held_on",
    "title",
    "version",
    "index",
    "kind",
    "asker",
    "answerer",
    "question",
    "answer",
    "follow_up",
    "after_conference",
    "exchange_uid",
    "briefing_status",
    "version_first_seen",
    "version_last_seen",
    "exchange_state",
)


class ExportError(ArchiveError):
    """The export cannot run (e.g. pyarrow missing); the message says what to do."""


@dataclass(frozen=True, slots=True)
class ExportFilter:
    source: str | None = None
    since: date | None = None
    until: date | None = None
    all_versions: bool = False


def _filtered(stmt: Select[*Row], flt: ExportFilter) -> Select[*Row]:
    if flt.source:
        stmt = stmt.where(Briefing.source == flt.source)
    if flt.since:
        stmt = stmt.where(Briefing.held_on >= flt.since)
    if flt.until:
        stmt = stmt.where(Briefing.held_on <= flt.until)
    if not flt.all_versions:
        stmt = stmt.where(Version.is_latest.is_(True))
    return stmt


def _stream(conn: Connection, stmt: Executable) -> Iterator[Any]:
    result = conn.execution_options(yield_per=BATCH_ROWS).execute(stmt)
    try:
        yield from result
    finally:
        result.close()


# ---------------------------------------------------------------------------- records


def iter_briefings(conn: Connection, flt: ExportFilter) -> Iterator[dict[str, Any]]:
    """Schema-v1 objects (or version wrappers with ``all_versions``), oldest first."""
    stmt = (
        select(
            Version.briefing_id,
            Version.number,
            Version.first_seen,
            Version.last_seen,
            Version.cause,
            Version.data,
            Version.is_latest,
            Briefing.status,
        )
        .join(Briefing, Briefing.id == Version.briefing_id)
        .order_by(Briefing.held_on, Briefing.id, Version.number)
    )
    for row in _stream(conn, _filtered(stmt, flt)):
        if not flt.all_versions:
            yield row.data
            continue
        yield {
            "briefing_id": row.briefing_id,
            "version": row.number,
            "first_seen": row.first_seen.isoformat(),
            "last_seen": row.last_seen.isoformat(),
            "cause": row.cause,
            "is_current": bool(row.is_latest),
            "status": str(row.status),
            "briefing": row.data,
        }


def iter_exchange_rows(conn: Connection, flt: ExportFilter) -> Iterator[dict[str, Any]]:
    """One dict per exchange with the columns ``EXCHANGE_COLUMNS``, in briefing order."""
    stmt = (
        select(
            Briefing.id.label("briefing_id"),
            Briefing.source,
            Briefing.language,
            Briefing.url,
            Briefing.held_on,
            Briefing.title,
            Version.number.label("version"),
            Exchange.position.label("index"),
            Exchange.kind,
            Exchange.asker,
            Exchange.answerer,
            Exchange.question,
            Exchange.answer,
            Exchange.follow_up,
            Exchange.after_conference,
            Exchange.uid.label("exchange_uid"),
            Briefing.status.label("briefing_status"),
            Version.first_seen.label("version_first_seen"),
            Version.last_seen.label("version_last_seen"),
            _exchange_state().label("exchange_state"),
        )
        .join(Version, Version.id == Exchange.version_id)
        .join(Briefing, Briefing.id == Exchange.briefing_id)
        .order_by(Briefing.held_on, Briefing.id, Version.number, Exchange.position)
    )
    for row in _stream(conn, _filtered(stmt, flt)):
        yield row._asdict()


def _exchange_state() -> Any:
    """``current`` / ``edited_away`` / ``removed`` for an exchange row of any version."""
    current = aliased(Exchange)
    latest = aliased(Version)
    in_latest = (
        select(current.id)
        .join(latest, latest.id == current.version_id)
        .where(
            latest.briefing_id == Exchange.briefing_id,
            latest.is_latest.is_(True),
            current.uid == Exchange.uid,
        )
    )
    same_text = in_latest.where(current.fingerprint == Exchange.fingerprint)
    return case(
        (Briefing.status == BriefingStatus.REMOVED, literal("removed")),
        (Version.is_latest.is_(True), literal("current")),
        (same_text.exists(), literal("current")),
        (in_latest.exists(), literal("edited_away")),
        else_=literal("removed"),
    )


# ---------------------------------------------------------------------------- writers


def write_jsonl(conn: Connection, out: IO[str], flt: ExportFilter) -> int:
    count = 0
    for record in iter_briefings(conn, flt):
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        count += 1
    return count


def write_csv(conn: Connection, out: IO[str], flt: ExportFilter) -> int:
    writer = csv.DictWriter(out, fieldnames=EXCHANGE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in iter_exchange_rows(conn, flt):
        for name in ("held_on", "version_first_seen", "version_last_seen"):
            row[name] = row[name].isoformat() if row[name] else None
        row["briefing_status"] = str(row["briefing_status"])
        writer.writerow(row)
        count += 1
    return count


def parquet_schema() -> Any:
    pa = _pyarrow()
    string, integer, boolean = pa.string(), pa.int64(), pa.bool_()
    types = {
        "briefing_id": integer,
        "held_on": pa.date32(),
        "version": integer,
        "index": integer,
        "follow_up": boolean,
        "after_conference": boolean,
        "version_first_seen": pa.timestamp("us", tz="UTC"),
        "version_last_seen": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema([(name, types.get(name, string)) for name in EXCHANGE_COLUMNS])


def write_parquet(
    conn: Connection, out: Any, flt: ExportFilter, *, row_group: int = PARQUET_ROW_GROUP
) -> int:
    """Write row groups of ``row_group`` rows to ``out`` (a path or a binary file)."""
    pa = _pyarrow()
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for row in iter_exchange_rows(conn, flt):
            row["briefing_status"] = str(row["briefing_status"])
            batch.append(row)
            if len(batch) >= row_group:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as exc:
        raise ExportError("parquet export needs pyarrow: pip install 'briefings[parquet]'") from exc
    return pyarrow


# ---------------------------------------------------------------------------- warc (evidence)


def write_warc(conn: Connection, out: IO[bytes], flt: ExportFilter) -> int:
    """Every stored capture as WARC records (``storage.warc``); returns the record count."""
    from storage import rawstore
    from storage import warc as warc_lib
    from storage.models import Capture

    stmt = (
        select(Capture)
        .where(Capture.body_sha256.is_not(None))
        .order_by(Capture.fetched_at, Capture.id)
    )
    if flt.source or flt.since or flt.until:
        stmt = stmt.join(Briefing, Briefing.id == Capture.briefing_id)
        stmt = _filtered(stmt, replace(flt, all_versions=True))
    count = 0
    batch: list[Any] = []
    for row in _stream(conn, stmt):
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            count += _write_warc_batch(conn, out, batch, rawstore, warc_lib)
            batch = []
    return count + _write_warc_batch(conn, out, batch, rawstore, warc_lib)


def _write_warc_batch(
    conn: Connection, out: IO[bytes], rows: list[Any], rawstore: Any, warc_lib: Any
) -> int:
    metas = warc_lib.load_meta(conn, [row.id for row in rows])
    count = 0
    for row in rows:
        body = rawstore.get(conn, row.body_sha256)
        meta = metas.get(row.id)
        if meta is not None:
            records = warc_lib.capture_records(meta, body)
        else:
            records = warc_lib.legacy_records(
                warc_lib.LegacyCapture(
                    capture_id=row.id,
                    url=row.final_url or row.url,
                    fetched_at=row.fetched_at,
                    status_code=row.status_code,
                    content_type=row.content_type,
                    etag=row.etag,
                    last_modified=row.last_modified,
                    body_sha256=row.body_sha256,
                ),
                body,
            )
        warc_lib.write_records(out, records, gzip=True)
        count += len(records)
    return count
