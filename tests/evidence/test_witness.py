"""Third-party witnesses: optional, rate-limited, never depended on (a local fake server)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from storage.api import Archive, EvidenceTarget, WitnessConfig, verify_bundle
from tests.evidence.fakeia import FakeArchive
from tests.evidence.scenarios import removed_exchange


def config(base: str, **extra: object) -> WitnessConfig:
    return WitnessConfig(
        cdx_url=f"{base}/cdx/search/cdx",
        save_url=f"{base}/save/",
        replay_url=f"{base}/web/",
        min_interval=0.0,
        timeout=5.0,
        **extra,  # type: ignore[arg-type]
    )


def witnesses(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as bundle:
        return json.loads(bundle.read("evidence/evidence.json"))["witnesses"]


def test_nearest_captures_and_a_save_request_go_into_the_bundle(
    archive: Archive, tmp_path: Path
) -> None:
    scenario = removed_exchange(archive)
    with FakeArchive() as fake:
        path = tmp_path / "w.wacz"
        archive.evidence_bundle(
            EvidenceTarget.event(scenario.event_id),
            path,
            witnesses=config(fake.base_url, save=True),
        )
        asked = list(fake.paths)
    found = witnesses(path)
    assert [w["kind"] for w in found] == ["cdx", "save-page-now"]
    stamps = [c["timestamp"] for c in found[0]["captures"]]
    assert "20260302093000" in stamps and found[0]["error"] is None
    assert found[1]["status"] == 200
    assert len(asked) == 2  # one URL: one lookup, one save, within the budget
    assert verify_bundle(path).ok


def test_an_unreachable_witness_is_recorded_not_fatal(archive: Archive, tmp_path: Path) -> None:
    scenario = removed_exchange(archive)
    with FakeArchive() as fake:
        base = fake.base_url
    path = tmp_path / "down.wacz"  # the fake is stopped: connection refused
    archive.evidence_bundle(EvidenceTarget.event(scenario.event_id), path, witnesses=config(base))
    (result,) = witnesses(path)
    assert result["captures"] == [] and result["error"]


def test_witnesses_are_off_by_default(archive: Archive, tmp_path: Path) -> None:
    scenario = removed_exchange(archive)
    path = tmp_path / "plain.wacz"
    archive.evidence_bundle(EvidenceTarget.event(scenario.event_id), path)
    assert witnesses(path) == []
