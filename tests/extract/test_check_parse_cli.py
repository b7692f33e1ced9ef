"""``briefings check-parse`` over an archive built from real fixture pages."""

from __future__ import annotations

import copy
import json

from click.testing import CliRunner

from scheduler.cli import main
from tests.extract.cases import all_cases
from tests.ledger.helpers import T0, capture


def transcripts() -> list[dict]:
    from crawler.extract import NotATranscript, parse_html

    parsed = []
    for case in all_cases():
        try:
            parsed.append(parse_html(case.path.read_bytes(), case.url).to_dict())
        except NotATranscript:
            continue
    return parsed


def test_every_fixture_transcript_passes_the_corpus_check(db_url: str, archive) -> None:
    pages = transcripts()
    for data in pages:
        capture(archive, data, T0)
    out = CliRunner().invoke(main, ["check-parse", "--json", "--strict", "--db", db_url])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    # One briefing per identity: the copies of one briefing (2019-04-29, the three
    # templates of 2024-02-27) are one, checked on its current text.
    assert report["flagged"] == 0 and report["briefings"] >= 60


def test_a_broken_segmentation_is_flagged_with_a_link(db_url: str, archive) -> None:
    data = copy.deepcopy(transcripts()[0])
    qa = next(e for e in data["exchanges"] if e["kind"] == "qa")
    qa["answer"] = None
    qa["turns"] = [t for t in qa["turns"] if t["role"] != "official"]
    result = capture(archive, data, T0)
    out = CliRunner().invoke(main, ["check-parse", "--strict", "--db", db_url])
    assert out.exit_code == 1
    assert "qa-no-answer" in out.output
    assert f"briefings show {result.briefing_id}" in out.output
