"""Script payloads in transcripts are stored as text and escaped in every output.

A real English page is archived twice: first with a payload in its title only, then with
``<script>``, ``javascript:``, ``onerror=`` and rich-markup payloads in an answer (an
"edit"). Then every output that renders scraped text is checked: the HTML diff page, the Atom
feed (``briefings changes --format atom`` and the scheduler's Atom file), and the text/table
commands (``changes``, ``history``, ``show``, ``search``), which must print the payload as
literal text and not choke on rich markup such as ``[/bold]``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest
from click.testing import CliRunner

from scheduler.cli import main
from tests.faultsite import (
    EN_DIR,
    IMG_PAYLOAD,
    JS_URL_PAYLOAD,
    SCRIPT_PAYLOAD,
    escape_html,
    replace_once,
    site_page,
    with_script_payload,
)
from tests.reliability.helpers import query

PAGE = EN_DIR + "t1794629.shtml"
URL = "http://127.0.0.1:8/" + PAGE.lstrip("/")
TITLE = "Foreign Ministry Spokesperson Zhao Lijian's Regular Press Conference on July 3, 2020"
TITLE_PAYLOAD = "<script>alert('title')</script>"
RICH_PAYLOAD = "[/bold] [link=javascript:alert(4)]click[/link] [red]x"
ATOM = "{http://www.w3.org/2005/Atom}"


def page_v1() -> bytes:
    """The real page with a payload after its title (in <title> and the <h2> heading)."""
    page = site_page(PAGE)
    assert page.count(TITLE.encode()) >= 2
    return page.replace(TITLE.encode(), f"{TITLE} {escape_html(TITLE_PAYLOAD)}".encode())


def page_v2() -> bytes:
    hostile = with_script_payload(page_v1(), b"Zhao Lijian: </SPAN>")
    return replace_once(hostile, b"Zhao Lijian: </SPAN>", f"Zhao Lijian: {RICH_PAYLOAD} </SPAN>")


@pytest.fixture
def archived(db_url: str, archive: Any) -> str:
    """The page archived as v1 then v2 through the real parser and the real write path."""
    from crawler.extract import PARSER_VERSION, parse_html

    run = archive.start_run("mfa-en")
    for body in (page_v1(), page_v2()):
        archive.record_capture(
            run,
            url=URL,
            final_url=URL,
            status_code=200,
            headers={"Content-Type": "text/html"},
            body=body,
            briefing=parse_html(body, URL).to_dict(),
            parser_version=PARSER_VERSION,
        )
    assert TITLE_PAYLOAD in parse_html(page_v1(), URL).title
    archive.finish_run(
        run,
        stats={"downloader/request_count": 2, "downloader/response_status_count/200": 2},
        finish_reason="finished",
    )
    return db_url


def cli(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--db", db_url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


class MarkupCollector(HTMLParser):
    """Every element and attribute a browser would build from a document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_inert_html(document: str) -> str:
    """No script element, no event handler, no javascript: URL, no image; returns the text."""
    parsed = MarkupCollector()
    parsed.feed(document)
    assert "script" not in parsed.tags and "img" not in parsed.tags, parsed.tags
    for name, value in parsed.attrs:
        assert not name.startswith("on"), (name, value)
        assert not value.strip().lower().startswith("javascript:"), (name, value)
    return "".join(parsed.text)


def test_payload_stored_as_literal_text(archived: str) -> None:
    answers = " ".join(r["answer"] or "" for r in query(archived, "SELECT answer FROM exchange"))
    for payload in (SCRIPT_PAYLOAD, JS_URL_PAYLOAD, IMG_PAYLOAD, RICH_PAYLOAD):
        assert payload in answers, payload
    events = query(archived, "SELECT type, after FROM change_event")
    assert [e["type"] for e in events] == ["edited"]
    assert SCRIPT_PAYLOAD in events[0]["after"]


def test_html_diff_is_escaped(archived: str) -> None:
    page = cli(archived, "diff", URL, "--format", "html")
    text = assert_inert_html(page)
    assert SCRIPT_PAYLOAD in text and TITLE_PAYLOAD in text  # shown, as text
    assert "&lt;script&gt;" in page


def atom_html_fragments(feed: str) -> list[str]:
    root = ET.fromstring(feed)  # well-formed XML, or this raises
    fragments = []
    for element in root.iter():
        if element.get("type") in ("html", "xhtml"):
            fragments.append(element.text or "")
        href = element.get("href")
        if href is not None:
            assert not href.lower().startswith("javascript:"), href
    return fragments


def test_atom_feed_is_escaped(archived: str) -> None:
    feed = cli(archived, "changes", "--format", "atom")
    assert "<script" not in feed  # never a raw element, whatever the content type
    for fragment in atom_html_fragments(feed):
        assert_inert_html(fragment)
    root = ET.fromstring(feed)
    contents = "".join(e.text or "" for e in root.iter(f"{ATOM}content"))
    assert SCRIPT_PAYLOAD in contents  # the literal text survives the round trip


def test_scheduler_atom_file_is_escaped(archived: str, tmp_path) -> None:
    from dataclasses import replace

    from scheduler.config import load_config
    from scheduler.notify import Notifier
    from storage.api import Archive

    notify_config = replace(load_config(None).notify, atom_file=str(tmp_path / "feed.xml"))
    with Archive.open(archived) as archive:
        path = Notifier(notify_config).write_atom(archive)
    assert path is not None
    feed = path.read_text(encoding="utf-8")
    assert "<script" not in feed
    for fragment in atom_html_fragments(feed):
        assert_inert_html(fragment)


@pytest.mark.parametrize(
    "args",
    [
        ("changes",),
        ("changes", "--format", "json"),
        ("history", URL),
        ("diff", URL),
        ("show", URL),
        ("search", "briefings-xss"),
        ("search", "javascript"),
    ],
    ids=lambda a: "-".join(a[:3]).replace(URL, "url"),
)
def test_text_outputs_print_payloads_literally(archived: str, args: tuple[str, ...]) -> None:
    out = cli(archived, *args)
    if "--format" in args and "json" in args:
        json.loads(out)
    if args[0] in ("changes", "show", "diff") and "--format" not in args:
        # the payloads come out as typed, markup and all (no rich markup interpretation)
        assert "alert('briefings-xss')" in out
    if args[0] == "show":
        assert RICH_PAYLOAD in out
