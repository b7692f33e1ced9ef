"""What a reader needs beside the edits: suspects and when they are confirmed, a location
that serves another briefing, and exports that count what stats count."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from scheduler.cli import main
from storage.api import Archive
from storage.models import Briefing
from tests.ledger.helpers import T0, capture, edited, gone, hours, types
from tests.storage.factories import make_briefing
from tests.storage.helpers import count


def test_a_location_serving_another_briefing_is_suspect_not_merged(archive: Archive, engine):
    first = make_briefing(3)
    capture(archive, first, T0)
    other = make_briefing(4, held_on="2024-03-05")
    result = capture(archive, other, T0 + hours(1), url=first["url"])  # same URL, other day
    assert result.outcome == "suspect"
    shown = archive.show(first["url"])
    assert shown.data == first and shown.status == "suspect"
    assert shown.status_reason.startswith("another briefing: held on 2024-03-05")
    assert count(engine, Briefing) == 1 and archive.changes() == []


def test_show_and_list_say_when_a_suspicion_is_due(tmp_path, db_url: str, engine) -> None:
    archive = Archive(engine)  # the default hour before a second fetch may confirm
    data = make_briefing(3)
    capture(archive, data, T0)
    gone(archive, data["url"], T0 + hours(1))
    shown = archive.show(data["url"])
    assert shown.status == "suspect" and shown.confirm_due == T0 + hours(2)
    (row,) = archive.list_briefings()
    assert row.confirm_due == T0 + hours(2)
    out = CliRunner().invoke(main, ["show", data["url"], "--db", db_url]).output
    assert "confirms or clears it from" in out and "--revisit suspect --confirm-now" in out
    listed = CliRunner().invoke(main, ["list", "--db", db_url]).output
    assert "confirmed or cleared by a fetch from" in listed


def test_confirm_now_needs_a_revisit(db_url: str) -> None:
    out = CliRunner().invoke(main, ["crawl", "mfa-en", "--confirm-now", "--db", db_url])
    assert out.exit_code == 2 and "--confirm-now needs --revisit" in out.output


def test_stats_current_is_what_export_writes(db_url: str, archive: Archive) -> None:
    data = make_briefing(5)
    capture(archive, data, T0)
    capture(
        archive, edited(make_briefing(5, drop=(2,)), 0, "A new answer, edited."), T0 + hours(80)
    )
    capture(archive, make_briefing(3, held_on="2024-03-01"), T0)
    rows = archive.stats(by="source")
    out = CliRunner().invoke(main, ["export", "--format", "csv", "--db", db_url]).output
    exported = list(csv.DictReader(io.StringIO(out)))
    assert sum(r.current for r in rows) == len(exported) == 4 + 3
    assert sum(r.exchanges for r in rows) == 5 + 3  # one exchange was removed
    assert {r["exchange_state"] for r in exported} == {"current"}
    assert {r["briefing_status"] for r in exported} == {"active"}


def test_all_versions_export_says_each_exchange_s_fate(db_url: str, archive: Archive) -> None:
    data = make_briefing(3)
    capture(archive, data, T0)
    later = edited(make_briefing(3, drop=(2,)), 0, "A new answer, edited.")
    capture(archive, later, T0 + hours(80))
    out = (
        CliRunner()
        .invoke(main, ["export", "--format", "csv", "--all-versions", "--db", db_url])
        .output
    )
    states = [
        (r["version"], r["index"], r["exchange_state"]) for r in csv.DictReader(io.StringIO(out))
    ]
    assert states == [
        ("1", "0", "edited_away"),
        ("1", "1", "current"),
        ("1", "2", "removed"),
        ("2", "0", "current"),
        ("2", "1", "current"),
    ]
    assert sorted(types(archive.changes())) == ["edited", "removed"]
