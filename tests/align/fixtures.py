"""Real fixture transcripts, parsed once per test session (read where they live)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from crawler.extract import NotATranscript, parse_html
from tests.conftest import MFA_DIR
from tests.extract.cases import EXTRA_URLS

EXPECTED = Path(__file__).resolve().parent / "expected"

# Hand-aligned pairs whose current parse does not give the exchanges a careful reader sees:
# the expected file keeps the reader's rows; the accuracy figures leave the pair out, and its
# own test is an expected failure until the parser reads the page again (xfail_strict: the
# fix shows up as a failure to act on).
PARSER_FAULTS: dict[str, str] = {}

# Pairs the shipped length model was not fitted on. 2020-06-15 is read right since parser 5;
# refitting with its 8 rows moves the regression's intercept (floor 0.0004 -> 0.006) and
# slope (spread 9.0 -> 4.2), and the refitted model drops two robustness cases (merged-row
# recovery 94/106 < 0.89, 2018-05-11 drop-en), so the shipped model stays as fitted.
NOT_IN_SHIPPED_FIT = {"2020-06-15"}


@cache
def _urls() -> dict[str, str]:
    """Fixture path (``pages/…``, ``hard/…``, ``site/…``) to the page's original URL."""
    urls = {}
    for folder in ("pages", "hard"):
        for entry in json.loads((MFA_DIR / folder / "manifest.json").read_text()):
            # Pages the manifest gives no URL get the extraction tests' test-host URL.
            url = entry["url"] or EXTRA_URLS.get(entry["file"])
            if url:
                urls[f"{folder}/{entry['file']}"] = url
    return urls


def url_of(path: str) -> str:
    if path.startswith("site/"):
        return "https://" + path.removeprefix("site/")
    return _urls()[path]


@cache
def _parsed(path: str) -> dict[str, Any]:
    return parse_html((MFA_DIR / path).read_bytes(), url_of(path)).to_dict()


def briefing(path: str) -> dict[str, Any]:
    """The schema dict of a fixture page (a copy: tests may change it)."""
    return copy.deepcopy(_parsed(path))


def expected_files() -> list[Path]:
    return sorted(EXPECTED.glob("*.json"))


def expected(date: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXPECTED / f"{date}.json").read_text(encoding="utf-8"))
    return data


def expected_pair(date: str) -> tuple[dict[str, Any], dict[str, Any]]:
    x = expected(date)
    return briefing(x["en"]["file"]), briefing(x["zh"]["file"])


def site_transcripts(language: str) -> list[str]:
    """Fixture paths of the mirror's transcripts in one language (not its other items)."""
    return [p for p in _site_pages(language) if _is_transcript(p)]


def _is_transcript(path: str) -> bool:
    try:
        _parsed(path)
    except NotATranscript:
        return False
    return True


def _site_pages(language: str) -> list[str]:
    folder = {
        "en": "site/www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403",
        "zh": "site/www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889",
    }[language]
    return sorted(f"{folder}/{p.name}" for p in (MFA_DIR / folder).glob("t*.shtml"))


def reindexed(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Exchanges renumbered from 0 (after a test drops or merges some)."""
    return [{**x, "index": i} for i, x in enumerate(exchanges)]


def merged(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two exchanges printed as one (the way the other language may split them)."""

    def join(a: str | None, b: str | None) -> str | None:
        return "\n".join(t for t in (a, b) if t) or None

    return {
        **first,
        "question": join(first["question"], second["question"]),
        "answer": join(first["answer"], second["answer"]),
        "turns": first["turns"] + second["turns"],
    }


Rows = list[tuple[tuple[int, ...], tuple[int, ...]]]


def perturbations(
    en: list[dict[str, Any]], zh: list[dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], Rows]]:
    """Variants of a 1–1 pair with known answers: each exchange dropped from one side (a
    1–0 or 0–1 row), each neighbouring two printed as one on one side (a 2–1 or 1–2 row)."""
    n = len(en)
    out: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], Rows]] = []
    for k in range(n):
        out.append(
            ("drop-zh", en, reindexed(zh[:k] + zh[k + 1 :]),
             [((i,), (i - (i > k),)) if i != k else ((k,), ()) for i in range(n)])
        )  # fmt: skip
        out.append(
            ("drop-en", reindexed(en[:k] + en[k + 1 :]), zh,
             [((j - (j > k),), (j,)) if j != k else ((), (k,)) for j in range(n)])
        )  # fmt: skip
        if k + 1 == n:
            continue
        kind = "statements" if en[k + 1]["kind"] == "statement" else "question"
        if en[k + 1]["follow_up"]:
            kind = "follow-up"
        head: Rows = [((i,), (i,)) for i in range(k)]
        zh_merged = reindexed([*zh[:k], merged(zh[k], zh[k + 1]), *zh[k + 2 :]])
        out.append(
            (f"merge-zh-{kind}", en, zh_merged,
             [*head, ((k, k + 1), (k,)), *[((i,), (i - 1,)) for i in range(k + 2, n)]])
        )  # fmt: skip
        en_merged = reindexed([*en[:k], merged(en[k], en[k + 1]), *en[k + 2 :]])
        out.append(
            (f"merge-en-{kind}", en_merged, zh,
             [*head, ((k,), (k, k + 1)), *[((i - 1,), (i,)) for i in range(k + 2, n)]])
        )  # fmt: skip
    return out
