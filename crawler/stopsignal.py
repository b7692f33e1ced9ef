"""SIGTERM stops a crawl gracefully however often it comes; SIGKILL is the forced stop.

Scrapy turns a second SIGTERM into an unclean shutdown: the reactor stops at once,
``spider_closed`` never runs, and the crawl's run stays "running" with its lease held until the
next start settles both as "killed". But a crawl whose parent goes usually gets two SIGTERMs
at once: systemd stopping the scheduler signals every process of the service and the crawl
runner forwards its own; a SIGKILLed parent's ``PR_SET_PDEATHSIG`` came with a second one
here too. Measured: "Received SIGTERM twice, forcing unclean shutdown" 0.4 s after the
scheduler's SIGKILL, in most runs of ``tests/reliability/test_stop.py``, whose run was then
left for the next start to settle. Nothing needs a second SIGTERM to force a stop: the crawl
runner sends SIGKILL after its grace period, as systemd does after ``TimeoutStopSec``. SIGINT
keeps Scrapy's meaning (Ctrl-C twice stops at once).

``GracefulSigterm`` (an extension; ``BRIEFINGS_SIGTERM_GRACEFUL = False`` switches it off)
wraps the SIGTERM handler Scrapy installs when the reactor has started: the first SIGTERM goes
to Scrapy's graceful stop, a later one is only logged.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class GracefulSigterm:
    def __init__(self) -> None:
        self.graceful: Callable[[int, FrameType | None], Any] | None = None
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GracefulSigterm:
        if not crawler.settings.getbool("BRIEFINGS_SIGTERM_GRACEFUL", True):
            raise NotConfigured
        if threading.current_thread() is not threading.main_thread():
            raise NotConfigured  # only the main thread has signal handlers (in-process tests)
        ext = cls()
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        return ext

    def engine_started(self) -> None:
        from twisted.internet import reactor

        # Scrapy installs its handler in a trigger "after startup" of the reactor, which may
        # not have run yet: one turn of the running reactor later, it has.
        reactor.callWhenRunning(reactor.callLater, 0, self.install)

    def install(self) -> None:
        current = signal.getsignal(signal.SIGTERM)
        if callable(current) and current != self.on_sigterm:
            self.graceful = current
            signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        from twisted.internet import reactor

        if not self.stopping and self.graceful is not None:
            self.stopping = True
            self.graceful(signum, frame)  # Scrapy's: it makes the next SIGTERM a forced stop,
            signal.signal(signal.SIGTERM, self.on_sigterm)  # which we take back
            return
        # (no logging inside a signal handler: the reactor thread writes it)
        reactor.callFromThread(
            logger.info, "SIGTERM again: still stopping gracefully (SIGKILL stops at once)"
        )
