"""Migrations build the models' schema on both backends; ``db check`` notices drift."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import inspect, text

from scheduler.cli import main
from storage import migrate
from storage.db import is_sqlite, make_engine
from storage.models import Base


def test_fixture_database_is_migrated_and_clean(engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert migrate.check(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_from_empty_sqlite(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert migrate.current_revision(url) is None
    assert migrate.ensure_schema(url) is True
    assert migrate.ensure_schema(url) is False
    assert migrate.check(url) == []
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    engine.dispose()


def test_downgrade_to_base_and_up_again(fresh_db_url) -> None:
    migrate.downgrade(fresh_db_url, "base")
    assert migrate.current_revision(fresh_db_url) is None
    assert not set(Base.metadata.tables) & inspect_tables(fresh_db_url)
    migrate.upgrade(fresh_db_url)
    assert migrate.check(fresh_db_url) == []


def inspect_tables(url: str) -> set[str]:
    """The tables of the database's own schema (a test's PostgreSQL schema, not ``public``)."""
    engine = make_engine(url)
    try:
        schema = None
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
        return set(inspect(engine).get_table_names(schema=schema))
    finally:
        engine.dispose()


def test_check_reports_drift(fresh_db_url) -> None:
    engine = make_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_exchange_uid"))
        conn.execute(text("ALTER TABLE capture ADD COLUMN stray_column TEXT"))
    problems = migrate.check(engine)
    engine.dispose()
    assert "add_index: ix_exchange_uid on exchange" in problems
    assert "remove_column: capture.stray_column" in problems


def test_check_reports_a_database_behind_the_migrations(fresh_db_url) -> None:
    engine = make_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    problems = migrate.check(engine)
    engine.dispose()
    assert problems[0] == f"database at revision ffff, migrations at {migrate.head_revision()}"


def test_ignored_objects_hook() -> None:
    migrate.IGNORED_OBJECTS.add(("table", "zz_test_*"))
    try:
        assert migrate.is_ignored("table", "zz_test_fts_data")
        assert not migrate.is_ignored("index", "zz_test_fts_data")
        assert not migrate.include_object(None, "zz_test_x", "table", True, None)
        assert migrate.include_object(None, "briefing", "table", True, None)
    finally:
        migrate.IGNORED_OBJECTS.discard(("table", "zz_test_*"))


def test_db_commands(fresh_db_url, tmp_path) -> None:
    db_url = fresh_db_url
    runner = CliRunner()
    fresh = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(main, ["db", "upgrade", "--db", fresh])
    assert result.exit_code == 0 and "upgraded from empty to" in result.output
    result = runner.invoke(main, ["db", "upgrade", "--db", fresh])
    assert "already at revision" in result.output
    result = runner.invoke(main, ["db", "check", "--db", db_url])
    assert (result.exit_code, result.output.strip()) == (0, "schema up to date")
    result = runner.invoke(main, ["db", "current", "--db", db_url, "--json"])
    assert json.loads(result.output)["up_to_date"] is True
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_capture_url"))
    engine.dispose()
    result = runner.invoke(main, ["db", "check", "--db", db_url])
    assert result.exit_code == 1
    assert "add_index: ix_capture_url on capture" in result.output


def test_db_command_errors_are_one_line() -> None:
    result = CliRunner().invoke(
        main, ["db", "current", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"]
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert "Traceback" not in result.output


def test_sqlite_upgrade_does_not_block_a_reader(tmp_path) -> None:
    """The migration runs on the caller's connection: no second connection waits on it."""
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    engine = make_engine(url)
    assert is_sqlite(engine)
    migrate.upgrade(engine)
    with engine.connect() as conn:  # the engine is still usable for writes afterwards
        conn.execute(
            text("INSERT INTO crawl_lease VALUES ('s', 'h', NULL, '2026-01-01', '2026-01-02')")
        )
        conn.commit()
    engine.dispose()


def test_a_command_says_when_it_upgrades_an_archive(fresh_db_url) -> None:
    # A migration can take a minute on a large archive (0011 rebuilds the SQLite search
    # index): the first command after an upgrade of the code says what it is doing.
    engine = make_engine(fresh_db_url)
    migrate.downgrade(engine, "0010_web_indexes")
    engine.dispose()
    runner = CliRunner()
    first = runner.invoke(main, ["stats", "--db", fresh_db_url, "--json"])
    assert first.exit_code == 0, first.output
    head = migrate.head_revision()
    assert first.stderr.strip() == (
        f"upgrading the archive's schema from 0010_web_indexes to {head} "
        "(once; a large archive takes a minute or so)"
    )
    json.loads(first.stdout)  # stdout stays the command's own
    again = runner.invoke(main, ["stats", "--db", fresh_db_url, "--json"])
    assert again.exit_code == 0 and again.stderr == ""
