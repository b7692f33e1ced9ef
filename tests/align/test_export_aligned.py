"""``export --aligned``: the parallel corpus in JSONL, CSV and Parquet (both backends)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from storage.api import Archive, BadQuery, ExportFilter
from tests.align.archive import crawl_pair, data_of, files, misread, without

DATE = "2020-06-22"


@pytest.fixture
def corpus(archive: Archive) -> Archive:
    en, _ = files(DATE)
    crawl_pair(archive, DATE, en=without(data_of(en), 10))  # 10 matched rows, one 0-1
    misread_zh = misread(data_of(files("2020-06-15")[1]))
    crawl_pair(archive, "2020-06-15", zh=misread_zh)  # misread: incomplete, not exported
    return archive


def test_jsonl_rows_are_matched_exchanges_with_both_texts(corpus: Archive) -> None:
    out = io.StringIO()
    assert corpus.export("jsonl", out, ExportFilter(aligned=True)) == 10
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["en_index"], r["zh_index"]) for r in rows] == [([i], [i]) for i in range(10)]
    first = rows[0]
    assert first["held_on"] == "2020-06-22" and first["bead"] == "1-1"
    assert first["en_asker"] == "CCTV" and first["zh_asker"] == "总台央视记者"
    assert first["outlet"] == "cctv"
    assert first["en_question"] and first["zh_question"] and first["en_answer"]


def test_csv_and_parquet_have_the_same_rows(corpus: Archive, tmp_path: Path) -> None:
    out = io.StringIO()
    assert corpus.export("csv", out, ExportFilter(aligned=True)) == 10
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert json.loads(rows[3]["en_index"]) == [3] and rows[3]["zh_asker"] == "澎湃新闻记者"
    import pyarrow.parquet as pq

    path = tmp_path / "parallel.parquet"
    assert corpus.export("parquet", path, ExportFilter(aligned=True)) == 10
    table = pq.read_table(path)
    assert table.num_rows == 10 and table.column("zh_index").to_pylist()[3] == [3]
    assert table.column("en_asker").to_pylist()[3] == rows[3]["en_asker"]


def test_filters_and_refusals(corpus: Archive) -> None:
    out = io.StringIO()
    assert corpus.export("jsonl", out, ExportFilter(aligned=True, source="mfa-zh")) == 10
    assert corpus.export("jsonl", io.StringIO(), ExportFilter(aligned=True, source="x")) == 0
    with pytest.raises(BadQuery, match="no --all-versions"):
        corpus.export("jsonl", io.StringIO(), ExportFilter(aligned=True, all_versions=True))
