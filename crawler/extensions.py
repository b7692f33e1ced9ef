"""Run bookkeeping: the crawl_run row, the source lease, progress lines.

At ``spider_opened`` the ``RunBookkeeping`` extension opens the archive (setting or env
``BRIEFINGS_DB_URL``, through ``storage.api.Archive.open``: schema migrated to head), takes the
source's lease (busy: the spider closes with reason ``busy`` and nothing else happens) and
starts a crawl_run row: its ``run`` attribute is then the ``ActiveRun`` that the spider and
the pipeline ask for known URLs, revisit targets and where to store captures (they find the
extension with ``RunBookkeeping.active_run(crawler)``: Scrapy's ``crawler.get_extension``).
The lease is renewed every TTL/3. At ``spider_closed`` the stats go to
``Archive.finish_run`` (which judges the run) and the lease is released.

Without the extension (``BRIEFINGS_BOOKKEEPING_ENABLED = False``) a crawl stores nothing.

The crawl dies with the process that started it (``BRIEFINGS_PARENT_PID``, set by
``scheduler.crawl_runner``): on Linux the kernel sends it SIGTERM when that process ends
(``PR_SET_PDEATHSIG``, even on SIGKILL or the OOM killer), and everywhere a watch on the parent
pid closes the spider ("parent_gone"). A parent that stops the crawl itself first writes why
("stopped", "timeout") to ``BRIEFINGS_STOP_REASON_FILE``; that becomes the run's finish reason
instead of Scrapy's "shutdown".

Progress: JSON lines (``{"event": "progress", "pages": 12, "new": 3, ...}``) every N events
to the file named by ``BRIEFINGS_PROGRESS_FILE`` (``-``: stdout, prefixed), so a parent
process can draw a progress bar without parsing logs.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import socket
import sys
import uuid
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from storage.api import (
    Archive,
    CaptureOutcome,
    RevisitTarget,
    json_safe,
    pid_alive,
    policy_from_json,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

STDOUT_PREFIX = "briefings-progress: "
OUTCOMES = tuple(CaptureOutcome)


def new_holder() -> str:
    """A lease holder name that says which process holds it: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str) -> bool:
    """True when ``holder`` names a process on this host that no longer exists."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not pid_alive(int(pid))


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_WATCH_SECONDS = 1.0
PARENT_GONE = "parent_gone"


def die_with_parent(parent_pid: int) -> bool:
    """Ask the kernel for SIGTERM when our parent dies; False when it is already gone.

    The check after ``prctl`` closes the race of a parent that died before we asked (we
    were re-parented to init, and no signal will come)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the pid watch still works
            pass
    return os.getppid() == parent_pid


# --- progress --------------------------------------------------------------------------------


class Progress:
    """One JSON object per line; ``tick()`` writes a snapshot every ``every`` events."""

    def __init__(self, target: str | None, every: int, stats: StatsCollector) -> None:
        self.stats = stats
        self.every = max(1, every)
        self.events = 0
        self.out: IO[str] | None = None
        self.prefix = ""
        if target == "-":
            self.out, self.prefix = sys.stdout, STDOUT_PREFIX
        elif target:
            self.out = open(target, "a", encoding="utf-8")  # noqa: SIM115  (closed in close())

    def emit(self, event: str, **data: Any) -> None:
        if self.out is None:
            return
        line = json.dumps({"event": event, **json_safe(data)}, ensure_ascii=False)
        self.out.write(f"{self.prefix}{line}\n")
        self.out.flush()

    def snapshot(self) -> dict[str, int]:
        get = self.stats.get_value
        counts = {str(name): get(f"briefings/{name}", 0) for name in OUTCOMES}
        return {
            "requests": get("downloader/request_count", 0),
            "pages": get("downloader/response_count", 0),
            "list_pages": get("briefings/list_pages", 0),
            "list_missing": get("briefings/list_missing", 0),
            "articles": get("briefings/articles_requested", 0)
            + get("briefings/revisit_targets", 0),
            "stored": sum(counts.values()),
            **counts,
        }

    def tick(self) -> None:
        self.events += 1
        if self.events % self.every == 0:
            self.emit("progress", **self.snapshot())

    def item_stored(self, outcome: str) -> None:
        self.tick()

    def close(self) -> None:
        if self.out is not None and self.out is not sys.stdout:
            self.out.close()
        self.out = None


