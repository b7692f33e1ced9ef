"""What one response means, as ``storage.api.make_fetch`` keywords: one rule for a crawl
(``crawler.pipelines``) and an import of archived responses (``storage.importing``).

Pure (no Scrapy): ``interpret(...)`` gives ``{"briefing": Briefing, "replaced_chars": n}``,
``{"not_transcript": reason}`` (gone evidence by ``crawler.gone``'s rule when the briefing is
known), ``{"error": reason}`` (a download or parser failure: never evidence), or ``{}`` for a
304 (the archive records it as not modified).
"""

from __future__ import annotations

from typing import Any

from crawler import gone
from crawler.extract import NotATranscript, ParseReport, parse_html


def interpret(
    *,
    status: int | None,
    body: bytes | None,
    url: str,
    source: str | None,
    content_type: str | None,
    error: str | None = None,
) -> dict[str, Any]:
    if error:
        return {"error": error}
    if status == 304:
        return {}
    if status is not None and gone.is_gone_status(status):
        return {"not_transcript": gone.not_found_reason(status)}
    if not body:
        return {"not_transcript": "empty body"}
    report = ParseReport()
    try:
        briefing = parse_html(body, url, source=source, content_type=content_type, report=report)
    except NotATranscript as exc:
        return {"not_transcript": exc.reason}
    except Exception as exc:  # a parser bug must cost one page, not the run
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return {"error": f"parser failed: {type(exc).__name__}: {first_line}"[:500]}
    # Bytes that are no text in the page's encoding: kept as U+FFFD in the version, counted
    # on it; the raw bytes are stored, so a later parser can do better.
    return {"briefing": briefing, "replaced_chars": report.replaced}
