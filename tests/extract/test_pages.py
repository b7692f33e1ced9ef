"""Hand-written pages of unseen variants (``tests/extract/pages``), each against its expected
file (``pages/<name>.json``, the same reviewable summary as the fixture expectations).

Variants: an unknown template (no known container, title or time class), the current English
template with a new inner div class and its translation links, a Chinese page with
half-width colons and no bold. They also carry ``Note:``/``注:`` paragraphs, ``Follow-up:``
inside an answer sentence and unbolded ``Bloomberg:``/``Phoenix TV:`` labels.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import parse_html
from crawler.schema import validation_errors
from tests.extract.expectations import summarize

PAGES_DIR = Path(__file__).resolve().parent / "pages"
PAGE_URLS = {
    "en_unknown_container": (
        "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202504/t20250403_90000001.html"
    ),
    "en_lxjzh_inner_class": (
        "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202505/t20250506_90000001.html"
    ),
    "zh_halfwidth_nobold": (
        "https://www.fmprc.gov.cn/web/fyrbt_673021/202404/t20240409_90000004.shtml"
    ),
}


def parse_page(name: str) -> dict:
    return parse_html((PAGES_DIR / f"{name}.html").read_bytes(), PAGE_URLS[name])


def expected(name: str) -> dict:
    return json.loads((PAGES_DIR / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(PAGE_URLS))
def test_page_matches_its_expected_file(name: str):
    want, got = expected(name), summarize(parse_page(name))
    for key in want:
        if key != "exchanges":
            assert got[key] == want[key], f"{name}: field {key!r}"
    assert len(got["exchanges"]) == len(want["exchanges"]), f"{name}: number of exchanges"
    for i, (w, g) in enumerate(zip(want["exchanges"], got["exchanges"], strict=True)):
        for key in w:
            assert g[key] == w[key], f"{name}: exchanges[{i}].{key}"


@pytest.mark.parametrize("name", sorted(PAGE_URLS))
def test_page_validates(name: str):
    assert validation_errors(parse_page(name).to_dict()) == []


def test_editorial_note_is_not_a_speaker():
    answers = [e.answer for e in parse_page("en_unknown_container").exchanges]
    assert any(a and "\nNote: This part of the transcript" in a for a in answers)
    zh = parse_page("zh_halfwidth_nobold").exchanges[0]
    assert zh.answer.endswith("注:以上答问内容有所更新。")


def test_follow_up_inside_a_sentence_is_not_a_label():
    first_qa = next(e for e in parse_page("en_unknown_container").exchanges if e.kind == "qa")
    assert first_qa.asker == "Bloomberg" and not first_qa.follow_up
    assert "Follow-up: we will see what happens next" in first_qa.answer


def write_expected() -> None:
    """Regenerate the expected files (then read each page and check them by hand)."""
    from tests.extract.regen_expected import render

    for name in PAGE_URLS:
        text = render(summarize(parse_page(name)))
        (PAGES_DIR / f"{name}.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_expected()
