"""Typography is not editing: curly quotes, full-width forms, spacing, zero-width characters."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scheduler.cli import main
from storage.api import Archive
from storage.cosmetic import cosmetically_equal, fold_typography, is_cosmetic_edit
from storage.models import ChangeEvent, Version
from tests.ledger.helpers import T0, capture, edited, hours, types
from tests.storage.factories import make_briefing
from tests.storage.helpers import count


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("China's position", "China’s position"),
        ('the "Occupy Central"', "the “Occupy Central”"),
        ("2019-2020", "2019–2020"),
        ("end the", "endthe"),
        ("a\u00a0b", "a b"),
        ("台湾问题，我们", "台湾问题,我们"),
        ("（记者：）", "(记者:)"),
        ("１２３", "123"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_typography_only(a: str, b: str) -> None:
    assert cosmetically_equal(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("principle", "principles"), ("Second BRF", "second BRF"), ("will", "is set to"),
     ("台湾", "台灣")],
)  # fmt: skip
def test_words_are_not_typography(a: str, b: str) -> None:
    assert not cosmetically_equal(a, b)


def test_labels_and_flags_are_never_cosmetic() -> None:
    base = make_briefing(1)["exchanges"][0]
    assert is_cosmetic_edit(base, {**base, "answer": base["answer"].replace("'", "’")})
    assert not is_cosmetic_edit(base, {**base, "asker": "AFP"})
    assert not is_cosmetic_edit(base, {**base, "follow_up": True})


def test_fold_keeps_real_edits_and_hides_typography() -> None:
    ops = [["=", "El "], ["-", "Salvador's"], ["+", "Salvador’s"], ["=", " embassy, the "],
           ["-", "principle"], ["+", "principles"]]  # fmt: skip
    assert fold_typography(ops) == [
        ["=", "El Salvador’s embassy, the "],
        ["-", "principle"],
        ["+", "principles"],
    ]


A = make_briefing(3)
CURLY = edited(A, 1, A["exchanges"][1]["answer"].replace(":", "：") + "\u00a0")


def test_a_cosmetic_version_is_stored_but_not_reported(archive: Archive, engine) -> None:
    capture(archive, A, T0)
    assert capture(archive, CURLY, T0 + hours(80)).outcome == "revised"
    assert count(engine, Version) == 2  # nothing lost: the page as published is kept
    assert count(engine, ChangeEvent, ChangeEvent.cosmetic.is_(True)) == 1
    assert archive.changes() == []
    assert types(archive.changes(include_cosmetic=True)) == ["edited"]
    assert all(row.edited == 0 for row in archive.stats())
    comparison = archive.diff(A["url"])
    assert comparison.only_cosmetic and comparison.substantive().changes == ()


def test_commands_say_plainly_that_only_typography_differs(db_url: str, archive) -> None:
    capture(archive, A, T0)
    capture(archive, CURLY, T0 + hours(80))
    runner = CliRunner()
    text = runner.invoke(main, ["diff", A["url"], "--db", db_url]).output
    assert "only typography differs" in text and "--include-cosmetic" in text
    shown = runner.invoke(main, ["diff", A["url"], "--include-cosmetic", "--db", db_url]).output
    assert "(typography only)" in shown
    assert runner.invoke(main, ["changes", "--db", db_url]).output.strip() == "no changes"
    ledger = runner.invoke(
        main, ["changes", "--include-cosmetic", "--format", "json", "--db", db_url]
    )
    assert [e["cosmetic"] for e in json.loads(ledger.output)] == [True]
