"""The compact tables of `crawl`, `runs`, `list` and `stats`: one line per row, 80 columns,
scraped text printed as typed."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from scheduler.render.tables import print_table

COLUMNS = {"id": "right", "held on": "left", "title": "left", "versions": "right"}
LONG_TITLE = "Foreign Ministry Spokesperson Zhao Lijian's Regular Press Conference on July 3, 2020"


def rendered(rows: list[list[object]], **kwargs: object) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None)
    print_table(COLUMNS, rows, console=console, **kwargs)
    return out.getvalue().rstrip("\n").splitlines()


def test_a_long_title_is_cut_to_fit_and_the_rest_is_whole() -> None:
    lines = rendered([["40", "2020-07-03", LONG_TITLE, "12"]], flex="title")
    header, rule, row = lines
    assert set(rule) == {"─"}
    assert header.split() == ["id", "held", "on", "title", "versions"]
    assert all(len(line) <= 80 for line in lines)
    assert row.startswith("40 2020-07-03 Foreign Ministry Spokesperson")
    assert "…" in row and row.rstrip().endswith("12")


def test_chinese_titles_are_measured_in_cells() -> None:
    title = "2020年7月3日外交部发言人赵立坚主持例行记者会" * 3
    lines = rendered([["3", "2020-07-03", title, "1"]], flex="title")
    assert Text(lines[2]).cell_len <= 80
    assert lines[2].rstrip().endswith("1")


def test_short_rows_are_not_padded_to_the_width() -> None:
    lines = rendered([["1", "2020-07-03", "Short", "1"]], flex="title")
    assert max(len(line) for line in lines) < 40


def test_scraped_markup_is_printed_as_typed() -> None:
    payload = "[/bold] [link=javascript:alert(4)]click[/link] [red]x"
    lines = rendered([["1", "2020-07-03", payload, "1"]], flex="title")
    assert payload in lines[2]


def test_styled_cells_keep_their_text() -> None:
    lines = rendered([["1", "2020-07-03", Text("failed", style="red"), "1"]])
    assert "failed" in lines[2]
