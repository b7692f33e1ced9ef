"""``briefings show`` and ``briefings list``."""

from __future__ import annotations

import json

from crawler.schema import validation_errors
from tests.query.conftest import EN1_REPUBLISHED, EN1_URL, EN2_URL


def test_show_text_is_a_readable_transcript(cli, corpus):
    result = cli("show", str(corpus["en1"]))
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Foreign Ministry Spokesperson Mao Ning's Regular Press Conference")
    assert "version 2 of 2" in out  # version 2: the current parser's reading
    assert "[3] qa" in out
    assert "AFP: Do you have any comment on the Taiwan election?" in out
    assert "Mao Ning: Taiwan is part of China." in out


def test_show_json_is_the_stored_schema_object(cli, corpus):
    data = json.loads(cli("show", str(corpus["en2"]), "--json").output)
    assert validation_errors(data) == []
    assert [e["asker"] for e in data["exchanges"]] == ["Reuters", "TASS"]  # latest: version 2


def test_show_an_older_version(cli, corpus):
    data = json.loads(cli("show", str(corpus["en2"]), "--version", "1", "--json").output)
    assert [e["asker"] for e in data["exchanges"]] == ["Reuters", "Bloomberg", "TASS"]
    assert (
        data["exchanges"][0]["answer"]
        == "Our position on the South China Sea is consistent and clear."
    )
    text = cli("show", str(corpus["en2"]), "--version", "1").output
    assert "version 1 of 2" in text


def test_show_by_url_any_alias(cli, corpus):
    alias = EN1_URL.replace("https://www.fmprc.gov.cn", "http://www.mfa.gov.cn")
    for ref in (EN1_URL, alias, EN1_REPUBLISHED, EN1_URL + "#top"):
        data = json.loads(cli("show", ref, "--json").output)
        assert data["held_on"] == "2024-02-27", ref
    assert json.loads(cli("show", EN2_URL, "--json").output)["held_on"] == "2024-03-01"


def test_show_unknown_is_a_clear_error(cli, corpus):
    for args, message in (
        (("show", "9999"), "error: no briefing with id 9999"),
        (
            ("show", "https://example.org/x.html"),
            "error: no briefing at https://example.org/x.html",
        ),
        (("show", "not-a-ref"), "error: not a briefing id or URL: 'not-a-ref'"),
        (("show", str(corpus["en2"]), "--version", "7"), "has no version 7 (it has 2)"),
    ):
        result = cli(*args)
        assert result.exit_code == 1
        assert message in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_list(cli, corpus):
    rows = json.loads(cli("list", "--json").output)
    assert [r["id"] for r in rows][:1] == [corpus["en2"]]  # newest first
    by_id = {r["id"]: r for r in rows}
    assert by_id[corpus["en2"]]["versions"] == 2
    assert by_id[corpus["en2"]]["exchanges"] == 2
    assert by_id[corpus["zh2"]]["status"] == "removed"
    assert by_id[corpus["en1"]]["held_on"] == "2024-02-27"
    assert by_id[corpus["en1"]]["title"].startswith("Foreign Ministry Spokesperson Mao Ning")


def test_list_filters(cli, corpus):
    def ids(*args: str) -> set[int]:
        return {r["id"] for r in json.loads(cli("list", *args, "--json").output)}

    assert ids("--source", "mfa-zh") == {corpus["zh1"], corpus["zh2"]}
    assert ids("--status", "removed") == {corpus["zh2"]}
    assert ids("--since", "2024-02-28") == {corpus["en2"]}
    assert ids("--until", "2024-01-01") == {corpus["zh2"]}
    assert len(ids("--limit", "2")) == 2


def test_list_table(cli, corpus):
    result = cli("list")
    assert result.exit_code == 0
    assert "2024-03-01" in result.output and "removed" in result.output


def test_missing_sqlite_archive_is_a_clear_error(tmp_path):
    from click.testing import CliRunner

    from scheduler.cli import main

    result = CliRunner().invoke(main, ["list", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert result.exit_code == 1
    assert "no archive at" in result.output
    assert not (tmp_path / "none.db").exists()
