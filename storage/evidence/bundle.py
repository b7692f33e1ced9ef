"""An evidence bundle: one WACZ file for a change event, an exchange or a briefing.

Layout (WACZ 1.1.1; ``wacz validate`` accepts it)::

    archive/data.warc.gz        the WARC records of every capture the plan names, one gzip
                                member per record (a warcinfo record first)
    indexes/index.cdx           CDXJ index of those records (cdxj-indexer)
    pages/pages.jsonl           one page per archived response
    evidence/evidence.json      the event, the exchange in each version, where it sits in
                                each page, the captures, the suspicion log, the witnesses
    evidence/citation.txt       the same, for people, with the hashes
    datapackage.json            every file above with its SHA-256 and size
    datapackage-digest.json     the SHA-256 of datapackage.json, and the signature if signed

(The statements sit in ``evidence/`` because WACZ validators expect every listed file in a
folder.) The bundle is built in memory (a typical removal bundle is some 100 kB) and written
to a temporary file beside the target, then renamed: on any error nothing is left behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import rawstore
from storage import warc as warc_lib
from storage.errors import ArchiveError
from storage.evidence import document
from storage.evidence.document import CaptureRecords
from storage.evidence.plan import EvidenceTarget, Plan, PlannedCapture, make_plan
from storage.evidence.sign import sign
from storage.evidence.witness import WitnessConfig, gather
from storage.models import Exchange

WACZ_VERSION = "1.1.1"
WARC_PATH = "archive/data.warc.gz"
INDEX_PATH = "indexes/index.cdx"
PAGES_PATH = "pages/pages.jsonl"
EVIDENCE_PATH = "evidence/evidence.json"
CITATION_PATH = "evidence/citation.txt"
STORED = frozenset({WARC_PATH})  # WACZ: WARCs are stored, not deflated, so offsets work


class EvidenceError(ArchiveError):
    """A bundle cannot be made as asked; nothing was written."""


class BodyMissing(EvidenceError):
    """A capture the bundle needs has lost its stored body."""


@dataclass(frozen=True, slots=True)
class BundleSummary:
    target: str
    summary: str
    path: str | None
    bytes: int
    sha256: str  # of the whole .wacz file
    datapackage_sha256: str
    captures: int
    records: int
    signed: bool
    files: dict[str, str]  # path -> sha256:… (as in datapackage.json)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "summary": self.summary,
            "path": self.path,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "datapackage_sha256": self.datapackage_sha256,
            "captures": self.captures,
            "records": self.records,
            "signed": self.signed,
            "files": self.files,
        }


@dataclass(frozen=True, slots=True)
class Bundle:
    data: bytes
    summary: BundleSummary


Signer = Callable[[str, str, str], dict[str, Any]]  # (hash, created, software) -> signedData


def software() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"briefings {version('briefings')}"
    except PackageNotFoundError:  # pragma: no cover  (a source tree without install)
        return "briefings"


def build(
    session: Session,
    target: EvidenceTarget,
    *,
    key: Any = None,
    witnesses: WitnessConfig | None = None,
    now: datetime | None = None,
) -> Bundle:
    """The bundle for ``target`` (``NotFound``, ``BodyMissing``, ``RecordMismatch``)."""
    plan = make_plan(session, target)
    created = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    made_by = software()
    records, warc_bytes = _warc(session, plan, created, made_by)
    exchanges = _exchanges(session, plan)
    seen = _witnesses(plan, witnesses)
    doc = document.evidence_json(
        plan, records, exchanges, created=created, software=made_by, witnesses=seen
    )
    files = {
        WARC_PATH: warc_bytes,
        INDEX_PATH: cdxj(warc_bytes),
        PAGES_PATH: pages(records, plan),
        EVIDENCE_PATH: _json_bytes(doc),
        CITATION_PATH: document.citation_text(doc).encode("utf-8"),
    }
    package = datapackage(files, doc, created, made_by, records)
    package_bytes = _json_bytes(package)
    package_hash = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    digest: dict[str, Any] = {"path": "datapackage.json", "hash": package_hash}
    if key is not None:
        digest["signedData"] = sign(key, package_hash, created, made_by)
    data = _zip(files, package_bytes, _json_bytes(digest), now or datetime.now(UTC))
    summary = BundleSummary(
        target=target.describe(),
        summary=doc["summary"],
        path=None,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        datapackage_sha256=package_hash,
        captures=len(records),
        records=sum(len(r.record_ids) for r in records),
        signed=key is not None,
        files={res["path"]: res["hash"] for res in package["resources"]},
    )
    return Bundle(data, summary)


# ---------------------------------------------------------------------------- WARC


def _warc(
    session: Session, plan: Plan, created: str, made_by: str
) -> tuple[list[CaptureRecords], bytes]:
    conn = session.connection()
    metas = warc_lib.load_meta(conn, plan.capture_ids)
    out = io.BytesIO()
    warc_lib.write_records(out, [warc_lib.warcinfo_record(created, made_by)], gzip=True)
    done: list[CaptureRecords] = []
    for planned in plan.captures:
        body = _body(conn, planned)
        meta = metas.get(planned.capture.id)
        built = _records_of(planned, body, meta)
        done.append(built[0])
        warc_lib.write_records(out, built[1], gzip=True)
    return done, out.getvalue()


def _body(conn: Any, planned: PlannedCapture) -> bytes | None:
    capture = planned.capture
    if capture.body_sha256 is None:
        return None
    try:
        return rawstore.get(conn, capture.body_sha256)
    except KeyError:
        raise BodyMissing(
            f"capture {capture.id} ({planned.role}, fetched {document.iso(capture.fetched_at)}) "
            f"has lost its stored body {capture.body_sha256[:12]}…: no bundle without it"
        ) from None
    except rawstore.UnreadableBody as exc:  # corrupt compressed data, unknown compression
        raise BodyMissing(f"capture {capture.id}: its stored body is unreadable: {exc}") from exc


def _records_of(
    planned: PlannedCapture, body: bytes | None, meta: warc_lib.WarcMeta | None
) -> tuple[CaptureRecords, list[Any]]:
    capture = planned.capture
    if body is None:
        empty = CaptureRecords(planned, None, "none", (), "", "", "", "", None, None)
        return empty, []
    if meta is not None:
        records = warc_lib.capture_records(meta, body)
        ids = tuple(r.rec_headers.get_header("WARC-Record-ID") for r in records)
        return (
            CaptureRecords(
                planned,
                body,
                "response",
                ids,
                meta.response_id,
                meta.warc_date,
                meta.payload_digest,
                meta.block_digest,
                meta.response_sha256,
                meta.note,
            ),
            records,
        )
    legacy = warc_lib.LegacyCapture(
        capture_id=capture.id,
        url=capture.final_url or capture.url,
        fetched_at=capture.fetched_at,
        status_code=capture.status_code,
        content_type=capture.content_type,
        etag=capture.etag,
        last_modified=capture.last_modified,
        body_sha256=capture.body_sha256 or rawstore.sha256_of(body),
    )
    records = warc_lib.legacy_records(legacy, body)
    head = records[0].rec_headers
    return (
        CaptureRecords(
            planned,
            body,
            "resource",
            tuple(r.rec_headers.get_header("WARC-Record-ID") for r in records),
            head.get_header("WARC-Record-ID"),
            head.get_header("WARC-Date"),
            head.get_header("WARC-Payload-Digest"),
            head.get_header("WARC-Block-Digest"),
            None,
            "captured before WARC recording: a resource record with a provenance note",
        ),
        records,
    )


def cdxj(warc_bytes: bytes) -> bytes:
    """The CDXJ index of the bundle's WARC, sorted (cdxj-indexer)."""
    from cdxj_indexer.main import write_cdx_index

    out = io.StringIO()
    write_cdx_index(out, io.BytesIO(warc_bytes), {"sort": True, "filename": "data.warc.gz"})
    return out.getvalue().encode("utf-8")


