"""The Foreign Ministry's regular press conferences: ``mfa-en`` and ``mfa-zh``.

The spiders only navigate: they walk list pages, request the briefing items and hand every
fetched page to the pipeline as a ``FetchedPage`` (parsing and storing happen there).

Arguments (``scrapy crawl mfa-en -a NAME=VALUE``):

- ``start_url=URL`` (or ``start_urls="URL URL"``): list pages to start from instead of the
  source's current list; the spider then stays on those URLs' hosts.
- ``full=1``: walk every list page (default: incremental, see ``ListWalk.should_continue``).
- ``max_pages=N``: at most N list pages per start URL.
- ``revisit=due|all``: no list pages; re-fetch archived briefings with conditional GET.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import gone
from crawler.extensions import ActiveRun, RunBookkeeping
from crawler.extract import parse_list
from crawler.extract.listing import MAX_LIST_PAGES
from crawler.items import FetchedPage, fetched_page
from crawler.middlewares import SAFE_SCHEMES, host_allowed
from crawler.sources import ALLOWED_HOSTS, RevisitMode, start_urls
from crawler.urls import canonical_url

# Statuses the callbacks judge themselves instead of Scrapy's HttpError (``crawler.gone``):
# 304 is a revisit's "unchanged", 404/410 a page that is gone (the archive decides).
ARTICLE_STATUSES = list(gone.ARTICLE_STATUSES)
LIST_STATUSES = list(gone.LIST_STATUSES)
LIST_PRIORITY = -10  # a page's articles go before the next list page
# The spider dedupes its own requests and sets dont_filter: Scrapy's duplicate filter would
# otherwise drop the second redirect to /error.htm, and that missing page would leave no trace.
# dont_filter also skips the offsite filter, so only on-host URLs get it (``on_host``) and
# redirects are checked by crawler.middlewares.RedirectGuardMiddleware.


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _split_urls(*values: str | None) -> list[str]:
    """``start_url`` / ``start_urls`` arguments: URLs separated by whitespace."""
    return [url for value in values if value for url in str(value).split()]


@dataclass(slots=True)
class ListWalk:
    """The walk over one column's list pages, in the order the pagination announces them."""

    full: bool
    max_pages: int | None
    missing_limit: int
    trust_known: bool  # False after an unfinished run: keep walking past known pages
    queue: list[str] = field(default_factory=list)
    requested: set[str] = field(default_factory=set)
    pages_seen: int = 0  # list pages requested
    missing_in_row: int = 0

    def add(self, urls: Iterable[str]) -> None:
        for url in urls:
            key = canonical_url(url)
            if key not in self.requested and key not in map(canonical_url, self.queue):
                self.queue.append(url)

    def next_url(self) -> str | None:
        if self.max_pages is not None and self.pages_seen >= self.max_pages:
            return None
        while self.queue:
            url = self.queue.pop(0)
            key = canonical_url(url)
            if key not in self.requested:
                self.requested.add(key)
                self.pages_seen += 1
                return url
        return None

    def should_continue(self, *, all_known: bool, missing: bool) -> bool:
        """Incremental: stop at a page of known briefings, or after a run of missing pages."""
        if self.full:
            return True
        if missing:
            return self.missing_in_row < self.missing_limit
        return not (all_known and self.trust_known)


