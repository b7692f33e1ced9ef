"""``briefings stats``: counts per asker / answerer / month / source, edits and removals."""

from __future__ import annotations

import json


def stats(cli, *args: str) -> list[dict]:
    result = cli("stats", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_by_asker_counts_each_exchange_once_with_its_fate(cli, corpus):
    rows = {r["asker"]: r for r in stats(cli)}
    # Reuters: e2 and a1 (edited in version 2); a1 is in two versions but counted once.
    assert rows["Reuters"] == {
        "asker": "Reuters",
        "exchanges": 2,
        "current": 2,
        "questions": 2,
        "edited": 1,
        "removed": 0,
    }
    # Bloomberg: e4 and a2 (removed in version 2).
    assert rows["Bloomberg"] == {
        "asker": "Bloomberg",
        "exchanges": 2,
        "current": 1,  # a2 was removed: export writes e4 only
        "questions": 2,
        "edited": 0,
        "removed": 1,
    }
    # China Daily's only change event was caused by the parser: not an edit.
    assert rows["China Daily"]["edited"] == 0
    assert rows["(none)"] == {  # the two statements
        "asker": "(none)",
        "exchanges": 2,
        "current": 2,
        "questions": 0,
        "edited": 0,
        "removed": 0,
    }
    assert rows["路透社记者"]["exchanges"] == 1


def test_by_source(cli, corpus):
    rows = {r["source"]: r for r in stats(cli, "--by", "source")}
    assert rows["mfa-en"] == {
        "source": "mfa-en",
        "exchanges": 8,
        "current": 7,
        "questions": 7,
        "edited": 1,
        "removed": 1,
    }
    assert rows["mfa-zh"] == {
        "source": "mfa-zh",
        "exchanges": 5,
        "current": 5,
        "questions": 4,
        "edited": 0,
        "removed": 0,
    }


def test_by_month_newest_first(cli, corpus):
    rows = stats(cli, "--by", "month")
    assert [(r["month"], r["exchanges"]) for r in rows] == [
        ("2024-03", 3),
        ("2024-02", 9),
        ("2023-12", 1),
    ]


def test_by_answerer_and_filters(cli, corpus):
    rows = {r["answerer"]: r["exchanges"] for r in stats(cli, "--by", "answerer")}
    assert rows == {"Mao Ning": 5, "Wang Wenbin": 3, "毛宁": 4, "汪文斌": 1}
    since = {
        r["source"]: r["exchanges"] for r in stats(cli, "--by", "source", "--since", "2024-03-01")
    }
    assert since == {"mfa-en": 3}
    only_zh = stats(cli, "--by", "source", "--source", "mfa-zh")
    assert [r["source"] for r in only_zh] == ["mfa-zh"]


def test_table_output(cli, corpus):
    result = cli("stats", "--by", "source")
    assert result.exit_code == 0
    assert "mfa-en" in result.output and "edited" in result.output


def test_empty_archive(cli, engine):
    assert stats(cli) == []
