"""Word-level diffs: exact ops, round trips, no token diff of unrelated texts."""

from __future__ import annotations

import random

from storage.worddiff import kept_share, side, tokenize, word_diff


def test_tokens_join_back() -> None:
    text = "Reuters: China's follow-up 中国外交部发言人  said “hi”.\nNext"
    assert "".join(tokenize(text)) == text
    assert "中" in tokenize(text) and "China's" in tokenize(text)


def test_identical_and_empty() -> None:
    assert word_diff("same text", "same text") == [["=", "same text"]]
    assert word_diff("", "") == []
    assert word_diff(None, "new") == [["+", "new"]]
    assert word_diff("old", None) == [["-", "old"]]


def test_word_replacement() -> None:
    assert word_diff("We firmly oppose it.", "We resolutely oppose it.") == [
        ["=", "We "],
        ["-", "firmly"],
        ["+", "resolutely"],
        ["=", " oppose it."],
    ]


def test_chinese_characters() -> None:
    assert word_diff("中方坚决反对。", "中方强烈反对。") == [
        ["=", "中方"],
        ["-", "坚决"],
        ["+", "强烈"],
        ["=", "反对。"],
    ]


def test_paragraph_removed_whole() -> None:
    before = "First paragraph.\nSecond paragraph goes.\nThird stays."
    after = "First paragraph.\nThird stays."
    assert word_diff(before, after) == [
        ["=", "First paragraph.\n"],
        ["-", "Second paragraph goes.\n"],
        ["=", "Third stays."],
    ]


def test_round_trip_on_random_edits() -> None:
    rng = random.Random(7)
    vocab = [
        "the",
        "of",
        "China",
        "and",
        "to",
        "we",
        "will",
        "firmly",
        "oppose",
        "support",
        "中",
        "国",
        "外",
        "交",
        ",",
        ".",
        "\n",
    ]
    for _ in range(200):
        a = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 60)))
        b_tokens = a.split(" ")
        for _ in range(rng.randint(0, 5)):
            b_tokens.insert(rng.randint(0, len(b_tokens)), rng.choice(vocab))
            if b_tokens:
                b_tokens.pop(rng.randrange(len(b_tokens)))
        b = " ".join(b_tokens)
        ops = word_diff(a, b)
        assert side(ops, "-") == a and side(ops, "+") == b
        assert all(tag in "=-+" and text for tag, text in ops)


def test_unrelated_texts_are_one_replacement_without_a_token_diff(monkeypatch) -> None:
    # The bound on time: texts sharing no word pairs never reach diff-match-patch (whose
    # Myers diff of unrelated texts is the slow case). benchmarks/diff.py measures the time.
    def no_diff(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("unrelated texts went through the token diff")

    monkeypatch.setattr("storage.worddiff.diff_match_patch.diff_main", no_diff)
    rng = random.Random(1)
    words_a = [f"alpha{rng.randint(0, 999)}" for _ in range(3000)]
    words_b = [f"beta{rng.randint(0, 999)}" for _ in range(3000)]
    a, b = " ".join(words_a), " ".join(words_b)
    ops = word_diff(a, b)
    assert ops == [["-", a], ["+", b]]
    assert kept_share(ops) == 0.0
