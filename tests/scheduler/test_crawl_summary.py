"""The crawl summary says what the crawl left alone: suspects and skipped list items, with
the reasons (issue 12 item 5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from scheduler.cli.crawl import _report
from storage.runs import SKIP_REASON


@dataclass
class Result:
    source: str = "mfa-zh"
    status: str = "succeeded"
    run_id: int | None = 7
    returncode: int = 0
    seconds: float = 12.5
    error: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)


STATS = {
    "downloader/request_count": 1010,
    "briefings/new": 800,
    "briefings/suspect": 2,
    "briefings/list_skipped": 173,
    "briefings/list_rejected": 1,
    "briefings/list_rejected/javascript: link": 1,
}


def test_the_table_has_suspect_and_skip_columns_and_says_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _report([Result(stats=STATS)], as_json=False)
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "source" in line)
    assert "susp" in header and "skip" in header
    row = next(line for line in out.splitlines() if line.lstrip().startswith("mfa-zh"))
    assert " 174 " in row  # 173 not briefings + 1 link that cannot be followed
    assert f"mfa-zh: list items not crawled: 173 {SKIP_REASON}; 1 link not followed: " in out
    assert "mfa-zh: 2 page(s) suspect" in out and "--confirm-now" in out
    assert all(len(line) <= 80 for line in out.splitlines() if "│" in line or "source" in line)


def test_json_carries_the_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    _report([Result(stats=STATS)], as_json=True)
    (line,) = json.loads(capsys.readouterr().out)
    assert line["suspect"] == 2 and line["skipped"] == 173 and line["rejected"] == 1
    assert line["skip_reasons"] == {SKIP_REASON: 173, "link not followed: javascript: link": 1}


def test_nothing_left_alone_prints_no_reason_line(capsys: pytest.CaptureFixture[str]) -> None:
    _report([Result(stats={"briefings/new": 3})], as_json=False)
    assert "not crawled" not in capsys.readouterr().out
