"""Parse speed: full parse + normalize vs. a bare parsel pass, side by side in one run.

Prints pages/s of both and their ratio (target: full parse <= 2.5x the bare pass).
Run: ``/work/venv/bin/python benchmarks/parse.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from parsel import Selector

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extract import NotATranscript, decode_body, parse_briefing  # noqa: E402
from tests.extract.cases import all_cases  # noqa: E402


def transcript_pages() -> list[tuple[str, str]]:
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


def timed(fn: Callable[[str, str], object], pages: list[tuple[str, str]]) -> float:
    start = time.perf_counter()
    for text, url in pages:
        fn(text, url)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    pages = transcript_pages()
    bare, full = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine load
        bare.append(timed(bare_pass, pages))
        full.append(timed(full_parse, pages))
    best_bare, best_full = min(bare), min(full)
    n = len(pages)
    print(f"pages: {n} fixture transcripts, best of {rounds} interleaved rounds")
    print(f"bare pass  (Selector + //p text): {n / best_bare:8.1f} pages/s")
    print(f"full parse (parse + normalize)  : {n / best_full:8.1f} pages/s")
    print(f"ratio full/bare: {best_full / best_bare:.2f}x (target <= 2.5x)")


if __name__ == "__main__":
    main()
