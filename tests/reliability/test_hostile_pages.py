"""Hostile pages written for issue 14, served by the loopback fault site to a real crawl.

- The English list page carries article-shaped links that no request can be made of
  (``javascript:``, ``mailto:``, ``data:``, a malformed ``http://[::1`` URL, one with an
  escape sequence) before the real ones: each is skipped and counted, and every real
  briefing after them is still requested.
- An article whose answers carry terminal escape sequences (raw, and as character
  references), C1 controls and bidi overrides: archived without any of them.
- An article with a 2 MB attribute and a 20,000-character class name on its paragraphs:
  archived as the real page's transcript.
- An article whose answer mixes scripts (Arabic, Cyrillic, Devanagari, emoji, combining
  marks): archived with that text exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faultsite import (
    EN_DIR,
    EN_LIST,
    Body,
    FaultSite,
    article_paths,
    replace_once,
    site_page,
)
from tests.reliability.helpers import (
    archive_problems,
    briefing_of,
    captures_of,
    crawl,
    expected_hash,
    query,
    runs,
    versions_of,
)

ARTICLES = article_paths(EN_DIR)
CONTROL_PAGE = EN_DIR + "t1794629.shtml"
HUGE_ATTRIBUTE_PAGE = EN_DIR + "t1794266.shtml"
MIXED_SCRIPT_PAGE = EN_DIR + "t1793861.shtml"
BAD_LINKS = [
    "javascript:window.open('./t1794630.shtml')",
    "mailto:desk@example.org?body=./t1794631.shtml",
    "data:text/html,<a href=./t1794632.shtml>",
    "http://[::1/t1794633.shtml",
    "\x1b]0;x\x07./t1794634.shtml",
]
ANCHOR = "Zhao Lijian: </SPAN>"
CONTROLS = (
    "\x1b]0;pwned\x07 \x1b[2J\x1b[31mred\x1b[0m &#27;]0;ref&#7; &#x9b;2J \x9b2J "
    "\u202egnp.exe\u202c \x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\ "
)
MIXED = "مرحبا Привет नमस्ते 👩‍👩‍👧 e\u0301 中文 ‘quoted’"
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_list() -> bytes:
    page = site_page(EN_LIST).decode("utf-8")
    first = '<li><a href="./t1794629.shtml"'
    bad = "".join(
        f'<li><a href="{href.replace(chr(34), "&quot;")}" target="_blank">Foreign Ministry'
        f" Spokesperson's Regular Press Conference on July {n}, 2020</a></li>\n"
        for n, href in enumerate(BAD_LINKS, 4)
    )
    return replace_once(page.encode("utf-8"), first, bad + first)


def control_page() -> bytes:
    return replace_once(site_page(CONTROL_PAGE), ANCHOR, f"{ANCHOR}{CONTROLS}")


def huge_attribute_page() -> bytes:
    page = site_page(HUGE_ATTRIBUTE_PAGE)
    attribute = b' data-x="' + b"A" * (2 * 1024 * 1024) + b'" class="' + b"c" * 20_000 + b'"'
    return page.replace(b"<p>", b"<p" + attribute + b">", 1).replace(
        b"<P>", b"<P" + attribute + b">", 1
    )


def mixed_script_page() -> bytes:
    page = site_page(MIXED_SCRIPT_PAGE)
    speaker = re.search(rb"(Zhao Lijian|Hua Chunying|Wang Wenbin): </SPAN>", page)
    assert speaker, "no answer label on the page"
    return replace_once(page, speaker.group(), speaker.group() + MIXED.encode("utf-8") + b" ")


@dataclass
class Crawled:
    db_url: str
    site: FaultSite
    stderr: str


@pytest.fixture(scope="module")
def crawled(module_db_url: str) -> Iterator[Crawled]:
    with FaultSite() as site:
        site.set(EN_LIST, Body(hostile_list()))
        site.set(CONTROL_PAGE, Body(control_page()))
        site.set(HUGE_ATTRIBUTE_PAGE, Body(huge_attribute_page()))
        site.set(MIXED_SCRIPT_PAGE, Body(mixed_script_page()))
        done = crawl(module_db_url, "mfa-en", [site.url(EN_LIST)], timeout=180)
        yield Crawled(module_db_url, site, done.stderr)


def test_bad_links_are_skipped_one_by_one_and_counted(crawled: Crawled) -> None:
    requested = {r.bare_path for r in crawled.site.requests()}
    linked = [p for p in ARTICLES if f'"./{p.rsplit("/", 1)[1]}"'.encode() in hostile_list()]
    assert len(linked) >= 30
    assert [p for p in linked if p not in requested] == []  # nothing after them was lost
    for path in linked:
        assert captures_of(crawled.db_url, path), path
    urls = [row["url"] for row in query(crawled.db_url, "SELECT url FROM capture")]
    assert not [u for u in urls if not u.startswith("http://127.0.0.1:")]
    (run,) = runs(crawled.db_url, "mfa-en")
    assert run["stats"]["briefings/list_rejected"] == len(BAD_LINKS)
    assert run["status"] == "succeeded", run
    assert archive_problems(crawled.db_url, allow_running=False) == []


def test_controls_never_reach_the_archive(crawled: Crawled) -> None:
    briefing = briefing_of(crawled.db_url, CONTROL_PAGE)
    assert briefing is not None, captures_of(crawled.db_url, CONTROL_PAGE)
    (version,) = versions_of(crawled.db_url, briefing["id"])
    texts = [
        (row["question"] or "") + (row["answer"] or "") + (row["asker"] or "")
        for row in query(
            crawled.db_url,
            "SELECT question, answer, asker FROM exchange WHERE version_id = :v",
            v=version["id"],
        )
    ]
    stored = " ".join(texts) + str(version["data"])
    assert not FORBIDDEN.search(stored), FORBIDDEN.findall(stored)
    # Whole sequences go (an OSC title's text too); the text between them stays.
    data = str(version["data"])
    assert "pwned" not in data
    assert "red" in data and "gnp.exe" in data and "link" in data


def test_huge_attributes_parse_like_the_real_page(crawled: Crawled) -> None:
    briefing = briefing_of(crawled.db_url, HUGE_ATTRIBUTE_PAGE)
    assert briefing is not None, captures_of(crawled.db_url, HUGE_ATTRIBUTE_PAGE)
    (version,) = versions_of(crawled.db_url, briefing["id"])
    url = crawled.site.url(HUGE_ATTRIBUTE_PAGE)
    assert version["content_hash"] == expected_hash(site_page(HUGE_ATTRIBUTE_PAGE), url)


def test_mixed_scripts_are_kept_exactly(crawled: Crawled) -> None:
    briefing = briefing_of(crawled.db_url, MIXED_SCRIPT_PAGE)
    assert briefing is not None, captures_of(crawled.db_url, MIXED_SCRIPT_PAGE)
    (version,) = versions_of(crawled.db_url, briefing["id"])
    answers = [
        row["answer"] or ""
        for row in query(
            crawled.db_url, "SELECT answer FROM exchange WHERE version_id = :v", v=version["id"]
        )
    ]
    assert any(MIXED in answer for answer in answers)
