"""``briefings align | pair | pairs | asymmetries | outlets`` and the alignment parts of
``stats``, ``search``, ``export`` and ``changes`` (both backends)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scheduler.cli import main
from storage.api import Archive
from tests.align.archive import crawl_pair, data_of, files, misread, without
from tests.align.fixtures import briefing

DATE = "2020-06-22"


@pytest.fixture
def cli(db_url: str) -> Any:
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Result:
        command, *rest = args
        result = runner.invoke(main, [command, "--db", db_url, *rest], catch_exceptions=False)
        assert result.exit_code == code, result.output + result.stderr
        return result

    return run


@pytest.fixture
def archived(archive: Archive) -> Archive:
    """2020-06-22 with Reuters' question missing in English; 2020-06-15, misread."""
    en, _ = files(DATE)
    crawl_pair(archive, DATE, en=without(data_of(en), 10))
    crawl_pair(archive, "2020-06-15", zh=misread(data_of(files("2020-06-15")[1])))
    return archive


def zh_url(date: str) -> str:
    return str(briefing(files(date)[1])["url"])


def test_align_summarizes_and_is_idempotent(archived: Archive, cli: Any) -> None:
    first = cli("align", "--json")
    data = json.loads(first.output)
    assert data["pairs"] == 2 and data["complete"] == 1 and data["incomplete"] == 1
    assert data["findings_opened"] == 0  # the crawl found them already
    text = cli("align", "--since", "2020-06-22", "--until", "2020-06-22").output
    assert "1 pairs on 1 dates: 1 complete, 0 incomplete" in text
    assert "findings: 0 new, 0 resolved" in text


def test_align_refuses_a_reversed_range(archived: Archive, cli: Any) -> None:
    result = cli("align", "--since", "2020-07-01", "--until", "2020-06-01", code=1)
    assert result.stderr.startswith("error: --since 2020-07-01 is after --until 2020-06-01")


def test_pair_json_has_the_issue_shape(archived: Archive, cli: Any) -> None:
    data = json.loads(cli("pair", zh_url(DATE), "--json").output)
    assert data["status"] == "complete" and data["held_on"] == DATE
    assert data["rows"][0] | {"score": 0, "confidence": 0} == {
        "en": 0,
        "zh": 0,
        "score": 0,
        "confidence": 0,
        "bead": "1-1",
        "outlet": "match",
    }
    assert data["rows"][-1]["en"] is None and data["rows"][-1]["zh"] == 10
    (finding,) = data["asymmetries"]
    assert finding["type"] == "only-in-zh" and finding["zh"] == 10 and finding["en"] is None
    with_texts = json.loads(cli("pair", zh_url(DATE), "--json", "--texts").output)
    assert with_texts["rows"][-1]["zh_exchanges"][0]["asker"] == "路透社记者"


def test_pair_text_and_side_by_side(archived: Archive, cli: Any) -> None:
    text = cli("pair", zh_url("2020-06-15")).output
    assert "incomplete" in text and "no questions" in text
    side = cli("pair", zh_url(DATE), "--texts").output
    assert "中文" in side and "路透社记者" in side


def test_pair_of_an_unknown_briefing_is_one_line(archived: Archive, cli: Any) -> None:
    result = cli("pair", "999", code=1)
    assert result.stderr.strip() == "error: no briefing with id 999"


def test_pairs_json_is_one_pair_per_line(archived: Archive, cli: Any) -> None:
    lines = cli("pairs", "--json").output.splitlines()
    pairs = [json.loads(line) for line in lines]
    assert [p["held_on"] for p in pairs] == ["2020-06-15", "2020-06-22"]
    assert all("rows" in p and "asymmetries" in p for p in pairs)
    assert "2020-06-22" in cli("pairs", "--since", "2020-06-20").output