def pages(records: list[CaptureRecords], plan: Plan) -> bytes:
    title = plan.briefing.title or plan.briefing.url
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Evidence"}]
    for r in records:
        if r.kind == "none":
            continue
        capture = r.planned.capture
        lines.append(
            {
                "id": r.main_record_id.strip("<>").removeprefix("urn:uuid:"),
                "url": capture.final_url or capture.url,
                "ts": r.warc_date,
                "title": f"{r.planned.role}: {title}",
            }
        )
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


# ---------------------------------------------------------------------------- the rest


def _exchanges(session: Session, plan: Plan) -> dict[int, dict[str, Exchange]]:
    if plan.exchange_uid is None:
        return {}
    ids = [v.id for v in plan.versions]
    found: dict[int, dict[str, Exchange]] = {vid: {} for vid in ids}
    for ex in session.scalars(select(Exchange).where(Exchange.version_id.in_(ids))):
        found[ex.version_id][ex.uid] = ex
    return found


def _witnesses(plan: Plan, config: WitnessConfig | None) -> list[dict[str, Any]]:
    if config is None:
        return []
    urls = [p.capture.final_url or p.capture.url for p in plan.captures]
    moments = [p.capture.fetched_at for p in plan.captures]
    return gather(urls, moments, config)


def datapackage(
    files: dict[str, bytes],
    doc: dict[str, Any],
    created: str,
    made_by: str,
    records: list[CaptureRecords],
) -> dict[str, Any]:
    resources = [
        {
            "name": os.path.basename(path).lower(),
            "path": path,
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        }
        for path, data in files.items()
    ]
    package: dict[str, Any] = {
        "profile": "data-package",
        "resources": resources,
        "title": doc["summary"],
        "description": "Evidence bundle from the briefings archive (see evidence/citation.txt)",
        "created": created,
        "wacz_version": WACZ_VERSION,
        "software": made_by,
    }
    main = next((r for r in reversed(records) if r.kind != "none"), None)
    if main is not None:
        capture = main.planned.capture
        package["mainPageURL"] = capture.final_url or capture.url
        package["mainPageDate"] = main.warc_date
    return package


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _zip(files: dict[str, bytes], package: bytes, digest: bytes, moment: datetime) -> bytes:
    stamp = moment.astimezone(UTC).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        members = [
            *files.items(),
            ("datapackage.json", package),
            ("datapackage-digest.json", digest),
        ]
        for path, data in members:
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if path in STORED else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


# ---------------------------------------------------------------------------- writing


def write_atomically(path: str | Path, data: bytes) -> None:
    """``data`` at ``path`` in full, or nothing there (temporary file, fsync, rename)."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise EvidenceError(f"{target} is a directory")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise EvidenceError(f"cannot write in {directory}: {_why(exc)}") from exc
    try:
        with os.fdopen(handle, "wb") as out:
            _write_all(out, data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise EvidenceError(f"cannot write {target}: {_why(exc)}; nothing was written") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _write_all(out: IO[bytes], data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = out.write(view)
        if not written:
            raise OSError(errno.EIO, "short write")
        view = view[written:]


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)
