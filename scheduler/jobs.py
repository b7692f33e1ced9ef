"""The scheduler's jobs: crawl a source (discovery or revisit), then tell people what happened.

A job runs the crawl as a subprocess through an injectable runner (by default
``scheduler.crawl_runner.run_crawl``), so this process never imports Twisted and tests can
pass a fake. The revision diff is recorded by storage during the crawl; after it the job
reads the change events that run created (change_event -> capture -> crawl_run) and hands
them to the notifier, with failure and failure-streak notices.

Concurrency: the crawl process holds the per-source lease in the database, so two
processes never crawl one source at once; a ``busy`` result means "another process is
crawling" and is logged as skipped, never as a failure. Within one process, jobs of the same
source queue on a lock instead, so an hourly revisit does not bounce off a discovery run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from scheduler.config import Config, SourceConfig, TriggerSpec
from scheduler.notify import Notice, Notifier
from storage.api import (
    Archive,
    ArchiveError,
    ChangeEvent,
    NotFound,
    RevisitPolicy,
    RunRecord,
    policy_to_json,
    summarize_stats,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


log = logging.getLogger("briefings.scheduler")

CRAWL_KINDS = ("discovery", "revisit")
CHECK_KIND = "expected"  # the "no briefing by expected_by" check
FAILED_STATUSES = ("failed", "timeout")
# Setting through which a revisit crawl receives the configured age ladder (JSON).
REVISIT_POLICY_SETTING = "BRIEFINGS_REVISIT_POLICY"


class CrawlResultLike(Protocol):
    source: str
    run_id: int | None
    status: str  # succeeded | failed | busy | timeout | stopped
    returncode: int | None
    stats: dict[str, Any]
    error: str | None


Runner = Callable[..., CrawlResultLike]


@dataclass(frozen=True)
class JobDef:
    """One scheduled job: a source, what to do, and when."""

    source: str
    kind: str  # discovery | revisit | expected
    triggers: tuple[TriggerSpec, ...]

    @property
    def id(self) -> str:
        return f"{self.source}:{self.kind}"


@dataclass
class JobRun:
    """What one execution of a job did (returned for logs and tests)."""

    job_id: str
    source: str
    kind: str
    status: str
    run_id: int | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    events: list[ChangeEvent] = field(default_factory=list)
    seconds: float = 0.0


def default_runner() -> Runner:
    from scheduler.crawl_runner import run_crawl  # imported late: it may be mid-change

    return run_crawl


def job_defs(config: Config) -> list[JobDef]:
    """Every job of the enabled sources; an empty schedule switches that job off."""
    jobs = []
    for source in config.enabled_sources():
        if source.discovery:
            jobs.append(JobDef(source.name, "discovery", source.discovery))
        if source.revisit:
            jobs.append(JobDef(source.name, "revisit", source.revisit))
        jobs.append(JobDef(source.name, CHECK_KIND, (expected_by_trigger(config),)))
    return jobs


def expected_by_trigger(config: Config) -> TriggerSpec:
    at = config.expected_by
    fields = {"day_of_week": config.working_days, "hour": str(at.hour), "minute": str(at.minute)}
    return TriggerSpec(timezone=config.timezone, fields=fields)


class Jobs:
    """Runs jobs for the service; safe to call from several scheduler threads at once."""

    def __init__(
        self,
        config: Config,
        db_url: str,
        *,
        runner: Runner | None = None,
        notifier: Notifier | None = None,
        stop_event: threading.Event | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.db_url = db_url
        self.runner = runner
        self.notifier = notifier or Notifier(config.notify)
        self.stop_event = stop_event or threading.Event()
        self.clock = clock
        self._source_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._idle = threading.Condition()
        self._in_flight = 0

    # -- entry point (what APScheduler calls) -----------------------------------------------

    @contextmanager
    def archive(self) -> Iterator[Archive]:
        """The archive, for one job's reads (the service migrated it at start). Opened per
        job, not held: an idle service holds no database connection."""
        with Archive.open(self.db_url, must_exist=False, migrate=False) as archive:
            yield archive

    def run(self, job: JobDef) -> JobRun | None:
        """Run one job; never raises (a crashed job must not take the service down)."""
        with self._tracked():
            try:
                if job.kind == CHECK_KIND:
                    return self.check_expected(job.source)
                return self.crawl(job)
            except ArchiveError as exc:  # the database is down or full: the next slot retries
                log.error("job %s: %s", job.id, exc)
                return None
            except Exception:
                log.exception("job %s crashed", job.id)
                return None

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is running (after a stop); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    # -- crawls -------------------------------------------------------------------------------

    def crawl(self, job: JobDef) -> JobRun | None:
        source = self.config.sources[job.source]
        with self._source_turn(job.source) as my_turn:
            if not my_turn:
                log.info("run skipped: %s (service stopping)", job.id)
                return None
            started = self.clock()
            log.info("run start: %s", job.id)
            result = self._run_crawl(source, job.kind)
            seconds = (self.clock() - started).total_seconds()
        outcome = JobRun(
            job.id, job.source, job.kind, result.status, result.run_id, dict(result.stats or {})
        )
        outcome.error, outcome.seconds = result.error, seconds
        if self.stop_event.is_set() and result.status != "succeeded":
            outcome.status = "stopped"  # cut short by our own shutdown: not a failure
        if result.status == "busy":
            log.info("run skipped: %s: another process is crawling %s", job.id, job.source)
            return outcome
        self._log_end(outcome)
        self._after_run(outcome, source, started)
        return outcome

    def _run_crawl(self, source: SourceConfig, kind: str) -> CrawlResultLike:
        runner = self.runner or default_runner()
        kwargs: dict[str, Any] = {
            "db_url": self.db_url,
            "settings": dict(source.settings),
            "timeout": source.timeout,
            "stop_event": self.stop_event,
        }
        if kind == "revisit":
            kwargs["revisit"] = "due"
            kwargs["settings"][REVISIT_POLICY_SETTING] = policy_to_json(source.revisit_policy)
        else:
            kwargs["start_urls"] = tuple(source.start_urls)
        return runner(source.name, **kwargs)

    @contextmanager
    def _source_turn(self, source: str) -> Iterator[bool]:
        """This process's lock for ``source``; waits, but gives up when the service stops."""
        with self._guard:
            lock = self._source_locks.setdefault(source, threading.Lock())
        while not self.stop_event.is_set():
            if lock.acquire(timeout=0.5):
                try:
                    yield True
                finally:
                    lock.release()
                return
        yield False

    def _log_end(self, outcome: JobRun) -> None:
        figures = " ".join(f"{k}={v}" for k, v in summarize_stats(outcome.stats).items())
        level = logging.WARNING if outcome.status in FAILED_STATUSES else logging.INFO
        log.log(
            level,
            "run end: %s run=%s status=%s %.1fs %s%s",
            outcome.job_id,
            outcome.run_id,
            outcome.status,
            outcome.seconds,
            figures,
            f" error={outcome.error}" if outcome.error else "",
        )

    def _after_run(self, outcome: JobRun, source: SourceConfig, started: datetime) -> None:
        """Notifications; their failures are logged by the notifier, never raised."""
        with self.archive() as archive:
            record = _run_record(archive, outcome.run_id)
            run = run_info(record, outcome, started)
            outcome.events = archive.run_events(outcome.run_id, source.name, started)
            streak = archive.failure_streak(source.name)
        if outcome.events:
            log.info("run %s: %d change event(s)", outcome.run_id, len(outcome.events))
            self.notifier.send(changes_notice(source.name, run, outcome.events))
        if outcome.status in FAILED_STATUSES:
            self.notifier.send(failed_notice(source.name, run))
            if streak == self.config.failure_threshold:
                self.notifier.send(streak_notice(source.name, run, streak))
        with self.archive() as archive:
            self.notifier.write_atom(archive)

    # -- the "no briefing today" check ----------------------------------------------------

    def check_expected(self, source: str) -> JobRun:
        """Notify when today's (Beijing) working-day briefing is not archived by now."""
        tz = ZoneInfo(self.config.timezone)
        local_now = self.clock().astimezone(tz)
        day = local_now.date()
        job_id = f"{source}:{CHECK_KIND}"
        if day in self.config.holidays:
            return JobRun(job_id, source, CHECK_KIND, "holiday")
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        with self.archive() as archive:
            found = archive.has_briefing_since(source, day, midnight)
        if found:
            return JobRun(job_id, source, CHECK_KIND, "ok")
        log.warning(
            "no %s briefing archived for %s by %s", source, day, local_now.strftime("%H:%M")
        )
        self.notifier.send(no_briefing_notice(source, day.isoformat(), local_now))
        return JobRun(job_id, source, CHECK_KIND, "missing")