# --- the run the spider and pipeline use ------------------------------------------------------


@dataclass(slots=True)
class ActiveRun:
    """The crawl run in progress: where captures go and what the spider may ask."""

    source: str
    kind: str
    archive: Archive
    run_id: int
    holder: str
    progress: Progress
    revisit_policy: str | None = None  # the scheduler's age ladder, as JSON

    def known_urls(self) -> set[str]:
        return self.archive.known_urls(self.source)

    def revisit_targets(self, mode: str) -> list[RevisitTarget]:
        policy = policy_from_json(self.revisit_policy) if self.revisit_policy else None
        return self.archive.revisit_candidates(self.source, mode=mode, policy=policy)

    def previous_run_finished(self) -> bool:
        """Did the last discovery run walk its list pages to the end? (See
        ``storage.runs.previous_discovery_finished``.)"""
        return self.archive.previous_discovery_finished(self.source, run_id=self.run_id)


# --- the extension ---------------------------------------------------------------------------


class RunBookkeeping:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("BRIEFINGS_BOOKKEEPING_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        self.db_url: str | None = settings.get("BRIEFINGS_DB_URL")
        self.revisit_policy: str | None = settings.get("BRIEFINGS_REVISIT_POLICY")
        self.confirm_after = settings.getfloat("BRIEFINGS_CONFIRM_AFTER", 3600)
        self.ttl = settings.getfloat("BRIEFINGS_LEASE_TTL", 300)
        self.holder = settings.get("BRIEFINGS_LEASE_HOLDER") or new_holder()
        self.progress = Progress(
            settings.get("BRIEFINGS_PROGRESS_FILE"),
            settings.getint("BRIEFINGS_PROGRESS_EVERY", 5),
            crawler.stats,
        )
        self.run: ActiveRun | None = None  # set at spider_opened once the run has started
        self.archive: Archive | None = None
        self.renewal: task.LoopingCall | None = None
        self.stop_reason_file: str | None = settings.get("BRIEFINGS_STOP_REASON_FILE")
        self.parent_pid = settings.getint("BRIEFINGS_PARENT_PID", 0) or None
        self.parent_alive = die_with_parent(self.parent_pid) if self.parent_pid else True
        self.parent_watch: task.LoopingCall | None = None

    @classmethod
    def active_run(cls, crawler: Crawler) -> ActiveRun | None:
        """The run of ``crawler``, once started (None without the extension, or busy)."""
        extension = crawler.get_extension(cls)
        return extension.run if extension is not None else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunBookkeeping:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    # -- opening ------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        source = spider.name
        kind = getattr(spider, "kind", "discovery")
        if not self.parent_alive:
            logger.error("the process that started this crawl is gone: not crawling")
            raise CloseSpider(PARENT_GONE)
        if self.parent_pid is not None:
            self.parent_watch = task.LoopingCall(self.watch_parent)
            self.parent_watch.start(PARENT_WATCH_SECONDS, now=False)
        try:
            self.archive = archive = Archive.open(
                self.db_url, must_exist=False, confirm_after=self.confirm_after
            )
            archive.mark_stale_runs()
            if not self.take_lease(source):
                self.crawler.stats.set_value("briefings/busy", 1)
                self.progress.emit("busy", source=source)
                logger.warning("%s is being crawled by another process: not crawling", source)
                raise CloseSpider("busy")
            run_id = archive.start_run(source, kind, pid=os.getpid())
        except CloseSpider:
            raise
        except Exception as exc:
            message = f"archive unavailable: {type(exc).__name__}: {exc}".splitlines()[0]
            self.progress.emit("error", source=source, reason=message)
            logger.error(message)
            raise CloseSpider("archive_unavailable") from exc
        self.run = ActiveRun(
            source, kind, archive, run_id, self.holder, self.progress, self.revisit_policy
        )
        self.renewal = task.LoopingCall(self.renew)
        self.renewal.start(max(1.0, self.ttl / 3), now=False)
        self.progress.emit("started", source=source, kind=kind, run_id=run_id, pid=os.getpid())
        logger.info("crawl run %s of %s (%s) started", run_id, source, kind)

    def take_lease(self, source: str) -> bool:
        archive = self.archive
        assert archive is not None
        if archive.take_lease(source, self.holder, self.ttl):
            return True
        stale_holder = archive.lease_holder(source)
        if stale_holder and holder_is_dead(stale_holder):
            # A crawl killed on this machine: its lease would block us until it expires.
            logger.warning("taking over the lease of dead process %s", stale_holder)
            archive.release_lease(source, stale_holder)
            return archive.take_lease(source, self.holder, self.ttl)
        return False

    def renew(self) -> None:
        context = self.run
        if context is None:
            return
        try:
            kept = context.archive.renew_lease(context.source, self.holder, self.ttl)
        except Exception as exc:  # a busy database now and then: try again next time
            logger.warning("lease renewal failed: %s", exc)
            return
        if not kept:
            logger.error("lost the lease of %s: stopping", context.source)
            self.crawler.stats.set_value("briefings/lease_lost", 1)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="lease_lost"))

    def watch_parent(self) -> None:
        """Close the crawl once its parent is gone (we were re-parented): no one would
        read its result, and ``timeout 60 briefings crawl`` must stop the crawl too."""
        if not self.parent_alive or os.getppid() == self.parent_pid:
            return
        self.parent_alive = False
        logger.error("the process that started this crawl (%s) is gone: stopping", self.parent_pid)
        self.crawler.stats.set_value("briefings/parent_gone", 1)
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=PARENT_GONE))

    def finish_reason(self, reason: str) -> str:
        """Scrapy's reason, or why we were stopped: the parent's word, or its death."""
        if reason != "shutdown":
            return reason
        if self.stop_reason_file:
            try:
                with open(self.stop_reason_file, encoding="utf-8") as stream:
                    told = stream.read().strip()
            except OSError:
                told = ""
            if told:
                return told[:40]
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            return PARENT_GONE
        return reason

    # -- running ------------------------------------------------------------------------------

    def response_received(self, response: Any, request: Any, spider: Spider) -> None:
        self.progress.tick()

    # -- closing ------------------------------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        context = self.run
        if self.parent_watch is not None and self.parent_watch.running:
            self.parent_watch.stop()
        reason = self.finish_reason(reason)
        try:
            if context is None:
                return
            if self.renewal is not None and self.renewal.running:
                self.renewal.stop()
            stats = dict(self.crawler.stats.get_stats())
            stats["finish_reason"] = reason
            if context.archive.disk_full:  # the run's reason must say so, not only "N pages"
                stats["briefings/disk_full"] = 1
            status, reason_text = "failed", None
            try:
                run = context.archive.finish_run(context.run_id, stats=stats, finish_reason=reason)
                status, reason_text = run.status, run.error
            except Exception as exc:
                reason_text = f"could not finish run {context.run_id}: {exc}".splitlines()[0]
                logger.error(reason_text)
                self.progress.emit("error", source=context.source, reason=reason_text)
            finally:
                self.release_lease(context)
            self.progress.emit(
                "finished",
                source=context.source,
                run_id=context.run_id,
                status=status,
                finish_reason=reason,
                reason=reason_text,
                **self.progress.snapshot(),
            )
            logger.info(
                "crawl run %s of %s: %s (%s)", context.run_id, context.source, status, reason
            )
        finally:
            self.progress.close()
            if self.archive is not None:
                self.archive.close()

    def release_lease(self, context: ActiveRun) -> None:
        try:
            context.archive.release_lease(context.source, self.holder)
        except Exception as exc:  # it expires by itself
            logger.warning("could not release the lease of %s: %s", context.source, exc)
