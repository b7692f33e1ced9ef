"""Judging runs from stats, and choosing briefings to revisit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.api import Archive, RevisitPolicy
from storage.runs import judge_run
from storage.types import utcnow
from tests.storage.factories import make_briefing
from tests.storage.helpers import record

OK = {
    "downloader/request_count": 5,
    "downloader/response_status_count/200": 4,
    "downloader/response_status_count/302": 1,
    "downloader/response_count": 5,
}


@pytest.mark.parametrize(
    ("stats", "reason", "expected"),
    [
        (OK, "finished", ("succeeded", None)),
        (dict(OK, **{"downloader/response_status_count/304": 2}), "finished", ("succeeded", None)),
        (OK, "shutdown", ("failed", "finish reason shutdown")),
        (OK, "closespider_timeout", ("failed", "finish reason closespider_timeout")),
        (OK, "busy", ("failed", "finish reason busy")),
        (
            dict(OK, **{"spider_exceptions/ValueError": 2}),
            "finished",
            ("failed", "2 spider exception(s)"),
        ),
        (
            dict(OK, **{"briefings/error": 1}),
            "finished",
            ("failed", "1 page(s) could not be processed"),
        ),
        ({}, "finished", ("failed", "nothing was requested")),
        ({"briefings/revisit_targets": 0}, "finished", ("succeeded", None)),
        ({"briefings/revisit_targets": 4}, "finished", ("failed", "nothing was requested")),
        (
            {"downloader/request_count": 3, "downloader/exception_count": 3},
            "finished",
            ("failed", "every download failed (3 requests)"),
        ),
        (
            {
                "downloader/request_count": 3,
                "downloader/response_count": 3,
                "downloader/response_status_count/503": 3,
            },
            "finished",
            ("failed", "no successful response to 3 requests"),
        ),
        (dict(OK, **{"log_count/ERROR": 1}), "finished", ("failed", "1 error(s) logged")),
        (
            dict(OK, **{"briefings/suspect": 3, "briefings/not_transcript": 2}),
            "finished",
            ("succeeded", None),
        ),
    ],
)
def test_judge_run(stats, reason, expected) -> None:
    assert judge_run(stats, reason) == expected


def test_policy_ladder() -> None:
    policy = RevisitPolicy()
    now = utcnow()
    today = now.date()
    assert policy.is_due(1, today, None, now)
    assert not policy.is_due(1, today, now - timedelta(hours=5), now)
    assert policy.is_due(1, today, now - timedelta(hours=7), now)
    assert not policy.is_due(1, today - timedelta(days=10), now - timedelta(hours=20), now)
    assert policy.is_due(1, today - timedelta(days=10), now - timedelta(hours=25), now)
    assert not policy.is_due(1, today - timedelta(days=100), now - timedelta(days=6), now)
    assert policy.is_due(1, today - timedelta(days=100), now - timedelta(days=8), now)
    old, checked = today - timedelta(days=2000), now - timedelta(days=40)
    due_ids = [i for i in range(60) if policy.is_due(i, old, checked, now)]
    assert len(due_ids) == 2  # a rotating 1/30 sample
    assert policy.is_due(7, old, now - timedelta(days=61), now)  # never starved


def test_revisit_candidates(archive: Archive) -> None:
    now = utcnow()
    fresh = make_briefing(2, held_on=now.date().isoformat())
    recent = make_briefing(2, held_on=(now.date() - timedelta(days=10)).isoformat())
    record(
        archive,
        None,
        fresh,
        fetched_at=now - timedelta(hours=8),
        headers={"ETag": '"e1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"},
    )
    record(archive, None, recent, fetched_at=now - timedelta(hours=8))
    due = archive.revisit_candidates("mfa-en", mode="due", now=now)
    assert [t.url for t in due] == [fresh["url"]]
    assert (due[0].etag, due[0].last_modified) == ('"e1"', "Mon, 01 Jan 2024 00:00:00 GMT")
    everything = archive.revisit_candidates("mfa-en", mode="all", now=now)
    assert {t.url for t in everything} == {fresh["url"], recent["url"]}
    assert archive.revisit_candidates("mfa-zh", mode="all") == []


def test_suspect_briefings_are_due(archive: Archive) -> None:
    now = utcnow()
    data = make_briefing(2, held_on=(now.date() - timedelta(days=200)).isoformat())
    record(archive, None, data, fetched_at=now - timedelta(hours=2))
    assert archive.revisit_candidates("mfa-en", now=now) == []
    archive.record_capture(
        None,
        url=data["url"],
        status_code=404,
        error="HTTP 404",
        fetched_at=now - timedelta(hours=1),
    )
    assert [t.url for t in archive.revisit_candidates("mfa-en", now=now)] == [data["url"]]