# -- what notices say about a run ---------------------------------------------------------


def _run_record(archive: Archive, run_id: int | None) -> RunRecord | None:
    if run_id is None:
        return None
    try:
        return archive.run(run_id)
    except NotFound:  # a runner that reports a run the archive never saw
        return None


def run_info(row: RunRecord | None, outcome: JobRun, started: datetime) -> dict[str, Any]:
    """The run as notifications describe it: from its crawl_run row when there is one."""
    return {
        "id": outcome.run_id,
        "source": outcome.source,
        "kind": row.kind if row else outcome.kind,
        "status": outcome.status,
        "finish_reason": row.finish_reason if row else None,
        "started_at": (row.started_at if row else started).isoformat(),
        "finished_at": row.finished_at.isoformat() if row and row.finished_at else None,
        "seconds": round(outcome.seconds, 1),
        "stats": summarize_stats(outcome.stats or (row.stats if row else {}) or {}),
        "error": outcome.error or (row.error if row else None),
    }


# -- notices --------------------------------------------------------------------------------


def changes_notice(source: str, run: dict[str, Any], events: list[ChangeEvent]) -> Notice:
    return Notice(
        kind="changes",
        source=source,
        subject=f"{len(events)} change(s) in {source} (run {run['id']})",
        text=f"The {run['kind']} run {run['id']} of {source} recorded {len(events)} change(s).",
        run=run,
        events=events,
    )


