"""Import runs are judged by the one judge (``storage.runs.judge_run``), by their records."""

from __future__ import annotations

import pytest

from storage.runs import judge_run


@pytest.mark.parametrize(
    "stats, finish, expected",
    [
        ({"import/records": 10, "import/failed": 0}, "finished", ("succeeded", None)),
        ({"import/records": 10, "import/failed": 2}, "finished", ("failed", "2 record(s) failed")),
        ({"import/records": 0}, "finished", ("failed", "no records read")),
        (
            {"import/records": 5, "briefings/error": 1},
            "finished",
            ("failed", "1 page(s) could not be processed"),
        ),
        ({"import/records": 5}, "shutdown", ("failed", "finish reason shutdown")),
    ],
)
def test_import_runs_are_judged_by_their_records(stats, finish, expected) -> None:
    assert judge_run(stats, finish, "import") == expected
