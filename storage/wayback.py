"""A polite client of the Wayback Machine: the CDX API (what was captured) and raw replay.

    client = WaybackClient(rate=1.0)                    # requests per second, at most
    for capture in client.captures("www.fmprc.gov.cn/eng/xw/fyrbt/", since="20200101"):
        replay = client.replay(capture.timestamp, capture.original)

- **Polite**: one request at a time, at most ``rate`` per second (1 by default), a
  User-Agent naming the project; on 429, 5xx or a failed connection it waits and tries
  again (exponential backoff with full jitter, capped; a ``Retry-After`` is honoured when it
  asks for longer), then gives up with a ``WaybackError``.
- **CDX**: ``/cdx/search/cdx`` with ``output=json``, ``matchType=prefix``, pages of
  ``page_size`` rows chained by ``resumeKey``.
- **Replay**: ``/web/<timestamp>id_/<url>``, the capture's own bytes without the Wayback's
  rewriting or banner, redirects not followed (``storage.importing.wayback`` decides what a
  redirect to another timestamp or to the site's error page means).

The real service is never contacted by a test: tests point ``base_url`` at a local fake.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from storage.errors import ArchiveError
from storage.types import utcnow

__all__ = [
    "DEFAULT_BASE_URL",
    "USER_AGENT",
    "CdxCapture",
    "Replay",
    "WaybackClient",
    "WaybackError",
]

DEFAULT_BASE_URL = "https://web.archive.org"
USER_AGENT = (
    "briefings/0.1 (history import of press-briefing transcripts; "
    "+https://github.com/briefings-archive/briefings)"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 522, 524})
CDX_FIELDS = ("timestamp", "original", "statuscode", "mimetype", "digest", "length")
MAX_REPLAY_BYTES = 32 * 1024 * 1024  # the crawl's download cap


class WaybackError(ArchiveError):
    """The Wayback Machine could not be asked (gave up after retries, or answered nonsense)."""


@dataclass(frozen=True, slots=True)
class CdxCapture:
    timestamp: str  # 14 digits, UTC
    original: str  # the URL as captured
    status: int | None  # the original response's status; None for "-" (revisits, warcs)
    mimetype: str
    digest: str  # base32 SHA-1 of the payload
    length: str


@dataclass(frozen=True, slots=True)
class Replay:
    url: str  # what was asked
    status: int
    headers: dict[str, str]  # names lower-cased
    raw: bytes  # the payload as sent (Content-Encoding not undone)


class WaybackClient:
    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        rate: float = 1.0,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 120.0,
        timeout: float = 60.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if rate <= 0:
            raise WaybackError(f"--rate must be above 0 (got {rate})")
        self.base_url = base_url.rstrip("/")
        self.interval = 1.0 / rate
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.sleep = sleep
        self.clock = clock
        self.jitter = jitter
        self.requests = 0  # sent, retries included
        self.waited = 0.0  # seconds slept for the rate and for backoff
        self._last: float | None = None

    def close(self) -> None:
        self.session.close()

    # -- CDX --------------------------------------------------------------------------------

    def captures(
        self,
        prefix: str,
        *,
        since: str | None = None,
        until: str | None = None,
        page_size: int = 5000,
    ) -> Iterator[CdxCapture]:
        """Every capture of URLs starting with ``prefix`` (host and path, no scheme), in the
        CDX's order (by URL, then time); ``since``/``until``: timestamp prefixes."""
        params: dict[str, Any] = {
            "url": prefix,
            "matchType": "prefix",
            "output": "json",
            "fl": ",".join(CDX_FIELDS),
            "limit": page_size,
            "showResumeKey": "true",
        }
        if since:
            params["from"] = since
        if until:
            params["to"] = until
        while True:
            rows, resume = self._cdx_page(params)
            yield from rows
            if not resume:
                return
            params["resumeKey"] = resume

    def _cdx_page(self, params: dict[str, Any]) -> tuple[list[CdxCapture], str | None]:
        response = self._get(f"{self.base_url}/cdx/search/cdx", params=params)
        if response.status_code != 200:
            raise WaybackError(f"CDX answered HTTP {response.status_code} for {params['url']}")
        text = response.text.strip()
        if not text:
            return [], None
        try:
            rows = response.json()
        except ValueError as exc:
            raise WaybackError(f"CDX answer is not JSON for {params['url']}: {exc}") from exc
        return parse_cdx(rows, params["url"])

    # -- replay -----------------------------------------------------------------------------

    def replay_url(self, timestamp: str, original: str) -> str:
        return f"{self.base_url}/web/{timestamp}id_/{original}"

    def replay(self, timestamp: str, original: str) -> Replay:
        """The raw capture (``id_``), redirects not followed."""
        url = self.replay_url(timestamp, original)
        response = self._get(url, stream=True)
        try:
            raw = _bounded_raw(response)
        finally:
            response.close()
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Replay(url=url, status=response.status_code, headers=headers, raw=raw)

    # -- politeness -------------------------------------------------------------------------

    def _get(self, url: str, **kwargs: Any) -> requests.Response:
        for attempt in range(1, self.max_attempts + 1):
            self._pace()
            try:
                response = self.session.get(
                    url, timeout=self.timeout, allow_redirects=False, **kwargs
                )
            except requests.RequestException as exc:
                if attempt == self.max_attempts:
                    raise WaybackError(f"cannot reach {url}: {type(exc).__name__}") from exc
                self._wait(self._backoff(attempt, None))
                continue
            if response.status_code not in RETRY_STATUSES:
                return response
            retry_after = response.headers.get("Retry-After")
            response.close()
            if attempt == self.max_attempts:
                raise WaybackError(
                    f"{url} answered HTTP {response.status_code} {self.max_attempts} times"
                )
            self._wait(self._backoff(attempt, retry_after))
        raise AssertionError("unreachable")

    def _pace(self) -> None:
        """At most ``rate`` requests per second: wait out the rest of the interval."""
        now = self.clock()
        if self._last is not None:
            self._wait(self._last + self.interval - now)
        self._last = self.clock()
        self.requests += 1

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        """Full jitter over an exponential ceiling; never shorter than ``Retry-After``."""
        ceiling = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        delay = ceiling * self.jitter()
        asked = retry_after_seconds(retry_after)
        return max(delay, min(asked, self.max_backoff)) if asked is not None else delay

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)


