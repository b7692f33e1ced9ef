"""Bad input: a target that does not exist, a lost body, a full disk: a clear error and no
partial bundle. Captures made without WARC recording become resource records."""

from __future__ import annotations

import errno
import json
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.api import Archive, EvidenceError, EvidenceTarget, NotFound, verify_bundle
from storage.evidence import bundle as bundle_lib
from tests.dbfixtures import backend
from tests.evidence.scenarios import removed_exchange, wacz_validate


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "bundles"
    directory.mkdir()
    return directory


def delete_body(archive: Archive, sha: str) -> None:
    """Lose a stored body behind the foreign key's back (as a damaged archive would)."""
    if backend() == "postgresql":
        with archive.transaction() as session:
            session.execute(text("SET LOCAL session_replication_role = replica"))
            session.execute(text("DELETE FROM raw_body WHERE sha256 = :sha"), {"sha": sha})
        return
    with closing(sqlite3.connect(archive.engine.url.database)) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM raw_body WHERE sha256 = ?", (sha,))
        conn.commit()


def revised_body(archive: Archive) -> str:
    """The sha256 of the body of the scenario's revised capture."""
    with archive.transaction() as session:
        return str(
            session.execute(
                text("SELECT body_sha256 FROM capture WHERE outcome = 'revised'")
            ).scalar_one()
        )


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (EvidenceTarget.event(999), "no change event with id 999"),
        (EvidenceTarget.exchange("feedfacecafebeef"), "no exchange with id 'feedfacecafebeef'"),
        (EvidenceTarget.briefing(999), "no briefing with id 999"),
        (EvidenceTarget.event(10**30), "no change event"),
    ],
)
def test_a_missing_target_is_a_clear_error_and_no_file(
    archive: Archive, out_dir: Path, target: EvidenceTarget, message: str
) -> None:
    removed_exchange(archive)
    with pytest.raises(NotFound, match=message):
        archive.evidence_bundle(target, out_dir / "out.wacz")
    assert leftovers(out_dir) == []


def test_a_lost_body_is_a_clear_error_and_no_file(archive: Archive, out_dir: Path) -> None:
    scenario = removed_exchange(archive)
    delete_body(archive, revised_body(archive))
    with pytest.raises(EvidenceError, match="has lost its stored body"):
        archive.evidence_bundle(EvidenceTarget.event(scenario.event_id), out_dir / "out.wacz")
    assert leftovers(out_dir) == []


def test_a_corrupt_body_is_a_clear_error_and_no_file(archive: Archive, out_dir: Path) -> None:
    scenario = removed_exchange(archive)
    sha = revised_body(archive)
    with archive.transaction() as session:
        session.execute(
            text("UPDATE raw_body SET data = :junk WHERE sha256 = :sha"),
            {"junk": b"\x28\xb5\x2f\xfd damaged", "sha": sha},
        )
    with pytest.raises(
        EvidenceError, match=r"its stored body is unreadable: body \w+: corrupt zstd data"
    ):
        archive.evidence_bundle(EvidenceTarget.event(scenario.event_id), out_dir / "out.wacz")
    assert leftovers(out_dir) == []


def test_a_full_disk_leaves_no_partial_bundle(
    archive: Archive, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = removed_exchange(archive)
    out = out_dir / "out.wacz"
    out.write_bytes(b"the previous bundle")

    def half_then_full(handle, data: bytes) -> None:
        handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bundle_lib, "_write_all", half_then_full)
    with pytest.raises(EvidenceError, match="No space left on device; nothing was written"):
        archive.evidence_bundle(EvidenceTarget.event(scenario.event_id), out)
    assert leftovers(out_dir) == ["out.wacz"]
    assert out.read_bytes() == b"the previous bundle"


def test_captures_without_warc_records_become_resource_records(
    archive: Archive, tmp_path: Path
) -> None:
    scenario = removed_exchange(archive, warc=False)
    path = tmp_path / "legacy.wacz"
    archive.evidence_bundle(EvidenceTarget.event(scenario.event_id), path)
    assert verify_bundle(path).ok
    assert wacz_validate(path).returncode == 0
    with zipfile.ZipFile(path) as bundle:
        doc = json.loads(bundle.read("evidence/evidence.json"))
        warc = bundle.read("archive/data.warc.gz")
    assert {c["warc"]["kind"] for c in doc["captures"]} == {"resource"}
    import gzip

    text_ = gzip.decompress(warc)
    assert b"WARC-Type: request" not in text_
    assert text_.count(b"WARC-Type: metadata") == len(doc["captures"])
