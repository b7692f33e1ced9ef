"""One briefing, two live URLs (the real 2019-04-29 pair in hard/): reported once, as a
republication, never as edits flipping back and forth when either URL is revisited."""

from __future__ import annotations

from click.testing import CliRunner

from scheduler.cli import main
from storage.api import Archive
from storage.models import ChangeEvent, Version
from tests.ledger.helpers import FIRST, SECOND, T0, capture, hard_page, hours, types
from tests.storage.helpers import count


def record_pair(archive: Archive) -> tuple[dict, dict]:
    _, _, first = hard_page(FIRST)
    _, _, second = hard_page(SECOND)
    assert capture(archive, first, T0).outcome == "new"
    assert capture(archive, second, T0 + hours(1)).outcome == "revised"
    return first, second


def test_second_copy_is_one_republished_event(archive: Archive, engine) -> None:
    first, second = record_pair(archive)
    events = archive.changes(include_cosmetic=True)
    assert types(events) == ["republished"]
    (event,) = events
    assert event.detail["url"] == second["url"] and event.detail["from_url"] == first["url"]
    assert event.detail["counts"] == {"edited": 12}
    # Every exchange of the second copy is re-translated, not only re-typed.
    assert not any(c["cosmetic"] for c in event.detail["changes"])
    assert count(engine, ChangeEvent, ChangeEvent.exchange_uid.is_not(None)) == 0
    # The current text is the later publication (t1660057 was numbered after t1659619).
    assert archive.show(first["url"]).data["url"] == second["url"]
    assert archive.show(second["url"]).version == 2


def test_revisits_of_either_url_record_nothing(archive: Archive, engine) -> None:
    first, second = record_pair(archive)
    for k in range(1, 6):
        assert capture(archive, first, T0 + hours(6 * k)).outcome == "unchanged"
        assert capture(archive, second, T0 + hours(6 * k + 1)).outcome == "unchanged"
    assert count(engine, Version) == 2
    assert types(archive.changes(include_cosmetic=True, include_suppressed=True)) == ["republished"]
    assert archive.stats(by="source")[0].edited == 0  # a republication is not an edit


def test_history_shows_each_location_and_what_it_serves(archive: Archive, engine) -> None:
    first, second = record_pair(archive)
    history = archive.history(first["url"])
    served = {loc.url: (loc.serves, loc.current, str(loc.status)) for loc in history.locations}
    assert served == {first["url"]: (1, False, "active"), second["url"]: (2, True, "active")}
    assert [v.location for v in history.versions] == [first["url"], second["url"]]
    assert history.versions[1].summary.startswith(f"republished at {second['url']}: 12 edited")
    data = history.to_json()
    assert data["locations"][0]["serves_version"] in (1, 2)


def test_changes_prints_one_line_for_the_pair(db_url: str, archive: Archive) -> None:
    record_pair(archive)
    out = CliRunner().invoke(main, ["changes", "--db", db_url])
    assert out.exit_code == 0, out.output
    headlines = [line for line in out.output.splitlines() if line[:4].isdigit()]
    assert len(headlines) == 1
    assert "Briefing republished" in headlines[0] and "12 edited" in headlines[0]


def test_one_copy_gone_while_the_other_lives_is_a_location_event(archive: Archive) -> None:
    from tests.ledger.helpers import gone

    first, second = record_pair(archive)
    assert gone(archive, second["url"], T0 + hours(3)).outcome == "suspect"
    assert gone(archive, second["url"], T0 + hours(5)).outcome == "suspect"  # confirmed
    assert types(archive.changes()) == ["location-removed", "republished"]
    shown = archive.show(first["url"])
    assert shown.status == "active"
    # The live copy is current again.
    assert shown.data["url"] == first["url"] and shown.version == 1
    assert gone(archive, first["url"], T0 + hours(6)).outcome == "suspect"
    assert gone(archive, first["url"], T0 + hours(8)).outcome == "suspect"
    assert types(archive.changes())[0] == "briefing-removed"
    assert archive.show(first["url"]).status == "removed"


def test_every_live_location_is_revisited(archive: Archive) -> None:
    first, second = record_pair(archive)
    targets = archive.revisit_candidates("mfa-en", mode="all")
    assert sorted(t.url for t in targets) == sorted([first["url"], second["url"]])


def test_a_parser_upgrade_rereads_a_shared_version_once(archive: Archive, engine) -> None:
    """Two URLs serving one version: a newer parser writes one reading, which both serve."""
    import copy

    from tests.storage.factories import make_briefing

    data = make_briefing(3)
    other_url = data["url"].replace("/2511_665403/", "/2511_665403/jzhsl/")
    capture(archive, data, T0)
    capture(archive, {**data, "url": other_url}, T0 + hours(1))  # same text elsewhere
    better = copy.deepcopy(data)
    better["exchanges"][0]["answer"] = "Read better by a newer parser."
    better["exchanges"][0]["turns"][1]["text"] = "Read better by a newer parser."
    summary = archive.reparse(parse=lambda *a, **k: better, parser_version="next")
    assert (summary.checked, summary.changed) == (1, 1)
    assert count(engine, Version) == 2
    history = archive.history(data["url"])
    assert {loc.serves for loc in history.locations} == {2}
    assert (
        archive.show(other_url).data["exchanges"][0]["answer"] == "Read better by a newer parser."
    )
