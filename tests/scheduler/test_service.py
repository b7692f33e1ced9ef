"""The service with a fake runner: catch-up after downtime, fast schedules, clean stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from scheduler.service import SchedulerService, missed_slot, next_fire_times
from storage.db import session_scope
from storage.models import CrawlRun
from storage.types import utcnow
from tests.scheduler.helpers import FakeRunner, add_run, config_from, quiet_sources


@contextmanager
def running(service: SchedulerService) -> Iterator[threading.Thread]:
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    assert service.wait_started(10)
    try:
        yield thread
    finally:
        service.stop("test over")
        thread.join(30)
        assert not thread.is_alive()


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def runs(engine) -> list[CrawlRun]:
    with session_scope(engine) as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def test_restart_after_downtime_makes_one_catch_up_run(tmp_path, db_url, engine) -> None:
    # mfa-en last ran 5 hours ago on an hourly schedule (4 slots missed); mfa-zh 10 min ago.
    now = utcnow()
    add_run(engine, "mfa-en", started=now - timedelta(hours=5))
    add_run(engine, "mfa-zh", started=now - timedelta(minutes=10))
    config = config_from(tmp_path, quiet_sources(en='{ every = "1h" }', zh='{ every = "1h" }'))
    runner = FakeRunner(db_url)
    service = SchedulerService(config, db_url=db_url, runner=runner)
    with running(service):
        wait_for(lambda: len(runs(engine)) == 3 and runs(engine)[-1].status != "running")
        time.sleep(1.0)  # room for any wrong extra run
    assert runner.sources() == ["mfa-en"]
    assert [r.source for r in runs(engine)] == ["mfa-en", "mfa-zh", "mfa-en"]


def test_never_run_jobs_run_once_and_skip_policy(tmp_path, db_url, engine) -> None:
    sources = quiet_sources(en='{ every = "1h" }', zh='{ every = "1h" }')
    skip = config_from(tmp_path, 'missed_runs = "skip"\n' + sources)
    assert not any(p.catch_up for p in SchedulerService(skip, db_url=db_url).plan())
    config = config_from(tmp_path, sources)
    planned = {p.job.id: p.catch_up for p in SchedulerService(config, db_url=db_url).plan()}
    assert planned == {
        "mfa-en:discovery": True,
        "mfa-en:expected": False,
        "mfa-zh:discovery": True,
        "mfa-zh:expected": False,
    }


def test_failed_last_run_still_owes_a_catch_up(tmp_path, db_url, engine) -> None:
    now = utcnow()
    add_run(engine, "mfa-en", started=now - timedelta(minutes=5), status="failed")
    add_run(engine, "mfa-zh", started=now - timedelta(minutes=5))
    config = config_from(tmp_path, quiet_sources(en='{ every = "1h" }', zh='{ every = "1h" }'))
    planned = {p.job.id: p.catch_up for p in SchedulerService(config, db_url=db_url).plan()}
    assert planned["mfa-en:discovery"] and not planned["mfa-zh:discovery"]


def test_fast_schedule_runs_jobs_and_writes_runs(tmp_path, db_url, engine) -> None:
    now = utcnow()
    for source in ("mfa-en", "mfa-zh"):  # no catch-up: only the schedule fires
        add_run(engine, source, started=now)
        add_run(engine, source, kind="revisit", started=now)
    text = quiet_sources(en='{ every = "1s" }', revisit='{ every = "1s" }')
    runner = FakeRunner(db_url)
    service = SchedulerService(config_from(tmp_path, text), db_url=db_url, runner=runner)
    with running(service):
        wait_for(
            lambda: len(runner.sources("discovery")) >= 2 and len(runner.sources("revisit")) >= 4
        )
    assert set(runner.sources("discovery")) == {"mfa-en"}
    assert set(runner.sources("revisit")) == {"mfa-en", "mfa-zh"}
    rows = runs(engine)
    assert len(rows) == 4 + len(runner.calls)
    assert all(r.status == "succeeded" for r in rows)
    assert {r.kind for r in rows} == {"discovery", "revisit"}


def test_stop_stops_the_crawl_in_flight(tmp_path, db_url, engine) -> None:
    runner = FakeRunner(db_url, seconds=60)
    config = config_from(tmp_path, quiet_sources(en='{ every = "1h" }'))
    service = SchedulerService(config, db_url=db_url, runner=runner)
    started = time.monotonic()
    with running(service):
        wait_for(lambda: len(runs(engine)) == 2)  # both sources' catch-up runs are crawling
    assert time.monotonic() - started < 20
    rows = runs(engine)
    assert [r.status for r in rows] == ["failed", "failed"]  # stopped: closed, not "running"
    assert all(r.finished_at is not None for r in rows)
    assert all(c["stop_event"] is service.stop_event for c in runner.calls)


def test_jobs_of_one_source_queue_in_one_process(tmp_path, db_url, engine) -> None:
    # Discovery and revisit of mfa-en fire together; the second waits for the first.
    runner = FakeRunner(db_url, seconds=0.5)
    text = quiet_sources(en='{ every = "1h" }', revisit='{ every = "1h" }')
    text = text.replace("[sources.mfa-zh]\n", "[sources.mfa-zh]\nenabled = false\n")
    service = SchedulerService(config_from(tmp_path, text), db_url=db_url, runner=runner)
    with running(service):
        wait_for(lambda: len(runs(engine)) == 2 and all(r.finished_at for r in runs(engine)))
    first, second = runs(engine)
    assert first.finished_at <= second.started_at


def test_missed_slot_and_next_fire_times() -> None:
    trigger = CronTrigger(hour=16, minute=0, timezone=UTC)
    yesterday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert missed_slot(trigger, yesterday, datetime(2026, 11, 28, 16, 30, tzinfo=UTC))
    today = datetime(2026, 11, 28, 16, 5, tzinfo=UTC)
    assert not missed_slot(trigger, today, datetime(2026, 11, 28, 16, 30, tzinfo=UTC))
    slots = next_fire_times(trigger, today, 3)
    assert [s.day for s in slots] == [29, 30, 1]
