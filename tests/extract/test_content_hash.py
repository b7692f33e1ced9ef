"""The content hash never changes its bytes: ``canonical_json`` (orjson) against the form the
archive's hashes were first taken of (the standard library's ``json.dumps``).

Every stored version's ``content_hash`` was computed with the standard library. A byte of
difference for the same transcript would make the next capture of every briefing a revision,
so these check every character, every expected transcript and the fall-backs.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.schema import canonical_json, content_hash
from tests.extract.cases import all_cases


def stdlib_form(value: Any) -> bytes:
    """How content hashes were taken before orjson (crawler.schema until 2026-12)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def test_every_character_is_written_as_before() -> None:
    # Each character alone and between others (escapes, multi-byte UTF-8, non-BMP).
    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(characters), 4096):
        block = characters[start : start + 4096]
        value = {"".join(block[:64]): ["".join(block), *block]}
        assert canonical_json(value) == stdlib_form(value), f"from U+{ord(block[0]):04X}"


@pytest.mark.parametrize("case", all_cases(), ids=lambda case: case.name)
def test_every_expected_transcript_hashes_as_before(case) -> None:
    data = case.expected()
    payload = {k: v for k, v in data.items() if k != "url"}
    assert canonical_json(payload) == stdlib_form(payload)
    assert content_hash(data) == hashlib.sha256(stdlib_form(payload)).hexdigest()


def test_a_known_transcript_keeps_its_hash() -> None:
    data = {
        "url": "https://example.test/t1.html",
        "title": "Foreign Ministry Spokesperson's Regular Press Conference",
        "exchanges": [{"index": 0, "question": "Qué? 外交部 😀", "follow_up": False}],
        "held_on": "2024-02-27",
    }
    # Taken with the standard library's form, before orjson; the URL is not part of it.
    known = "e3929d0a51bafbb293bfc7e1152a20d543048b8a2d6187b649d4fd51f40be3b8"
    assert content_hash(data) == known
    assert content_hash(data | {"url": "https://elsewhere.test/t2.html"}) == known


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1e-7, "b": [2.5, {"c": float("nan")}]},  # orjson writes floats differently
        {"big": 2**70, "small": -(2**65)},  # orjson refuses integers beyond 64 bits
        [(1, "x"), {"z": None, "a": True}],
        1.0,
        "",
    ],
)
def test_what_orjson_would_write_differently_falls_back(value) -> None:
    assert canonical_json(value) == stdlib_form(value)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",))), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_value_is_written_as_before(value) -> None:
    assert canonical_json(value) == stdlib_form(value)
