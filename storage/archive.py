"""The archive's write path: crawl runs, captures, versions, exchanges and change events.

Used by the crawl pipeline, ``reparse`` and tests. Every method is one short transaction
(``BEGIN IMMEDIATE`` on SQLite; the briefing's row locked ``FOR UPDATE`` on PostgreSQL), so
several processes can write at once without duplicate version numbers or lost captures.

    archive = Archive(engine)
    run_id = archive.start_run("mfa-en", kind="discovery")
    result = archive.record_capture(
        run_id, url=..., final_url=..., status_code=200, headers={...}, body=b"...",
        briefing=briefing_dict_or_None, not_transcript=None, error=None,
        parser_version=PARSER_VERSION,
    )
    result.outcome  # "new" | "unchanged" | "revised" | "not_modified" | "not_transcript" | "suspect" | "error"
    archive.finish_run(run_id, stats=crawler_stats_dict, finish_reason="finished")

What a capture means for the archive is decided by ``CaptureRecorder`` (below), including
the suspect captures that need a second fetch before they become a removal or a revision.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from crawler.schema import content_hash
from crawler.urls import canonical_url
from storage import identity, rawstore
from storage.db import make_sessionmaker
from storage.diff import diff_exchanges, exchange_fingerprint, new_uid
from storage.models import (
    Briefing,
    BriefingLocation,
    Capture,
    ChangeEvent,
    CrawlRun,
    Exchange,
    Version,
)
from storage.runs import judge_run
from storage.types import utcnow

__all__ = [
    "Archive",
    "CaptureResult",
    "RevisitPolicy",
    "RevisitTarget",
]

T = TypeVar("T")
DEFAULT_CONFIRM_AFTER = timedelta(hours=1)
# PostgreSQL errors that mean "another transaction got there first: run yours again".
RETRYABLE_PG_CODES = ("23505", "40001", "40P01")  # unique violation, serialization, deadlock


@dataclass(frozen=True, slots=True)
class RevisitPolicy:
    """How often to refetch a briefing, by its age (held_on, else first seen).

    Younger than ``fresh_age``: every ``fresh_every``; younger than ``recent_age``: every
    ``recent_every``; younger than ``year_age``: every ``year_every``; older: a rotating
    sample, ``1/old_buckets`` of them per day, so each is checked about every ``old_every``.
    """

    fresh_age: timedelta = timedelta(days=3)
    fresh_every: timedelta = timedelta(hours=6)
    recent_age: timedelta = timedelta(days=30)
    recent_every: timedelta = timedelta(days=1)
    year_age: timedelta = timedelta(days=365)
    year_every: timedelta = timedelta(days=7)
    old_every: timedelta = timedelta(days=30)
    old_buckets: int = 30

    def interval(self, age: timedelta) -> timedelta | None:
        """The refetch interval for a briefing of this age (None: the rotating sample)."""
        if age < self.fresh_age:
            return self.fresh_every
        if age < self.recent_age:
            return self.recent_every
        if age < self.year_age:
            return self.year_every
        return None

    def is_due(
        self, briefing_id: int, born: date, last_checked: datetime | None, now: datetime
    ) -> bool:
        if last_checked is None:
            return True
        since = now - last_checked
        interval = self.interval(now.date() - born)
        if interval is not None:
            return since >= interval
        on_bucket_day = briefing_id % self.old_buckets == now.date().toordinal() % self.old_buckets
        # A small tolerance so a check run a few hours later the previous month still counts.
        return (on_bucket_day and since >= self.old_every - timedelta(days=1)) or (
            since >= 2 * self.old_every
        )


@dataclass(frozen=True, slots=True)
class RevisitTarget:
    briefing_id: int
    url: str
    etag: str | None
    last_modified: str | None
    held_on: date | None
    last_checked: datetime | None


class Archive:
    """The write path. ``confirm_after``: how long after a first suspect fetch a second one
    may confirm it (seconds or a timedelta; tests pass 0)."""

    def __init__(
        self,
        engine: Engine,
        *,
        confirm_after: timedelta | float = DEFAULT_CONFIRM_AFTER,
        max_attempts: int = 8,
    ) -> None:
        self.engine = engine
        if not isinstance(confirm_after, timedelta):
            confirm_after = timedelta(seconds=confirm_after)
        self.confirm_after = confirm_after
        self.max_attempts = max_attempts
        self._sessions = make_sessionmaker(engine)

    # -- plumbing -----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def _retrying(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction, again when PostgreSQL reports a lost race."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self.transaction() as session:
                    return work(session)
            except (IntegrityError, OperationalError) as exc:
                if attempt == self.max_attempts or not _is_retryable(exc):
                    raise
        raise AssertionError("unreachable")

    # -- runs -----------------------------------------------------------------------------

    def start_run(self, source: str, kind: str = "discovery", *, pid: int | None = None) -> int:
        run = CrawlRun(
            source=source,
            kind=kind,
            started_at=utcnow(),
            status="running",
            stats={},
            pid=os.getpid() if pid is None else pid,
            hostname=socket.gethostname(),
        )
        with self.transaction() as session:
            session.add(run)
            session.flush()
            return run.id

    def finish_run(
        self, run_id: int, *, stats: Mapping[str, Any], finish_reason: str | None
    ) -> CrawlRun:
        """Store the stats and judge the run from them (``storage.runs.judge_run``)."""
        status, reason = judge_run(stats, finish_reason)
        with self.transaction() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(f"no crawl run {run_id}")
            run.stats = json_safe(stats)
            run.finish_reason = finish_reason
            run.finished_at = utcnow()
            run.status = status
            run.error = reason
            return run

    def mark_stale_runs(self) -> list[int]:
        """Mark this host's "running" runs whose process is gone as failed ("killed")."""
        host = socket.gethostname()
        with self.transaction() as session:
            runs = session.scalars(
                select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.hostname == host)
            ).all()
            stale = [run for run in runs if run.pid is None or not pid_alive(run.pid)]
            for run in stale:
                run.status = "failed"
                run.finish_reason = "killed"
                run.error = f"process {run.pid} on {host} ended without finishing the run"
                run.finished_at = utcnow()
            return [run.id for run in stale]

    # -- captures -------------------------------------------------------------------------

    def record_capture(
        self,
        run_id: int | None,
        *,
        url: str,
        final_url: str | None = None,
        status_code: int | None = None,
        headers: Mapping[Any, Any] | None = None,
        body: bytes | None = None,
        briefing: dict[str, Any] | None = None,
        not_transcript: str | None = None,
        error: str | None = None,
        parser_version: str | None = None,
        fetched_at: datetime | None = None,
    ) -> CaptureResult:
        """Record one fetch, and what it means for the archive, in one transaction."""
        fetch = Fetch(
            run_id=run_id,
            url=url,
            final_url=final_url,
            status_code=status_code,
            headers=normalize_headers(headers),
            body=body,
            briefing=briefing,
            not_transcript=not_transcript,
            error=error,
            parser_version=parser_version,
            fetched_at=as_utc(fetched_at) if fetched_at else utcnow(),
        )
        return self._retrying(
            lambda session: CaptureRecorder(session, fetch, self.confirm_after).record()
        )

    # -- lookups for the spiders and the scheduler ----------------------------------------

    def known_urls(self, source: str) -> set[str]:
        """Canonical URLs of every location of the source's archived briefings."""
        with self.transaction() as session:
            return set(
                session.scalars(
                    select(BriefingLocation.url)
                    .join(Briefing, Briefing.id == BriefingLocation.briefing_id)
                    .where(Briefing.source == source)
                )
            )

    def is_archived(self, url: str) -> bool:
        with self.transaction() as session:
            found = session.scalar(
                select(BriefingLocation.id).where(BriefingLocation.url == canonical_url(url))
            )
            return found is not None

    def revisit_candidates(
        self,
        source: str,
        *,
        mode: Literal["due", "all"] = "due",
        now: datetime | None = None,
        policy: RevisitPolicy | None = None,
    ) -> list[RevisitTarget]:
        """Briefings to fetch again, oldest check first, with the validators for a
        conditional GET (ETag / Last-Modified of the last good 200 capture of the URL).

        ``mode="due"`` applies ``policy``'s age ladder; a suspect briefing is due as soon as
        a refetch could confirm or clear it. ``mode="all"``: every briefing of the source.
        """
        now = as_utc(now) if now else utcnow()
        policy = policy or RevisitPolicy()
        with self.transaction() as session:
            briefings = session.scalars(select(Briefing).where(Briefing.source == source)).all()
            if mode == "due":
                briefings = [b for b in briefings if self._is_due(b, now, policy)]
            validators = _validators(session, [b.id for b in briefings])
        targets = [
            RevisitTarget(
                briefing_id=b.id,
                url=b.url,
                etag=validators.get((b.id, b.url), (None, None))[0],
                last_modified=validators.get((b.id, b.url), (None, None))[1],
                held_on=b.held_on,
                last_checked=b.last_checked,
            )
            for b in briefings
        ]
        epoch = datetime.min.replace(tzinfo=UTC)
        return sorted(targets, key=lambda t: (t.last_checked or epoch, t.briefing_id))

    def _is_due(self, briefing: Briefing, now: datetime, policy: RevisitPolicy) -> bool:
        born = briefing.held_on or briefing.first_seen.date()
        if briefing.status == "suspect":
            since = briefing.status_since or briefing.last_checked or now
            # A good fetch clears a suspicion at any time: the ladder still applies.
            if now - since >= self.confirm_after:
                return True
        return policy.is_due(briefing.id, born, briefing.last_checked, now)


