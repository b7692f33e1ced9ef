"""The archive's write path, as one facade: crawl runs, captures, and lookups for crawls.

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

What a capture means is decided in ``storage.capture`` (``CaptureRecorder``, suspects);
new versions are written by ``storage.versions``; when to revisit a briefing is decided in
``storage.revisit``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from crawler.urls import canonical_url
from storage import revisit
from storage.capture import CaptureRecorder, CaptureResult
from storage.db import make_sessionmaker
from storage.fetch import Fetch, as_utc, make_fetch, normalize_headers
from storage.models import Briefing, BriefingLocation, CrawlRun
from storage.revisit import RevisitPolicy, RevisitTarget
from storage.runs import judge_run
from storage.types import utcnow
from storage.versions import write_version

__all__ = [
    "Archive",
    "CaptureResult",
    "Fetch",
    "RevisitPolicy",
    "RevisitTarget",
    "as_utc",
    "json_safe",
    "make_fetch",
    "normalize_headers",
    "pid_alive",
    "write_version",
]

T = TypeVar("T")
DEFAULT_CONFIRM_AFTER = timedelta(hours=1)
# PostgreSQL errors that mean "another transaction got there first: run yours again".
RETRYABLE_PG_CODES = ("23505", "40001", "40P01")  # unique violation, serialization, deadlock


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
        fetch = make_fetch(
            run_id,
            url=url,
            final_url=final_url,
            status_code=status_code,
            headers=headers,
            body=body,
            briefing=briefing,
            not_transcript=not_transcript,
            error=error,
            parser_version=parser_version,
            fetched_at=fetched_at,
        )
        return self.record_fetch(fetch)

    def record_fetch(self, fetch: Fetch) -> CaptureResult:
        """``record_capture`` for a ``Fetch`` built already."""
        return self._retrying(
            lambda session: CaptureRecorder(session, fetch, self.confirm_after).record()
        )

    def record_fetches(self, fetches: Sequence[Fetch]) -> list[CaptureResult | Exception]:
        """Record several fetches, in order, in ONE transaction (one commit for all).

        Each capture is still all or nothing: the batch commits whole or not at all. If any
        capture fails (a lost race, a row the database refuses) or the commit does, the batch
        is rolled back and every fetch is recorded again in its own transaction, so one bad
        capture costs only itself; its entry in the result is the exception. (An ambiguous
        commit on PostgreSQL, a connection lost during COMMIT, can thus store a capture twice:
        the second is "unchanged", never a lost capture nor an invented revision.)
        """
        if len(fetches) > 1:
            try:
                return list(self._record_batch(fetches))
            except Exception:
                pass  # each fetch is recorded again, alone, below
        return [self._record_alone(fetch) for fetch in fetches]

    def _record_batch(self, fetches: Sequence[Fetch]) -> list[CaptureResult]:
        results = []
        with self.transaction() as session:
            for fetch in fetches:
                results.append(CaptureRecorder(session, fetch, self.confirm_after).record())
                session.expunge_all()  # all flushed: the next capture reads fresh rows
        return results

    def _record_alone(self, fetch: Fetch) -> CaptureResult | Exception:
        try:
            return self.record_fetch(fetch)
        except Exception as exc:  # reported to the caller, per fetch
            return exc

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
        conditional GET (``storage.revisit.revisit_candidates``)."""
        with self.transaction() as session:
            return revisit.revisit_candidates(
                session,
                source,
                mode=mode,
                now=as_utc(now) if now else utcnow(),
                policy=policy or RevisitPolicy(),
                confirm_after=self.confirm_after,
            )


def _is_retryable(exc: Exception) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in RETRYABLE_PG_CODES


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
    """Is process ``pid`` on this host still running? A zombie (killed, not yet reaped by
    its parent) is not: its lease and run can be taken over at once."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux) or it just vanished: trust kill(0)
    # The state is the field after the parenthesised command name, which may hold spaces.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
