"""No false alarms: damaged or missing fetches of a known briefing must be confirmed."""

from __future__ import annotations

from datetime import timedelta

from storage.api import Archive
from storage.models import Briefing, Capture, ChangeEvent, Version
from storage.types import utcnow
from tests.storage.factories import make_briefing
from tests.storage.helpers import count, record, rows

ERROR_PAGE = "https://www.fmprc.gov.cn/error.htm"


def gone(archive: Archive, url: str, **kwargs):
    kwargs.setdefault("final_url", ERROR_PAGE)
    kwargs.setdefault("status_code", 200)
    kwargs.setdefault("body", b"<html>page not found</html>")
    kwargs.setdefault("not_transcript", "error page")
    return archive.record_capture(None, url=url, **kwargs)


def status(engine) -> tuple:
    return rows(engine, Briefing.status, Briefing.status_reason)[0]


def event_types(engine) -> list[str]:
    return [t for (t,) in rows(engine, ChangeEvent.type, order_by=ChangeEvent.id)]


def test_error_page_suspect_then_removed_then_restored(archive: Archive, engine) -> None:
    data = make_briefing(5)
    record(archive, None, data)
    first = gone(archive, data["url"])
    assert (first.outcome, first.changes) == ("suspect", 0)
    assert status(engine)[0] == "suspect"
    assert event_types(engine) == []
    second = gone(archive, data["url"])
    assert (second.outcome, second.changes) == ("suspect", 1)
    assert status(engine)[0] == "removed"
    assert event_types(engine) == ["briefing-removed"]
    third = gone(archive, data["url"])  # still gone: reported once
    assert (third.outcome, third.changes) == ("not_transcript", 0)
    back = record(archive, None, data)
    assert (back.outcome, back.changes) == ("unchanged", 1)
    assert event_types(engine) == ["briefing-removed", "restored"]
    assert status(engine) == ("active", None)
    assert count(engine, Version) == 1


def test_restored_with_different_content_gets_a_version(archive: Archive, engine) -> None:
    data = make_briefing(5)
    record(archive, None, data)
    gone(archive, data["url"])
    gone(archive, data["url"])
    back = record(archive, None, make_briefing(5, answers={3: "A new answer three."}))
    assert (back.outcome, back.version_number) == ("revised", 2)
    assert event_types(engine) == ["briefing-removed", "restored", "edited"]


def test_a_good_fetch_clears_the_suspicion(archive: Archive, engine) -> None:
    data = make_briefing(5)
    record(archive, None, data)
    gone(archive, data["url"], final_url=None, body=b"", not_transcript=None)  # empty body
    assert status(engine)[0] == "suspect"
    assert record(archive, None, data).outcome == "unchanged"
    assert status(engine) == ("active", None)
    gone(archive, data["url"])  # a new suspicion starts from scratch
    assert status(engine)[0] == "suspect"
    assert event_types(engine) == []


def test_confirmation_waits_for_confirm_after(engine) -> None:
    archive = Archive(engine, confirm_after=timedelta(hours=1))
    data = make_briefing(5)
    t0 = utcnow()
    record(archive, None, data, fetched_at=t0)
    gone(archive, data["url"], fetched_at=t0 + timedelta(minutes=1))
    gone(archive, data["url"], fetched_at=t0 + timedelta(minutes=30))  # too soon
    assert status(engine)[0] == "suspect"
    gone(archive, data["url"], fetched_at=t0 + timedelta(minutes=62))
    assert status(engine)[0] == "removed"
    assert event_types(engine) == ["briefing-removed"]


def test_download_errors_are_never_removal_evidence(archive: Archive, engine) -> None:
    data = make_briefing(5)
    record(archive, None, data)
    for kwargs in (
        {"error": "TimeoutError"},
        {"status_code": 503, "error": "HTTP 503"},
        {"status_code": 500, "body": b"oops", "error": "HTTP 500"},
    ):
        result = archive.record_capture(None, url=data["url"], **kwargs)
        assert (result.outcome, result.briefing_id) == ("error", 1)
    assert status(engine) == ("active", None)
    assert event_types(engine) == []


def test_http_404_is_evidence(archive: Archive, engine) -> None:
    data = make_briefing(5)
    record(archive, None, data)
    for _ in range(2):
        archive.record_capture(None, url=data["url"], status_code=404, error="HTTP 404")
    assert status(engine)[0] == "removed"


def test_truncated_then_confirmed_becomes_a_revision(archive: Archive, engine) -> None:
    full, cut = make_briefing(10), make_briefing(10, drop=(4, 5, 6, 7, 8, 9))
    record(archive, None, full)
    first = record(archive, None, cut)
    assert (first.outcome, first.version_number) == ("suspect", None)
    assert status(engine)[0] == "suspect"
    assert status(engine)[1].startswith("truncated: 4 of 10")
    assert count(engine, Version) == 1
    second = record(archive, None, cut)
    assert (second.outcome, second.version_number) == ("revised", 2)
    assert event_types(engine) == ["removed"] * 6
    assert status(engine) == ("active", None)


def test_truncated_then_full_again_is_cleared(archive: Archive, engine) -> None:
    full = make_briefing(10)
    record(archive, None, full)
    record(archive, None, make_briefing(10, drop=(1, 2, 3, 4, 5, 6, 7)))
    result = record(archive, None, full)
    assert result.outcome == "unchanged"
    assert status(engine) == ("active", None)
    assert count(engine, Version) == 1 and count(engine, ChangeEvent) == 0


def test_two_different_truncations_do_not_confirm_each_other(archive: Archive, engine) -> None:
    record(archive, None, make_briefing(10))
    record(archive, None, make_briefing(10, drop=(4, 5, 6, 7, 8, 9)))
    result = record(archive, None, make_briefing(10, drop=(0, 1, 2, 3, 4, 5, 6)))
    assert result.outcome == "suspect"
    assert count(engine, Version) == 1
    suspects = rows(engine, Capture.outcome, where=(Capture.outcome == "suspect",))
    assert len(suspects) == 2


def test_small_losses_are_plain_revisions(archive: Archive, engine) -> None:
    record(archive, None, make_briefing(3))
    assert record(archive, None, make_briefing(3, drop=(2,))).outcome == "revised"
