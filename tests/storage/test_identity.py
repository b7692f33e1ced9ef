"""One briefing, several URLs: host aliases, redirects and republications."""

from __future__ import annotations

import multiprocessing

from storage.api import Archive
from storage.models import Briefing, BriefingLocation, ChangeEvent, Version
from tests.storage import workers
from tests.storage.factories import make_briefing
from tests.storage.helpers import count, record, rows

OLD = "https://www.fmprc.gov.cn/eng/xwfw_665399/s2510_665401/2511_665403/202402/t20240227_1.html"
NEW = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202405/t20240530_9.html"


def test_alias_hosts_are_one_location(archive: Archive, engine) -> None:
    data = make_briefing(3, url=OLD)
    record(archive, None, data)
    for alias in (
        OLD.replace("https://www.fmprc", "http://www.mfa"),
        OLD.replace("https://www.", "http://"),
    ):
        assert record(archive, None, data, url=alias).outcome == "unchanged"
    assert count(engine, Briefing) == 1
    assert rows(engine, BriefingLocation.url) == [(OLD,)]


def test_republication_with_old_url_live_adds_a_location(archive: Archive, engine) -> None:
    record(archive, None, make_briefing(3, url=OLD))
    result = record(archive, None, make_briefing(3, url=NEW))
    assert (result.outcome, result.briefing_id) == ("unchanged", 1)
    assert count(engine, Briefing) == 1
    assert sorted(rows(engine, BriefingLocation.url)) == sorted([(OLD,), (NEW,)])
    assert count(engine, ChangeEvent) == 0
    assert archive.known_urls("mfa-en") == {OLD, NEW}


def test_move_when_old_location_is_gone(archive: Archive, engine) -> None:
    record(archive, None, make_briefing(3, url=OLD))
    archive.record_capture(
        None,
        url=OLD,
        final_url="https://www.fmprc.gov.cn/error.htm",
        status_code=200,
        body=b"x",
        not_transcript="error page",
    )
    result = record(archive, None, make_briefing(3, url=NEW))
    assert result.outcome == "unchanged"
    assert rows(engine, ChangeEvent.type, ChangeEvent.detail) == [
        ("briefing-moved", {"from": OLD, "to": NEW})
    ]
    assert rows(engine, Briefing.url, Briefing.status) == [(NEW, "active")]


def test_old_url_gone_after_republication_is_a_location_event_not_a_removal(
    archive, engine
) -> None:
    """One copy going dead while another lives: the location is removed, the briefing not."""
    record(archive, None, make_briefing(3, url=OLD))
    record(archive, None, make_briefing(3, url=NEW))
    outcomes = []
    for _ in range(3):
        result = archive.record_capture(
            None,
            url=OLD,
            final_url="https://www.fmprc.gov.cn/error.htm",
            status_code=200,
            body=b"x",
            not_transcript="error page",
        )
        outcomes.append(result.outcome)
    assert outcomes == ["suspect", "suspect", "not_transcript"]  # suspected, confirmed, gone
    assert rows(engine, Briefing.url, Briefing.status) == [(NEW, "active")]
    assert rows(engine, ChangeEvent.type) == [("location-removed",)]
    assert dict(rows(engine, BriefingLocation.url, BriefingLocation.status)) == {
        OLD: "removed",
        NEW: "active",
    }


def test_same_date_different_title_is_another_briefing(archive: Archive, engine) -> None:
    record(archive, None, make_briefing(3, url=OLD))
    record(archive, None, make_briefing(3, url=NEW, title="Another event on the same day"))
    assert count(engine, Briefing) == 2


def test_redirected_fetch_finds_the_briefing(archive: Archive, engine) -> None:
    record(archive, None, make_briefing(3, url=OLD))
    result = record(
        archive, None, make_briefing(3, url=NEW, answers={0: "Edited."}), url=OLD, final_url=NEW
    )
    assert (result.outcome, result.briefing_id, result.version_number) == ("revised", 1, 2)
    assert count(engine, Version) == 2


def test_two_processes_finding_one_briefing_at_two_new_urls_make_one_briefing(
    db_url: str, engine
) -> None:
    # Both look the briefing up by identity, find nothing, and create it: unless the identity
    # lookup is serialized, the archive gets two briefings for one press conference.
    rounds = 6
    days = [f"2024-05-{day:02d}" for day in range(1, rounds + 1)]
    found_at = {
        worker: [
            (day, f"{NEW.rsplit('/', 1)[0]}/t{day.replace('-', '')}_{worker}.html") for day in days
        ]
        for worker in ("a", "b")
    }
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=workers.record_republications, args=(db_url, urls, barrier, results))
        for urls in found_at.values()
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120)[1] for _ in range(2 * rounds)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sorted(outcomes) == ["new"] * rounds + ["unchanged"] * rounds, outcomes
    assert count(engine, Briefing) == rounds
    assert count(engine, BriefingLocation) == 2 * rounds
    assert count(engine, Version) == rounds
