"""diff_exchanges on hand-built before/after pairs: exact change lists."""

from __future__ import annotations

import copy

import pytest

from storage.diff import (
    diff_exchanges,
    diff_versions,
    exchange_fingerprint,
    new_uid,
    similarity,
)
from storage.worddiff import side
from tests.diff.helpers import qa, reindex, set_text, statement, summary

BASE = reindex(
    [
        statement("Premier Li Qiang will attend the summit in Jakarta from September 5 to 7."),
        qa(
            "Reuters",
            "Can you confirm that the foreign minister will travel to Washington next week?",
            "I have no information to offer at the moment. We will release information in due "
            "course. China's position on the relationship has been consistent and clear.",
        ),
        qa(
            "AFP",
            "What is China's response to the new sanctions announced by the European Union?",
            "China firmly opposes unilateral sanctions that have no basis in international law. "
            "We urge the EU to correct its wrong practice. We will take necessary measures to "
            "safeguard the legitimate rights of Chinese companies.",
        ),
        qa(
            "CCTV",
            "The second Belt and Road forum on green development was held yesterday in Beijing. "
            "Could you share more details?",
            "The forum brought together more than three hundred participants from forty "
            "countries. They discussed green finance, clean energy and biodiversity protection.",
        ),
        qa(
            "Bloomberg",
            "Will the two leaders hold a phone call before the end of the year?",
            "I don't have anything to share on that. Head-of-state diplomacy plays an "
            "irreplaceable role in guiding the relationship.",
        ),
        qa(
            "Global Times",
            "Some media reported that the typhoon caused heavy damage in the Philippines. "
            "Will China provide assistance?",
            "China expresses deep sympathies to the Philippine people. China is ready to provide "
            "emergency humanitarian assistance according to the needs of the Philippine side.",
        ),
        qa(
            "Reuters",
            "A follow-up on the trade talks: when will the next round take place?",
            "The two sides' economic and trade teams maintain communication.",
            follow_up=True,
        ),
    ]
)
UIDS = [f"uid{i:013d}" for i in range(len(BASE))]


def run(after: list[dict], before: list[dict] = BASE):
    return diff_exchanges(before, reindex(after), UIDS[: len(before)])


def test_identical_input_gives_no_changes_and_keeps_every_uid() -> None:
    result = run(copy.deepcopy(BASE))
    assert result.changes == []
    assert result.uids_after == UIDS
    assert result.summary() == "no changes"


def test_index_is_not_content() -> None:
    shifted = copy.deepcopy(BASE[1])
    shifted["index"] = 9
    assert exchange_fingerprint(shifted) == exchange_fingerprint(BASE[1])


def test_exchange_deleted() -> None:
    after = copy.deepcopy(BASE)
    del after[2]
    result = run(after)
    assert summary(result.changes) == [("removed", 2, None, [])]
    change = result.changes[0]
    assert change.exchange_id == UIDS[2]
    assert (change.asker, change.answerer) == ("AFP", "Mao Ning")
    assert result.uids_after == UIDS[:2] + UIDS[3:]
    row = change.as_row()
    assert row["before"].startswith("What is China's response")
    assert row["after"] is None


def test_answer_sentence_edited() -> None:
    after = copy.deepcopy(BASE)
    set_text(
        after[2],
        "answer",
        "China firmly opposes unilateral sanctions that have no basis in international law. "
        "We will take necessary measures to safeguard the legitimate rights of Chinese companies.",
    )
    result = run(after)
    assert summary(result.changes) == [("edited", 2, 2, ["answer"])]
    change = result.changes[0]
    assert change.exchange_id == UIDS[2]
    assert result.uids_after == UIDS
    removed = [text for tag, text in change.word_diff if tag == "-"]
    assert removed == ["We urge the EU to correct its wrong practice. "]
    assert not [text for tag, text in change.word_diff if tag == "+"]
    assert side(change.word_diff, "-") == change.as_row()["before"]
    assert side(change.word_diff, "+") == change.as_row()["after"]


def test_answer_lost_two_of_three_sentences_is_still_an_edit() -> None:
    after = copy.deepcopy(BASE)
    set_text(after[2], "answer", "We urge the EU to correct its wrong practice.")
    assert summary(run(after).changes) == [("edited", 2, 2, ["answer"])]


