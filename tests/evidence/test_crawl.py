"""End to end: a crawl of the loopback ministry site records WARC header blocks with every
capture; the request block is what the server received; a gzip-encoded page is stored
decoded and says so; after the ministry removes an exchange, the bundle of that removal
validates. ``-s BRIEFINGS_WARC=0`` records none."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage import rawstore
from storage.api import Archive, EvidenceTarget, verify_bundle
from storage.db import make_engine
from storage.models import Capture, ChangeEvent, WarcRecord
from tests.crawl.edits import remove_exchange
from tests.crawl.helpers import crawl, crawl_sources, opened
from tests.evidence.scenarios import wacz_validate
from tests.sitemock import EN_DIR, Reply, Request, SiteMock

EDITED = EN_DIR + "t1794629.shtml"
GZIPPED = EN_DIR + "t1794266.shtml"
REMOVED_ASKER = "Beijing Youth Daily"


@pytest.fixture(scope="module")
def site() -> Iterator[SiteMock]:
    with SiteMock(validators=True) as server:
        plain = server.page(GZIPPED)
        assert plain is not None

        def gzipped(request: Request) -> Reply | None:
            if request.path != GZIPPED or "gzip" not in (request.header("Accept-Encoding") or ""):
                return None
            body = gzip.compress(plain, mtime=0)
            return Reply(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, body)

        server.add_hook(gzipped)
        yield server


@pytest.fixture(scope="module")
def crawled(site: SiteMock, module_db_url: str) -> dict[str, Any]:
    first, _ = crawl_sources(module_db_url, site, ("mfa-en",))
    assert first.exit_code == 0, first.output
    requests = list(site.requests)
    site.clear_log()
    page = site.page(EDITED)
    assert page is not None
    site.serve(EDITED, remove_exchange(page.decode("utf-8"), REMOVED_ASKER))
    second, _ = crawl(module_db_url, "mfa-en", "--revisit", "all")
    assert second.exit_code == 0, second.output
    return {"requests": requests}


def test_every_fetched_body_has_its_warc_row(crawled: dict[str, Any], module_db_url: str) -> None:
    with opened(module_db_url) as engine, engine.connect() as conn:
        with_body = conn.scalar(
            select(func.count()).select_from(Capture).where(Capture.body_sha256.is_not(None))
        )
        rows = conn.scalar(select(func.count()).select_from(WarcRecord))
        assert with_body > 10 and rows == with_body


def test_the_request_block_is_what_the_server_received(
    crawled: dict[str, Any], module_db_url: str
) -> None:
    received = next(r for r in crawled["requests"] if r.path == EDITED)
    with opened(module_db_url) as engine, engine.connect() as conn:
        head = conn.scalar(
            select(WarcRecord.request_head)
            .join(Capture, Capture.id == WarcRecord.capture_id)
            .where(Capture.url.endswith(EDITED))
            .order_by(Capture.id)
            .limit(1)
        )
    lines = bytes(head).decode("latin-1").split("\r\n")
    assert lines[0] == f"GET {EDITED} HTTP/1.1"
    sent = [tuple(line.split(": ", 1)) for line in lines[1:] if line]
    assert sent == list(received.headers.items())


def test_a_gzip_encoded_page_is_stored_decoded_and_says_so(
    crawled: dict[str, Any], site: SiteMock, module_db_url: str
) -> None:
    with opened(module_db_url) as engine, engine.connect() as conn:
        row = conn.execute(
            select(WarcRecord, Capture.body_sha256)
            .join(Capture, Capture.id == WarcRecord.capture_id)
            .where(Capture.url.endswith(GZIPPED))
            .order_by(Capture.id)
            .limit(1)
        ).one()
        body = rawstore.get(conn, row.body_sha256)
    assert body == site.page(GZIPPED)
    head = bytes(row.response_head).decode("latin-1")
    assert "X-Archive-Orig-Content-Encoding: gzip" in head
    assert f"Content-Length: {len(body)}\r\n" in head and row.note
    assert row.ip_address == "127.0.0.1"


def test_the_removal_found_by_a_revisit_makes_a_valid_bundle(
    crawled: dict[str, Any], module_db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(module_db_url)
    try:
        archive = Archive(engine)
        with archive.transaction() as session:
            event = session.scalars(select(ChangeEvent).where(ChangeEvent.type == "removed")).one()
        path = tmp_path / "removal.wacz"
        summary = archive.evidence_bundle(EvidenceTarget.event(event.id), path)
    finally:
        engine.dispose()
    assert summary.captures == 2 and summary.records == 4  # 2 × (request, response)
    assert verify_bundle(path).ok
    result = wacz_validate(path)
    assert result.returncode == 0, result.stdout


def test_warc_recording_can_be_switched_off(site: SiteMock, db_url: str) -> None:
    result, _ = crawl_sources(db_url, site, ("mfa-en",), "-s", "BRIEFINGS_WARC=0")
    assert result.exit_code == 0, result.output
    with opened(db_url) as engine, engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Capture)) > 10
        assert conn.scalar(select(func.count()).select_from(WarcRecord)) == 0
