"""Every fixture page against its expected file, field by field (web-poet style).

A failure names the field that broke: ``held_on``, ``exchanges[3].asker`` ...
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from crawler.extract import NotATranscript, parse_html
from crawler.schema import Briefing, validation_errors
from tests.extract.cases import Case, all_cases
from tests.extract.expectations import summarize, summarize_exchange

CASES = all_cases()
TRANSCRIPTS = [c for c in CASES if "not_a_transcript" not in c.expected()]
NOT_TRANSCRIPTS = [c for c in CASES if "not_a_transcript" in c.expected()]
BRIEFING_FIELDS = (
    "source",
    "url",
    "language",
    "title",
    "held_on",
    "published_at",
    "spokespersons",
    "translations",
    "exchange_count",
)
# Labels that name nobody (the asker stays null): roles, follow-ups, after-conference lines.
GENERIC_ASKER = re.compile(
    r"^(?:Q|Journalist|Follow-up|问|记者|追问|记者追问)$|^Journalist \w+$|^记者(?:澄清|解释|补充)$"
    r"|after the press conference|^会后"
)


@cache
def parsed(case: Case) -> Briefing:
    return parse_html(case.path.read_bytes(), case.url)


def _ids(cases: list[Case]) -> list[str]:
    return [c.name.removesuffix(".html") for c in cases]


def test_every_fixture_case_has_an_expected_file():
    missing = [c.name for c in CASES if not c.expected_path.exists()]
    assert not missing, f"no expected file for {missing}"


@pytest.mark.parametrize("case", TRANSCRIPTS, ids=_ids(TRANSCRIPTS))
def test_briefing_fields(case: Case):
    expected, actual = case.expected(), summarize(parsed(case))
    for name in BRIEFING_FIELDS:
        assert actual[name] == expected[name], f"{case.name}: field {name!r}"


@pytest.mark.parametrize("case", TRANSCRIPTS, ids=_ids(TRANSCRIPTS))
def test_exchanges(case: Case):
    expected = case.expected()["exchanges"]
    actual = [summarize_exchange(e.to_dict()) for e in parsed(case).exchanges]
    assert len(actual) == len(expected), f"{case.name}: number of exchanges"
    for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
        for key in want:
            assert got[key] == want[key], f"{case.name}: exchanges[{i}].{key}"


@pytest.mark.parametrize("case", TRANSCRIPTS, ids=_ids(TRANSCRIPTS))
def test_output_validates_against_the_json_schema(case: Case):
    assert validation_errors(parsed(case).to_dict()) == []


@pytest.mark.parametrize("case", TRANSCRIPTS, ids=_ids(TRANSCRIPTS))
def test_invariants(case: Case):
    briefing = parsed(case)
    answerers = {e.answerer for e in briefing.exchanges}
    for e in briefing.exchanges:
        where = f"{case.name}: exchanges[{e.index}]"
        assert all(t.text.strip() for t in e.turns), f"{where} has an empty turn"
        assert e.answer or e.question, f"{where} has no text"
        if e.kind == "qa":
            assert e.question and e.answer, f"{where} lacks a question or an answer"
            named = [
                t.speaker
                for t in e.turns
                if t.role == "journalist" and t.speaker and not GENERIC_ASKER.search(t.speaker)
            ]
            if named and e.turns[0].speaker == named[0]:
                assert e.asker == named[0], f"{where}: outlet label not in asker"
        else:
            assert e.asker is None and e.question is None, f"{where}: statement with a question"
    assert [e.index for e in briefing.exchanges] == list(range(len(briefing.exchanges)))
    for name in briefing.spokespersons:
        assert name in answerers, f"{case.name}: spokesperson {name} never answers"


@pytest.mark.parametrize("case", NOT_TRANSCRIPTS, ids=_ids(NOT_TRANSCRIPTS))
def test_not_a_transcript(case: Case):
    with pytest.raises(NotATranscript) as caught:
        parse_html(case.path.read_bytes(), case.url)
    want = case.expected()["not_a_transcript"].split(":")[0]
    assert caught.value.reason.split(":")[0] == want
    assert "\n" not in caught.value.reason
