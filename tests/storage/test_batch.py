"""Several captures per transaction (``Archive.record_fetches``, the crawl's writer thread):
the same rows as one transaction each, and one bad capture costs only itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from storage.api import Archive
from storage.db import is_sqlite
from storage.fetch import Fetch, make_fetch
from storage.models import Briefing, Capture, ChangeEvent, Exchange, RawBody, Version
from storage.search import search
from tests.storage.factories import html_of, make_briefing
from tests.storage.helpers import count, rows


def fetch_of(run_id: int | None, briefing: dict[str, Any], **kwargs: Any) -> Fetch:
    kwargs.setdefault("status_code", 200)
    kwargs.setdefault("body", html_of(briefing))
    kwargs.setdefault("parser_version", "test-1")
    return make_fetch(run_id, url=briefing["url"], briefing=briefing, **kwargs)


def test_a_batch_records_what_one_by_one_would(archive: Archive, engine) -> None:
    run = archive.start_run("mfa-en")
    first = make_briefing(4, held_on="2024-02-26")
    second = make_briefing(4, held_on="2024-02-27")
    edited = make_briefing(4, held_on="2024-02-27", answers={1: "A rewritten answer."})
    fetches = [
        fetch_of(run, first),
        fetch_of(run, second).prepared(),
        fetch_of(run, second),  # the same page again, in the same transaction
        fetch_of(run, edited).prepared(),
        make_fetch(run, url=first["url"], status_code=304),
    ]
    results = archive.record_fetches(fetches)
    assert [(r.outcome, r.version_number) for r in results] == [
        ("new", 1),
        ("new", 1),
        ("unchanged", 1),
        ("revised", 2),
        ("not_modified", 1),
    ]
    assert results[3].changes == 1
    assert count(engine, Capture) == 5
    assert count(engine, Briefing) == 2
    assert rows(engine, Version.briefing_id, Version.number, order_by=Version.id) == [
        (1, 1),
        (2, 1),
        (2, 2),
    ]
    assert count(engine, Exchange) == 12
    assert rows(engine, ChangeEvent.type, ChangeEvent.to_version) == [("edited", 2)]
    assert count(engine, RawBody) == 3
    # Precomputed hashes are the ones the archive would compute itself.
    hashes = rows(engine, Capture.content_hash, order_by=Capture.id)
    assert hashes[1] == hashes[2]


def test_one_bad_capture_costs_only_itself(archive: Archive, engine) -> None:
    run = archive.start_run("mfa-en")
    good = [make_briefing(3, held_on=f"2024-03-0{day}") for day in (1, 2)]
    bad = make_briefing(3, held_on="2024-03-03")
    fetches = [
        fetch_of(run, good[0]),
        fetch_of(run + 999, bad),  # no such crawl run: the database refuses the capture
        fetch_of(run, good[1]).prepared(),
    ]
    results = archive.record_fetches(fetches)
    assert [getattr(r, "outcome", None) for r in results] == ["new", None, "new"]
    assert isinstance(results[1], Exception)
    # Nothing of the refused capture was written, all of the others was.
    assert count(engine, Capture) == 2
    assert count(engine, Briefing) == 2
    assert count(engine, Version) == 2
    assert count(engine, Exchange) == 6
    assert count(engine, RawBody) == 2
    if is_sqlite(engine):
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_batched_exchanges_are_searchable(archive: Archive, engine) -> None:
    briefings = [make_briefing(3, held_on=f"2024-04-0{day}") for day in (1, 2, 3)]
    briefings[2]["exchanges"][1]["answer"] = "A unique phrase about zeppelins."
    archive.record_fetches([fetch_of(None, b).prepared() for b in briefings])
    with engine.connect() as conn:
        hits = search(conn, "zeppelins")
    assert [(h.held_on.isoformat(), h.index) for h in hits] == [("2024-04-03", 1)]
