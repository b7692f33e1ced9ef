"""Benchmark of storage.diff: how long diffing two versions of a long transcript takes.

Builds a 60+ exchange English transcript by concatenating real fixture transcripts, then
times (median of N runs, side by side in one process):

- typical: the same transcript with a few edits (one exchange removed, one added, two
  answers edited, two exchanges swapped, one outlet label changed);
- identical: the same transcript unchanged (the common case on a revisit);
- worst: every exchange replaced by unrelated text (other transcripts of the same length).

- worst (all answers): the same questions, every answer replaced by an unrelated one, so
  every exchange matches (same asker and question) and needs a word diff.

Targets: typical < 5 ms, worst < 200 ms.

    /work/venv/bin/python benchmarks/diff.py [--runs 21]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extract import NotATranscript, parse_html  # noqa: E402
from storage.diff import diff_exchanges  # noqa: E402

PAGES = Path(os.environ.get("BRIEFINGS_FIXTURES", REPO.parent / "shared" / "fixtures")) / "mfa"
EN_FILES = sorted((PAGES / "pages").glob("en_legacy_article_*.html"))
BASE_URL = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/"


def load_exchanges(files: list[Path]) -> list[dict[str, Any]]:
    exchanges: list[dict[str, Any]] = []
    for path in files:
        url = BASE_URL + path.name.split("_")[3] + ".shtml"
        try:
            exchanges.extend(parse_html(path.read_bytes(), url).to_dict()["exchanges"])
        except NotATranscript:
            continue  # e.g. a spokesperson's remarks: no Q&A to borrow
    return reindex(exchanges)


def reindex(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = copy.deepcopy(exchanges)
    for i, ex in enumerate(out):
        ex["index"] = i
    return out


def build_pair(target: int) -> tuple[list[dict], list[dict], list[dict]]:
    """(before, typical after, unrelated after): ``before`` has at least ``target`` exchanges."""
    before: list[dict] = []
    used = 0
    while len(before) < target and used < len(EN_FILES):
        used += 1
        before = load_exchanges(EN_FILES[:used])
    # Unrelated text: the exchanges of the other transcripts (none shared with ``before``).
    unrelated = load_exchanges(EN_FILES[used:])[: len(before)]
    return before, reindex(typical_edits(before)), unrelated


def rewritten_answers(before: list[dict], others: list[dict]) -> list[dict]:
    """Same questions, every answer swapped for an unrelated one: all matched, all edited."""
    after = copy.deepcopy(before)
    for ex, other in zip(after, others, strict=False):
        ex["answer"] = other["answer"]
    return after


def typical_edits(before: list[dict]) -> list[dict]:
    after = copy.deepcopy(before)
    n = len(after)
    qa = [i for i, ex in enumerate(after) if ex["kind"] == "qa" and ex["answer"]]
    a, b = qa[len(qa) // 4], qa[len(qa) // 2]
    after[a]["answer"] = after[a]["answer"].rsplit(". ", 1)[0] + "."
    after[b]["answer"] = after[b]["answer"].replace(" the ", " this ", 2)
    after[qa[-3]]["asker"] = "Renamed Outlet"
    after[n // 3], after[n // 3 + 1] = after[n // 3 + 1], after[n // 3]
    del after[2 * n // 3]
    extra = copy.deepcopy(after[5])
    extra["question"] = "A new question inserted by the editors about something else entirely?"
    extra["answer"] = "A new answer that did not exist in the first version of the page."
    after.insert(n // 2, extra)
    return after


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--exchanges", type=int, default=60)
    args = parser.parse_args()

    before, typical, unrelated = build_pair(args.exchanges)
    uids = [f"{i:016x}" for i in range(len(before))]
    chars = sum(len(ex.get("question") or "") + len(ex.get("answer") or "") for ex in before)
    print(f"transcript: {len(before)} exchanges, {chars} characters, {len(EN_FILES)} pages")

    cases = {
        "identical": reindex(before),
        "typical": typical,
        "worst (all replaced)": unrelated,
        "worst (all answers)": rewritten_answers(before, unrelated),
    }
    timings: dict[str, float] = {}
    for name, after in cases.items():
        result = diff_exchanges(before, after, uids)
        ms = median_ms(lambda after=after: diff_exchanges(before, after, uids), args.runs)
        timings[name] = ms
        print(
            f"{name:22s} {ms:8.2f} ms  (median of {args.runs})  "
            f"{len(after)} exchanges after, {result.summary()}"
        )
    # Side-by-side reference: what a naive whole-page word diff would cost on the same pair.
    old_words, new_words = transcript_words(before), transcript_words(typical)
    naive = median_ms(
        lambda: SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes(),
        max(3, args.runs // 7),
    )
    print(
        f"{'naive whole-page diff':22s} {naive:8.2f} ms  (difflib over all {len(old_words)} "
        f"words, typical pair: {naive / timings['typical']:.0f}x the exchange diff)"
    )


def transcript_words(exchanges: list[dict]) -> list[str]:
    return " ".join(
        (ex.get("question") or "") + " " + (ex.get("answer") or "") for ex in exchanges
    ).split()


if __name__ == "__main__":
    main()
