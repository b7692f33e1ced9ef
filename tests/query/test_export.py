"""``briefings export``: jsonl (valid schema objects), csv, parquet; streamed."""

from __future__ import annotations

import csv
import io
import json
import types
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crawler.schema import validation_errors
from storage import export as export_lib
from storage.export import EXCHANGE_COLUMNS, ExportFilter

LATEST_EXCHANGES = 5 + 2 + 4 + 1  # en1, en2 (version 2), zh1, zh2
ALL_EXCHANGES = LATEST_EXCHANGES + 3 + 5  # en2 version 1, en1 version 1 (an earlier parser's)


def test_jsonl_lines_are_valid_schema_objects(cli, corpus):
    result = cli("export", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4  # one per briefing, removed ones included
    objects = [json.loads(line) for line in lines]
    for obj in objects:
        assert validation_errors(obj) == []
    assert [o["held_on"] for o in objects] == sorted(o["held_on"] for o in objects)
    en2 = next(o for o in objects if o["held_on"] == "2024-03-01")
    assert len(en2["exchanges"]) == 2  # the latest version
    assert "台湾问题" in result.output  # UTF-8, not \\u escapes


def test_jsonl_all_versions_wraps_each_version(cli, corpus, tmp_path: Path):
    out = tmp_path / "all.jsonl"
    result = cli("export", "--format", "jsonl", "--all-versions", "--out", str(out))
    assert result.exit_code == 0
    assert "wrote 6 briefings" in result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 6
    for record in records:
        assert set(record) == {
            "briefing_id",
            "version",
            "first_seen",
            "last_seen",
            "cause",
            "is_current",
            "status",
            "briefing",
        }
        assert validation_errors(record["briefing"]) == []
    en2 = [r for r in records if r["briefing_id"] == corpus["en2"]]
    assert [(r["version"], len(r["briefing"]["exchanges"])) for r in en2] == [(1, 3), (2, 2)]
    assert en2[0]["first_seen"].startswith("2026-01-01")
    assert en2[0]["cause"] == "page"


def test_csv_has_one_row_per_exchange(cli, corpus):
    result = cli("export", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert tuple(rows[0].keys()) == EXCHANGE_COLUMNS
    assert len(rows) == LATEST_EXCHANGES
    z1 = next(r for r in rows if r["exchange_uid"] == "z1")
    assert z1["asker"] == "路透社记者"
    assert z1["held_on"] == "2024-02-27"
    assert z1["source"] == "mfa-zh" and z1["language"] == "zh" and z1["index"] == "1"
    assert z1["follow_up"] == "False"


def test_csv_filters_and_all_versions(cli, corpus):
    def count(*args: str) -> int:
        return len(
            list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", *args).output)))
        )

    assert count("--all-versions") == ALL_EXCHANGES
    assert count("--source", "mfa-zh") == 5
    assert count("--since", "2024-03-01") == 2
    assert count("--until", "2023-12-31") == 1
    assert count("--source", "mfa-xx") == 0


def test_csv_quotes_awkward_text(engine: Engine, cli, corpus):
    from datetime import date

    from tests.query.factories import add_briefing, ex

    awkward = 'He said, "no"\nthen left; =1+1'
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/awkward.html",
        held_on=date(2025, 1, 1),
        title="Awkward",
        exchanges=[ex("w1", awkward, "Fine.", asker="X")],
    )
    rows = list(
        csv.DictReader(
            io.StringIO(cli("export", "--format", "csv", "--since", "2025-01-01").output)
        )
    )
    assert [r["question"] for r in rows] == [awkward]


def test_parquet_roundtrip(cli, corpus, tmp_path: Path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "x.parquet"
    result = cli("export", "--format", "parquet", "--all-versions", "--out", str(out))
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert tuple(table.column_names) == EXCHANGE_COLUMNS
    assert table.num_rows == ALL_EXCHANGES
    rows = table.to_pylist()
    z1 = next(r for r in rows if r["exchange_uid"] == "z1")
    assert z1["answer"] == "台湾是中国领土不可分割的一部分。台湾问题是中国内政。"
    assert z1["held_on"].isoformat() == "2024-02-27"
    assert z1["follow_up"] is False and z1["index"] == 1


def test_parquet_is_written_in_row_groups(engine: Engine, corpus, tmp_path: Path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "groups.parquet"
    with engine.connect() as conn:
        count = export_lib.write_parquet(
            conn, str(out), ExportFilter(all_versions=True), row_group=4
        )
    assert count == ALL_EXCHANGES
    meta = pq.ParquetFile(out).metadata
    assert meta.num_rows == ALL_EXCHANGES
    assert meta.num_row_groups == -(-ALL_EXCHANGES // 4)


def test_parquet_of_empty_selection(cli, corpus, tmp_path: Path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "empty.parquet"
    assert (
        cli("export", "--format", "parquet", "--source", "none", "--out", str(out)).exit_code == 0
    )
    assert pq.read_table(out).num_rows == 0


def test_parquet_without_pyarrow_is_a_clear_error(cli, corpus, monkeypatch, tmp_path: Path):
    def missing() -> None:
        raise export_lib.ExportError(
            "parquet export needs pyarrow: pip install 'briefings[parquet]'"
        )

    monkeypatch.setattr(export_lib, "_pyarrow", missing)
    result = cli("export", "--format", "parquet", "--out", str(tmp_path / "x.parquet"))
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "error: parquet export needs pyarrow: pip install 'briefings[parquet]'"
    )


def test_rows_are_streamed_not_listed(engine: Engine, corpus):
    with engine.connect() as conn:
        rows = export_lib.iter_exchange_rows(conn, ExportFilter())
        assert isinstance(rows, types.GeneratorType)
        first = next(rows)
        assert set(first) == set(EXCHANGE_COLUMNS)
        rows.close()
