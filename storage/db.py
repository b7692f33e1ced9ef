"""Engines and sessions: one place that knows SQLite's and PostgreSQL's quirks.

SQLite (the embedded default) is opened in WAL mode with a busy timeout and foreign keys
on, and every transaction on a writer engine begins with ``BEGIN IMMEDIATE``: the write lock
is taken up front, so two writer processes queue instead of failing with "database is
locked" half-way or both reading the same "next version number".
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_URL = "sqlite:///briefings.db"
ENV_DB_URL = "BRIEFINGS_DB_URL"
SQLITE_BUSY_TIMEOUT_MS = 60_000
# Execution option of a read transaction: a plain BEGIN on SQLite (never the write lock).
READ_OPTION = "briefings_read"


def resolve_db_url(url: str | None = None) -> str:
    """``--db`` beats ``BRIEFINGS_DB_URL`` beats ``sqlite:///briefings.db`` (working dir)."""
    return url or os.environ.get(ENV_DB_URL) or DEFAULT_DB_URL


def absolute_db_url(db_url: str | None) -> str:
    """The DB URL with a relative SQLite path made absolute (a crawl process runs elsewhere)."""
    url = resolve_db_url(db_url)
    if not is_sqlite(url):
        return url
    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:" or os.path.isabs(database):
        return url
    return parsed.set(database=str(Path(database).resolve())).render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other backends and in-memory databases)."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if database in (None, "", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def safe_url(url: str) -> str:
    """``url`` for messages: no password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: say it as given
        return url


def is_sqlite(url_or_engine: str | Engine) -> bool:
    if isinstance(url_or_engine, Engine):
        return url_or_engine.dialect.name == "sqlite"
    return make_url(url_or_engine).get_backend_name() == "sqlite"


def make_engine(url: str | None = None, *, immediate: bool = True, **kwargs: Any) -> Engine:
    """An engine for ``url``. ``immediate=False`` gives plain deferred reads on SQLite."""
    url = resolve_db_url(url)
    if is_sqlite(url):
        return _sqlite_engine(url, immediate=immediate, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, *, immediate: bool, **kwargs: Any) -> Engine:
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if make_url(url).database not in (None, "", ":memory:"):
            _switch_to_wal(cur)
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        reading = conn.get_execution_options().get(READ_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate and not reading else "BEGIN")

    return engine


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode (persistent: usually it already is, and this is a read).

    Switching a rollback-journal file to WAL needs an exclusive lock, and SQLite answers
    "database is locked" at once there instead of calling the busy handler; two processes
    opening the same fresh file together would see one of them fail. Retry within the
    busy timeout instead.
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    with make_sessionmaker(engine)() as session, session.begin():
        yield session
