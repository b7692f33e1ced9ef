"""The aligner against hand-aligned real pairs (``expected/<date>.json``).

Each expected file was written by reading both transcripts of a date side by side; its rows
use schema ``index`` values of the parser's output, with the opening words of each side so
a reader can check the pairing, and a note on every row that is not a plain 1–1.
"""

from __future__ import annotations

import pytest

from storage.align import align_pair
from tests.align.fixtures import PARSER_FAULTS, briefing, expected, expected_files

ALL_DATES = [p.stem for p in expected_files()]
DATES = [d for d in ALL_DATES if d not in PARSER_FAULTS]
# Rows of the hand-aligned pairs (those the parser reads right) that the aligner reproduces
# exactly, pinned: a change that loses one fails here and names the row.
PINNED_ROWS = 312
PINNED_TOTAL = 312


def _head(exchange: dict[str, object], n: int) -> str:
    text = str(exchange.get("question") or exchange.get("answer") or "").replace("\n", " ")
    return text[:n]


def _check_parse_unchanged(date: str) -> tuple[dict[str, object], dict[str, object]]:
    """The rows name exchanges of today's parse; a parser change must re-open the file."""
    x = expected(date)
    en, zh = briefing(x["en"]["file"]), briefing(x["zh"]["file"])
    for side, data in (("en", en), ("zh", zh)):
        exchanges = data["exchanges"]
        assert isinstance(exchanges, list)
        assert len(exchanges) == x[side]["exchanges"], (
            f"{date}: the {side} parse now has {len(exchanges)} exchanges, the hand alignment "
            f"{x[side]['exchanges']}: re-read the pair and update expected/{date}.json"
        )
    for row in x["rows"]:
        if len(row["en"]) == 1 and len(row["zh"]) == 1:
            e, z = en["exchanges"][row["en"][0]], zh["exchanges"][row["zh"][0]]  # type: ignore[index]
            assert _head(e, 40) in row["en_head"], f"{date}: en exchange {row['en']} changed"
            assert _head(z, 15) in row["zh_head"], f"{date}: zh exchange {row['zh']} changed"
    return en, zh


def test_at_least_fifteen_pairs_are_hand_aligned() -> None:
    assert len(DATES) >= 15


@pytest.mark.parametrize("date", ALL_DATES)
def test_expected_file_is_well_formed(date: str) -> None:
    x = expected(date)
    en_seen = [i for row in x["rows"] for i in row["en"]]
    zh_seen = [i for row in x["rows"] for i in row["zh"]]
    assert en_seen == list(range(x["en"]["exchanges"])), "every en exchange once, in order"
    assert zh_seen == list(range(x["zh"]["exchanges"])), "every zh exchange once, in order"
    for row in x["rows"]:
        assert 1 <= len(row["en"]) + len(row["zh"]) <= 3
        if not (len(row["en"]) == 1 and len(row["zh"]) == 1):
            assert row.get("note"), f"{date}: row {row['en']}/{row['zh']} needs a note"


def test_aligner_reproduces_the_hand_alignments() -> None:
    hits = total = 0
    differences = []
    for date in DATES:
        en, zh = _check_parse_unchanged(date)
        alignment = align_pair(en, zh)
        assert alignment.status == "complete", f"{date}: {alignment.reason}"
        got = {(r.en, r.zh) for r in alignment.rows}
        want = [(tuple(r["en"]), tuple(r["zh"])) for r in expected(date)["rows"]]
        total += len(want)
        hits += sum(1 for w in want if w in got)
        differences += [
            f"{date}: expected en {list(w[0])} ↔ zh {list(w[1])}, got "
            + "; ".join(
                f"{list(g[0])}↔{list(g[1])}"
                for g in sorted(got)
                if set(g[0]) & set(w[0]) or set(g[1]) & set(w[1])
            )
            for w in want
            if w not in got
        ]
    rate = hits / total
    print(f"\nhand-aligned rows reproduced exactly: {hits}/{total} = {rate:.4f}")
    for line in differences:
        print("  " + line)
    assert total == PINNED_TOTAL, "the hand alignments changed: update PINNED_TOTAL"
    assert hits >= PINNED_ROWS, "\n".join(differences)


@pytest.mark.parametrize(
    "date", [pytest.param(d, marks=pytest.mark.xfail(reason=r)) for d, r in PARSER_FAULTS.items()]
)
def test_pairs_the_parser_misreads_align_once_it_reads_them(date: str) -> None:
    en, zh = _check_parse_unchanged(date)
    rows = {(r.en, r.zh) for r in align_pair(en, zh).rows}
    assert rows == {(tuple(r["en"]), tuple(r["zh"])) for r in expected(date)["rows"]}


@pytest.mark.parametrize("date", list(PARSER_FAULTS))
def test_a_misread_pair_is_incomplete_and_reports_nothing(date: str) -> None:
    from storage.align import find_asymmetries

    x = expected(date)
    alignment = align_pair(briefing(x["en"]["file"]), briefing(x["zh"]["file"]))
    assert alignment.status == "incomplete", "a parse fault must not become findings"
    assert find_asymmetries(alignment) == ()
