"""Crawl benchmark: the full pipeline against a bare fetch of the same pages, side by side.

    python benchmarks/crawl.py --count 1000 --concurrency 8

1. builds a loopback mirror of ``count`` transcripts (``benchmarks/mirror.py``) and serves it
   with ``tests.sitemock.SiteMock``;
2. **full**: ``run_crawl("mfa-en")`` (the real runner: subprocess, parse, archive into a fresh
   SQLite file), politeness off;
3. **bare**: the same spider and settings with the item pipeline and the run bookkeeping
   switched off, so it fetches and walks the very same pages but parses and stores nothing;
4. **incremental**: the full crawl again, nothing new: how many list pages it asks for.

Prints pages/s of each (responses / Scrapy's elapsed time), the ratio full/bare (target
>= 0.7), the peak RSS of the full crawl process (target < 250 MB) and the list pages of the
incremental crawl (target <= 2). Figures, not assertions. The CPU seconds of each crawl
process say how much of a gap is work and how much is a busy machine: the full crawl stores
from a second thread, so it needs more than one core to keep up with the bare spider.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.mirror import EN_DIR, build  # noqa: E402
from scheduler.crawl_runner import SETTINGS_MODULE, build_command, run_crawl  # noqa: E402
from tests.sitemock import SiteMock  # noqa: E402

STATS_FILE_SETTING = "BENCH_STATS_FILE"


class StatsDump:
    """A Scrapy extension (loaded in the crawl process): the final stats as JSON in a file."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get(STATS_FILE_SETTING)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StatsDump:
        from scrapy import signals

        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.path:
            stats = self.crawler.stats.get_stats()
            Path(self.path).write_text(json.dumps(stats, default=str), encoding="utf-8")


def settings_for(concurrency: int, stats_file: Path, *, bare: bool) -> dict[str, str]:
    extensions = {
        "crawler.extensions.RunBookkeeping": None if bare else 100,
        "benchmarks.crawl.StatsDump": 500,
    }
    settings = {
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0",
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "LOG_LEVEL": "WARNING",
        "MEMUSAGE_CHECK_INTERVAL_SECONDS": "1",
        "EXTENSIONS": json.dumps(extensions),
        STATS_FILE_SETTING: str(stats_file),
    }
    if bare:
        settings["ITEM_PIPELINES"] = "{}"
    return settings


def rate(stats: dict[str, Any]) -> tuple[int, float, float]:
    pages = int(stats.get("downloader/response_count", 0))
    seconds = float(stats.get("elapsed_time_seconds", 0) or 0)
    return pages, seconds, pages / seconds if seconds else 0.0


def run_bare(list_url: str, settings: dict[str, str]) -> float:
    cmd = build_command("mfa-en", start_urls=[list_url], settings=settings)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    t0 = time.monotonic()
    subprocess.run(cmd, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t0


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def list_requests(site: SiteMock) -> int:
    return sum(1 for r in site.requests if "/default" in r.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="transcripts in the mirror")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="briefings-bench-") as tmp:
        work = Path(tmp)
        build(work / "site", args.count)
        db_url = f"sqlite:///{work / 'bench.db'}"
        with SiteMock(work / "site") as site:
            list_url = site.url(f"/{EN_DIR}/default.shtml")
            full_stats_file, bare_stats_file = work / "full.json", work / "bare.json"

            t0, cpu0 = time.monotonic(), children_cpu()
            full = run_crawl(
                "mfa-en",
                db_url=db_url,
                start_urls=[list_url],
                settings=settings_for(args.concurrency, full_stats_file, bare=False),
            )
            full_wall, full_cpu = time.monotonic() - t0, children_cpu() - cpu0
            peak_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # MiB

            cpu0 = children_cpu()
            bare_wall = run_bare(
                list_url, settings_for(args.concurrency, bare_stats_file, bare=True)
            )
            bare_cpu = children_cpu() - cpu0

            site.clear_log()
            again = run_crawl(
                "mfa-en",
                db_url=db_url,
                start_urls=[list_url],
                settings=settings_for(args.concurrency, work / "again.json", bare=False),
            )
            incremental_lists = list_requests(site)

        full_pages, full_s, full_rate = rate(json.loads(full_stats_file.read_text()))
        bare_pages, bare_s, bare_rate = rate(json.loads(bare_stats_file.read_text()))
        print(f"mirror: {args.count} transcripts, concurrency {args.concurrency}, loopback")
        print(
            f"full pipeline: {full.status}, new={full.stats.get('briefings/new', 0)}, "
            f"{full_pages} pages in {full_s:.1f}s = {full_rate:.1f} pages/s "
            f"(wall {full_wall:.1f}s, CPU {full_cpu:.1f}s)"
        )
        print(
            f"bare spider:   {bare_pages} pages in {bare_s:.1f}s = {bare_rate:.1f} pages/s "
            f"(wall {bare_wall:.1f}s, CPU {bare_cpu:.1f}s)"
        )
        ratio = full_rate / bare_rate if bare_rate else 0.0
        print(f"ratio full/bare: {ratio:.2f} (target >= 0.7)")
        print(f"peak RSS of the full crawl process: {peak_rss:.0f} MiB (target < 250)")
        print(
            f"incremental crawl: {again.status}, new={again.stats.get('briefings/new', 0)}, "
            f"list pages requested: {incremental_lists} (target <= 2)"
        )


if __name__ == "__main__":
    main()
