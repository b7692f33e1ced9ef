"""history / diff / changes through click's CliRunner over a filled database."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from scheduler.cli import main
from tests.diff.helpers import EN_URL, T0, Recorder, days, ordinary_exchanges, qa

PAYLOAD = "<script>alert('x')</script>"
ATOM = "{http://www.w3.org/2005/Atom}"

V1 = ordinary_exchanges()


def v2() -> list[dict]:
    after = [dict(ex) for ex in V1]
    after[1] = qa("AFP", V1[1]["question"], "China firmly opposes unilateral sanctions. " + PAYLOAD)
    return after[:2]


@pytest.fixture
def filled(archive) -> int:
    b = Recorder(archive, title=f"Press conference {PAYLOAD} & more")
    b.fetch(V1, T0)
    b.fetch(v2(), T0 + days(1))
    b.gone(T0 + days(3))  # confirmed gone: briefing-removed
    b.fetch(v2(), T0 + days(4), expect=("unchanged",))  # served again: restored
    return b.id


def invoke(db_url: str, *args: str):
    return CliRunner().invoke(main, [*args, "--db", db_url], catch_exceptions=False)


def test_history_table_and_json(db_url, filled) -> None:
    result = invoke(db_url, "history", str(filled))
    assert result.exit_code == 0, result.output
    assert "first capture" in result.output
    assert "1 removed, 1 edited" in result.output
    as_json = json.loads(invoke(db_url, "history", EN_URL, "--json").output)
    assert [v["number"] for v in as_json["versions"]] == [1, 2]
    assert [e["type"] for e in as_json["events"]] == ["briefing-removed", "restored"]


def test_diff_text_json_html(db_url, filled) -> None:
    text = invoke(db_url, "diff", str(filled))
    assert text.exit_code == 0, text.output
    assert "edited #1 AFP → Mao Ning [answer]" in text.output
    assert "[-We urge the EU to correct its wrong practice.-]" in text.output
    assert "removed #2 CCTV → Mao Ning" in text.output
    assert "\x1b[" not in text.output  # no colour when not a terminal

    data = json.loads(invoke(db_url, "diff", str(filled), "--format", "json").output)
    assert (data["from"], data["to"], data["change_count"]) == (1, 2, 2)
    assert [
        (
            c["type"],
            c["exchange"]["index_before"],
            c["exchange"]["index_after"],
            c["exchange"]["fields"],
        )
        for c in data["changes"]
    ] == [
        ("edited", 1, 1, ["answer"]),
        ("removed", 2, None, []),
    ]

    page = invoke(db_url, "diff", str(filled), "--format", "html").output
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page
    assert "src=" not in page and "<link" not in page


def test_diff_same_version_is_empty(db_url, filled) -> None:
    data = json.loads(
        invoke(db_url, "diff", str(filled), "--from", "2", "--to", "2", "--format", "json").output
    )
    assert data["change_count"] == 0


def test_changes_text_json_atom(db_url, filled) -> None:
    text = invoke(db_url, "changes")
    assert text.exit_code == 0, text.output
    lines = [line for line in text.output.splitlines() if line[:4].isdigit()]
    assert "Briefing restored" in lines[0] and "Briefing removed" in lines[1]

    data = json.loads(invoke(db_url, "changes", "--format", "json").output)
    assert [e["type"] for e in data] == ["restored", "briefing-removed", "removed", "edited"]
    assert data[3]["exchange"]["asker"] == "AFP"
    assert data[3]["briefing"]["url"] == EN_URL

    only = json.loads(
        invoke(
            db_url, "changes", "--type", "removed", "--type", "restored", "--format", "json"
        ).output
    )
    assert [e["type"] for e in only] == ["restored", "removed"]
    since = json.loads(
        invoke(db_url, "changes", "--since", "2026-11-05", "--format", "json").output
    )
    assert [e["type"] for e in since] == ["restored"]
    assert (
        json.loads(invoke(db_url, "changes", "--source", "mfa-zh", "--format", "json").output) == []
    )

    feed = invoke(db_url, "changes", "--format", "atom").output
    root = ET.fromstring(feed.encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 4
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert all(i.startswith("tag:briefings,2026:event/") for i in ids)
    assert len(set(ids)) == 4
    edited = entries[3]
    assert PAYLOAD in edited.findtext(f"{ATOM}content")  # escaped in XML, intact as text
    assert "<script>" not in feed


def test_errors_are_one_line(db_url, tmp_path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["history", "42", "--db", db_url])
    assert missing.exit_code == 1
    assert missing.output.strip() == "error: no briefing with id 42"
    nofile = runner.invoke(main, ["changes", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert nofile.exit_code == 1 and "no archive at" in nofile.output
    assert not (tmp_path / "none.db").exists()
    bad = runner.invoke(main, ["changes", "--since", "last week", "--db", db_url])
    assert bad.exit_code == 1 and "not a date" in bad.output
    assert "Traceback" not in missing.output + nofile.output + bad.output


def test_help_has_examples() -> None:
    for name in ("history", "diff", "changes"):
        out = CliRunner().invoke(main, [name, "--help"]).output
        assert "Examples:" in out and f"briefings {name}" in out
