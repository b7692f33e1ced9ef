"""Wayback captures of a source → the importer's items (``records.Item``).

For each list folder of the source (``crawler.sources``) on each of the ministry's hosts,
the CDX API lists the captures; each becomes, in CDX order (by URL, then time):

- skipped, without a request: a URL that is no list or transcript page of the source; a
  capture imported already (same timestamp, digest and URL: the resume key); a revisit row
  (status ``-``); a **digest duplicate** (the same digest and status as the URL's previous capture:
  the same bytes, nothing to learn but a later "seen"; a digest that comes back after
  another one is a revert and is imported);
- a response without a request: 404 / 410 (gone evidence, by ``crawler.gone``), other
  statuses the CDX gives (skipped by ``decide``, as a crawl's would be);
- otherwise the raw capture is fetched (``id_``) and checked before it is used:
  - a redirect capture: its target (read from the Wayback's Location) decides: the site's
    error page is gone evidence, any other target is skipped;
  - a capture the CDX lists as 200 that redirects **to another timestamp** (the Wayback's
    "nearest capture") is skipped and counted: that other capture has its own CDX row;
  - a 200 that is the **Wayback's own page** (no ``Memento-Datetime``, or a Wayback title),
    or whose bytes do not match the CDX digest, is a problem with its replay URL: never a
    version, never evidence (the ministry did not say anything);
  - any other answer (a 404 for a capture the CDX lists) is a problem too.
Three replays in a row that fail outright (the service is down) end the import: politeness
beats completeness, and a re-run resumes where this one stopped.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import urljoin

from crawler.sources import SOURCES, source_of_url
from crawler.urls import MINISTRY_HOSTS
from storage.enums import ProvenanceKind
from storage.fetch import Provenance
from storage.importing.httpblock import BadHttp, decode_content
from storage.importing.records import ArchivedResponse, Item, RecordProblem, RecordSkip
from storage.wayback import CdxCapture, Replay, WaybackClient, WaybackError

__all__ = ["captures_key", "source_prefixes", "wayback_items"]

DIGEST_DUPLICATE = "digest duplicate"
TIMESTAMP_REDIRECT = "redirect to another timestamp"
MAX_FAILURES_IN_A_ROW = 3
_WAYBACK_URL = re.compile(r"/web/(\d{4,14})(?:[a-z]{2}_)?/(.+)$")
_WAYBACK_TITLE = re.compile(rb"<title>[^<]*(?:wayback machine|internet archive)", re.IGNORECASE)


def source_prefixes(source: str) -> list[str]:
    """CDX URL prefixes (host + folder) covering every list folder of ``source`` once."""
    folders = sorted(SOURCES[source].list_folders)
    kept = [f for f in folders if not any(f != o and f.startswith(o) for o in folders)]
    return [f"{host}{folder}" for host in MINISTRY_HOSTS for folder in kept]


def captures_key(capture: CdxCapture) -> tuple[str, str, str]:
    return (capture.timestamp, capture.digest, capture.original)


def wayback_items(
    client: WaybackClient,
    source: str,
    *,
    since: str | None,
    until: str | None,
    done: Callable[[list[CdxCapture]], set[tuple[str, str, str]]],
) -> Iterator[Item]:
    """Items for every capture the CDX lists for ``source``; ``done(captures)``: the keys
    (``captures_key``) among them imported already."""
    reader = _Reader(client, source)
    for prefix in source_prefixes(source):
        listed = list(client.captures(prefix, since=since, until=until))
        imported = done([c for c in listed if source_of_url(c.original) == source])
        for capture in listed:
            yield reader.item(capture, captures_key(capture) in imported)


class _Reader:
    def __init__(self, client: WaybackClient, source: str) -> None:
        self.client = client
        self.source = source
        self.last_digest: dict[str, tuple[str, int | None]] = {}
        self.failures = 0

    def item(self, capture: CdxCapture, imported: bool) -> Item:
        where = self.client.replay_url(capture.timestamp, capture.original)
        if source_of_url(capture.original) != self.source:
            return RecordSkip("other URL", where)
        previous = self.last_digest.get(capture.original)
        self.last_digest[capture.original] = (capture.digest, capture.status)
        if imported:
            return RecordSkip("already imported", where)
        if capture.status is None:
            return RecordSkip("revisit record", where)
        if previous == (capture.digest, capture.status):
            return RecordSkip(DIGEST_DUPLICATE, where)
        observed = _timestamp(capture.timestamp)
        if observed is None:
            return RecordProblem(f"invalid CDX timestamp {capture.timestamp!r}", where)
        if capture.status != 200 and not 300 <= capture.status < 400:
            return self._response(capture, observed, capture.status, {}, b"", where)
        return self._replayed(capture, observed, where)

    def _replayed(self, capture: CdxCapture, observed: datetime, where: str) -> Item:
        try:
            replay = self.client.replay(capture.timestamp, capture.original)
        except WaybackError as exc:
            self.failures += 1
            if self.failures >= MAX_FAILURES_IN_A_ROW:
                raise WaybackError(
                    f"giving up after {self.failures} failed replays: {exc}"
                ) from exc
            return RecordProblem(str(exc), where)
        self.failures = 0
        if 300 <= replay.status < 400:
            return self._redirect(capture, observed, replay, where)
        if replay.status != 200 or capture.status != 200:
            return RecordProblem(
                f"Wayback answered HTTP {replay.status} for a capture the CDX lists "
                f"as {capture.status}",
                where,
            )
        return self._page(capture, observed, replay, where)

    def _redirect(
        self, capture: CdxCapture, observed: datetime, replay: Replay, where: str
    ) -> Item:
        location = urljoin(replay.url, replay.headers.get("location", ""))
        match = _WAYBACK_URL.search(location)
        timestamp, target = (match.group(1), match.group(2)) if match else (None, location)
        if capture.status == 200:
            if timestamp is not None and timestamp != capture.timestamp:
                return RecordSkip(TIMESTAMP_REDIRECT, where)
            return RecordProblem(f"Wayback redirects a 200 capture to {location}", where)
        assert capture.status is not None
        return self._response(capture, observed, capture.status, {"location": target}, b"", where)

    def _page(self, capture: CdxCapture, observed: datetime, replay: Replay, where: str) -> Item:
        if "memento-datetime" not in replay.headers or _WAYBACK_TITLE.search(replay.raw[:4096]):
            return RecordProblem("a Wayback error page, not the capture", where)
        try:
            body = decode_content(replay.headers, replay.raw)
        except BadHttp as exc:
            return RecordProblem(str(exc), where)
        wanted = capture.digest.removeprefix("sha1:").upper()
        if wanted not in (_sha1_base32(replay.raw), _sha1_base32(body)):
            return RecordProblem(f"replay does not match the CDX digest {capture.digest}", where)
        headers = (
            {"content-type": replay.headers["content-type"]}
            if "content-type" in replay.headers
            else {}
        )
        return self._response(capture, observed, 200, headers, body, where)

    def _response(
        self,
        capture: CdxCapture,
        observed: datetime,
        status: int,
        headers: dict[str, str],
        body: bytes,
        where: str,
    ) -> ArchivedResponse:
        return ArchivedResponse(
            url=capture.original,
            observed_at=observed,
            status=status,
            headers=headers,
            body=body,
            provenance=Provenance(
                kind=ProvenanceKind.WAYBACK.value,
                timestamp=capture.timestamp,
                digest=capture.digest,
                original_url=capture.original,
            ),
            where=where,
        )


def _timestamp(value: str) -> datetime | None:
    if not re.fullmatch(r"\d{14}", value):
        return None
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _sha1_base32(data: bytes) -> str:
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")
