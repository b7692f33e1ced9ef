"""The SQLite search index is written once per transaction (``storage.ftsindex``, migration
0009): every committed exchange row is indexed, a rolled-back one never is, and FTS5's own
integrity check holds after batches, failures, deletes and a downgrade and upgrade."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.orm import Session

from storage import ftsindex, migrate
from storage.api import Archive
from storage.db import is_sqlite
from storage.fetch import Fetch, make_fetch
from storage.models import Exchange
from storage.search import search
from tests.storage.factories import html_of, make_briefing


def fetch_of(run_id: int | None, briefing: dict[str, Any]) -> Fetch:
    return make_fetch(
        run_id,
        url=briefing["url"],
        briefing=briefing,
        status_code=200,
        body=html_of(briefing),
        parser_version="test-1",
    )


def fts_state(engine: Any) -> tuple[int, int]:
    """(exchange rows, indexed rows), after FTS5's integrity check of each index (raises
    when broken). With migration 0011's word index, each row must be in the one index its
    text needs (FTS5's check against the content table cannot say it: each index holds a
    part of ``exchange``, so its own check is of the index alone)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM exchange")).scalar_one()
        if not conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'exchange_words'")
        ).all():
            conn.execute(
                text("INSERT INTO exchange_fts(exchange_fts, rank) VALUES ('integrity-check', 1)")
            )
            return rows, conn.execute(
                text("SELECT count(*) FROM exchange_fts_docsize")
            ).scalar_one()
        indexed = 0
        for table, route in ftsindex.ROUTES:
            conn.execute(text(f"INSERT INTO {table}({table}) VALUES ('integrity-check')"))
            held = conn.execute(text(f"SELECT id FROM {table}_docsize ORDER BY id")).scalars().all()
            needed = (
                conn.execute(text(f"SELECT id FROM exchange WHERE {route} ORDER BY id"))
                .scalars()
                .all()
            )
            assert held == needed, f"{table} holds {held}, its rows are {needed}"
            indexed += len(held)
    return rows, indexed


@pytest.fixture
def sqlite_only(engine: Any) -> None:
    if not is_sqlite(engine):
        pytest.skip("the FTS5 index is SQLite's; PostgreSQL indexes rows itself")


def test_no_insert_trigger_and_every_committed_row_indexed(
    archive: Archive, engine: Any, sqlite_only: None
) -> None:
    with engine.connect() as conn:
        triggers = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        ).scalars()
        assert list(triggers) == ["exchange_fts_ad", "exchange_fts_au", "exchange_words_ad"]
    briefings = [make_briefing(3, held_on=f"2024-05-{day:02d}") for day in range(1, 6)]
    briefings[4]["exchanges"][2]["answer"] = "Something about dirigibles."
    archive.record_fetches([fetch_of(None, b) for b in briefings])
    edited = make_briefing(3, held_on="2024-05-01", answers={0: "Now about dirigibles too."})
    archive.record_fetch(fetch_of(None, edited))  # one capture alone: its own transaction
    assert fts_state(engine) == (18, 18)
    with engine.connect() as conn:
        hits = search(conn, "dirigibles")
    assert sorted((h.held_on.isoformat(), h.index) for h in hits) == [
        ("2024-05-01", 0),
        ("2024-05-05", 2),
    ]


def test_a_failed_batch_indexes_only_what_was_stored(
    archive: Archive, engine: Any, sqlite_only: None
) -> None:
    run = archive.start_run("mfa-en")
    good = make_briefing(3, held_on="2024-06-01")
    bad = make_briefing(3, held_on="2024-06-02")
    bad["exchanges"][0]["answer"] = "A refused capture about zeppelins."
    results = archive.record_fetches([fetch_of(run, good), fetch_of(run + 999, bad)])
    assert isinstance(results[1], Exception)  # the batch was rolled back, then one by one
    assert fts_state(engine) == (3, 3)
    with engine.connect() as conn:
        assert search(conn, "zeppelins") == []


def test_rows_deleted_before_their_commit_are_never_indexed(
    archive: Archive, engine: Any, sqlite_only: None
) -> None:
    archive.record_fetch(fetch_of(None, make_briefing(2, held_on="2024-07-01")))
    with Session(engine) as session, session.begin():
        existing = session.get(Exchange, 1)
        assert existing is not None
        fresh = Exchange(
            version_id=existing.version_id,
            briefing_id=existing.briefing_id,
            position=99,
            uid="x-temporary",
            fingerprint="f",
            kind="qa",
            question="A question about airships?",
            answer="Gone before the commit.",
            turns=[],
        )
        session.add(fresh)
        session.flush()  # inserted (and noted), not yet indexed
        session.execute(
            text("UPDATE exchange SET answer = 'Changed.' WHERE id = :id"), {"id": fresh.id}
        )
        session.execute(delete(Exchange).where(Exchange.id == fresh.id))
        session.execute(delete(Exchange).where(Exchange.id == existing.id))  # an indexed one
    assert fts_state(engine) == (1, 1)
    with engine.connect() as conn:
        assert search(conn, "airships") == []


def test_downgrade_restores_the_trigger_and_upgrade_catches_up(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'fts.db'}"
    archive = Archive.open(url, must_exist=False)
    archive.record_fetch(fetch_of(None, make_briefing(2, held_on="2024-08-01")))
    archive.close()
    engine = create_engine(url)
    migrate.downgrade(engine, "0007_alignment")
    assert fts_state(engine) == (2, 2)
    with engine.begin() as conn:  # a row indexed by nothing: 0009's upgrade indexes it
        conn.execute(text("DROP TRIGGER exchange_fts_ai"))
        conn.execute(
            text(
                "INSERT INTO exchange (version_id, briefing_id, position, uid, fingerprint, kind,"
                " question, answer, follow_up, after_conference, turns)"
                " SELECT version_id, briefing_id, 7, 'late', 'f', 'qa', 'Late?', 'Indexed late.',"
                " 0, 0, '[]' FROM exchange WHERE id = 1"
            )
        )
    migrate.upgrade(engine)
    assert fts_state(engine) == (3, 3)
    engine.dispose()