def test_asymmetries_filters_and_json(archived: Archive, cli: Any) -> None:
    (finding,) = json.loads(cli("asymmetries", "--json").output)
    assert finding["type"] == "only-in-zh" and finding["zh_askers"] == ["路透社记者"]
    assert json.loads(cli("asymmetries", "--type", "translation-mismatch", "--json").output) == []
    assert len(json.loads(cli("asymmetries", "--outlet", "Reuters", "--json").output)) == 1
    assert json.loads(cli("asymmetries", "--outlet", "AFP", "--json").output) == []
    assert "only-in-zh" in cli("asymmetries").output
    assert "no asymmetries" in cli("asymmetries", "--status", "resolved").stderr
    cli("asymmetries", "--type", "edited", code=2)


def test_changes_show_asymmetries_only_by_type(archived: Archive, cli: Any) -> None:
    assert json.loads(cli("changes", "--format", "json").output) == []
    (event,) = json.loads(cli("changes", "--type", "only-in-zh", "--format", "json").output)
    assert event["type"] == "only-in-zh" and event["exchange"]["index"] == 10


def test_outlets_and_suggestions(archive: Archive, cli: Any, tmp_path: Path) -> None:
    en, zh = files(DATE)
    en_data, zh_data = data_of(en), data_of(zh)
    for data, label in ((en_data, "Nordic Daily"), (zh_data, "北欧日报记者")):
        exchange = data["exchanges"][1]
        exchange["asker"] = label
        for turn in exchange["turns"]:
            if turn.get("role") == "journalist":
                turn["speaker"] = label
    crawl_pair(archive, DATE, en=en_data, zh=zh_data)
    listing = json.loads(cli("outlets", "--json").output)
    assert next(o for o in listing if o["id"] == "reuters")["exchanges"] == 2
    (proposal,) = json.loads(cli("outlets", "--suggest", "--json").output)
    assert (proposal["label_en"], proposal["label_zh"]) == ("Nordic Daily", "北欧日报记者")
    snippet = cli("outlets", "--suggest", "--toml").output
    assert '[outlets.nordic-daily]\nen = ["Nordic Daily"]\nzh = ["北欧日报记者"]' in snippet
    # Accepting it: the snippet goes into the config, `align --config` stores and applies it.
    config = tmp_path / "briefings.toml"
    config.write_text(snippet, encoding="utf-8")
    data = json.loads(cli("align", "--config", str(config), "--json").output)
    assert data["outlet_table_changed"] is True
    assert json.loads(cli("outlets", "--suggest", "--json").output) == []
    stats = json.loads(cli("stats", "--by", "outlet", "--json").output)
    nordic = next(r for r in stats if r["outlet_id"] == "nordic-daily")
    assert {x["label"] for x in nordic["labels"]} == {"Nordic Daily", "北欧日报记者"}
    assert "nordic-daily" in cli("stats", "--by", "outlet").output


def test_a_bad_config_is_one_line(archived: Archive, cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[outlets.x]\nen = ["Zed"]\n[outlets.y]\nen = ["Zed"]\n', encoding="utf-8")
    result = cli("align", "--config", str(config), code=2)
    assert result.stderr.startswith("error: configuration: outlets: label 'Zed' (en) claimed")
    assert "Traceback" not in result.output + result.stderr


def test_search_asker_and_export_aligned(archived: Archive, cli: Any, tmp_path: Path) -> None:
    hits = json.loads(cli("search", "中方", "--asker", "Reuters", "--json").output)
    assert {h["asker"] for h in hits} == {"路透社记者"}
    out = tmp_path / "parallel.jsonl"
    result = cli("export", "--aligned", "--format", "jsonl", "--out", str(out))
    assert "wrote 10 aligned exchange pairs" in result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 10 and rows[0]["zh_asker"] == "总台央视记者"
    csv_text = cli("export", "--aligned", "--format", "csv").output
    assert csv_text.splitlines()[0].startswith("pair_id,held_on,family")


def test_every_alignment_command_has_examples(cli: Any) -> None:
    runner = CliRunner()
    for name in ("align", "pair", "pairs", "asymmetries", "outlets"):
        text = runner.invoke(main, [name, "--help"]).output
        assert "Examples:" in text and f"briefings {name}" in text
