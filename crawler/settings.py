"""Scrapy settings of the briefings crawler: polite and safe by default.

``scrapy crawl mfa-en`` from the repository root and ``briefings crawl mfa-en`` use these;
every value can be overridden with ``-s NAME=VALUE`` (tests and benchmarks switch the
politeness off that way on a loopback server).
"""

from __future__ import annotations

BOT_NAME = "briefings"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are, so the ministry's webmasters can find us.
USER_AGENT = "briefings/0.1 (+https://github.com/briefings-archive/briefings)"

# Politeness: robots.txt, one request at a time per host, at least a second apart, and
# AutoThrottle to back off further when the site slows down. Keep DOWNLOAD_DELAY above 0:
# with 0, Scrapy 2.19's asyncio downloader starts all queued requests of a host at once and
# CONCURRENT_REQUESTS_PER_DOMAIN no longer holds.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Safety: bounded bodies, no local or exotic URL schemes (a redirect to file:///etc/passwd
# must go nowhere), no telnet console, no remote-control HTTP server.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# The archive is the record of what was fetched; Scrapy's HTTP cache would answer from
# disk and hide real 304s and edits.
HTTPCACHE_ENABLED = False
REDIRECT_MAX_TIMES = 5

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Cookies stay on: the site may gate pages behind a Set-Cookie round trip; cookie values it
# writes into the HTML never reach the archive's decision (only the extracted transcript does).
COOKIES_ENABLED = True
REFERER_ENABLED = True

LOG_LEVEL = "INFO"

# Components of this project.
DOWNLOADER_MIDDLEWARES = {
    # process_response runs before RedirectMiddleware (600): refuses off-host redirects.
    "crawler.middlewares.RedirectGuardMiddleware": 650,
    # evidence (issue 16): next to the downloader, so it sees headers before decoding.
    "crawler.warc.WarcHeadersMiddleware": 950,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
EXTENSIONS = {
    # The crawl's own peak memory, not its parent's (crawler/memusage.py); before the
    # bookkeeping, whose spider_closed hands the stats to the archive.
    "scrapy.extensions.memusage.MemoryUsage": None,
    "crawler.memusage.ProcessMemoryUsage": 0,
    "crawler.extensions.RunBookkeeping": 100,
    # A second SIGTERM (systemd and the crawl runner both send one) must not skip
    # spider_closed, where the run is recorded (crawler/stopsignal.py).
    "crawler.stopsignal.GracefulSigterm": 200,
}

# briefings' own settings (also read from the environment where noted).
BRIEFINGS_DB_URL = None  # None: env BRIEFINGS_DB_URL, then sqlite:///briefings.db
BRIEFINGS_PROGRESS_FILE = None  # a path for JSON progress lines; "-": stdout, prefixed; None: off
BRIEFINGS_PROGRESS_EVERY = 5  # one progress line per N events (responses + items)
BRIEFINGS_LEASE_TTL = 300  # seconds; renewed every TTL/3 while the crawl runs
BRIEFINGS_LEASE_HOLDER = None  # None: hostname:pid:random
BRIEFINGS_LIST_MISSING_LIMIT = 3  # incremental walk stops after this many missing pages in a row
# Seconds after a first suspect fetch (a page gone, truncated) that a second one may confirm
# it; ``briefings crawl --revisit suspect --confirm-now`` sets 0 (a second fetch still needed).
BRIEFINGS_CONFIRM_AFTER = 3600
BRIEFINGS_WARC = True  # evidence (issue 16): WARC request/response records at fetch time
BRIEFINGS_SIGTERM_GRACEFUL = True  # a second SIGTERM does not force an unclean stop (stopsignal.py)

FEED_EXPORT_ENCODING = "utf-8"
