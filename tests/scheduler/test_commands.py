"""``briefings schedule show`` and ``briefings runs`` through click's CliRunner."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from scheduler.cli import main
from storage.types import utcnow
from tests.scheduler.helpers import STATS, add_run, write_config


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_schedule_show_text(tmp_path) -> None:
    path = write_config(
        tmp_path, '[sources.mfa-zh]\nenabled = false\n[notify]\natom_file = "f.xml"'
    )
    result = invoke("schedule", "show", "--config", str(path), "--db", "sqlite:///x.db")
    assert result.exit_code == 0, result.output
    assert "mfa-en:discovery" in result.output and "mfa-en:revisit" in result.output
    assert "mfa-zh:discovery" not in result.output
    assert "cron */20 15-21 * * mon-fri" in result.output
    assert f"configuration: {path}" in result.output
    assert "[sources.mfa-zh] disabled" in result.output and "atom_file = f.xml" in result.output
    assert "db = sqlite:///x.db" in result.output


def test_schedule_show_json() -> None:
    result = invoke("schedule", "show", "--json")
    data = json.loads(result.output)
    jobs = {job["id"]: job for job in data["jobs"]}
    assert set(jobs) == {
        f"{s}:{k}" for s in ("mfa-en", "mfa-zh") for k in ("discovery", "revisit", "expected")
    }
    assert len(jobs["mfa-en:discovery"]["next_runs"]) == 3
    assert jobs["mfa-zh:expected"]["next_runs"][0].endswith("22:00:00+08:00")
    policy = data["config"]["sources"]["mfa-en"]["revisit_policy"]
    assert policy["fresh_every"] == "6h" and policy["old_every"] == "30d"
    assert data["config"]["expected_by"] == "22:00"


def test_bad_config_is_one_line(tmp_path) -> None:
    path = write_config(tmp_path, '[sources.mfa-en]\ndiscovery = { cron = "99 * * * *" }')
    result = CliRunner().invoke(main, ["schedule", "show", "--config", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: configuration: sources.mfa-en.discovery[0]")
    assert len(result.output.strip().splitlines()) == 1


def test_runs_json_and_filters(db_url, engine) -> None:
    now = utcnow()
    add_run(engine, "mfa-en", started=now - timedelta(hours=3), stats=STATS)
    add_run(engine, "mfa-zh", started=now - timedelta(hours=2), status="failed")
    add_run(engine, "mfa-en", kind="revisit", started=now - timedelta(hours=1), stats=STATS)
    add_run(engine, "mfa-en", started=now, status="running")
    data = json.loads(invoke("runs", "--json", "--db", db_url).output)
    assert [r["id"] for r in data] == [4, 3, 2, 1]
    first = data[3]
    assert first["source"] == "mfa-en" and first["kind"] == "discovery"
    assert first["status"] == "succeeded" and first["finish_reason"] == "finished"
    assert first["duration_seconds"] == 12.0 and first["requests"] == 42 and first["new"] == 3
    assert data[0]["duration_seconds"] is None
    failed = json.loads(invoke("runs", "--json", "--failed", "--db", db_url).output)
    assert [r["id"] for r in failed] == [2]
    en = json.loads(
        invoke("runs", "--json", "--source", "mfa-en", "--limit", "2", "--db", db_url).output
    )
    assert [r["id"] for r in en] == [4, 3]


def test_runs_table(db_url, engine) -> None:
    add_run(engine, "mfa-en", stats=STATS)
    add_run(engine, "mfa-zh", status="failed")
    result = CliRunner().invoke(main, ["runs", "--db", db_url])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any("mfa-en" in line and "succeeded" in line and "42" in line for line in lines)
    assert any("mfa-zh" in line and "failed" in line and "shutdown" in line for line in lines)
    assert " 12s " in result.output


def test_runs_without_an_archive(tmp_path) -> None:
    result = CliRunner().invoke(main, ["runs", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert result.exit_code == 1
    assert result.output.startswith("error: no archive at")
    assert not (tmp_path / "none.db").exists()


def test_help_has_examples() -> None:
    for args in (["schedule", "run"], ["schedule", "show"], ["runs"]):
        result = invoke(*args, "--help")
        assert "Examples:" in result.output