def test_answer_rewritten_entirely_is_an_edit_of_the_same_question() -> None:
    after = copy.deepcopy(BASE)
    set_text(after[4], "answer", "Please refer to the competent authorities.")
    assert summary(run(after).changes) == [("edited", 4, 4, ["answer"])]


def test_exchange_added() -> None:
    after = copy.deepcopy(BASE)
    after.insert(
        3,
        qa(
            "NHK",
            "Is there any update on the detained Japanese national?",
            "The case is being handled in accordance with law.",
        ),
    )
    result = run(after)
    assert summary(result.changes) == [("added", None, 3, [])]
    assert result.changes[0].asker == "NHK"
    assert result.uids_after[:3] == UIDS[:3] and result.uids_after[4:] == UIDS[3:]
    assert result.uids_after[3] not in UIDS


def test_two_adjacent_exchanges_swapped_is_one_move() -> None:
    after = copy.deepcopy(BASE)
    after[2], after[3] = after[3], after[2]
    result = run(after)
    assert summary(result.changes) == [("moved", 3, 2, [])]
    assert result.uids_after == [UIDS[0], UIDS[1], UIDS[3], UIDS[2], *UIDS[4:]]


def test_two_distant_exchanges_swapped_are_two_moves() -> None:
    after = copy.deepcopy(BASE)
    after[1], after[5] = after[5], after[1]
    result = run(after)
    assert summary(result.changes) == [("moved", 5, 1, []), ("moved", 1, 5, [])]


def test_insertion_before_others_shifts_but_does_not_move_them() -> None:
    after = copy.deepcopy(BASE)
    after.insert(0, statement("Good afternoon. I have two announcements to start with today."))
    del after[5]
    result = run(after)
    assert summary(result.changes) == [("added", None, 0, []), ("removed", 4, None, [])]


def test_outlet_label_changed_is_an_asker_edit() -> None:
    after = copy.deepcopy(BASE)
    set_text(after[3], "asker", "China Central Television")
    result = run(after)
    assert summary(result.changes) == [("edited", 3, 3, ["asker"])]
    change = result.changes[0]
    assert change.asker == "China Central Television"
    assert change.before["asker"] == "CCTV"


def test_moved_and_edited_gives_a_move_then_an_edit() -> None:
    after = copy.deepcopy(BASE)
    moved = after.pop(5)
    set_text(moved, "answer", moved["answer"].replace("emergency", "urgent"))
    after.insert(1, moved)
    result = run(after)
    assert summary(result.changes) == [("moved", 5, 1, []), ("edited", 5, 1, ["answer"])]
    assert result.changes[1].moved and result.changes[1].as_row()["detail"]["moved"] is True
    assert result.changes[0].exchange_id == result.changes[1].exchange_id == UIDS[5]


def test_unrelated_exchange_in_the_same_slot_is_removed_plus_added() -> None:
    after = copy.deepcopy(BASE)
    after[4] = qa(
        "Bloomberg",
        "How do you view the election results in Argentina?",
        "We respect the choice of the Argentine people.",
    )
    result = run(after)
    assert summary(result.changes) == [("removed", 4, None, []), ("added", None, 4, [])]


def test_revert_is_two_change_sets_with_the_same_uid() -> None:
    b = copy.deepcopy(BASE)
    set_text(b[1], "answer", "I have no information to offer at the moment.")
    first = run(b)
    assert summary(first.changes) == [("edited", 1, 1, ["answer"])]
    second = diff_exchanges(reindex(b), copy.deepcopy(BASE), first.uids_after)
    assert summary(second.changes) == [("edited", 1, 1, ["answer"])]
    assert second.uids_after == UIDS
    assert first.changes[0].word_diff != second.changes[0].word_diff


def test_duplicate_exchanges_pair_in_order() -> None:
    thanks = statement("Thank you.")
    before = reindex([thanks, BASE[1], thanks, BASE[2]])
    after = reindex([thanks, BASE[1], BASE[2]])
    result = diff_exchanges(before, after, ["a", "b", "c", "d"])
    assert summary(result.changes) == [("removed", 2, None, [])]
    assert result.uids_after == ["a", "b", "d"]


def test_turn_split_only_is_a_turns_edit() -> None:
    after = copy.deepcopy(BASE)
    after[1]["turns"][1]["speaker"] = "Spokesperson"
    assert summary(run(after).changes) == [("edited", 1, 1, ["turns"])]


