"""Archives with an edited exchange, a removed exchange and a removed briefing, built through
``Archive.record_fetch`` from a real mirrored page, with WARC parts made by ``crawler.warc``
from real Scrapy requests and responses (as a crawl makes them)."""

from __future__ import annotations

import gzip
import ipaddress
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapy.http import HtmlResponse, Request, Response
from sqlalchemy import select

from crawler.extract import PARSER_VERSION, NotATranscript, parse_html
from crawler.warc import META_KEY, WarcHeadersMiddleware, warc_parts
from storage.api import Archive, WarcParts, make_fetch
from storage.models import ChangeEvent
from tests.crawl.edits import remove_exchange
from tests.sitemock import EN_DIR, SITE_ROOT

PAGE_PATH = EN_DIR + "t1794629.shtml"
URL = "https://www.fmprc.gov.cn" + PAGE_PATH
REMOVED_ASKER = "Beijing Youth Daily"
EDITED_FROM = "Ryo Takeuchi"
EDITED_TO = "Takeuchi Ryo"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def original_page() -> bytes:
    return (SITE_ROOT / PAGE_PATH.lstrip("/")).read_bytes()


def without_exchange() -> bytes:
    return remove_exchange(original_page().decode("utf-8"), REMOVED_ASKER).encode("utf-8")


def with_edit() -> bytes:
    return original_page().replace(EDITED_FROM.encode(), EDITED_TO.encode(), 1)


def parts_for(
    url: str, body: bytes, *, status: int = 200, gzipped: bool = False
) -> WarcParts | None:
    """What ``crawler.warc`` records for one fetch of ``url`` answering ``body``."""
    request = Request(
        url, headers={"User-Agent": "briefings-test", "Accept-Encoding": "gzip, deflate"}
    )
    wire_body = gzip.compress(body, mtime=0) if gzipped else body
    headers = {"Content-Type": "text/html", "Content-Length": str(len(wire_body))}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    wire = Response(
        url,
        status=status,
        headers=headers,
        body=wire_body,
        request=request,
        protocol="HTTP/1.1",
        ip_address=ipaddress.ip_address("127.0.0.1"),
    )
    WarcHeadersMiddleware().process_response(request, wire)
    assert META_KEY in request.meta
    final_headers = {k: v for k, v in headers.items() if k != "Content-Encoding"}
    final = HtmlResponse(url, status=status, headers=final_headers, body=body, request=request)
    return warc_parts(final)


def fetch(
    archive: Archive,
    body: bytes | None,
    at: datetime,
    *,
    status: int = 200,
    warc: bool = True,
    gzipped: bool = False,
    url: str = URL,
) -> int:
    """Record one fetch of ``url``; returns the capture id."""
    meaning: dict[str, object] = {}
    if status >= 400:
        meaning["not_transcript"] = f"HTTP {status}"
    else:
        assert body is not None
        try:
            meaning["briefing"] = parse_html(body, url, source="mfa-en", content_type="text/html")
        except NotATranscript as exc:
            meaning["not_transcript"] = exc.reason
    parts = (
        parts_for(url, body, status=status, gzipped=gzipped) if warc and body is not None else None
    )
    result = archive.record_fetch(
        make_fetch(
            None,
            url=url,
            final_url=url,
            status_code=status,
            headers={"Content-Type": "text/html"},
            body=body,
            parser_version=PARSER_VERSION,
            fetched_at=at,
            warc=parts,
            **meaning,  # type: ignore[arg-type]
        )
    )
    return result.capture_id


@dataclass(frozen=True, slots=True)
class Scenario:
    event_id: int
    briefing_id: int
    exchange_uid: str | None


def event_of(archive: Archive, type_: str) -> Scenario:
    with archive.transaction() as session:
        row = session.scalars(
            select(ChangeEvent).where(ChangeEvent.type == type_).order_by(ChangeEvent.id.desc())
        ).first()
        assert row is not None, f"no {type_} event"
        return Scenario(row.id, row.briefing_id, row.exchange_uid)


def removed_exchange(archive: Archive, *, warc: bool = True) -> Scenario:
    fetch(archive, original_page(), T0, warc=warc)
    fetch(archive, original_page(), T0 + HOUR, warc=warc, gzipped=True)
    fetch(archive, without_exchange(), T0 + 2 * HOUR, warc=warc)
    fetch(archive, without_exchange(), T0 + 3 * HOUR, warc=warc)
    return event_of(archive, "removed")


def edited_exchange(archive: Archive) -> Scenario:
    fetch(archive, original_page(), T0)
    fetch(archive, with_edit(), T0 + HOUR)
    return event_of(archive, "edited")


def removed_briefing(archive: Archive) -> Scenario:
    fetch(archive, original_page(), T0)
    gone = b"<html><body><h1>404 Not Found</h1></body></html>"
    fetch(archive, gone, T0 + HOUR, status=404)
    fetch(archive, gone, T0 + 2 * HOUR, status=404)
    fetch(archive, gone, T0 + 3 * HOUR, status=404)
    return event_of(archive, "briefing-removed")


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    """The ``wacz`` package's own validator, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def warcio_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
