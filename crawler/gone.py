"""The one rule for "is this fetch evidence that the briefing is gone?".

The ministry signals a missing page in several ways, and only some of them are status codes:

- HTTP 404 or 410;
- a redirect to ``/error.htm``, which answers 200 ("Sorry, the page you requested cannot be
  found");
- a 200 "system maintenance" page under ``/web/system/``;
- a 2xx response with an empty body;
- a page that parses as something other than a transcript (the parser's ``NotATranscript``).

What is **not** evidence: timeouts, connection errors, 5xx, 429, a parser crash on a real page
(a parser bug is not the ministry deleting anything). A single piece of evidence only makes
a briefing *suspect*; the archive's capture rules decide when a second fetch confirms it.

The spider (which statuses reach its callbacks), the pipeline (what a 404 means), the parser
(which URLs and texts are error pages) and the archive (``gone_evidence``) all ask this module.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Statuses that say the page is gone.
GONE_STATUSES: tuple[int, ...] = (404, 410)
# Statuses an article request hands to its callback instead of Scrapy's HttpError: a 304 is a
# revisit's "unchanged", the gone statuses are evidence the archive weighs.
ARTICLE_STATUSES: tuple[int, ...] = (304, *GONE_STATUSES)
LIST_STATUSES: tuple[int, ...] = GONE_STATUSES

# Paths of the sites' error and maintenance pages.
_ERROR_PATH = re.compile(r"/error\.html?$|/web/system/|/system/", re.IGNORECASE)
# What error and maintenance pages say, in either language (matched on lower-cased text).
_ERROR_TEXT = re.compile(
    r"系统维护|页面不存在|已删除|找不到|cannot be found|page not found|not found|"
    r"system maintenance|under maintenance"
)


def is_error_page_url(url: str | None) -> bool:
    """``url`` is one of the sites' error or maintenance pages (by its path)."""
    return bool(url) and bool(_ERROR_PATH.search(urlsplit(url or "").path or ""))


def says_error(text: str) -> bool:
    """The text announces a missing page or maintenance, in either language."""
    return bool(_ERROR_TEXT.search(text.lower()))


def is_gone_status(status: int | None) -> bool:
    return status in GONE_STATUSES


def not_found_reason(status: int) -> str:
    """What a gone status means, as the parser's "not a transcript" reasons read."""
    return f"HTTP {status}: page not found"


def gone_evidence(
    *,
    url: str,
    final_url: str | None,
    status: int | None,
    body_empty: bool,
    not_transcript: str | None,
) -> str | None:
    """Why this fetch suggests the page is gone, in one line; None when it does not
    (plain download errors, server errors, a parser crash)."""
    if not_transcript:
        return f"not a transcript: {not_transcript}"
    target = final_url or url
    if is_error_page_url(target):
        return f"error page {target}"
    if is_gone_status(status):
        return f"HTTP {status}"
    if status is not None and 200 <= status < 300 and body_empty:
        return "empty body"
    return None
