"""Builders for the ledger tests: real fixture pages parsed once, captures at chosen times."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from crawler.extract import PARSER_VERSION, parse_html
from storage.api import Archive, CaptureResult, ChangeEvent
from tests.conftest import MFA_DIR

HARD = MFA_DIR / "hard"
FIRST = "en_legacy_article_t1659619_2019-04-29_published_twice_first.html"
SECOND = "en_legacy_article_t1660057_2019-04-29_published_twice_second.html"
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@cache
def _hard_urls() -> dict[str, str]:
    entries = json.loads((HARD / "manifest.json").read_text(encoding="utf-8"))
    return {e["file"]: e["url"] for e in entries if e.get("url")}


@cache
def _parsed(name: str) -> tuple[bytes, str, str]:
    body = (HARD / name).read_bytes()
    url = _hard_urls()[name]
    return body, url, json.dumps(parse_html(body, url).to_dict(), ensure_ascii=False)


def hard_page(name: str) -> tuple[bytes, str, dict[str, Any]]:
    """(raw body, URL, parsed schema dict: a fresh copy) of a page in ``hard/``."""
    body, url, data = _parsed(name)
    return body, url, json.loads(data)


def capture(
    archive: Archive,
    data: dict[str, Any],
    at: datetime,
    *,
    url: str | None = None,
    body: bytes | None = None,
) -> CaptureResult:
    """A 200 fetch of ``data`` (a schema dict) at ``url`` (default: its own), observed at ``at``."""
    page = body if body is not None else json.dumps(data, ensure_ascii=False).encode()
    return archive.record_capture(
        None,
        url=url or data["url"],
        final_url=url or data["url"],
        status_code=200,
        headers={"Content-Type": "text/html"},
        body=page,
        briefing=data,
        parser_version=PARSER_VERSION,
        fetched_at=at,
    )


def gone(archive: Archive, url: str, at: datetime) -> CaptureResult:
    """The site's missing-page answer for ``url``: a redirect to /error.htm, 200."""
    return archive.record_capture(
        None,
        url=url,
        final_url="https://www.fmprc.gov.cn/error.htm",
        status_code=200,
        body=b"<html>Sorry, the page you requested cannot be found</html>",
        not_transcript="error page: /error.htm",
        fetched_at=at,
    )


def edited(data: dict[str, Any], index: int, answer: str) -> dict[str, Any]:
    """``data`` with the answer of exchange ``index`` replaced (turns kept consistent)."""
    out = copy.deepcopy(data)
    exchange = out["exchanges"][index]
    exchange["answer"] = answer
    official = [t for t in exchange["turns"] if t["role"] == "official"]
    official[0]["text"] = answer
    for extra in official[1:]:
        exchange["turns"].remove(extra)
    return out


def types(events: list[ChangeEvent]) -> list[str]:
    return [str(e.type) for e in events]
