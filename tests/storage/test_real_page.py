"""One real fixture page through the parser, the archive and reparse."""

from __future__ import annotations

import json

from crawler.extract import PARSER_VERSION, parse_html
from storage import rawstore
from storage.api import Archive
from storage.db import session_scope
from storage.models import Capture, ChangeEvent, Exchange, Version
from tests.conftest import MFA_PAGES
from tests.storage.helpers import count, rows

PAGE = "en_legacy_article_t1558711_2018-05-11_QA.html"


def fixture_page() -> tuple[bytes, str]:
    manifest = json.loads((MFA_PAGES / "manifest.json").read_text())
    (entry,) = [e for e in manifest if e["file"] == PAGE]
    return (MFA_PAGES / PAGE).read_bytes(), entry["url"]


def test_real_page_archived_and_reparsed(archive: Archive, engine) -> None:
    body, url = fixture_page()
    data = parse_html(body, url).to_dict()
    alias = url.replace("https://www.fmprc.gov.cn", "http://www.mfa.gov.cn")
    for fetched in (url, alias):
        archive.record_capture(
            None,
            url=fetched,
            status_code=200,
            body=body,
            briefing=data,
            parser_version=PARSER_VERSION,
            headers={b"Content-Type": [b"text/html"]},
        )
    assert rows(engine, Capture.outcome, order_by=Capture.id) == [("new",), ("unchanged",)]
    assert count(engine, Exchange) == len(data["exchanges"]) > 5
    (sha,) = {s for (s,) in rows(engine, Capture.body_sha256)}
    with session_scope(engine) as session:
        assert rawstore.get(session, sha) == body
    summary = Archive(engine).reparse("mfa-en")
    assert (summary.checked, summary.changed, summary.failed) == (1, 0, 0)
    assert count(engine, Version) == 1


def _as_old_parser_read_it(data: dict) -> dict:
    """What an older parser made of the page: it lost the last sentence of answer 1."""
    old = json.loads(json.dumps(data))
    ex = old["exchanges"][1]
    ex["answer"] = ex["answer"].rsplit(".", 2)[0] + "."
    ex["turns"][-1]["text"] = ex["answer"]
    return old


def _capture(archive: Archive, body: bytes, url: str, data: dict, parser_version: str):
    return archive.record_capture(
        None, url=url, status_code=200, body=body, briefing=data, parser_version=parser_version
    )


def test_a_newer_parser_is_not_a_ministry_edit(archive: Archive, engine) -> None:
    """The page did not change; the parser did. The next crawl must not report an edit."""
    body, url = fixture_page()
    data = parse_html(body, url).to_dict()
    _capture(archive, body, url, _as_old_parser_read_it(data), "old")
    result = _capture(archive, body, url, data, PARSER_VERSION)
    assert result.outcome == "unchanged"
    assert rows(engine, Version.number, Version.cause, order_by=Version.number) == [
        (1, "page"),
        (2, "parser"),
    ]
    assert rows(engine, ChangeEvent.type, ChangeEvent.cause, ChangeEvent.index_after) == [
        ("edited", "parser", 1)
    ]


def test_a_newer_parser_and_a_real_edit_are_told_apart(archive: Archive, engine) -> None:
    body, url = fixture_page()
    data = parse_html(body, url).to_dict()
    _capture(archive, body, url, _as_old_parser_read_it(data), "old")
    edited = json.loads(json.dumps(data))
    del edited["exchanges"][3]  # the ministry deleted an exchange
    for i, ex in enumerate(edited["exchanges"]):
        ex["index"] = i
    result = _capture(archive, body + b"<!-- edited -->", url, edited, PARSER_VERSION)
    assert result.outcome == "revised"
    assert rows(engine, Version.number, Version.cause, order_by=Version.number) == [
        (1, "page"),
        (2, "parser"),
        (3, "page"),
    ]
    events = rows(engine, ChangeEvent.type, ChangeEvent.cause, ChangeEvent.index_before)
    assert sorted(events) == [("edited", "parser", 1), ("removed", "page", 3)]
