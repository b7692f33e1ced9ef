"""A side that is missing, failed, suspect, removed or truncated never yields "only in"."""

from __future__ import annotations

import pytest

from storage.align import align_pair, find_asymmetries
from tests.align.fixtures import expected_pair


def test_a_missing_side_waits() -> None:
    en, _ = expected_pair("2020-06-19")
    alignment = align_pair(en, None)
    assert alignment.status == "incomplete"
    assert alignment.rows == ()
    assert alignment.reason == "the Chinese version is not available yet"
    assert find_asymmetries(alignment) == ()


@pytest.mark.parametrize("status", ["failed", "removed"])
def test_a_side_that_failed_or_was_removed_marks_the_pair_incomplete(status: str) -> None:
    _, zh = expected_pair("2020-06-19")
    alignment = align_pair(None, zh, en_status=status)  # type: ignore[arg-type]
    assert alignment.status == "incomplete" and alignment.rows == ()
    assert find_asymmetries(alignment) == ()


def test_a_suspect_side_is_aligned_but_reports_nothing() -> None:
    en, zh = expected_pair("2020-06-19")
    zh["exchanges"] = zh["exchanges"][:4]  # the suspect capture lost most of its exchanges
    alignment = align_pair(en, zh, zh_status="suspect")
    assert alignment.status == "incomplete"
    assert alignment.reason == "the Chinese version is suspect"
    assert [(r.en, r.zh) for r in alignment.rows[:4]] == [((i,), (i,)) for i in range(4)]
    assert find_asymmetries(alignment) == ()


def test_a_side_without_exchanges_is_incomplete() -> None:
    en, zh = expected_pair("2020-06-19")
    zh["exchanges"] = []
    alignment = align_pair(en, zh)
    assert alignment.status == "incomplete"
    assert "no exchanges" in (alignment.reason or "")
    assert find_asymmetries(alignment) == ()


def test_a_truncated_side_the_archive_did_not_flag_is_caught_by_the_aligner() -> None:
    # A page cut after three exchanges (an excerpt, a broken fetch) parsed "ok": 18 English
    # exchanges would be "only in English". The pair is marked incomplete instead.
    en, zh = expected_pair("2020-06-19")
    zh["exchanges"] = zh["exchanges"][:3]
    alignment = align_pair(en, zh)
    assert alignment.status == "incomplete"
    assert "no twin" in (alignment.reason or "") or "lengths" in (alignment.reason or "")
    assert find_asymmetries(alignment) == ()


def test_a_much_shorter_side_is_incomplete_even_with_few_one_sided_rows() -> None:
    en, zh = expected_pair("2020-06-30")
    for x in zh["exchanges"]:  # every answer cut to its first sentence
        x["answer"] = (x["answer"] or "").split("。")[0]
    alignment = align_pair(en, zh)
    assert alignment.status == "incomplete"
    assert "lengths disagree" in (alignment.reason or "")


def test_a_side_whose_questions_were_not_read_is_incomplete() -> None:
    # Every Chinese label missed: the same text as statements only. Each unmatched
    # paragraph would otherwise be "only in Chinese".
    en, zh = expected_pair("2020-06-19")
    for x in zh["exchanges"]:
        x["answer"] = "\n".join(t for t in (x["question"], x["answer"]) if t)
        x.update(kind="statement", asker=None, question=None, answerer=None)
    alignment = align_pair(en, zh)
    assert alignment.status == "incomplete"
    assert "no questions" in (alignment.reason or "")
    assert find_asymmetries(alignment) == ()


def test_two_parses_segmenting_a_briefing_differently_are_incomplete() -> None:
    # Every Chinese answer split at its paragraphs into exchanges of their own: most rows
    # would be merges or one-sided, none of which says anything about the ministry.
    en, zh = expected_pair("2020-06-19")
    split = []
    for x in zh["exchanges"]:
        paragraphs = (x["answer"] or "").split("\n") or [""]
        split.append({**x, "answer": paragraphs[0]})
        split += [{**x, "question": None, "answer": p} for p in paragraphs[1:]]
    zh["exchanges"] = [{**x, "index": i} for i, x in enumerate(split)]
    assert len(split) > 1.5 * len(en["exchanges"])
    alignment = align_pair(en, zh)
    assert alignment.status == "incomplete"
    assert find_asymmetries(alignment) == ()