def test_flags_and_kind_are_fields() -> None:
    after = copy.deepcopy(BASE)
    after[6]["follow_up"] = False
    after[5]["after_conference"] = True
    assert summary(run(after).changes) == [
        ("edited", 5, 5, ["after_conference"]),
        ("edited", 6, 6, ["follow_up"]),
    ]


def test_everything_replaced_matches_nothing() -> None:
    after = [
        qa(
            f"Outlet {i}",
            f"Question number {i} about topic {i * 7} and nothing else?",
            f"Answer {i} concerns a wholly different matter, item {i * 13}.",
        )
        for i in range(len(BASE))
    ]
    result = run(after)
    assert sorted(c.type for c in result.changes) == ["added"] * 7 + ["removed"] * 7


def test_empty_sides() -> None:
    assert summary(diff_exchanges([], reindex(BASE[:2]), []).changes) == [
        ("added", None, 0, []),
        ("added", None, 1, []),
    ]
    assert summary(diff_exchanges(BASE[:2], [], UIDS[:2]).changes) == [
        ("removed", 0, None, []),
        ("removed", 1, None, []),
    ]


def test_uid_count_must_match() -> None:
    with pytest.raises(ValueError):
        diff_exchanges(BASE, BASE, UIDS[:2])


def test_stored_after_uids_pin_identity() -> None:
    after = copy.deepcopy(BASE)
    after[2], after[3] = after[3], after[2]
    pinned = [UIDS[0], UIDS[1], UIDS[3], UIDS[2], *UIDS[4:]]
    result = diff_exchanges(BASE, reindex(after), UIDS, pinned)
    assert result.uids_after == pinned
    assert [c.type for c in result.changes] == ["moved"]


def test_chinese_edit_is_a_character_diff() -> None:
    before = reindex(
        [
            qa(
                "路透社记者",
                "请问中方对此有何评论？",
                "中方的立场是一贯的、明确的。我们敦促有关方面停止干涉中国内政。",
                "毛宁",
            )
        ]
    )
    after = copy.deepcopy(before)
    set_text(after[0], "answer", "中方的立场是一贯的、明确的。")
    result = diff_exchanges(before, after, ["x"])
    assert summary(result.changes) == [("edited", 0, 0, ["answer"])]
    assert [t for tag, t in result.changes[0].word_diff if tag == "-"] == [
        "我们敦促有关方面停止干涉中国内政。"
    ]


def test_diff_versions_takes_whole_briefings() -> None:
    before = {"exchanges": BASE}
    after = {"exchanges": reindex(BASE[:-1])}
    result = diff_versions(before, after, UIDS)
    assert summary(result.changes) == [("removed", 6, None, [])]
    assert len(diff_versions(before, after).uids_after) == 6


def test_json_shape() -> None:
    after = copy.deepcopy(BASE)
    del after[0]
    result = run(after)
    result.from_version, result.to_version = 1, 2
    data = result.to_json()
    assert set(data) == {"from", "to", "change_count", "changes"}
    assert data["change_count"] == 1
    assert set(data["changes"][0]) == {
        "type",
        "exchange_id",
        "index_before",
        "index_after",
        "asker",
        "answerer",
        "fields",
        "before",
        "after",
        "word_diff",
    }


def test_as_row_matches_change_event_columns() -> None:
    from storage.models import ChangeEvent

    after = copy.deepcopy(BASE)
    set_text(after[1], "question", "Can you confirm the foreign minister's trip to Washington?")
    row = run(after).changes[0].as_row()
    assert set(row) <= set(ChangeEvent.__table__.columns.keys())
    assert set(row) == {
        "type",
        "exchange_uid",
        "index_before",
        "index_after",
        "asker",
        "answerer",
        "fields",
        "before",
        "after",
        "detail",
    }
    assert row["fields"] == ["question"]


def test_similarity_is_symmetric_and_bounded() -> None:
    for a in BASE:
        for b in BASE:
            s = similarity(a, b)
            assert 0.0 <= s <= 1.0
            assert s == pytest.approx(similarity(b, a))
    assert similarity(BASE[2], BASE[2]) == 1.0


def test_new_uid() -> None:
    uid = new_uid()
    assert len(uid) == 16 and int(uid, 16) >= 0 and uid != new_uid()


def test_extra_keys_or_index_never_make_an_edit() -> None:
    after = copy.deepcopy(BASE)
    after[3]["index"] = 42
    after[3]["note"] = "not part of schema v1 content"
    assert run(after).changes == []
