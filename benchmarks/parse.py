"""Parse speed: full parse + normalize vs. a bare parsel pass, side by side in one run.

Both passes start from the same decoded text. The bare pass builds a ``parsel.Selector`` and
reads the text of every ``<p>``; the full pass builds the selector, parses the briefing and
turns it into its schema dict. Rounds alternate which pass goes first and every round
reports its own ratio, so machine load (the box is shared) hits both passes alike; the
figures are medians over the rounds. Target (issue 2): full parse <= 2.5x the bare pass.

Run: ``/work/venv/bin/python benchmarks/parse.py [--rounds N] [--target X]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from parsel import Selector

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extract import NotATranscript, decode_body, parse_briefing  # noqa: E402
from tests.extract.cases import all_cases  # noqa: E402

Page = tuple[str, str]  # (decoded text, url)


def transcript_pages() -> list[Page]:
    """(decoded text, url) of every fixture transcript; decoding is not timed."""
    pages = []
    for case in all_cases():
        text = decode_body(case.path.read_bytes())
        try:
            parse_briefing(Selector(text=text), case.url)
        except NotATranscript:
            continue
        pages.append((text, case.url))
    return pages


def bare_pass(text: str, url: str) -> object:
    return Selector(text=text).xpath("//p//text()").getall()


def full_parse(text: str, url: str) -> object:
    return parse_briefing(Selector(text=text), url).to_dict()


def timed(fn: Callable[[str, str], object], pages: list[Page]) -> float:
    start = time.process_time()
    for text, url in pages:
        fn(text, url)
    return time.process_time() - start


def run_rounds(pages: list[Page], rounds: int) -> tuple[list[float], list[float]]:
    """Seconds per round of the bare and the full pass, alternating which runs first."""
    bare: list[float] = []
    full: list[float] = []
    timed(full_parse, pages)  # warm-up: compiled regexes, caches, lazy imports
    for i in range(rounds):
        if i % 2:
            full.append(timed(full_parse, pages))
            bare.append(timed(bare_pass, pages))
        else:
            bare.append(timed(bare_pass, pages))
            full.append(timed(full_parse, pages))
    return bare, full


def report(n: int, bare: list[float], full: list[float], target: float) -> None:
    ratios = [f / b for b, f in zip(bare, full, strict=True)]
    ratio = statistics.median(ratios)
    print(f"pages: {n} fixture transcripts, {len(bare)} rounds (medians; alternating order)")
    print(f"bare pass  (Selector + //p text): {n / statistics.median(bare):8.1f} pages/s")
    print(f"full parse (parse + normalize)  : {n / statistics.median(full):8.1f} pages/s")
    print(f"ratio full/bare per round: min {min(ratios):.2f}x, max {max(ratios):.2f}x")
    verdict = "PASS" if ratio <= target else "FAIL"
    print(f"verdict: {verdict}: median ratio full/bare {ratio:.2f}x (target <= {target:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--target", type=float, default=2.5, help="max ratio full/bare")
    args = parser.parse_args()
    pages = transcript_pages()
    bare, full = run_rounds(pages, max(1, args.rounds))
    report(len(pages), bare, full, args.target)


if __name__ == "__main__":
    main()
