"""Downloader middleware: redirects go nowhere the spider may not go.

Scrapy already refuses to follow a redirect to a non-HTTP scheme, and its offsite filter
silently drops a redirect to another host, unless the request has ``dont_filter`` (which
revisits and retries may carry). Both leave no trace in the archive. This middleware sits
closer to the downloader than ``RedirectMiddleware`` (so it sees the 3xx first) and turns
every such redirect into a refused response: the spider's errback records an error capture
that says where the page tried to send us.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scrapy.http import Request, Response
from w3lib.url import safe_url_string

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
SAFE_SCHEMES = {"http", "https"}


def host_allowed(host: str | None, allowed_domains: list[str] | None) -> bool:
    """Same rule as Scrapy's offsite filter: the domain itself or a subdomain of it."""
    if not allowed_domains:
        return True
    host = (host or "").lower().rstrip(".")
    return any(re.fullmatch(rf"(.*\.)?{re.escape(d.lower())}", host) for d in allowed_domains if d)


def redirect_target(request: Request, response: Response) -> str | None:
    location = response.headers.get("Location")
    if response.status not in REDIRECT_STATUSES or not location:
        return None
    return urljoin(request.url, safe_url_string(location))


class RedirectGuardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        target = redirect_target(request, response)
        if target is None or request.meta.get("dont_redirect"):
            return response
        spider = self.crawler.spider
        parts = urlsplit(target)
        allowed = getattr(spider, "allowed_domains", None)
        if parts.scheme in SAFE_SCHEMES and host_allowed(parts.hostname, allowed):
            return response
        # Not followed: RedirectMiddleware skips it, HttpErrorMiddleware hands it to the errback.
        request.meta["dont_redirect"] = True
        request.meta["briefings_refused_redirect"] = target[:200]
        self.crawler.stats.inc_value("briefings/redirect_refused")
        return response
