"""The foreground scheduler service behind ``briefings schedule run``.

APScheduler 3.x ``BlockingScheduler`` with a thread pool; every job is a crawl subprocess
(see ``scheduler.jobs``), so no Twisted is ever imported here.

Missed runs: the job store is in memory, so after downtime APScheduler itself knows nothing
about the slots it missed. The archive does: ``crawl_run`` rows say when each source and kind
last succeeded. At start, a job whose first slot after that run is already past is fired
once, now ("missed_runs = once"); that is one catch-up run per job however many slots were
missed. While running, ``coalesce=True`` folds slots missed by a busy or suspended process
into one, and ``misfire_grace_time`` drops slots that are too late.

Stopping (SIGTERM/SIGINT): the stop event is set, which the runner passes on to the crawl
subprocess as SIGTERM (the crawl finishes its current transaction and closes its run row);
the scheduler stops taking new jobs; the service waits for jobs in flight, then returns.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from scheduler.config import Config, build_trigger
from scheduler.jobs import CHECK_KIND, JobDef, Jobs, Runner, job_defs, utcnow
from scheduler.notify import Notifier
from storage.api import Archive, resolve_db_url, safe_url

log = logging.getLogger("briefings.scheduler")

STOP_GRACE_SECONDS = 300.0  # longest wait for jobs in flight to wind down at stop


@dataclass(frozen=True)
class PlannedJob:
    job: JobDef
    trigger: BaseTrigger
    catch_up: bool  # fire once at start: a slot was missed while the service was down


class SchedulerService:
    def __init__(
        self,
        config: Config,
        *,
        db_url: str | None = None,
        runner: Runner | None = None,
        notifier: Notifier | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.db_url = resolve_db_url(db_url or config.db)
        self.clock = clock
        self.stop_event = threading.Event()
        self.jobs = Jobs(
            config,
            self.db_url,
            runner=runner,
            notifier=notifier,
            stop_event=self.stop_event,
            clock=clock,
        )
        self.scheduler = self._make_scheduler()
        self._started = threading.Event()

    def _make_scheduler(self) -> BlockingScheduler:
        workers = max(2, 2 * len(self.config.enabled_sources()) + 1)
        return BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.config.misfire_grace_time,
            },
            timezone=self.config.timezone,
        )

    # -- planning ----------------------------------------------------------------------------

    def plan(self, now: datetime | None = None) -> list[PlannedJob]:
        """Every job with its trigger, and whether it owes a catch-up run."""
        now = now or self.clock()
        planned = []
        for job in job_defs(self.config):
            trigger = build_trigger(job.triggers)
            planned.append(PlannedJob(job, trigger, self._owes_catch_up(job, trigger, now)))
        return planned

    def _owes_catch_up(self, job: JobDef, trigger: BaseTrigger, now: datetime) -> bool:
        if self.config.missed_runs == "skip" or job.kind == CHECK_KIND:
            return False
        with self.jobs.archive() as archive:
            last = archive.last_success(job.source, job.kind)
        return last is None or missed_slot(trigger, last, now)

    def install(self, now: datetime | None = None) -> list[PlannedJob]:
        planned = self.plan(now)
        for item in planned:
            extra = {"next_run_time": self.clock()} if item.catch_up else {}
            self.scheduler.add_job(
                self.jobs.run, item.trigger, args=(item.job,), id=item.job.id, name=item.job.id,
                **extra,
            )  # fmt: skip
            if item.catch_up:
                log.info(
                    "catch-up: %s missed a run while the service was down; running now", item.job.id
                )
        return planned

    # -- running -------------------------------------------------------------------------------

    def run(self) -> None:
        """Block until stopped (SIGTERM/SIGINT in the main thread, or ``stop()``)."""
        # Handlers first: a SIGTERM during migration or set-up must still end in a clean stop.
        if threading.current_thread() is threading.main_thread():
            self._install_signal_handlers()
        self.ensure_schema()
        self.install()
        if self.stop_event.is_set():  # stopped while setting up: start no job
            self._wind_down()
            return
        jobs = self.scheduler.get_jobs()
        log.info("scheduler started: %d job(s), database %s", len(jobs), safe_url(self.db_url))
        threading.Thread(target=self._shutdown_on_stop, name="stop-watch", daemon=True).start()
        self._started.set()
        self.scheduler.start()  # returns once _shutdown_on_stop has shut it down
        self._wind_down()

    def ensure_schema(self) -> None:
        """A fresh install works out of the box: migrate the archive if it is behind. The
        config's ``[outlets]`` become the archive's additions to the outlet table, so the
        pairing at the end of each run names askers as the config says."""
        archive = Archive.open(self.db_url, must_exist=False)
        try:
            archive.use_outlets(self.config.outlets)
        finally:
            archive.close()

    def stop(self, reason: str = "stop requested") -> None:
        """Stop taking jobs and ask the crawl in flight to stop; safe from signal handlers."""
        if not self.stop_event.is_set():
            log.info("scheduler stopping: %s", reason)
        self.stop_event.set()

    def _shutdown_on_stop(self) -> None:
        # A thread, not the signal handler, shuts the scheduler down: a signal can land
        # before the scheduler is running, and a handler should do as little as possible.
        self.stop_event.wait()
        while not self.scheduler.running:
            time.sleep(0.05)
        self.scheduler.shutdown(wait=False)

    def wait_started(self, timeout: float | None = None) -> bool:
        return self._started.wait(timeout)

    def _wind_down(self) -> None:
        if not self.jobs.wait_idle(STOP_GRACE_SECONDS):
            log.error("jobs still running after %.0fs; exiting anyway", STOP_GRACE_SECONDS)
        log.info("scheduler stopped")

    def _install_signal_handlers(self) -> None:
        def handle(signum: int, _frame: FrameType | None) -> None:
            self.stop(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)


def missed_slot(trigger: BaseTrigger, last: datetime, now: datetime) -> bool:
    """True when the trigger had a slot after ``last`` that is already past."""
    next_slot = trigger.get_next_fire_time(last, last)
    return next_slot is not None and next_slot <= now


def next_fire_times(trigger: BaseTrigger, now: datetime, count: int = 3) -> list[datetime]:
    """The next ``count`` slots of a trigger after ``now`` (for ``schedule show``)."""
    times: list[datetime] = []
    previous = None
    while len(times) < count:
        slot = trigger.get_next_fire_time(previous, now if previous is None else previous)
        if slot is None or (previous is not None and slot <= previous):
            break
        times.append(slot)
        previous = slot
    return times
