"""Segmentation fidelity: every fixture transcript against its expected file, field by field.

For each transcript it says whether the *segmentation* (number of exchanges, their kinds,
the turns' roles, the question/answer split as the expected file's text edges, the
follow-up and after-conference flags) and the *askers* (``asker`` and every turn's speaker)
match the expected file, naming the first field that differs. It ends with the share of
transcripts segmented exactly right (both parts match) and the corpus check's counts
(``crawler.extract.check``) over the same parses. Target (issue 13): >= 99.5% on real
transcripts.

Run: ``python benchmarks/segmentation.py [--parsed DIR] [--quiet]``. With ``--parsed``, the
parses are read from ``DIR/<fixture name>.json`` (schema dicts, e.g. written by an older
parser) instead of running the current parser, so two parser versions can be compared.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extract import NotATranscript, parse_html  # noqa: E402
from crawler.extract.check import check_briefing, summarize, twin_of  # noqa: E402
from tests.extract.cases import Case, all_cases  # noqa: E402
from tests.extract.expectations import summarize_exchange  # noqa: E402

SEGMENTATION_KEYS = ("kind", "question", "answer", "follow_up", "after_conference")
ASKER_KEYS = ("asker",)


def transcript_cases() -> list[Case]:
    return [c for c in all_cases() if "not_a_transcript" not in c.expected()]


def load_parse(case: Case, parsed: Path | None) -> dict[str, Any] | None:
    """The schema dict of ``case``: from ``parsed`` when given, else the current parser."""
    if parsed is not None:
        path = parsed / f"{case.name}.json"
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return None if "not_a_transcript" in data else data
    try:
        return parse_html(case.path.read_bytes(), case.url).to_dict()
    except NotATranscript:
        return None


def differences(expected: dict[str, Any], data: dict[str, Any] | None) -> tuple[str, str]:
    """The first segmentation difference and the first asker difference ("" when none)."""
    if data is None:
        return "not parsed as a transcript", "not parsed as a transcript"
    want = expected["exchanges"]
    got = [summarize_exchange(e) for e in data["exchanges"]]
    if len(got) != len(want):
        count = f"exchange count {len(got)} != {len(want)}"
        return count, _first_asker_difference(want, got) or count
    return _first_segment_difference(want, got), _first_asker_difference(want, got)


def _first_segment_difference(want: list[dict[str, Any]], got: list[dict[str, Any]]) -> str:
    for i, (w, g) in enumerate(zip(want, got, strict=False)):
        for key in SEGMENTATION_KEYS:
            if w[key] != g[key]:
                return f"exchanges[{i}].{key}"
        if [role for role, _ in w["turns"]] != [role for role, _ in g["turns"]]:
            return f"exchanges[{i}].turns (roles)"
    return ""


def _first_asker_difference(want: list[dict[str, Any]], got: list[dict[str, Any]]) -> str:
    for i, (w, g) in enumerate(zip(want, got, strict=False)):
        if w["asker"] != g["asker"]:
            return f"exchanges[{i}].asker"
        if [speaker for _, speaker in w["turns"]] != [speaker for _, speaker in g["turns"]]:
            return f"exchanges[{i}].turns (speakers)"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parsed", type=Path, help="read parses from DIR/<case>.json")
    parser.add_argument("--quiet", action="store_true", help="only the failures and totals")
    args = parser.parse_args()
    cases = transcript_cases()
    parses = {case.name: load_parse(case, args.parsed) for case in cases}
    exact = 0
    for case in cases:
        segmentation, askers = differences(case.expected(), parses[case.name])
        ok = not segmentation and not askers
        exact += ok
        if not ok or not args.quiet:
            status = (
                "ok" if ok else f"segmentation: {segmentation or 'ok'}; askers: {askers or 'ok'}"
            )
            print(f"{case.name.removesuffix('.html'):72s} {status}")
    print(f"\nsegmented exactly right: {exact}/{len(cases)} = {exact / len(cases):.1%}")
    found = [data for data in parses.values() if data is not None]
    checked = [
        (name, check_briefing(data, twin_of(data, found)))
        for name, data in parses.items()
        if data is not None
    ]
    print("\ncorpus check (crawler.extract.check):")
    print("\n".join(summarize(checked).lines()))


if __name__ == "__main__":
    main()
