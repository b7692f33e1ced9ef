"""Bundles for an edited exchange, a removed exchange and a removed briefing: they validate
with the ``wacz`` package, warcio reads every record, replay gives the stored bytes, and
a tampered bundle fails ``verify``."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage import rawstore
from storage.api import Archive, EvidenceTarget, load_signing_key, verify_bundle
from tests.evidence.conftest import write_key
from tests.evidence.scenarios import (
    REMOVED_ASKER,
    Scenario,
    edited_exchange,
    removed_briefing,
    removed_exchange,
    wacz_validate,
    warcio_cli,
)

SCENARIOS: dict[str, Callable[[Archive], Scenario]] = {
    "edited": edited_exchange,
    "removed": removed_exchange,
    "briefing-removed": removed_briefing,
}


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, out: Path, **changed: bytes) -> Path:
    """A copy of the bundle with some members replaced (names with / as __)."""
    files = members(path)
    for name, data in changed.items():
        files[name.replace("__", "/").replace("_json", ".json").replace("_txt", ".txt")] = data
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out


@pytest.fixture(params=sorted(SCENARIOS))
def bundle(request: pytest.FixtureRequest, archive: Archive, tmp_path: Path):
    scenario = SCENARIOS[request.param](archive)
    path = tmp_path / f"{request.param}.wacz"
    summary = archive.evidence_bundle(EvidenceTarget.event(scenario.event_id), path)
    return request.param, scenario, path, summary


def test_the_bundle_validates_with_the_wacz_package(bundle) -> None:
    _, _, path, summary = bundle
    result = wacz_validate(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout
    assert summary.path == str(path) and summary.bytes == path.stat().st_size


def test_warcio_reads_every_record_and_replay_gives_the_stored_bytes(
    bundle, archive: Archive, tmp_path: Path
) -> None:
    _, _, path, _ = bundle
    files = members(path)
    warc = tmp_path / "data.warc.gz"
    warc.write_bytes(files["archive/data.warc.gz"])
    checked = warcio_cli("check", "-v", str(warc))
    assert checked.returncode == 0 and "digest failed" not in checked.stdout, checked.stdout
    assert warcio_cli("index", str(warc)).returncode == 0
    doc = json.loads(files["evidence/evidence.json"])
    replayed = {}
    for record in ArchiveIterator(io.BytesIO(files["archive/data.warc.gz"])):
        replayed[record.rec_headers.get_header("WARC-Record-ID")] = record.content_stream().read()
    with archive.transaction() as session:
        for capture in doc["captures"]:
            stored = rawstore.get(session.connection(), capture["body_sha256"])
            assert replayed[capture["warc"]["main_record_id"]] == stored
    assert len(files["indexes/index.cdx"].splitlines()) == len(doc["captures"])


def test_evidence_json_says_what_was_seen_when_and_where(bundle) -> None:
    kind, scenario, path, _ = bundle
    doc = json.loads(members(path)["evidence/evidence.json"])
    roles = [c["role"] for c in doc["captures"]]
    assert doc["event"]["id"] == scenario.event_id
    assert all(c["fetched_at"].endswith("Z") for c in doc["captures"])
    assert all(c["warc"]["kind"] == "response" for c in doc["captures"])
    citation = members(path)["evidence/citation.txt"].decode()
    for capture in doc["captures"]:
        assert capture["body_sha256"] in citation
    if kind == "briefing-removed":
        assert roles == ["before", "suspect", "after", "confirming"]
        assert doc["exchange"] is None and doc["briefing"]["status"] == "removed"
        assert [e["outcome"] for e in doc["suspicion_log"]] == [
            "suspect",
            "suspect",
            "not_transcript",
        ]
        return
    versions = doc["exchange"]["versions"]
    before, after = doc["captures"][0], doc["captures"][-1]
    assert before["exchange_position"]["present"]
    question = before["exchange_position"]["question"]
    assert question["byte_offset"] < question["end_byte_offset"]
    if kind == "removed":
        assert roles == ["before", "after", "confirming"]
        assert doc["event"]["exchange"]["asker"] == REMOVED_ASKER
        assert [v["present"] for v in versions] == [True, False]
        assert not after["exchange_position"]["present"]
    else:
        assert roles == ["before", "after"]
        assert versions[0]["question"] != versions[1]["question"]
        assert "Takeuchi Ryo" in versions[1]["question"]


def test_verify_passes_and_catches_every_tampering(bundle, tmp_path: Path) -> None:
    _, _, path, _ = bundle
    assert verify_bundle(path).ok
    files = members(path)
    warc = bytearray(files["archive/data.warc.gz"])
    warc[len(warc) // 2] ^= 0x01
    one_byte = rewrite(path, tmp_path / "byte.wacz", archive__data_warc_gz=bytes(warc))
    assert not verify_bundle(one_byte).ok
    swapped = rewrite(path, tmp_path / "swap.wacz", evidence__citation_txt=b"nothing happened\n")
    report = verify_bundle(swapped)
    assert not report.ok and any("citation" in c.name for c in report.failures)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 3] ^= 0x20
    (tmp_path / "raw.wacz").write_bytes(bytes(raw))
    assert not verify_bundle(tmp_path / "raw.wacz").ok
    extra = rewrite(path, tmp_path / "extra.wacz", evidence__note_txt=b"added later")
    assert not verify_bundle(extra).ok


def test_a_signed_bundle_verifies_and_a_re_hashed_forgery_does_not(
    archive: Archive, tmp_path: Path, key_file: Path
) -> None:
    scenario = removed_exchange(archive)
    path = tmp_path / "signed.wacz"
    summary = archive.evidence_bundle(
        EvidenceTarget.event(scenario.event_id), path, key=load_signing_key(key_file)
    )
    assert summary.signed
    report = verify_bundle(path, public_key=key_file.with_suffix(".pub").read_text())
    assert report.ok and report.signed_by
    assert wacz_validate(path).returncode == 0
    other = write_key(tmp_path / "other.pem")
    assert not verify_bundle(path, public_key=other.with_suffix(".pub").read_text()).ok
    # A forger swaps citation.txt and re-hashes datapackage.json and its digest.
    files = members(path)
    forged_citation = b"nothing was removed\n"
    package = json.loads(files["datapackage.json"])
    import hashlib

    for resource in package["resources"]:
        if resource["path"] == "evidence/citation.txt":
            resource["hash"] = "sha256:" + hashlib.sha256(forged_citation).hexdigest()
            resource["bytes"] = len(forged_citation)
    package_bytes = json.dumps(package).encode()
    digest = json.loads(files["datapackage-digest.json"])
    digest["hash"] = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    forged = rewrite(
        path,
        tmp_path / "forged.wacz",
        evidence__citation_txt=forged_citation,
        datapackage_json=package_bytes,
        **{"datapackage-digest_json": json.dumps(digest).encode()},
    )
    report = verify_bundle(forged)
    assert not report.ok and [c.name for c in report.failures] == ["signature"]


def test_exchange_and_briefing_targets(archive: Archive, tmp_path: Path) -> None:
    scenario = removed_exchange(archive)
    assert scenario.exchange_uid is not None
    by_exchange = archive.evidence_bundle(
        EvidenceTarget.exchange(scenario.exchange_uid), tmp_path / "x.wacz"
    )
    by_briefing = archive.evidence_bundle(
        EvidenceTarget.briefing(scenario.briefing_id), tmp_path / "b.wacz"
    )
    for path in (tmp_path / "x.wacz", tmp_path / "b.wacz"):
        assert verify_bundle(path).ok
    assert by_exchange.captures == by_briefing.captures == 3
    name, data, summary = archive.evidence_bytes(EvidenceTarget.event(scenario.event_id))
    assert name.endswith(".wacz") and verify_bundle(io.BytesIO(data)).ok
    assert summary.sha256 and summary.bytes == len(data)
