"""Jobs with a fake runner: what they pass to the crawl, what they record and notify."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from scheduler.jobs import REVISIT_POLICY_SETTING, JobDef, Jobs, weekly_revisit_cost
from scheduler.notify import Notice, Notifier
from storage.api import Archive
from storage.db import session_scope
from storage.models import CrawlRun
from storage.revisit import RevisitPolicy, policy_from_json
from tests.scheduler.helpers import (
    FakeRunner,
    add_briefing,
    add_run,
    config_from,
    events_adder,
    quiet_sources,
)
from tests.scheduler.servers import webhook_receiver


class RecordingNotifier(Notifier):
    def __init__(self, config) -> None:
        super().__init__(config.notify)
        self.notices: list[Notice] = []

    def send(self, notice: Notice) -> int:
        self.notices.append(notice)
        return 1

    def kinds(self) -> list[str]:
        return [n.kind for n in self.notices]


def make_jobs(tmp_path, db_url, extra: str = "", **runner_args):
    config = config_from(tmp_path, quiet_sources() + extra)
    runner = FakeRunner(db_url, **runner_args)
    notifier = RecordingNotifier(config)
    return Jobs(config, db_url, runner=runner, notifier=notifier), runner, notifier


def job(source: str = "mfa-en", kind: str = "discovery") -> JobDef:
    return JobDef(source, kind, ())


def test_discovery_runs_a_crawl_and_writes_a_run(tmp_path, db_url, engine) -> None:
    jobs, runner, notifier = make_jobs(
        tmp_path, db_url, '[sources.mfa-en.settings]\nDOWNLOAD_DELAY = "0"\n'
    )
    outcome = jobs.run(job())
    assert outcome is not None and outcome.status == "succeeded"
    [call] = runner.calls
    assert call["source"] == "mfa-en" and call["db_url"] == db_url and call["timeout"] == 3600
    assert call["settings"] == {"DOWNLOAD_DELAY": "0"} and call["stop_event"] is jobs.stop_event
    assert "revisit" not in call
    [row] = [record.to_json() for record in Archive(engine).runs()]
    assert row["id"] == outcome.run_id and row["status"] == "succeeded"
    assert row["requests"] == 42 and row["new"] == 3 and row["unchanged"] == 37
    assert notifier.notices == []


def test_revisit_passes_mode_and_policy(tmp_path, db_url) -> None:
    extra = '[sources.mfa-zh.revisit_policy]\nfresh_every = "2h"\n'
    jobs, runner, _ = make_jobs(tmp_path, db_url, extra)
    jobs.run(job("mfa-zh", "revisit"))
    [call] = runner.calls
    assert call["revisit"] == "due" and "start_urls" not in call
    policy = policy_from_json(call["settings"][REVISIT_POLICY_SETTING])
    assert policy.fresh_every.total_seconds() == 7200
    assert policy.recent_every == RevisitPolicy().recent_every


def test_busy_is_skipped_not_failed(tmp_path, db_url, engine, caplog) -> None:
    caplog.set_level(logging.INFO, "briefings.scheduler")
    jobs, _runner, notifier = make_jobs(tmp_path, db_url, statuses=["busy"])
    outcome = jobs.run(job())
    assert outcome is not None and outcome.status == "busy"
    assert "another process is crawling mfa-en" in caplog.text
    assert notifier.notices == []
    with session_scope(engine) as session:
        assert session.scalars(select(CrawlRun)).all() == []


def test_failures_and_streak(tmp_path, db_url, engine) -> None:
    jobs, _runner, notifier = make_jobs(tmp_path, db_url, statuses=["failed"] * 4)
    for _ in range(4):
        jobs.run(job())
    # Every failure is told; the streak once, when it reaches failure_threshold (3).
    assert notifier.kinds() == ["run-failed"] * 3 + ["failure-streak"] + ["run-failed"]
    assert Archive(engine).failure_streak("mfa-en") == 4
    jobs.run(job())  # succeeds
    assert Archive(engine).failure_streak("mfa-en") == 0


def test_busy_runs_do_not_break_a_streak(engine) -> None:
    for status, reason in [("failed", None), ("failed", "busy"), ("failed", None)]:
        add_run(engine, "mfa-en", status=status, finish_reason=reason)
    assert Archive(engine).failure_streak("mfa-en") == 2


def test_change_events_of_the_run_reach_a_webhook(tmp_path, db_url, engine) -> None:
    # An event of an earlier run must not be sent again.
    earlier = add_run(engine, "mfa-en")
    events_adder(type="edited")(engine, earlier, "mfa-en")
    with webhook_receiver() as hook:
        config = config_from(
            tmp_path, quiet_sources() + f'[[notify.webhooks]]\nurl = "{hook.url}"\n'
        )
        runner = FakeRunner(db_url, on_run=events_adder(type="removed", asker="Reuters"))
        jobs = Jobs(config, db_url, runner=runner)
        outcome = jobs.run(job())
        assert outcome is not None
        [post] = hook.posts
    assert post["kind"] == "changes" and post["run"]["id"] == outcome.run_id
    assert post["run"]["status"] == "succeeded" and post["run"]["stats"]["requests"] == 42
    [event] = post["events"]
    assert event["type"] == "removed" and event["exchange"]["asker"] == "Reuters"
    assert event["briefing"]["source"] == "mfa-en" and event["exchange"]["before"].startswith("Q:")


def test_a_crashing_runner_does_not_raise(tmp_path, db_url, caplog) -> None:
    config = config_from(tmp_path, quiet_sources())

    def broken(source, **kwargs):
        raise RuntimeError("scrapy not found")

    assert Jobs(config, db_url, runner=broken).run(job()) is None
    assert "job mfa-en:discovery crashed" in caplog.text


@pytest.mark.parametrize(
    ("now", "held_on", "status"),
    [
        (datetime(2026, 11, 27, 14, 0, tzinfo=UTC), None, "missing"),  # Fri 22:00 Beijing
        (datetime(2026, 11, 27, 14, 0, tzinfo=UTC), date(2026, 11, 27), "ok"),
        (datetime(2026, 10, 1, 14, 0, tzinfo=UTC), None, "holiday"),
    ],
)
def test_expected_briefing_check(tmp_path, db_url, engine, now, held_on, status) -> None:
    config = config_from(tmp_path, 'holidays = ["2026-10-01"]\n' + quiet_sources())
    notifier = RecordingNotifier(config)
    if held_on:
        add_briefing(engine, "mfa-en", held_on=held_on)
    else:
        add_briefing(engine, "mfa-en", held_on=date(2026, 11, 20))
    jobs = Jobs(config, db_url, runner=FakeRunner(db_url), notifier=notifier, clock=lambda: now)
    outcome = jobs.run(JobDef("mfa-en", "expected", ()))
    assert outcome is not None and outcome.status == status
    assert notifier.kinds() == (["no-briefing"] if status == "missing" else [])


def test_weekly_revisit_cost_of_5000_briefings() -> None:
    cost = weekly_revisit_cost(5000, 5, RevisitPolicy())
    counts = [round(n, 1) for _, n, _ in cost.bands]
    requests = [round(r, 1) for _, _, r in cost.bands]
    assert counts == [2.1, 19.3, 239.3, 4739.3]
    assert requests == [60.0, 135.0, 239.3, 1105.8]
    assert round(cost.total) == 1540


def test_weekly_revisit_cost_of_a_young_archive() -> None:
    # 10 briefings, all in their first month: the bands fill youngest first.
    cost = weekly_revisit_cost(10, 5, RevisitPolicy())
    assert [round(n, 2) for _, n, _ in cost.bands] == [2.14, 7.86, 0, 0]
    assert round(cost.total, 1) == round(2.142857 * 28 + 7.857143 * 7, 1)
