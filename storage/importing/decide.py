"""What an archived response becomes: a ``Fetch`` for the archive, or a reason to skip it.

The same meaning a crawl gives a response (``crawler.meaning``, shared with the crawl
pipeline), with the same parser and the same gone rule (``crawler.gone``):

- 404 / 410 → a fetch whose "not a transcript" reason says so: gone evidence;
- a redirect to the site's error page (``/error.htm``, ``/web/system/``) → a fetch with that
  final URL and no body: gone evidence, as the crawl's followed redirect is;
- another redirect, or any other non-200 → skipped (``"HTTP 503"``, ``"redirect (HTTP 301)"``);
- 200 → parsed by ``crawler.extract.parse_html``: a transcript, a page that is none (gone
  evidence when the briefing is known: an error or maintenance page), or a parser failure
  (an ``error`` capture, never evidence).

Validators (ETag, Last-Modified) of an imported response are not kept: sent back in a
revisit's conditional GET, an old capture's validators could make the server answer 304
to a page that has since changed back to it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from crawler import gone, meaning
from crawler.extract import PARSER_VERSION
from crawler.sources import source_of_url
from storage.fetch import Fetch, make_fetch
from storage.importing.records import ArchivedResponse

__all__ = ["decide", "is_wanted_url"]


def is_wanted_url(url: str) -> bool:
    """A list or transcript URL of a known source (``crawler.sources``)."""
    return source_of_url(url) is not None


def decide(response: ArchivedResponse, run_id: int | None) -> Fetch | str:
    """The fetch this response is, or why it is skipped (one short reason)."""
    status = response.status
    if gone.is_gone_status(status):
        return _fetch(response, run_id, not_transcript=gone.not_found_reason(status))
    if 300 <= status < 400:
        location = response.headers.get("location")
        target = urljoin(response.url, location) if location else None
        if target and gone.is_error_page_url(target):
            return _fetch(response, run_id, final_url=target)
        return f"redirect (HTTP {status})"
    if status != 200:
        return f"HTTP {status}"
    return _fetch(response, run_id, body=response.body, **_meaning(response))


def _fetch(response: ArchivedResponse, run_id: int | None, **meaning: Any) -> Fetch:
    return make_fetch(
        run_id,
        url=response.url,
        status_code=response.status,
        headers=_kept_headers(response),
        parser_version=PARSER_VERSION,
        fetched_at=response.observed_at,
        provenance=response.provenance,
        **meaning,
    )


def _meaning(response: ArchivedResponse) -> dict[str, Any]:
    return meaning.interpret(
        status=response.status,
        body=response.body,
        url=response.url,
        source=source_of_url(response.url),
        content_type=response.headers.get("content-type"),
    )


def _kept_headers(response: ArchivedResponse) -> dict[str, str]:
    kept = {"content-type": response.headers.get("content-type")}
    return {name: value for name, value in kept.items() if value is not None}