def parse_cdx(rows: Any, prefix: str) -> tuple[list[CdxCapture], str | None]:
    """CDX JSON rows (a header row of field names, the captures, then with
    ``showResumeKey`` an empty row and the resume key) as captures and the key."""
    if not isinstance(rows, list) or not rows:
        return [], None
    if not all(isinstance(row, list) for row in rows):
        raise WaybackError(f"CDX answer for {prefix} is not a list of rows")
    resume = None
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        resume, rows = str(rows[-1][0]), rows[:-2]
    header, *data = rows
    try:
        columns = [header.index(name) for name in CDX_FIELDS]
    except ValueError as exc:
        raise WaybackError(f"CDX answer for {prefix} lacks a field: {exc}") from exc
    captures = []
    for row in data:
        if len(row) != len(header):
            raise WaybackError(f"CDX row for {prefix} has {len(row)} fields: {row!r}"[:300])
        timestamp, original, status, mimetype, digest, length = (str(row[i]) for i in columns)
        captures.append(
            CdxCapture(
                timestamp=timestamp,
                original=original,
                status=int(status) if status.isdigit() else None,
                mimetype=mimetype,
                digest=digest,
                length=length,
            )
        )
    return captures, resume


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header (seconds, or an HTTP date) in seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, float((moment - utcnow()).total_seconds()))


def _bounded_raw(response: requests.Response) -> bytes:
    """The payload as sent (de-chunked, not decompressed: the CDX digest may be of either
    form), at most ``MAX_REPLAY_BYTES``."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.raw.stream(1 << 16, decode_content=False):
        size += len(chunk)
        if size > MAX_REPLAY_BYTES:
            raise WaybackError(f"{response.url}: body over {MAX_REPLAY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