def failed_notice(source: str, run: dict[str, Any]) -> Notice:
    why = run.get("error") or run.get("finish_reason") or run["status"]
    return Notice(
        kind="run-failed",
        source=source,
        subject=f"{source} {run['kind']} run {run['id']} {run['status']}",
        text=f"The {run['kind']} run {run['id']} of {source} {run['status']}: {why}",
        run=run,
    )


def streak_notice(source: str, run: dict[str, Any], streak: int) -> Notice:
    return Notice(
        kind="failure-streak",
        source=source,
        subject=f"{source}: {streak} failed runs in a row",
        text=f"The last {streak} runs of {source} failed; the latest is run {run['id']}.",
        run=run,
    )


def no_briefing_notice(source: str, day: str, local_now: datetime) -> Notice:
    return Notice(
        kind="no-briefing",
        source=source,
        subject=f"{source}: no briefing archived for {day}",
        text=(
            f"No {source} briefing held on {day} has been archived by "
            f"{local_now.strftime('%H:%M %Z')}, a working day."
        ),
    )


# -- the cost of revisits -------------------------------------------------------------------


@dataclass(frozen=True)
class RevisitCost:
    """Requests a week of revisits costs, in a steady state, by age band."""

    bands: tuple[tuple[str, float, float], ...]  # (band, briefings in it, requests a week)

    @property
    def total(self) -> float:
        return sum(requests for _, _, requests in self.bands)


def weekly_revisit_cost(
    n_briefings: int, publish_rate_per_week: float, policy: RevisitPolicy
) -> RevisitCost:
    """Requests a week the revisit job makes for an archive of ``n_briefings``.

    Steady state: briefings were published at ``publish_rate_per_week`` for long enough, so
    an age band ``[lo, hi)`` days holds ``rate * (hi - lo) / 7`` of them (the youngest bands
    fill first; the archive's size caps them). A briefing in a band is fetched once per the
    band's interval, so ``7 days / interval`` times a week; the older ones once per
    ``old_every`` (the rotating sample). One revisit is one request; a 304 is a request too,
    just without the body. The revisit job's own schedule (hourly) only delays a due fetch by
    up to an hour, which this ignores.
    """
    week = timedelta(days=7)
    rungs = (
        (policy.fresh_age, policy.fresh_every),
        (policy.recent_age, policy.recent_every),
        (policy.year_age, policy.year_every),
    )
    bands = []
    remaining = float(n_briefings)
    low = timedelta(0)
    for age, every in rungs:
        count = min(publish_rate_per_week * ((age - low) / week), remaining)
        bands.append((f"< {age.days} days", count, count * (week / every)))
        remaining -= count
        low = age
    bands.append((f">= {low.days} days", remaining, remaining * (week / policy.old_every)))
    return RevisitCost(tuple(bands))
