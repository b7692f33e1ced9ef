"""Build a large loopback mirror of the English column from the 40 real fixture transcripts.

    python benchmarks/mirror.py /tmp/mirror --count 1000

Each of the ``count`` transcripts is a real fixture page under a new id (``t5000000.shtml``
...), with the date in its title moved so every copy is a distinct briefing (the archive
identifies a briefing by source, language and date). List pages are the real list page's
markup with 40 items each and the real pagination script (``var countPage = N``). Layout by
URL path, as ``tests.sitemock.SiteMock`` serves it.
"""

from __future__ import annotations

import argparse
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE_SITE = REPO.parent / "shared" / "fixtures" / "mfa" / "site" / "www.fmprc.gov.cn"
EN_DIR = "mfa_eng/xwfw_665399/s2510_665401/2511_665403"
PER_PAGE = 40
FIRST_ID = 5_000_000
FIRST_DAY = date(1990, 1, 1)

_TITLE_DATE = re.compile(
    r"(January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s*\d{1,2},\s*\d{4}"
)
_LIST_ITEM = re.compile(r"\s*<li><a href=\"\./t\d+\.shtml\"[^>]*>[^<]*</a></li>")
_COUNT_PAGE = re.compile(r"var countPage = \d+")
_CURRENT_PAGE = re.compile(r"var currentPage = \d+")


def english_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def build(target: Path, count: int, fixtures: Path = FIXTURE_SITE) -> list[str]:
    """Write the mirror under ``target`` (emptied first); returns the article paths."""
    source_dir = fixtures / EN_DIR
    templates = sorted(p for p in source_dir.glob("t*.shtml"))
    list_template = (source_dir / "default.shtml").read_text(encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    out_dir = target / EN_DIR
    out_dir.mkdir(parents=True)
    shutil.copy(fixtures / "error.htm", target / "error.htm")
    items = []
    for k in range(count):
        day = FIRST_DAY + timedelta(days=k)
        page_id = FIRST_ID + k
        html = templates[k % len(templates)].read_text(encoding="utf-8")
        html = _TITLE_DATE.sub(english_date(day), html)
        (out_dir / f"t{page_id}.shtml").write_text(html, encoding="utf-8")
        title = f"Foreign Ministry Spokesperson's Regular Press Conference on {english_date(day)}"
        items.append((page_id, title))
    items.reverse()  # newest first, as the site lists them
    pages = (len(items) + PER_PAGE - 1) // PER_PAGE
    for p in range(pages):
        chunk = items[p * PER_PAGE : (p + 1) * PER_PAGE]
        name = "default.shtml" if p == 0 else f"default_{p}.shtml"
        (out_dir / name).write_text(list_page(list_template, chunk, p, pages), encoding="utf-8")
    return [f"/{EN_DIR}/t{page_id}.shtml" for page_id, _ in items]


def list_page(template: str, chunk: list[tuple[int, str]], page: int, pages: int) -> str:
    lines = "".join(
        f'\n\t\t\t\t\t<li><a href="./t{page_id}.shtml" target="_blank">{title}</a></li>'
        for page_id, title in chunk
    )
    first = _LIST_ITEM.search(template)
    assert first is not None, "list template without items"
    body = _LIST_ITEM.sub("", template)
    html = body[: first.start()] + lines + body[first.start() :]
    html = _COUNT_PAGE.sub(f"var countPage = {pages}", html)
    return _CURRENT_PAGE.sub(f"var currentPage = {page}", html)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    paths = build(args.target, args.count)
    print(f"{len(paths)} transcripts under {args.target / EN_DIR}")


if __name__ == "__main__":
    main()
