"""Checking a bundle: every hash, every record, the signature. No archive needed.

``verify_bundle(path)`` returns a ``VerifyReport`` (``ok`` only if every check passed):

1. the file is a ZIP whose members all read back (their CRCs hold);
2. ``datapackage.json`` lists every member but itself and ``datapackage-digest.json``, and
   nothing else; each listed file has that SHA-256 and size;
3. ``datapackage-digest.json`` holds the SHA-256 of ``datapackage.json``; a signature, if
   present, verifies (``storage.evidence.sign``); ``public_key`` pins whose it must be;
4. every WARC record's block and payload digests hold (warcio), and every CDXJ line points at
   a record with that URL and payload digest;
5. ``evidence.json`` cites only records that the WARC holds, with their digests.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from storage.evidence.bundle import EVIDENCE_PATH, INDEX_PATH, WARC_PATH
from storage.evidence.sign import SigningError, key_fingerprint, verify_signature

META_FILES = ("datapackage.json", "datapackage-digest.json")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(slots=True)
class VerifyReport:
    path: str
    checks: list[Check] = field(default_factory=list)
    signed_by: str | None = None  # key fingerprint of a valid signature

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "signed_by": self.signed_by,
            "checks": [c.to_json() for c in self.checks],
        }


def verify_bundle(source: str | Path | IO[bytes], *, public_key: str | None = None) -> VerifyReport:
    """Check a bundle; ``public_key``: base64 DER or PEM text the signature must use."""
    name = str(source) if isinstance(source, str | Path) else "<stream>"
    report = VerifyReport(name)
    members = _read_zip(source, report)
    if members is None:
        return report
    package = _check_package(members, report)
    if package is None:
        return report
    _check_digest(members, report, public_key)
    records = _check_warc(members, report)
    if records is not None:
        _check_index(members, records, report)
        _check_evidence(members, records, report)
    return report


def _read_zip(source: str | Path | IO[bytes], report: VerifyReport) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(source) as archive:
            members = {info.filename: archive.read(info) for info in archive.infolist()}
    except FileNotFoundError:
        report.add("zip", False, "no such file")
        return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        report.add("zip", False, f"not a readable ZIP/WACZ file: {exc}")
        return None
    report.add("zip", True, f"{len(members)} files, every CRC holds")
    return members


def _check_package(members: dict[str, bytes], report: VerifyReport) -> dict[str, Any] | None:
    raw = members.get("datapackage.json")
    if raw is None:
        report.add("datapackage", False, "datapackage.json is missing")
        return None
    try:
        package: dict[str, Any] = json.loads(raw)
        resources = {r["path"]: r for r in package["resources"]}
    except (ValueError, KeyError, TypeError) as exc:
        report.add("datapackage", False, f"datapackage.json is malformed: {exc}")
        return None
    listed_ok = True
    for path in sorted(set(members) - set(META_FILES)):
        if path not in resources:
            listed_ok = report.add(
                f"listed {path}", False, "in the bundle, not in datapackage.json"
            )
    for path, resource in sorted(resources.items()):
        data = members.get(path)
        if data is None:
            listed_ok = report.add(f"hash {path}", False, "listed, but not in the bundle")
            continue
        actual = "sha256:" + hashlib.sha256(data).hexdigest()
        same = actual == resource.get("hash") and len(data) == resource.get("bytes")
        listed_ok = (
            report.add(
                f"hash {path}", same, actual if same else f"{actual} != {resource.get('hash')}"
            )
            and listed_ok
        )
    report.add("datapackage", listed_ok, f"{len(resources)} files listed")
    return package


def _check_digest(members: dict[str, bytes], report: VerifyReport, public_key: str | None) -> None:
    raw = members.get("datapackage-digest.json")
    if raw is None:
        report.add("datapackage-digest", False, "datapackage-digest.json is missing")
        return
    actual = "sha256:" + hashlib.sha256(members["datapackage.json"]).hexdigest()
    try:
        digest = json.loads(raw)
    except ValueError:
        report.add("datapackage-digest", False, "datapackage-digest.json is not JSON")
        return
    if not report.add(
        "datapackage-digest", digest.get("hash") == actual, f"datapackage.json is {actual}"
    ):
        return
    signed = digest.get("signedData")
    if not signed:
        if public_key:
            report.add("signature", False, "the bundle is not signed")
        return
    try:
        fingerprint = verify_signature(signed, actual)
    except SigningError as exc:
        report.add("signature", False, str(exc))
        return
    if public_key and key_fingerprint(_der_b64(public_key)) != fingerprint:
        report.add("signature", False, f"signed by key {fingerprint[:16]}…, not the given key")
        return
    report.signed_by = fingerprint
    report.add("signature", True, f"ECDSA signature by key sha256:{fingerprint}")


def _der_b64(public_key: str) -> str:
    """A public key given as PEM text or base64 DER, as base64 DER."""
    if "BEGIN PUBLIC KEY" not in public_key:
        return public_key.strip()
    body = [line for line in public_key.strip().splitlines() if not line.startswith("-----")]
    return "".join(body)


@dataclass(frozen=True, slots=True)
class SeenRecord:
    record_id: str
    rec_type: str
    url: str | None
    payload_digest: str | None
    block_digest: str | None
    offset: int


def _check_warc(members: dict[str, bytes], report: VerifyReport) -> dict[str, SeenRecord] | None:
    data = members.get(WARC_PATH)
    if data is None:
        report.add("warc", False, f"{WARC_PATH} is missing")
        return None
    seen: dict[str, SeenRecord] = {}
    problems: list[str] = []
    try:
        iterator = ArchiveIterator(io.BytesIO(data), check_digests=True)
        for record in iterator:
            record.content_stream().read()
            headers = record.rec_headers
            record_id = headers.get_header("WARC-Record-ID")
            if record.digest_checker.passed is False:
                problems += [f"{record_id}: {p}" for p in record.digest_checker.problems]
            seen[record_id] = SeenRecord(
                record_id,
                record.rec_type,
                headers.get_header("WARC-Target-URI"),
                headers.get_header("WARC-Payload-Digest"),
                headers.get_header("WARC-Block-Digest"),
                iterator.get_record_offset(),
            )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError, gzip.BadGzipFile) as exc:
        report.add("warc", False, f"the WARC does not read: {exc}")
        return None
    ok = not problems and bool(seen)
    report.add(
        "warc", ok, "; ".join(problems) if problems else f"{len(seen)} records, digests hold"
    )
    return seen


def _check_index(
    members: dict[str, bytes], records: dict[str, SeenRecord], report: VerifyReport
) -> None:
    raw = members.get(INDEX_PATH)
    if raw is None:
        report.add("index", False, f"{INDEX_PATH} is missing")
        return
    by_offset = {r.offset: r for r in records.values()}
    bad = []
    lines = [line for line in raw.decode("utf-8", "replace").splitlines() if line.strip()]
    for line in lines:
        try:
            entry = json.loads(line.split(" ", 2)[2])
            record = by_offset.get(int(entry["offset"]))
        except (IndexError, ValueError, KeyError):
            bad.append(line[:80])
            continue
        if record is None or record.url != entry.get("url"):
            bad.append(f"offset {entry.get('offset')}: no record of {entry.get('url')}")
        elif entry.get("digest") and entry["digest"] != record.payload_digest:
            bad.append(f"offset {entry['offset']}: digest differs")
    report.add("index", not bad, "; ".join(bad[:3]) if bad else f"{len(lines)} entries match")


def _check_evidence(
    members: dict[str, bytes], records: dict[str, SeenRecord], report: VerifyReport
) -> None:
    raw = members.get(EVIDENCE_PATH)
    if raw is None:
        report.add("evidence", False, f"{EVIDENCE_PATH} is missing")
        return
    try:
        doc = json.loads(raw)
        cited = [c["warc"] for c in doc["captures"] if c.get("warc")]
    except (ValueError, KeyError, TypeError) as exc:
        report.add("evidence", False, f"evidence.json is malformed: {exc}")
        return
    bad = []
    for warc in cited:
        record = records.get(warc["main_record_id"])
        if record is None:
            bad.append(f"{warc['main_record_id']} is not in the WARC")
        elif record.payload_digest != warc["payload_digest"]:
            bad.append(f"{warc['main_record_id']}: payload digest differs")
    report.add("evidence", not bad, "; ".join(bad[:3]) if bad else f"{len(cited)} records cited")
