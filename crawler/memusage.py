"""The crawl process's own peak memory, for Scrapy's ``memusage/*`` stats and limits.

Scrapy's ``MemoryUsage`` reads ``getrusage(RUSAGE_SELF).ru_maxrss``. On Linux that figure
survives ``exec``: a crawl started by a large process (the scheduler service, a test run)
reports the parent's peak at fork time as its own (a 13 MB child of a 500 MB parent says
513 MB), and ``MEMUSAGE_LIMIT_MB`` would stop a crawl for memory it never used.
``/proc/self/status`` ``VmHWM`` is the high-water mark of this process's own address space.
Elsewhere (no ``/proc``) it falls back to Scrapy's reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.extensions.memusage import MemoryUsage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

STATUS = Path("/proc/self/status")


def own_peak_rss() -> int | None:
    """This process's peak resident set in bytes (``VmHWM``), or None where unknown."""
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # "VmHWM:   13724 kB"
    except (OSError, ValueError, IndexError):
        return None
    return None


class ProcessMemoryUsage(MemoryUsage):
    """``MemoryUsage`` measuring this process only, with a last reading at close (the
    periodic check runs every ``MEMUSAGE_CHECK_INTERVAL_SECONDS``; a short crawl's peak
    would otherwise be whatever the first check saw)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        crawler.signals.connect(self.update, signal=signals.spider_closed)

    def get_virtual_size(self) -> int:
        own = own_peak_rss()
        return own if own is not None else super().get_virtual_size()
