"""The crawl's memory stats measure the crawl, not the process that started it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.memusage import own_peak_rss
from crawler.settings import EXTENSIONS

REPO = Path(__file__).resolve().parents[2]
PARENT_MB = 300
CHILD = (
    "import json, resource\n"
    "from crawler.memusage import own_peak_rss\n"
    "print(json.dumps([own_peak_rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))\n"
)


@pytest.mark.skipif(own_peak_rss() is None, reason="no /proc/self/status VmHWM here")
def test_a_child_of_a_large_process_reports_its_own_peak() -> None:
    ballast = bytearray(PARENT_MB * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(ballast[::4096])  # touch every page: resident
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=REPO, capture_output=True, text=True, check=True
    )
    del ballast
    own, ru_maxrss_kb = json.loads(done.stdout)
    # getrusage carries the parent's peak across exec; VmHWM is the child's own.
    assert ru_maxrss_kb * 1024 > PARENT_MB * 1024 * 1024
    assert own < 150 * 1024 * 1024


def test_scrapys_reading_is_replaced_by_the_process_own() -> None:
    assert EXTENSIONS["scrapy.extensions.memusage.MemoryUsage"] is None
    assert (
        EXTENSIONS["crawler.memusage.ProcessMemoryUsage"]
        < EXTENSIONS["crawler.extensions.RunBookkeeping"]
    )
