"""One real fixture page through the parser, the archive and reparse."""

from __future__ import annotations

import json

from crawler.extract import PARSER_VERSION, parse_html
from storage import rawstore
from storage.archive import Archive
from storage.db import session_scope
from storage.models import Capture, Exchange, Version
from storage.reparse import reparse
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
    summary = reparse(engine, "mfa-en")
    assert (summary.checked, summary.changed, summary.failed) == (1, 0, 0)
    assert count(engine, Version) == 1
