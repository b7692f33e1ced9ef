"""The corpus check (``crawler.extract.check``): each flag on a small briefing dict, then the
counts over every fixture transcript."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

from crawler.extract import parse_html
from crawler.extract.check import KINDS, check_briefing, summarize, twin_of
from tests.extract.cases import all_cases


def turn(role: str, speaker: str | None, text: str) -> dict[str, Any]:
    return {"role": role, "speaker": speaker, "text": text}


def qa(index: int, *turns: dict[str, Any], asker: str | None = None, **flags: bool) -> dict:
    question = "\n".join(t["text"] for t in turns if t["role"] == "journalist") or None
    answer = "\n".join(t["text"] for t in turns if t["role"] == "official") or None
    return {
        "index": index,
        "kind": "qa",
        "asker": asker,
        "question": question,
        "answerer": "耿爽",
        "answer": answer,
        "follow_up": flags.get("follow_up", False),
        "after_conference": flags.get("after_conference", False),
        "turns": list(turns),
    }


def briefing(*exchanges: dict, language: str = "zh", held_on: str = "2019-02-21") -> dict:
    return {"language": language, "held_on": held_on, "exchanges": list(exchanges)}


def kinds(data: dict, twin: dict | None = None) -> list[str]:
    return [f.kind for f in check_briefing(data, twin)]


GOOD = qa(0, turn("journalist", "问", "问题？"), turn("official", "答", "回答。"))


def test_a_clean_briefing_has_no_flag():
    assert kinds(briefing(GOOD)) == []


def test_missing_answer_or_question():
    no_answer = qa(0, turn("journalist", "追问", "追问？\n刚才我已经说过。"))
    no_question = qa(1, turn("official", "答", "回答。"))
    assert kinds(briefing(no_answer, no_question)) == ["qa-no-answer", "qa-no-question"]


def test_asker_that_is_a_sentence():
    e = qa(
        0, turn("journalist", "我注意到网上很多人都在问", "为什么？"), turn("official", "答", "是")
    )
    e["asker"] = "我注意到网上很多人都在问"
    assert kinds(briefing(e)) == ["asker-sentence"]


def test_labels_left_inside_the_text():
    in_answer = qa(
        0, turn("journalist", "问", "问题？"), turn("official", "答", "回答。\n问：下一个？")
    )
    left_in = qa(
        1,
        turn("journalist", None, "彭博社记者、土耳其阿纳多卢通讯社记者：问题？"),
        turn("official", "答", "回答。"),
    )
    assert kinds(briefing(in_answer, left_in)) == ["label-in-answer", "label-in-question"]


def test_a_question_after_the_answer_inside_one_exchange():
    merged = qa(
        0,
        turn("journalist", "问", "问题一？"),
        turn("official", "答", "回答一。"),
        turn("journalist", "记者", "我可以等到明天。"),  # an interjection may sit here
        turn("journalist", "问", "问题二？"),
        turn("official", "答", "回答二。"),
    )
    assert kinds(briefing(merged)) == ["question-mid-exchange"]


def test_after_conference_item_or_later_remark_inside_an_answer():
    lead_in = qa(
        0,
        turn("journalist", "Q", "Why?"),
        turn("official", "A", "Because.\nAfter the Press Conference, a journalist asked if X."),
    )
    remark = qa(
        1,
        turn("journalist", "问", "问题？"),
        turn("official", "答", "回答。\n21日晚些时候，耿爽就此事进一步表示：\n表态。"),
    )
    assert kinds(briefing(lead_in, remark)) == ["after-conference-in-answer", "narration-in-answer"]


def test_after_conference_question_that_is_not_last():
    late = qa(
        0, turn("journalist", "问", "会后？"), turn("official", "答", "是"), after_conference=True
    )
    assert kinds(briefing(late, {**GOOD, "index": 1})) == ["after-conference-not-last"]


def test_twin_with_far_more_questions():
    zh = briefing(*[{**GOOD, "index": i} for i in range(12)])
    en = briefing(*[{**GOOD, "index": i} for i in range(8)], language="en")
    assert kinds(zh, en) == ["twin-count"]
    assert kinds(zh, briefing(*[{**GOOD, "index": i} for i in range(10)], language="en")) == []
    assert twin_of(zh, [zh, en]) is en


def test_summary_ranks_the_worst_briefings_first():
    bad = briefing(qa(0, turn("journalist", "问", "？")), qa(1, turn("official", "答", "。")))
    summary = summarize([("good", check_briefing(briefing(GOOD))), ("bad", check_briefing(bad))])
    assert (summary.briefings, summary.flagged) == (2, 1)
    assert summary.worst[0][0] == "bad"
    assert summary.counts == Counter({"qa-no-answer": 1, "qa-no-question": 1})
    assert len(summary.lines()) == 2 + len(KINDS)


# -- every fixture transcript -----------------------------------------------------------------

# What the check flags over the fixture transcripts with parser version 4: nothing. With
# version 3 it flagged 6 of them (qa-no-answer, label-in-question, question-mid-exchange,
# after-conference-in-answer, narration-in-answer, asker-sentence: one each, all hard pages).
EXPECTED_COUNTS: Counter[str] = Counter()


@cache
def fixture_briefings() -> dict[str, dict]:
    cases = [c for c in all_cases() if "not_a_transcript" not in c.expected()]
    return {c.name: parse_html(c.path.read_bytes(), c.url).to_dict() for c in cases}


def test_corpus_check_over_every_fixture_transcript():
    parsed = fixture_briefings()
    others = list(parsed.values())
    results = [(name, check_briefing(d, twin_of(d, others))) for name, d in parsed.items()]
    summary = summarize(results)
    assert summary.briefings == len(parsed)
    assert summary.counts == EXPECTED_COUNTS, "\n".join(summary.lines())
