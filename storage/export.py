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
- ``aligned`` (any format): a parallel corpus, one row per aligned exchange pair (1–1, 2–1,
  1–2 rows of complete English↔Chinese pairs) with both texts; columns ``ALIGNED_COLUMNS``
  (``en_index``/``zh_index``: lists of schema indices; a JSON array in a CSV cell). Its
  licence status is in ``docs/alignment.md``.
- ``warc`` (evidence, issue 16): every capture with a body as gzipped WARC records, oldest
  first: request + response when recorded at fetch time, else resource + metadata
  (``storage.warc``); ``source``/``since``/``until`` filter by the capture's briefing.

JSON Lines stay schema-valid: the default lines are the schema objects themselves; the
status travels in the ``all_versions`` wrapper (``status``, ``is_current``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import IO, Any, TypeVarTuple

from sqlalchemy import Connection, Executable, Select, case, func, literal, select, tuple_
from sqlalchemy.orm import aliased

from storage.enums import BriefingStatus
from storage.errors import ArchiveError
from storage.models import AlignedRow, Briefing, BriefingPair, Exchange, Version, table_of

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


# the parallel corpus
ALIGNED_COLUMNS = (
    "pair_id",
    "held_on",
    "family",
    "en_briefing_id",
    "zh_briefing_id",
    "en_url",
    "zh_url",
    "en_version",
    "zh_version",
    "row",
    "bead",
    "score",
    "confidence",
    "en_index",
    "zh_index",
    "outlet",
    "en_asker",
    "zh_asker",
    "en_question",
    "en_answer",
    "zh_question",
    "zh_answer",
)
ALIGNED_PAGE = 200  # pairs read at a time


class ExportError(ArchiveError):
    """The export cannot run (e.g. pyarrow missing); the message says what to do."""


@dataclass(frozen=True, slots=True)
class ExportFilter:
    source: str | None = None
    since: date | None = None
    until: date | None = None
    all_versions: bool = False
    aligned: bool = False  # the parallel corpus instead


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
    rows = (
        {**row, "briefing_status": str(row["briefing_status"])}
        for row in iter_exchange_rows(conn, flt)
    )
    return _write_rows_parquet(rows, out, parquet_schema(), row_group=row_group)


# The README's install command (tests/test_readme.py checks they agree): the project is
# installed from its repository, not from an index.
PYARROW_MISSING = "parquet export needs pyarrow: pip install -e '.[parquet]' (in the repository)"


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as exc:
        raise ExportError(PYARROW_MISSING) from exc
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


# ---------------------------------------------------------------------------- aligned
# one row per aligned exchange pair, both texts.


def iter_aligned_rows(conn: Connection, flt: ExportFilter) -> Iterator[dict[str, Any]]:
    """Rows ``ALIGNED_COLUMNS`` of complete pairs, by date, pair and row; pages of
    ``ALIGNED_PAGE`` pairs (memory stays flat)."""
    from storage.align.pairing import family

    pair = table_of(BriefingPair)
    day = func.coalesce(pair.c.held_on, date.min)
    last: tuple[date, int] | None = None
    while True:
        stmt = (
            select(pair)
            .where(pair.c.status == "complete")
            .order_by(day, pair.c.id)
            .limit(ALIGNED_PAGE)
        )
        if flt.source:
            stmt = stmt.where(pair.c.family == family(flt.source))
        if flt.since:
            stmt = stmt.where(pair.c.held_on >= flt.since)
        if flt.until:
            stmt = stmt.where(pair.c.held_on <= flt.until)
        if last is not None:
            stmt = stmt.where(tuple_(day, pair.c.id) > last)
        pairs = conn.execute(stmt).mappings().all()
        if not pairs:
            return
        yield from _aligned_page(conn, pairs)
        last = (pairs[-1]["held_on"] or date.min, pairs[-1]["id"])


def _aligned_page(conn: Connection, pairs: Sequence[Any]) -> Iterator[dict[str, Any]]:
    rows_t, briefing_t, version_t = table_of(AlignedRow), table_of(Briefing), table_of(Version)
    ids = [p["id"] for p in pairs]
    versions = {v for p in pairs for v in (p["en_version_id"], p["zh_version_id"]) if v}
    briefings = {p[k] for p in pairs for k in ("en_briefing_id", "zh_briefing_id")}
    urls = dict(
        conn.execute(
            select(briefing_t.c.id, briefing_t.c.url).where(briefing_t.c.id.in_(briefings))
        ).all()
    )
    numbers = dict(
        conn.execute(
            select(version_t.c.id, version_t.c.number).where(version_t.c.id.in_(versions))
        ).all()
    )
    texts = _exchange_texts(conn, versions)
    rows = conn.execute(
        select(rows_t)
        .where(rows_t.c.pair_id.in_(ids), rows_t.c.bead.in_(("1-1", "2-1", "1-2")))
        .order_by(rows_t.c.pair_id, rows_t.c.position)
    ).mappings()
    by_pair: dict[int, list[Any]] = {}
    for row in rows:
        by_pair.setdefault(row["pair_id"], []).append(row)
    for p in pairs:
        en_x, zh_x = texts.get(p["en_version_id"], {}), texts.get(p["zh_version_id"], {})
        for row in by_pair.get(p["id"], []):
            en = [en_x[i] for i in row["en"] if i in en_x]
            zh = [zh_x[i] for i in row["zh"] if i in zh_x]
            features = row["features"] or {}
            en_outlets = features.get("en_outlets") or []
            same = row["outlet"] == "match" and en_outlets == features.get("zh_outlets")
            yield {
                "pair_id": p["id"],
                "held_on": p["held_on"],
                "family": p["family"],
                "en_briefing_id": p["en_briefing_id"],
                "zh_briefing_id": p["zh_briefing_id"],
                "en_url": urls.get(p["en_briefing_id"]),
                "zh_url": urls.get(p["zh_briefing_id"]),
                "en_version": numbers.get(p["en_version_id"]),
                "zh_version": numbers.get(p["zh_version_id"]),
                "row": row["position"],
                "bead": row["bead"],
                "score": row["score"],
                "confidence": row["confidence"],
                "en_index": list(row["en"]),
                "zh_index": list(row["zh"]),
                "outlet": ",".join(en_outlets) if same and en_outlets else None,
                "en_asker": _joined(x["asker"] for x in en),
                "zh_asker": _joined(x["asker"] for x in zh),
                "en_question": _joined(x["question"] for x in en),
                "en_answer": _joined(x["answer"] for x in en),
                "zh_question": _joined(x["question"] for x in zh),
                "zh_answer": _joined(x["answer"] for x in zh),
            }


def _exchange_texts(conn: Connection, versions: set[int]) -> dict[int, dict[int, Any]]:
    exchange = table_of(Exchange)
    out: dict[int, dict[int, Any]] = {}
    stmt = select(
        exchange.c.version_id,
        exchange.c.position,
        exchange.c.asker,
        exchange.c.question,
        exchange.c.answer,
    ).where(exchange.c.version_id.in_(versions))
    for row in conn.execute(stmt).mappings():
        out.setdefault(row["version_id"], {})[row["position"]] = row
    return out


def _joined(values: Iterable[str | None]) -> str | None:
    """Two exchanges' texts as one (a 2–1 row), in order; None when neither has any."""
    texts = list(dict.fromkeys(v for v in values if v))
    return "\n".join(texts) if texts else None


def write_aligned(conn: Connection, fmt: str, out: Any, flt: ExportFilter) -> int:
    """The parallel corpus as jsonl, csv or parquet (``out``: a text stream for jsonl/csv, a
    path or binary stream for parquet); returns the rows written."""
    rows = iter_aligned_rows(conn, flt)
    if fmt == "parquet":
        return _write_rows_parquet(rows, out, aligned_parquet_schema())
    count = 0
    if fmt == "jsonl":
        for row in rows:
            row["held_on"] = row["held_on"].isoformat() if row["held_on"] else None
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
        return count
    writer = csv.DictWriter(out, fieldnames=ALIGNED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        row["held_on"] = row["held_on"].isoformat() if row["held_on"] else None
        row["en_index"], row["zh_index"] = json.dumps(row["en_index"]), json.dumps(row["zh_index"])
        writer.writerow(row)
        count += 1
    return count


def aligned_parquet_schema() -> Any:
    pa = _pyarrow()
    integer, number = pa.int64(), pa.float64()
    types = {
        "pair_id": integer,
        "held_on": pa.date32(),
        "en_briefing_id": integer,
        "zh_briefing_id": integer,
        "en_version": integer,
        "zh_version": integer,
        "row": integer,
        "score": number,
        "confidence": number,
        "en_index": pa.list_(integer),
        "zh_index": pa.list_(integer),
    }
    return pa.schema([(name, types.get(name, pa.string())) for name in ALIGNED_COLUMNS])


def _write_rows_parquet(
    rows: Iterator[dict[str, Any]], out: Any, schema: Any, *, row_group: int = PARQUET_ROW_GROUP
) -> int:
    """Row groups of ``row_group`` rows (an empty file still gets the schema)."""
    pa = _pyarrow()
    import pyarrow.parquet as pq

    count = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= row_group:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
