"""The item pipeline: parse each fetched page and store the fetch in the archive.

Every ``FetchedPage`` becomes exactly one capture (``Archive.record_capture``), whatever
happened: a transcript (new / unchanged / revised / suspect, the archive decides), a page
that is not a transcript, a 304, a download failure, or a parser crash. Nothing here stops
the run; outcomes are counted into the stats (``briefings/<outcome>``), which judge the run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from crawler.extract import PARSER_VERSION, NotATranscript, parse_html
from crawler.items import FetchedPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

GONE_STATUSES = (404, 410)


def interpret(page: FetchedPage) -> dict[str, Any]:
    """What the fetch means, as ``record_capture`` keywords: briefing / not_transcript / error.

    ``{}`` for a 304 (the archive records it as not modified).
    """
    if page.error:
        return {"error": page.error}
    if page.status == 304:
        return {}
    if page.status in GONE_STATUSES:
        return {"not_transcript": f"HTTP {page.status}: page not found"}
    if not page.body:
        return {"not_transcript": "empty body"}
    try:
        briefing = parse_html(
            page.body,
            page.final_url or page.url,
            source=page.source,
            content_type=page.content_type,
        )
    except NotATranscript as exc:
        return {"not_transcript": exc.reason}
    except Exception as exc:  # a parser bug must cost one page, not the run
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return {"error": f"parser failed: {type(exc).__name__}: {first_line}"[:500]}
    return {"briefing": briefing.to_dict()}


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        context = getattr(self.crawler.spider, "run_context", None)
        meaning = interpret(item)
        if "error" in meaning and item.error is None:
            self.stats.inc_value("briefings/parse_error")
            logger.warning("%s: %s", item.url, meaning["error"])
        if context is None:  # no archive (bookkeeping off): nothing to store
            self.stats.inc_value("briefings/unstored")
            return item
        try:
            result = context.archive.record_capture(
                context.run_id,
                url=item.url,
                final_url=item.final_url,
                status_code=item.status,
                headers=item.headers,
                body=item.body,
                parser_version=PARSER_VERSION,
                fetched_at=item.fetched_at,
                **meaning,
            )
        except Exception as exc:  # the database refused: count it, the run fails by its stats
            self.stats.inc_value("briefings/error")
            self.stats.inc_value("briefings/store_failed")
            logger.error("could not store %s: %s: %s", item.url, type(exc).__name__, exc)
            return item
        self.stats.inc_value(f"briefings/{result.outcome}")
        context.progress.item_stored(result.outcome)
        return item
