"""What a spider hands the pipeline: one fetch of one page, not yet parsed.

The spider only navigates; the pipeline parses the body (``crawler.extract``) and stores the
fetch (``storage.archive.Archive.record_capture``). A failed download is a ``FetchedPage``
too, with ``error`` set and no body, so every attempt leaves a capture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrapy.http import Response

from crawler.warc import warc_parts
from storage.api import WarcParts
from storage.types import utcnow

# Response headers worth keeping with a capture (validators for conditional GET, the type).
KEPT_HEADERS = ("ETag", "Last-Modified", "Content-Type", "Content-Length", "Date", "Location")


@dataclass(slots=True)
class FetchedPage:
    source: str  # mfa-en | mfa-zh
    url: str  # as requested (before redirects)
    final_url: str | None = None  # after redirects
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str | None = None  # download failure, one line
    kind: str = "article"  # article | list (a list page that failed to download)
    briefing_id: int | None = None  # the archived briefing a revisit re-fetches
    fetched_at: datetime = field(default_factory=utcnow)
    # evidence (issue 16): the WARC header blocks of this fetch (crawler.warc); None when
    # WARC recording is off or nothing came back.
    warc: WarcParts | None = None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    def summary(self) -> dict[str, Any]:
        """For log lines: no body."""
        return {"url": self.url, "status": self.status, "error": self.error}


def response_headers(response: Response) -> dict[str, str]:
    """The kept headers of ``response`` as text (repeated headers joined with ", ")."""
    kept: dict[str, str] = {}
    for name in KEPT_HEADERS:
        values = response.headers.getlist(name)
        if values:
            kept[name] = ", ".join(v.decode("latin-1") for v in values)
    return kept


def original_url(response: Response) -> str:
    """The URL the spider asked for, before any redirect."""
    redirects = response.meta.get("redirect_urls") or []
    return redirects[0] if redirects else response.url


def fetched_page(response: Response, source: str, *, briefing_id: int | None = None) -> FetchedPage:
    return FetchedPage(
        source=source,
        url=original_url(response),
        final_url=response.url,
        status=response.status,
        headers=response_headers(response),
        body=response.body,
        briefing_id=briefing_id,
        warc=warc_parts(response),  # evidence (issue 16)
    )
