"""``briefings evidence bundle | verify`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import main
from storage.api import Archive
from tests.evidence.scenarios import removed_exchange


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_bundle_then_verify(archive: Archive, db_url: str, tmp_path: Path, key_file: Path) -> None:
    scenario = removed_exchange(archive)
    out = tmp_path / "e.wacz"
    made = run(
        "evidence",
        "bundle",
        "--event",
        str(scenario.event_id),
        "--out",
        str(out),
        "--key",
        str(key_file),
        "--json",
        "--db",
        db_url,
    )
    assert made.exit_code == 0, made.output
    summary = json.loads(made.stdout)
    assert summary["signed"] and summary["captures"] == 3
    checked = run("evidence", "verify", str(out), "--public-key", str(key_file.with_suffix(".pub")))
    assert checked.exit_code == 0, checked.output
    assert "verified, signed by key sha256:" in checked.stdout
    people = run(
        "evidence",
        "bundle",
        "--exchange",
        str(scenario.exchange_uid),
        "--out",
        str(tmp_path / "x.wacz"),
        "--db",
        db_url,
    )
    assert people.exit_code == 0 and "3 captures" in people.stdout


def test_a_tampered_bundle_exits_non_zero(archive: Archive, db_url: str, tmp_path: Path) -> None:
    scenario = removed_exchange(archive)
    out = tmp_path / "e.wacz"
    assert (
        run(
            "evidence",
            "bundle",
            "--event",
            str(scenario.event_id),
            "--out",
            str(out),
            "--db",
            db_url,
        ).exit_code
        == 0
    )
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    checked = run("evidence", "verify", str(out), "--json")
    assert checked.exit_code == 3
    assert json.loads(checked.stdout)["ok"] is False


def test_bad_input_is_one_line(archive: Archive, db_url: str, tmp_path: Path) -> None:
    removed_exchange(archive)
    missing = run(
        "evidence", "bundle", "--event", "999", "--out", str(tmp_path / "m.wacz"), "--db", db_url
    )
    assert missing.exit_code == 1
    assert missing.output.strip() == "error: no change event with id 999"
    both = run(
        "evidence", "bundle", "--event", "1", "--briefing", "1", "--out", "x.wacz", "--db", db_url
    )
    assert both.exit_code == 2 and "exactly one of" in both.output
    nothing = run("evidence", "verify", str(tmp_path / "absent.wacz"))
    assert nothing.exit_code == 3 and "no such file" in nothing.output
    assert list(tmp_path.glob("*.wacz")) == []


def test_help_has_examples() -> None:
    for command in (["evidence"], ["evidence", "bundle"], ["evidence", "verify"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Examples:" in result.output
