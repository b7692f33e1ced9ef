"""Schema migrations (Alembic), configured in code: no alembic.ini is needed at runtime.

    from storage.migrate import upgrade, check, current_revision, ensure_schema
    upgrade("sqlite:///briefings.db")      # or an Engine
    check(engine)                          # [] when the live schema matches the models

Migrations always run on the caller's own connection (see ``migrations/env.py``).

Objects that migrations create outside the models (FTS virtual tables and their shadow
tables, triggers, views, trigram indexes) are invisible to ``check``: register them in
``IGNORED_OBJECTS`` from the migration's module, e.g. the search engineer's::

    from storage.migrate import IGNORED_OBJECTS
    IGNORED_OBJECTS.update({("table", "exchange_fts"), ("index", "ix_exchange_answer_trgm")})

Entries are ``(type, name)`` pairs (``type`` as Alembic names it: "table", "index",
"column", "unique_constraint", "foreign_key_constraint") or ``(type, "prefix*")`` to
ignore every name starting with ``prefix``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SAWarning

from storage.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# (object type, name or "prefix*") pairs that ``check`` must not report.
IGNORED_OBJECTS: set[tuple[str, str]] = {
    ("table", "alembic_version"),
    ("table", "sqlite_*"),  # SQLite's own tables (sqlite_sequence, sqlite_stat1)
}


def is_ignored(type_: str, name: str | None) -> bool:
    if not name:
        return False
    for ignored_type, pattern in IGNORED_OBJECTS:
        if ignored_type != type_:
            continue
        if pattern.endswith("*") and name.startswith(pattern[:-1]):
            return True
        if name == pattern:
            return True
    return False


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic hook: objects that exist only in the database and are registered as ignored."""
    return not (reflected and compare_to is None and is_ignored(type_, name))


def version_schema(connection: Connection) -> str | None:
    """Where Alembic keeps its version table: the connection's own schema on PostgreSQL.

    Without it Alembic looks the table up through the search path, so a database whose
    ``public`` schema holds an ``alembic_version`` would make a new schema earlier on the
    path look migrated already (and stay empty).
    """
    if connection.dialect.name != "postgresql":
        return None
    schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
    return str(schema) if schema else None


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _engine_for(url_or_engine: str | Engine | None) -> Iterator[Engine]:
    if isinstance(url_or_engine, Engine):
        yield url_or_engine
        return
    engine = make_engine(url_or_engine)
    try:
        yield engine
    finally:
        engine.dispose()


def upgrade(url_or_engine: str | Engine | None = None, revision: str = "head") -> str | None:
    """Apply migrations up to ``revision``; returns the revision the database is now at."""
    with _engine_for(url_or_engine) as engine:
        with engine.connect() as conn:
            command.upgrade(alembic_config(conn), revision)
            conn.commit()
        return current_revision(engine)  # before a URL's own engine is disposed


def downgrade(url_or_engine: str | Engine | None, revision: str) -> None:
    with _engine_for(url_or_engine) as engine, engine.connect() as conn:
        command.downgrade(alembic_config(conn), revision)
        conn.commit()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url_or_engine: str | Engine | None = None) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with _engine_for(url_or_engine) as engine, engine.connect() as conn:
        opts = {"version_table_schema": version_schema(conn)}
        return MigrationContext.configure(conn, opts=opts).get_current_revision()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def ensure_schema(url_or_engine: str | Engine | None = None) -> bool:
    """Upgrade when the database is behind the code; returns True when it migrated."""
    with _engine_for(url_or_engine) as engine:
        if is_current(engine):
            return False
        upgrade(engine)
        return True


def check(url_or_engine: str | Engine | None = None) -> list[str]:
    """Differences between the live schema and the models, one readable line each.

    An empty list means the database matches. A database behind the migrations reports
    that first (its diffs would only repeat it).
    """
    from storage.models import Base

    with _engine_for(url_or_engine) as engine:
        current, head = current_revision(engine), head_revision()
        problems = []
        if current != head:
            problems.append(f"database at revision {current or 'none'}, migrations at {head}")
        with engine.connect() as conn, warnings.catch_warnings():
            # SQLite's reflection cannot read an expression index and says so; the ones a
            # migration registered as ignored (0010's ix_change_event_happened) are expected.
            for kind, name in IGNORED_OBJECTS:
                if kind == "index":
                    warnings.filterwarnings(
                        "ignore",
                        message="Skipped unsupported reflection of expression-based index "
                        + re.escape(name).replace("\\*", ".*")
                        + "$",
                        category=SAWarning,
                    )
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_object": include_object,
                    "compare_type": True,
                    "version_table_schema": version_schema(conn),
                },
            )
            diffs = compare_metadata(context, Base.metadata)
        problems.extend(describe_diff(d) for d in without_unnamed_fk_pairs(diffs))
        return problems


def without_unnamed_fk_pairs(diffs: list[Any]) -> list[Any]:
    """Drop a ``remove_fk`` of an unnamed reflected constraint paired with an ``add_fk`` of
    the same columns and target: SQLite cannot name a foreign key that ``ALTER TABLE ADD
    COLUMN`` created (migration 0004), so reflection finds it nameless, not missing."""

    def signature(fk: Any) -> tuple[Any, ...]:
        return (
            fk.table.name,
            tuple(c.name for c in fk.columns),
            fk.referred_table.name,
            tuple(e.column.name for e in fk.elements),
        )

    unnamed = {signature(d[1]): d for d in diffs if _is(d, "remove_fk") and not d[1].name}
    added = {signature(d[1]): d for d in diffs if _is(d, "add_fk")}
    paired = {id(d) for sig in unnamed.keys() & added.keys() for d in (unnamed[sig], added[sig])}
    return [d for d in diffs if id(d) not in paired]


def _is(diff: Any, op: str) -> bool:
    return isinstance(diff, tuple) and diff[0] == op


def describe_diff(diff: Any) -> str:
    """One line for an Alembic diff tuple (or list of tuples for column modifications)."""
    if isinstance(diff, list):
        return "; ".join(describe_diff(d) for d in diff)
    op, *args = diff
    if op in ("add_table", "remove_table"):
        return f"{op}: {args[0].name}"
    if op in ("add_column", "remove_column"):
        _schema, table, column = args
        return f"{op}: {table}.{column.name}"
    if op in ("add_index", "remove_index"):
        return f"{op}: {args[0].name} on {args[0].table.name}"
    if op in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        constraint = args[0]
        return f"{op}: {constraint.name} on {constraint.table.name}"
    if op.startswith("modify_"):
        _schema, table, column, _kw, old, new = args
        return f"{op}: {table}.{column} {old!r} -> {new!r}"
    return f"{op}: {args!r}"
