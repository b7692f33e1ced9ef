"""Every transcript of the site mirror (55 real pages) passes the corpus check, and the
2020-06-15 page labels each question "…记者提问" (a label, not a clause of an answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import NotATranscript, parse_html
from crawler.extract.check import check_briefing
from tests.conftest import MFA_SITE

ROOT = MFA_SITE / "www.fmprc.gov.cn"
PAGES = sorted(ROOT.rglob("t*.shtml"))


def url_of(path: Path) -> str:
    return "https://www.fmprc.gov.cn/" + path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_mirror_transcript_passes_the_corpus_check(path: Path) -> None:
    try:
        data = parse_html(path.read_bytes(), url_of(path)).to_dict()
    except NotATranscript:
        pytest.skip("not a transcript (a statement in the Chinese column)")
    flags = check_briefing(data)
    assert flags == [], [f"{f.kind} at {f.exchange}: {f.message}" for f in flags]


def test_journalist_asks_labels_start_questions() -> None:
    path = ROOT / "web/wjdt_674879/fyrbt_674889/t1788865.shtml"
    data = parse_html(path.read_bytes(), url_of(path)).to_dict()
    kinds = [e["kind"] for e in data["exchanges"]]
    assert kinds == ["statement"] + ["qa"] * 9
    assert data["exchanges"][1]["asker"] == "总台央视记者提问"
    assert all(e["answer"] for e in data["exchanges"][1:])
