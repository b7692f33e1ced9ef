"""The item pipeline: parse each fetched page and store the fetch in the archive.

Every ``FetchedPage`` becomes exactly one capture (``storage.api.Archive``), whatever
happened: a transcript (new / unchanged / revised / suspect, the archive decides), a page
that is not a transcript, a 304, a download failure, or a parser crash. Nothing here stops
the run; outcomes are counted into the stats (``briefings/<outcome>``), which judge the run.

Parsing happens in the reactor thread; storing in one writer thread (``CaptureWriter``), so
the crawl keeps fetching while SQLite indexes the last page (SQLite and zlib release the
GIL). The writer stores captures in arrival order, up to ``BRIEFINGS_WRITE_BATCH`` per
transaction (whatever is queued, never waiting for more), each capture still all or nothing.
An item is done, and its outcome counted, only once its capture is committed; a SIGKILL
loses at most the captures of the uncommitted batch, and never half of one.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler import meaning
from crawler.extensions import ActiveRun, RunBookkeeping
from crawler.extract import PARSER_VERSION
from crawler.items import FetchedPage
from storage.api import Archive, CaptureResult, Fetch, make_fetch

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

DEFAULT_WRITE_BATCH = 16  # captures per transaction at most: SQLite's write lock stays short


def interpret(page: FetchedPage) -> dict[str, Any]:
    """What the fetch means, as ``make_fetch`` keywords (``crawler.meaning``: the rule an
    import of archived responses follows too)."""
    return meaning.interpret(
        status=page.status,
        body=page.body,
        url=page.final_url or page.url,
        source=page.source,
        content_type=page.content_type,
        error=page.error,
    )


class CaptureWriter:
    """One thread that stores fetches in order, several per transaction.

    ``submit`` (reactor thread) returns a Deferred that fires, in the reactor thread, with
    the ``CaptureResult`` or the exception that kept the capture from being stored.
    """

    _STOP = object()

    def __init__(self, archive: Archive, max_batch: int) -> None:
        from twisted.internet import reactor

        self.archive = archive
        self.max_batch = max(1, max_batch)
        self.reactor: Any = reactor
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.finished: Deferred[None] = Deferred()
        # A daemon thread: if the reactor dies without closing the spider, the process still
        # exits (the open transaction is rolled back, as after a SIGKILL).
        self.thread = threading.Thread(target=self._run, name="capture-writer", daemon=True)
        self.thread.start()

    def submit(self, fetch: Fetch) -> Deferred[CaptureResult | Exception]:
        done: Deferred[CaptureResult | Exception] = Deferred()
        self.queue.put((fetch, done))
        return done

    def close(self) -> Deferred[None]:
        """Store what is queued, then stop; the Deferred fires when the thread has ended."""
        self.queue.put(self._STOP)
        return self.finished

    # -- the writer thread ------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                self._write(batch)
        finally:
            self.reactor.callFromThread(self.finished.callback, None)

    def _next_batch(self) -> list[tuple[Fetch, Deferred[CaptureResult | Exception]]] | None:
        """What is queued (blocking for the first), up to ``max_batch``; None: stop."""
        first = self.queue.get()
        if first is self._STOP:
            return None
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                entry = self.queue.get_nowait()
            except queue.Empty:
                break
            if entry is self._STOP:
                self.queue.put(self._STOP)  # stop after this batch
                break
            batch.append(entry)
        return batch

    def _write(self, batch: list[tuple[Fetch, Deferred[CaptureResult | Exception]]]) -> None:
        fetches = [fetch for fetch, _ in batch]
        try:
            results = self.archive.record_fetches(fetches)
        except Exception as exc:  # a bug must not kill the thread: these captures failed
            results = [exc] * len(batch)
        for (_, done), result in zip(batch, results, strict=True):
            self.reactor.callFromThread(done.callback, result)


class ArchivePipeline:
    """Built ``from_crawler``: its settings (``BRIEFINGS_WRITE_BATCH``) and, once the spider
    is open, the run of the ``RunBookkeeping`` extension (none: nothing is stored)."""

    def __init__(self, crawler: Crawler, max_batch: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_batch = max_batch
        self.run: ActiveRun | None = None
        self.writer: CaptureWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        pipeline = cls(
            crawler, crawler.settings.getint("BRIEFINGS_WRITE_BATCH", DEFAULT_WRITE_BATCH)
        )
        # Connected after the extension's own handler (extensions are built first), so the
        # run has started, or never will, when this one runs.
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        return pipeline

    def spider_opened(self) -> None:
        self.run = RunBookkeeping.active_run(self.crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        context = self.run
        meaning = interpret(item)
        if "error" in meaning and item.error is None:
            self.stats.inc_value("briefings/parse_error")
            logger.warning("%s: %s", item.url, meaning["error"])
        if meaning.get("replaced_chars"):  # bytes no text in the page's encoding (U+FFFD)
            self.stats.inc_value("briefings/replaced_chars", meaning["replaced_chars"])
            self.stats.inc_value("briefings/pages_with_replaced_chars")
        if context is None:  # no archive (bookkeeping off): nothing to store
            self.stats.inc_value("briefings/unstored")
            return item
        fetch = make_fetch(
            context.run_id,
            url=item.url,
            final_url=item.final_url,
            status_code=item.status,
            headers=item.headers,
            body=item.body,
            parser_version=PARSER_VERSION,
            fetched_at=item.fetched_at,
            warc=item.warc,  # evidence (issue 16): WARC header blocks, digested in prepared()
            **meaning,
        ).prepared()  # hashing and compressing here leaves the writer thread less to do
        if self.writer is None:  # the archive exists once the run has started
            self.writer = CaptureWriter(context.archive, self.max_batch)
        result = await maybe_deferred_to_future(self.writer.submit(fetch))
        if isinstance(result, Exception):  # the database refused: the run fails by its stats
            self.stats.inc_value("briefings/error")
            self.stats.inc_value("briefings/store_failed")
            logger.error("could not store %s: %s: %s", item.url, type(result).__name__, result)
            return item
        self.stats.inc_value(f"briefings/{result.outcome}")
        context.progress.item_stored(result.outcome)
        return item

    async def close_spider(self) -> None:
        """Every queued capture is committed before the run's stats are written."""
        if self.writer is not None:
            await maybe_deferred_to_future(self.writer.close())
