"""Captures arrive in any order: versions follow observed time, and the events around an
older capture are re-linked (issue: history imported from web archives)."""

from __future__ import annotations

from storage.api import Archive
from storage.models import Version
from tests.ledger.helpers import T0, capture, edited, hours, types
from tests.storage.factories import make_briefing
from tests.storage.helpers import count, rows

OLD = make_briefing(4)  # as published in 2020
NEW = edited(OLD, 2, "The answer as it reads today, after an edit.")


def test_an_older_capture_becomes_the_earlier_version(archive: Archive, engine) -> None:
    later = T0 + hours(24 * 30)
    assert capture(archive, NEW, later).outcome == "new"
    assert capture(archive, OLD, T0).outcome == "revised"  # arrives second, happened first
    assert rows(engine, Version.number, Version.first_seen, order_by=Version.number) == [
        (1, T0),
        (2, later),
    ]
    (event,) = archive.changes()
    assert (str(event.type), event.from_version, event.to_version) == ("edited", 1, 2)
    assert event.exchange is not None and event.exchange.index == 2
    assert (event.observed_after, event.observed_before) == (T0, later)
    assert archive.show(OLD["url"]).data == NEW  # the current text is still the latest
    # The uid is the same exchange across the two versions.
    uids = rows(engine, Version.number, order_by=Version.number)
    assert len(uids) == 2


def test_an_older_capture_of_the_same_text_widens_the_version(archive: Archive, engine) -> None:
    capture(archive, OLD, T0 + hours(100))
    assert capture(archive, OLD, T0).outcome == "unchanged"
    assert rows(engine, Version.first_seen, Version.last_seen) == [(T0, T0 + hours(100))]


def test_a_capture_between_two_versions_narrows_the_window(archive: Archive, engine) -> None:
    capture(archive, NEW, T0 + hours(200))
    capture(archive, OLD, T0)
    assert capture(archive, NEW, T0 + hours(50)).outcome == "unchanged"  # new text was there
    assert capture(archive, OLD, T0 + hours(20)).outcome == "unchanged"  # old text still was
    (event,) = archive.changes()
    assert (event.observed_after, event.observed_before) == (T0 + hours(20), T0 + hours(50))
    assert count(engine, Version) == 2


def test_a_third_text_between_two_versions_splits_the_step(archive: Archive, engine) -> None:
    middle = edited(OLD, 2, "A wording in between the two.")
    capture(archive, NEW, T0 + hours(200))
    capture(archive, OLD, T0)
    assert capture(archive, middle, T0 + hours(100)).outcome == "revised"
    numbers = rows(engine, Version.number, Version.first_seen, order_by=Version.number)
    assert [n for n, _ in numbers] == [1, 2, 3]
    assert [t for _, t in numbers] == [T0, T0 + hours(100), T0 + hours(200)]
    events = archive.changes()
    assert types(events) == ["edited", "edited"]
    assert [(e.from_version, e.to_version) for e in events] == [(2, 3), (1, 2)]
    assert len({e.exchange.uid for e in events if e.exchange}) == 1  # one exchange, two edits


def test_ledger_text_says_between_when_history_is_imported(db_url, archive) -> None:
    from click.testing import CliRunner

    from scheduler.cli import main

    capture(archive, NEW, T0 + hours(24 * 5))
    capture(archive, OLD, T0)
    out = CliRunner().invoke(main, ["changes", "--db", db_url]).output
    assert "between 2026-11-02 08:00 and 2026-11-07 08:00" in out


def test_an_older_capture_does_not_restore_a_removed_briefing(archive: Archive) -> None:
    from tests.ledger.helpers import gone

    capture(archive, OLD, T0 + hours(100))
    gone(archive, OLD["url"], T0 + hours(101))
    gone(archive, OLD["url"], T0 + hours(103))
    assert archive.show(OLD["url"]).status == "removed"
    assert capture(archive, OLD, T0).outcome == "unchanged"  # 2020 history, imported today
    assert archive.show(OLD["url"]).status == "removed"
    assert types(archive.changes()) == ["briefing-removed"]


def test_an_older_gone_page_does_not_remove_a_live_briefing(archive: Archive) -> None:
    from tests.ledger.helpers import gone

    capture(archive, OLD, T0 + hours(100))
    assert gone(archive, OLD["url"], T0).outcome == "not_transcript"
    assert gone(archive, OLD["url"], T0 + hours(1)).outcome == "not_transcript"
    assert archive.show(OLD["url"]).status == "active" and archive.changes() == []