def _validators(session: Session, briefing_ids: list[int]) -> dict[tuple[int, str], tuple]:
    """(briefing id, canonical URL) -> (ETag, Last-Modified) of its last good 200 capture."""
    if not briefing_ids:
        return {}
    latest = (
        select(func.max(Capture.id))
        .where(
            Capture.status_code == 200,
            Capture.outcome.in_(("new", "unchanged", "revised")),
            Capture.briefing_id.in_(briefing_ids),
        )
        .group_by(Capture.briefing_id, Capture.url)
    )
    rows = session.execute(
        select(Capture.briefing_id, Capture.url, Capture.etag, Capture.last_modified)
        .where(Capture.id.in_(latest))
        .order_by(Capture.id)
    )
    # Later captures overwrite earlier ones of the same canonical URL.
    return {(bid, canonical_url(url)): (etag, lm) for bid, url, etag, lm in rows}


def _is_retryable(exc: Exception) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in RETRYABLE_PG_CODES


def normalize_headers(headers: Mapping[Any, Any] | None) -> dict[str, str]:
    """Header names lower-cased, values as text (Scrapy gives bytes and lists of bytes)."""
    result: dict[str, str] = {}
    for key, value in (headers or {}).items():
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value is None:
            continue
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        result[name.lower()] = text
    return result


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def json_safe(value: Any) -> Any:
    """Scrapy stats hold datetimes and the odd object: make them JSON."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True


# -- what one capture means ------------------------------------------------------------------

ERROR_PAGE_MARKERS = ("/error.htm", "/web/system/")
# A fetch losing at least half the exchanges, and at least this many, is suspect.
TRUNCATION_RATIO = 0.5
TRUNCATION_MIN_LOSS = 2
GONE_STATUS_CODES = (404, 410)
CHANGE_EVENT_FIELDS = (
    "type",
    "exchange_uid",
    "index_before",
    "index_after",
    "asker",
    "answerer",
    "fields",
    "before",
    "after",
    "detail",
)


@dataclass(frozen=True, slots=True)
class CaptureResult:
    capture_id: int
    outcome: str
    briefing_id: int | None
    version_number: int | None
    changes: int  # change events written by this capture


@dataclass(frozen=True, slots=True)
class Fetch:
    run_id: int | None
    url: str
    final_url: str | None
    status_code: int | None
    headers: dict[str, str]
    body: bytes | None
    briefing: dict[str, Any] | None
    not_transcript: str | None
    error: str | None
    parser_version: str | None
    fetched_at: datetime

    @property
    def is_error_page(self) -> bool:
        target = self.final_url or self.url
        return any(marker in target for marker in ERROR_PAGE_MARKERS)

    def gone_evidence(self) -> str | None:
        """Why this fetch suggests the page is gone; None for plain download errors.

        Evidence: a not-a-transcript answer, an error or system page, HTTP 404/410, an
        empty 2xx body. Not evidence: timeouts, connection errors, 5xx, 429, parser crashes
        on a real page (a parser bug is not the ministry deleting anything).
        """
        code = self.status_code
        if self.not_transcript:
            return f"not a transcript: {self.not_transcript}"
        if self.is_error_page:
            return f"error page {self.final_url or self.url}"
        if code in GONE_STATUS_CODES:
            return f"HTTP {code}"
        if code is not None and 200 <= code < 300 and not self.body:
            return "empty body"
        return None


class CaptureRecorder:
    """Records one fetch inside the caller's transaction; ``record()`` once.

    Rules, for a fetch of a briefing already in the archive:

    - 304 → ``not_modified``: last seen/checked updated, nothing else.
    - same normalized content as the latest version → ``unchanged``; clears a suspicion;
      a removed briefing is ``restored``.
    - different content → ``revised`` (a new version and its change events), unless the
      new content lost most exchanges (``is_truncated``): then ``suspect``, and only a second
      identical truncated fetch ``confirm_after`` later makes it a version.
    - gone evidence (``Fetch.gone_evidence``) → ``suspect``; a second such fetch
      ``confirm_after`` later → ``briefing-removed`` and status "removed", unless the
      briefing is still served at another of its locations (then ``briefing-moved``).
    - other errors → ``error``, never evidence of anything.
    """

    def __init__(self, session: Session, fetch: Fetch, confirm_after: timedelta) -> None:
        self.session = session
        self.fetch = fetch
        self.now = fetch.fetched_at
        self.confirm_after = confirm_after
        self.capture: Capture | None = None
        self.events = 0

    # -- entry point ----------------------------------------------------------------------

    def record(self) -> CaptureResult:
        self.capture = self._insert_capture()
        found = self._find_known()
        if self.fetch.status_code == 304:
            outcome, version = self._not_modified(found)
        elif self.fetch.briefing is not None:
            outcome, version = self._parsed(found)
        elif found is not None:
            outcome, version = self._missing(found)
        else:
            outcome, version = ("error" if self.fetch.error else "not_transcript"), None
        self.capture.outcome = outcome
        self.session.flush()
        return CaptureResult(
            capture_id=self.capture.id,
            outcome=outcome,
            briefing_id=self.capture.briefing_id,
            version_number=version.number if version is not None else None,
            changes=self.events,
        )

    def _insert_capture(self) -> Capture:
        fetch = self.fetch
        sha = rawstore.put(self.session, fetch.body) if fetch.body is not None else None
        capture = Capture(
            run_id=fetch.run_id,
            url=fetch.url,
            final_url=fetch.final_url,
            status_code=fetch.status_code,
            fetched_at=self.now,
            etag=fetch.headers.get("etag"),
            last_modified=fetch.headers.get("last-modified"),
            content_type=fetch.headers.get("content-type"),
            body_sha256=sha,
            outcome="error",  # set for real at the end of record()
            reason=fetch.error or fetch.not_transcript,
            parser_version=fetch.parser_version,
        )
        self.session.add(capture)
        self.session.flush()
        return capture

    # -- finding and locking the briefing ---------------------------------------------------

    def _candidate_urls(self) -> list[str]:
        fetch = self.fetch
        parsed_url = fetch.briefing.get("url") if fetch.briefing else None
        final = None if fetch.is_error_page else fetch.final_url
        return identity.canonical_urls([parsed_url, final, fetch.url])

    def _find_known(self) -> Briefing | None:
        found = identity.find_by_url(self.session, self._candidate_urls())
        return self._lock(found[0]) if found else None

    def _lock(self, briefing: Briefing) -> Briefing:
        """Row lock on PostgreSQL (no-op on SQLite, where BEGIN IMMEDIATE serializes)."""
        locked = self.session.get(
            Briefing, briefing.id, with_for_update=True, populate_existing=True
        )
        assert locked is not None
        self.capture.briefing_id = locked.id
        locked.last_checked = self.now
        return locked

    # -- the outcomes -------------------------------------------------------------------

    def _not_modified(self, briefing: Briefing | None) -> tuple[str, Version | None]:
        if briefing is None:
            return "not_modified", None
        latest = self._latest(briefing)
        self._seen(briefing, latest)
        if briefing.status == "suspect":
            # 304 to the validators of the last good capture: the page is fine again.
            self._set_status(briefing, "active", None)
        return "not_modified", latest

    def _parsed(self, briefing: Briefing | None) -> tuple[str, Version | None]:
        data = self.fetch.briefing
        assert data is not None
        self.capture.content_hash = content_hash(data)
        location = canonical_url(data.get("url") or self.fetch.final_url or self.fetch.url)
        if briefing is None:
            same = identity.find_by_identity(
                self.session,
                source=data["source"],
                language=data["language"],
                held_on=identity.parse_held_on(data.get("held_on")),
                title=data.get("title"),
            )
            if same is None:
                return self._create(data, location)
            briefing = self._lock(same)
            self._republished(briefing, location)
        elif (
            self.session.scalar(select(BriefingLocation.id).where(BriefingLocation.url == location))
            is None
        ):
            identity.add_location(self.session, briefing, location, self.now)
        return self._compare(briefing, data, location)

    def _create(self, data: dict[str, Any], location: str) -> tuple[str, Version]:
        briefing = Briefing(
            source=data["source"],
            language=data["language"],
            url=location,
            held_on=identity.parse_held_on(data.get("held_on")),
            title=data.get("title"),
            status="active",
            first_seen=self.now,
            last_seen=self.now,
            last_checked=self.now,
        )
        self.session.add(briefing)
        self.session.flush()  # a concurrent insert of the same URL fails here: retried
        identity.add_location(self.session, briefing, location, self.now)
        self.capture.briefing_id = briefing.id
        version = self._new_version(briefing, data, latest=None, cause="page")
        return "new", version

    def _republished(self, briefing: Briefing, location: str) -> None:
        """The same briefing found at a new URL: a move only if no old location is live."""
        old_urls = [loc.url for loc in briefing.locations]
        identity.add_location(self.session, briefing, location, self.now)
        if any(identity.location_is_live(self.session, briefing.id, url) for url in old_urls):
            return
        self._event(briefing, "briefing-moved", detail={"from": briefing.url, "to": location})
        briefing.url = location
        self._set_status(briefing, "active", None)

    def _compare(
        self, briefing: Briefing, data: dict[str, Any], location: str
    ) -> tuple[str, Version]:
        latest = self._latest(briefing)
        if latest is None:  # a briefing whose versions were lost: start again
            return "new", self._new_version(briefing, data, latest=None, cause="page")
        if briefing.status == "removed":
            self._event(briefing, "restored", detail={"url": location})
            self._set_status(briefing, "active", None)
        if self.capture.content_hash == latest.content_hash:
            self._seen(briefing, latest)
            if briefing.status == "suspect":
                self._set_status(briefing, "active", None)  # a false alarm, cleared
            return "unchanged", latest
        if self._is_truncated(latest, data) and not self._confirms_truncation(briefing):
            return self._suspect(briefing, self._truncation_reason(latest, data)), None
        self._set_status(briefing, "active", None)
        return "revised", self._new_version(briefing, data, latest=latest, cause="page")

    def _missing(self, briefing: Briefing) -> tuple[str, Version | None]:
        evidence = self.fetch.gone_evidence()
        if evidence is None:
            return "error", None
        if briefing.status == "removed":
            return "not_transcript", None  # still gone; already reported
        url = canonical_url(self.fetch.url)
        elsewhere = self._live_elsewhere(briefing, url)
        if elsewhere is not None:
            if briefing.url == url:
                self._event(briefing, "briefing-moved", detail={"from": url, "to": elsewhere})
                briefing.url = elsewhere
            return "not_transcript", None
        if self._confirms(briefing, "gone", None):
            self._event(briefing, "briefing-removed", detail={"url": url, "reason": evidence})
            self._set_status(briefing, "removed", f"gone: {evidence}")
            self.capture.reason = f"confirmed removal: {evidence}"
            return "suspect", None
        return self._suspect(briefing, f"gone: {evidence}"), None

    # -- suspicion ------------------------------------------------------------------------

    @staticmethod
    def _is_truncated(latest: Version, data: dict[str, Any]) -> bool:
        before, after = latest.exchange_count, len(data.get("exchanges") or [])
        return after < before * TRUNCATION_RATIO and before - after >= TRUNCATION_MIN_LOSS

    @staticmethod
    def _truncation_reason(latest: Version, data: dict[str, Any]) -> str:
        after = len(data.get("exchanges") or [])
        return f"truncated: {after} of {latest.exchange_count} exchanges"

    def _confirms_truncation(self, briefing: Briefing) -> bool:
        return self._confirms(briefing, "truncated", self.capture.content_hash)

    def _confirms(self, briefing: Briefing, kind: str, content: str | None) -> bool:
        """A second suspect fetch of the same kind (and content), late enough."""
        if briefing.status != "suspect" or not (briefing.status_reason or "").startswith(kind):
            return False
        since = briefing.status_since or self.now
        if self.now - since < self.confirm_after:
            return False
        return content is None or self._previous_suspect_hash(briefing) == content

    def _suspect(self, briefing: Briefing, reason: str) -> str:
        """Mark the briefing suspect; the clock restarts unless this repeats the suspicion."""
        kind = reason.split(":", 1)[0]
        repeated = briefing.status == "suspect" and (briefing.status_reason or "").startswith(kind)
        if kind == "truncated":
            repeated = repeated and self._previous_suspect_hash(briefing) == (
                self.capture.content_hash
            )
        if not repeated:
            briefing.status = "suspect"
            briefing.status_since = self.now
        briefing.status_reason = reason
        self.capture.reason = reason
        return "suspect"

    def _previous_suspect_hash(self, briefing: Briefing) -> str | None:
        return self.session.scalar(
            select(Capture.content_hash)
            .where(
                Capture.briefing_id == briefing.id,
                Capture.outcome == "suspect",
                Capture.id != self.capture.id,
            )
            .order_by(Capture.id.desc())
            .limit(1)
        )

    def _live_elsewhere(self, briefing: Briefing, url: str) -> str | None:
        for location in identity.other_locations(self.session, briefing.id, url):
            if identity.location_is_live(self.session, briefing.id, location.url):
                return location.url
        return None

    def _set_status(self, briefing: Briefing, status: str, reason: str | None) -> None:
        if briefing.status == status and briefing.status_reason == reason:
            return
        briefing.status = status
        briefing.status_reason = reason
        briefing.status_since = self.now if status != "active" else None

    # -- versions and events ------------------------------------------------------------

    def _latest(self, briefing: Briefing) -> Version | None:
        return self.session.scalar(
            select(Version).where(Version.briefing_id == briefing.id, Version.is_latest)
        )

    def _seen(self, briefing: Briefing, latest: Version | None) -> None:
        briefing.last_seen = self.now
        if latest is not None:
            latest.last_seen = self.now
            self.capture.version_id = latest.id
        for url in self._candidate_urls():
            identity.touch_location(self.session, url, self.now)

    def _new_version(
        self,
        briefing: Briefing,
        data: dict[str, Any],
        *,
        latest: Version | None,
        cause: str,
    ) -> Version:
        version, events = write_version(
            self.session,
            briefing,
            data,
            latest=latest,
            cause=cause,
            parser_version=self.fetch.parser_version or "unknown",
            capture_id=self.capture.id,
            now=self.now,
        )
        self.events += events
        self.capture.version_id = version.id
        self._seen(briefing, version)
        return version

    def _event(self, briefing: Briefing, type_: str, *, detail: dict[str, Any]) -> None:
        latest = self._latest(briefing)
        number = latest.number if latest else None
        self.session.add(
            ChangeEvent(
                detected_at=self.now,
                type=type_,
                cause="page",
                briefing_id=briefing.id,
                from_version=number,
                to_version=number,
                detail=detail,
                capture_id=self.capture.id,
            )
        )
        self.events += 1


def write_version(
    session: Session,
    briefing: Briefing,
    data: dict[str, Any],
    *,
    latest: Version | None,
    cause: str,
    parser_version: str,
    capture_id: int | None,
    now: datetime,
) -> tuple[Version, int]:
    """A new latest version of ``briefing`` with its exchanges and change events.

    Shared by captures (cause "page") and reparse (cause "parser"). The caller holds the
    briefing's lock; the unique (briefing_id, number) constraint backs it up. Returns the
    version and the number of change events written.
    """
    exchanges = list(data.get("exchanges") or [])
    if latest is None:
        uids, changes = [new_uid() for _ in exchanges], []
    else:
        before_uids = list(
            session.scalars(
                select(Exchange.uid)
                .where(Exchange.version_id == latest.id)
                .order_by(Exchange.position)
            )
        )
        result = diff_exchanges(list(latest.data.get("exchanges") or []), exchanges, before_uids)
        uids, changes = list(result.uids_after), list(result.changes)
        latest.is_latest = False
        session.flush()  # the partial unique index allows one latest version at a time
    number = (
        session.scalar(select(func.max(Version.number)).where(Version.briefing_id == briefing.id))
        or 0
    ) + 1
    version = Version(
        briefing_id=briefing.id,
        number=number,
        content_hash=content_hash(data),
        parser_version=parser_version,
        cause=cause,
        data=data,
        exchange_count=len(exchanges),
        is_latest=True,
        first_seen=now,
        last_seen=now,
        capture_id=capture_id,
    )
    session.add(version)
    session.flush()
    if exchanges:
        session.execute(insert(Exchange), exchange_rows(version, exchanges, uids))
    rows = [
        change_event_row(change.as_row(), briefing.id, latest, version, cause, capture_id, now)
        for change in changes
    ]
    if rows:
        session.execute(insert(ChangeEvent), rows)
    briefing.title = data.get("title") or briefing.title
    briefing.held_on = identity.parse_held_on(data.get("held_on")) or briefing.held_on
    return version, len(rows)


def exchange_rows(version: Version, exchanges: list[dict[str, Any]], uids: list[str]) -> list:
    return [
        {
            "version_id": version.id,
            "briefing_id": version.briefing_id,
            "position": ex.get("index", position),
            "uid": uid,
            "fingerprint": exchange_fingerprint(ex),
            "kind": ex.get("kind") or "qa",
            "asker": ex.get("asker"),
            "question": ex.get("question"),
            "answerer": ex.get("answerer"),
            "answer": ex.get("answer"),
            "follow_up": bool(ex.get("follow_up")),
            "after_conference": bool(ex.get("after_conference")),
            "turns": ex.get("turns") or [],
        }
        for position, (ex, uid) in enumerate(zip(exchanges, uids, strict=True))
    ]


def change_event_row(
    row: dict[str, Any],
    briefing_id: int,
    latest: Version | None,
    version: Version,
    cause: str,
    capture_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    event = {key: row.get(key) for key in CHANGE_EVENT_FIELDS}
    event.update(
        briefing_id=briefing_id,
        from_version=latest.number if latest else None,
        to_version=version.number,
        cause=cause,
        capture_id=capture_id,
        detected_at=now,
    )
    return event
