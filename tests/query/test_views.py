"""Migration 0002: the search index follows the exchange table; views for Datasette."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, delete, inspect, text, update

from storage.db import session_scope
from storage.migrate import check
from storage.models import Exchange
from storage.search import search


def uids(engine: Engine, query: str) -> list[str]:
    with engine.connect() as conn:
        return [h.exchange_uid for h in search(conn, query)]


def test_index_follows_updates_and_deletes(engine: Engine, corpus):
    assert uids(engine, "Munich Security") == ["s0"]
    with session_scope(engine) as session:
        session.execute(
            update(Exchange)
            .where(Exchange.uid == "s0")
            .values(answer="Foreign Minister Wang Yi will visit Brazil.")
        )
    assert uids(engine, "Munich Security") == []
    assert uids(engine, "visit Brazil") == ["s0"]
    with session_scope(engine) as session:
        # No cascade from a briefing to its captures (kept as evidence): the exchange rows.
        session.execute(delete(Exchange).where(Exchange.briefing_id == corpus["en1"]))
    assert uids(engine, "visit Brazil") == []
    assert uids(engine, "Taiwan") == []


def test_views_exist_and_answer(engine: Engine, corpus):
    assert {"latest_exchange", "change_log", "briefing_overview"} <= set(
        inspect(engine).get_view_names()
    )
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM latest_exchange")) == 12
        row = conn.execute(
            text(
                "SELECT source, held_on, asker, version, position FROM latest_exchange "
                "WHERE exchange_uid = 'a1'"
            )
        ).one()
        assert (row.source, str(row.held_on), row.asker, row.version, row.position) == (
            "mfa-en",
            "2024-03-01",
            "Reuters",
            2,
            0,
        )
        changes = conn.execute(
            text("SELECT type, cause, exchange_uid, source FROM change_log ORDER BY change_id")
        ).all()
        assert [tuple(r) for r in changes] == [
            ("briefing-removed", "page", None, "mfa-zh"),
            ("edited", "page", "a1", "mfa-en"),
            ("removed", "page", "a2", "mfa-en"),
            ("edited", "parser", "e1", "mfa-en"),
        ]
        overview = conn.execute(
            text(
                "SELECT versions, latest_version, exchange_count FROM briefing_overview "
                "WHERE briefing_id = :id"
            ),
            {"id": corpus["en2"]},
        ).one()
        assert tuple(overview) == (2, 2, 2)


def test_db_check_ignores_search_objects(engine: Engine):
    assert check(engine) == []


def test_datasette_detects_the_search_index(engine: Engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("FTS5 is SQLite's")
    # The query Datasette runs to find a table's FTS index (datasette.utils.detect_fts_sql).
    sql = text(
        """SELECT name FROM sqlite_master WHERE rootpage = 0
        AND sql LIKE '%VIRTUAL TABLE%USING FTS%content="exchange"%'"""
    )
    with engine.connect() as conn:
        assert conn.scalars(sql).all() == ["exchange_fts"]
