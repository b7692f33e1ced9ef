"""A page serving two contents in turn is "unstable", not an edit per fetch; a real revert
(A, B, then A for good) is still a revert (rules: storage/flapping.py)."""

from __future__ import annotations

from storage.api import Archive
from storage.models import Version
from tests.ledger.helpers import T0, capture, edited, hours, types
from tests.storage.factories import make_briefing
from tests.storage.helpers import count

A = make_briefing(4)
B = edited(A, 1, "Our position has changed: we now say something else entirely.")


def test_alternating_contents_make_one_unstable_event(archive: Archive, engine) -> None:
    outcomes = [capture(archive, page, T0 + hours(k)).outcome for k, page in enumerate([A, B] * 4)]
    assert outcomes[:2] == ["new", "revised"] and set(outcomes[2:]) == {"unchanged"}
    assert count(engine, Version) == 2
    assert types(archive.changes()) == ["unstable"]  # the A -> B edit is held back
    held = archive.changes(include_suppressed=True)
    assert types(held) == ["unstable", "edited"] and held[1].suppressed == "unstable"
    (location,) = archive.history(A["url"]).locations
    assert location.unstable


def test_settling_on_the_newer_content_brings_the_edit_back(archive: Archive, engine) -> None:
    for k, page in enumerate([A, B, A, B]):
        capture(archive, page, T0 + hours(k))
    for k in range(4, 4 + 8):  # B alone, for more than the 2-day window
        capture(archive, B, T0 + hours(8 * k))
    assert count(engine, Version) == 2
    assert types(archive.changes()) == ["stabilized", "unstable", "edited"]
    assert archive.show(A["url"]).data == B


def test_a_b_then_a_for_good_is_still_a_revert(archive: Archive, engine) -> None:
    capture(archive, A, T0)
    capture(archive, B, T0 + hours(1))
    back = T0 + hours(2)
    capture(archive, A, back)  # looks like flapping at first
    for k in range(1, 8):
        capture(archive, A, back + hours(8 * k))
    assert count(engine, Version) == 3
    events = archive.changes()
    # Newest first by when each happened: the revert is dated when A came back.
    assert types(events) == ["stabilized", "edited", "unstable", "edited"]
    revert = events[1]
    assert revert.from_version == 2 and revert.to_version == 3
    assert revert.observed_before == back  # the revert began when A came back
    assert archive.show(A["url"]).data == A


def test_a_revert_long_after_the_switch_is_an_ordinary_revert(archive: Archive, engine) -> None:
    for k, page in enumerate([A, B, A]):
        capture(archive, page, T0 + hours(80 * k))  # beyond the window each time
    assert count(engine, Version) == 3
    assert types(archive.changes()) == ["edited", "edited"]


def test_new_content_ends_the_unstable_state(archive: Archive, engine) -> None:
    c = edited(A, 2, "A third wording, neither of the two variants.")
    for k, page in enumerate([A, B, A, c]):
        capture(archive, page, T0 + hours(k))
    assert count(engine, Version) == 3
    # C against B: exchange 1 back to A's wording, exchange 2 new; then the state's end.
    assert types(archive.changes()) == ["edited", "edited", "stabilized", "unstable", "edited"]