class BriefingSpider(scrapy.Spider):
    """Shared navigation; subclasses only name their source."""

    def __init__(
        self,
        start_url: str | None = None,
        start_urls: str | None = None,
        full: str | None = None,
        max_pages: str | None = None,
        revisit: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.list_urls = _split_urls(start_url, start_urls)
        self.full = _truthy(full)
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, not {max_pages}")
        mode = (revisit or "").strip().lower() or None
        if mode is not None and mode not in tuple(RevisitMode):
            choices = ", ".join(RevisitMode)
            raise ValueError(f"revisit must be one of {choices}, not {revisit}")
        self.revisit = RevisitMode(mode) if mode else None
        hosts = _hosts(self.list_urls)
        self.allowed_domains = sorted(hosts) if hosts else list(ALLOWED_HOSTS)
        self.known: set[str] = set()
        self.articles_requested: set[str] = set()
        self.walks: list[ListWalk] = []

    def on_host(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in SAFE_SCHEMES and host_allowed(parts.hostname, self.allowed_domains)

    @property
    def kind(self) -> str:
        """The crawl_run kind of this crawl."""
        if self.revisit:
            return "revisit"
        return "full" if self.full else "discovery"

    # --- start ---------------------------------------------------------------------------------

    @property
    def run(self) -> ActiveRun | None:
        """The archive's run of this crawl (``crawler.extensions.RunBookkeeping``); None in a
        bare run without the extension."""
        return RunBookkeeping.active_run(self.crawler)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.revisit:
            for request in self.revisit_requests():
                yield request
            return
        context = self.run
        self.known = context.known_urls() if context else set()
        trust_known = context.previous_run_finished() if context else True
        missing_limit = self.settings.getint("BRIEFINGS_LIST_MISSING_LIMIT", 3)
        for url in self.list_urls or start_urls(self.name):
            walk = ListWalk(self.full, self.max_pages, missing_limit, trust_known)
            self.walks.append(walk)
            walk.add([url])
            first = self.next_list_request(len(self.walks) - 1)
            if first is not None:
                yield first

    def revisit_requests(self) -> Iterable[scrapy.Request]:
        context = self.run
        if context is None:
            self.logger.warning("revisit needs the archive (RunBookkeeping extension is off)")
            return
        assert self.revisit is not None
        targets = context.revisit_targets(self.revisit)
        # The archived URLs were fetched from allowed hosts before; keep to those hosts.
        hosts = _hosts(t.url for t in targets)
        self.allowed_domains = sorted(set(self.allowed_domains) | hosts)
        self.crawler.stats.set_value("briefings/revisit_targets", len(targets))
        for target in targets:
            yield scrapy.Request(
                target.url,
                dont_filter=self.on_host(target.url),
                headers=conditional_headers(target),
                callback=self.parse_article,
                errback=self.article_failed,
                meta={
                    "handle_httpstatus_list": ARTICLE_STATUSES,
                    "briefing_id": target.briefing_id,
                },
            )

    # --- list pages --------------------------------------------------------------------------

    def next_list_request(self, walk_index: int) -> scrapy.Request | None:
        url = self.walks[walk_index].next_url()
        if url is None:
            return None
        return scrapy.Request(
            url,
            dont_filter=self.on_host(url),
            callback=self.parse_list_page,
            errback=self.list_failed,
            priority=LIST_PRIORITY,
            meta={"walk": walk_index, "handle_httpstatus_list": LIST_STATUSES},
        )

    def parse_list_page(self, response: Response) -> Iterable[scrapy.Request | FetchedPage]:
        walk_index = response.meta["walk"]
        walk = self.walks[walk_index]
        page = self.read_list(response)
        stats = self.crawler.stats
        if page is None or not (page.items or page.pages):
            walk.missing_in_row += 1
            stats.inc_value("briefings/list_missing")
            asked = (response.meta.get("redirect_urls") or [response.url])[0]
            self.logger.warning("list page missing: %s (got %s)", asked, response.url)
            follow = walk.should_continue(all_known=False, missing=True)
        else:
            walk.missing_in_row = 0
            stats.inc_value("briefings/list_pages")
            if (page.announced_pages or 0) > MAX_LIST_PAGES:  # bounded by parse_list
                stats.set_value("briefings/list_pages_capped", page.announced_pages)
                self.logger.warning(
                    "list page announces %s pages: walking at most %s", page.announced_pages,
                    MAX_LIST_PAGES,
                )  # fmt: skip
            walk.add(page.pages)
            unknown = [i for i in page.items if canonical_url(i.url) not in self.known]
            stats.inc_value("briefings/list_items", len(page.items))
            stats.inc_value("briefings/list_skipped", len(page.skipped))
            for href, reason in page.rejected:  # one bad link never costs the page
                stats.inc_value("briefings/list_rejected")
                stats.inc_value(f"briefings/list_rejected/{reason}")
                self.logger.info("list link not followed (%s): %.200r", reason, href)
            for item in unknown:
                request = self.article_request(item.url)
                if request is not None:
                    yield request
            follow = walk.should_continue(all_known=not unknown, missing=False)
        if follow:
            request = self.next_list_request(walk_index)
            if request is not None:
                yield request

    def read_list(self, response: Response) -> Any:
        """The parsed list page, or None for an error page or a body that is not HTML."""
        if response.status >= 400 or not isinstance(response, TextResponse):
            return None
        try:
            return parse_list(response.selector, response.url)
        except Exception as exc:  # a list the parser cannot read counts as missing
            self.logger.warning("list page unreadable: %s: %s", response.url, exc)
            return None

    def list_failed(self, failure: Failure) -> Iterable[scrapy.Request | FetchedPage]:
        """A list page that could not be downloaded: an error capture, then walk on."""
        request = request_of(failure)
        walk_index = request.meta["walk"]
        walk = self.walks[walk_index]
        walk.missing_in_row += 1
        self.crawler.stats.inc_value("briefings/list_error")
        yield self.failed_page(failure, kind="list")
        if walk.should_continue(all_known=False, missing=True):
            next_request = self.next_list_request(walk_index)
            if next_request is not None:
                yield next_request

    # --- articles ----------------------------------------------------------------------------

    def article_request(self, url: str) -> scrapy.Request | None:
        key = canonical_url(url)
        if key in self.articles_requested:
            return None
        self.articles_requested.add(key)
        self.crawler.stats.inc_value("briefings/articles_requested")
        return scrapy.Request(
            url,
            dont_filter=self.on_host(url),
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"handle_httpstatus_list": ARTICLE_STATUSES},
        )

    def parse_article(self, response: Response) -> Iterable[FetchedPage]:
        yield fetched_page(response, self.name, briefing_id=response.meta.get("briefing_id"))

    def article_failed(self, failure: Failure) -> Iterable[FetchedPage]:
        yield self.failed_page(failure, kind="article")

    def failed_page(self, failure: Failure, *, kind: str) -> FetchedPage:
        request = request_of(failure)
        redirects = request.meta.get("redirect_urls") or []
        page = FetchedPage(
            source=self.name,
            url=redirects[0] if redirects else request.url,
            final_url=request.url,
            error=describe_failure(failure),
            kind=kind,
            briefing_id=request.meta.get("briefing_id"),
        )
        if isinstance(failure.value, HttpError):
            page.status = failure.value.response.status
        self.crawler.stats.set_value("briefings/last_error", f"{page.url}: {page.error}"[:300])
        self.logger.warning("fetch failed: %s: %s", page.url, page.error)
        return page


def _hosts(urls: Iterable[str]) -> set[str]:
    return {host for url in urls if (host := urlsplit(url).hostname)}


def request_of(failure: Failure) -> scrapy.Request:
    """The request a download failure is about (Scrapy sets it on the failure)."""
    request: scrapy.Request = getattr(failure, "request")  # noqa: B009  (not in Failure's type)
    return request


def conditional_headers(target: Any) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the last capture of a revisit target."""
    headers = {}
    if getattr(target, "etag", None):
        headers["If-None-Match"] = target.etag
    if getattr(target, "last_modified", None):
        headers["If-Modified-Since"] = target.last_modified
    return headers


def describe_failure(failure: Failure) -> str:
    """One line: what went wrong with a download."""
    exc = failure.value
    if isinstance(exc, HttpError):
        response = exc.response
        refused = response.meta.get("briefings_refused_redirect")
        if refused:
            return f"HTTP {response.status}: redirect to {refused} refused"
        return f"HTTP {response.status} after retries"
    text = str(exc).strip().splitlines()
    detail = text[0] if text else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


class MfaEnSpider(BriefingSpider):
    name = "mfa-en"


class MfaZhSpider(BriefingSpider):
    name = "mfa-zh"
