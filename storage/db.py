"""Engines and sessions: one place that knows SQLite's and PostgreSQL's quirks.

SQLite (the embedded default) is opened in WAL mode with a busy timeout and foreign keys
on, and every transaction on a writer engine begins with ``BEGIN IMMEDIATE``: the write lock
is taken up front, so two writer processes queue instead of failing with "database is
locked" half-way or both reading the same "next version number".
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Collection, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
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
# ``PRAGMA application_id`` of a briefings archive ("BRFS"), set by migration 0008_app_id:
# how we tell our own SQLite file from another program's before changing anything.
APPLICATION_ID = 0x42524653


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


def make_engine(
    url: str | None = None, *, immediate: bool = True, read_only: str | None = None, **kwargs: Any
) -> Engine:
    """An engine for ``url``. ``immediate=False`` gives plain deferred reads on SQLite.

    ``read_only`` (SQLite files): ``"ro"`` opens the file ``mode=ro`` (nothing can be
    written through it; others may still write); ``"immutable"`` also tells SQLite that no
    one can (a read-only mount or directory: no -wal or -shm can exist, so none is looked
    for)."""
    url = resolve_db_url(url)
    if is_sqlite(url):
        return _sqlite_engine(url, immediate=immediate, read_only=read_only, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, *, immediate: bool, read_only: str | None, **kwargs: Any) -> Engine:
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    path = sqlite_path(url)
    if read_only and path is not None:
        # The URL stays the plain file (messages, sqlite_path); the connection is a URI one.
        uri = read_only_uri(path, immutable=read_only == "immutable")
        kwargs["creator"] = lambda: sqlite3.connect(
            uri, uri=True, timeout=connect_args["timeout"], check_same_thread=False
        )
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if make_url(url).database not in (None, "", ":memory:") and not read_only:
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


def read_only_uri(path: Path, *, immutable: bool = False) -> str:
    from urllib.parse import quote

    flag = "immutable=1" if immutable else "mode=ro"
    return f"file:{quote(str(path.resolve()))}?{flag}"


# --- what is at an SQLite path ----------------------------------------------------------------


def unwritable_reason(path: Path) -> str | None:
    """Why ``path`` (an SQLite file, existing or not) cannot be written, or None.

    ``os.access`` answers for this process (a read-only mount says EROFS even to root)."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        return f"the directory {directory} does not exist"
    if os.statvfs(directory).f_flag & os.ST_RDONLY:
        return f"the file system of {directory} is mounted read-only"
    if path.exists() and not os.access(path, os.W_OK):
        return f"the file {path} is not writable"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"the directory {directory} is not writable"
    return None


def read_only_mode(path: Path) -> str:
    """How to open an unwritable archive for reading: ``immutable`` when its directory
    cannot be written (so no one can have a -wal there to read) and no -wal is there,
    else ``ro``."""
    directory = path.parent if str(path.parent) else Path(".")
    wal = path.with_name(path.name + "-wal")
    if not os.access(directory, os.W_OK) and not wal.exists():
        return "immutable"
    return "ro"


@dataclass(frozen=True, slots=True)
class SqliteFile:
    """What an SQLite path holds, found without changing it."""

    kind: str  # absent | empty | ours | unmarked | foreign | not-sqlite
    detail: str = ""


def inspect_sqlite_file(path: Path, known_revisions: Collection[str]) -> SqliteFile:
    """Is ``path`` a briefings archive? Read only (``stat``, then a ``mode=ro`` connection).

    - ``ours``: ``application_id`` is ours;
    - ``unmarked``: no application id, but Alembic's table at a revision of ours and our
      tables (an archive made before migration 0008, which marks it);
    - ``empty``: an empty file or an SQLite file without tables (a new archive);
    - ``foreign`` / ``not-sqlite``: anything else, never to be touched."""
    # Never open() the file: closing any descriptor of it drops every POSIX lock this
    # process holds on it (SQLite's own connections included), and another process would
    # then take itself for the last one and delete the -wal and -shm under us.
    try:
        info = path.stat()
    except FileNotFoundError:
        return SqliteFile("absent")
    if stat.S_ISDIR(info.st_mode):
        return SqliteFile("not-sqlite", "it is a directory")
    if info.st_size == 0:
        return SqliteFile("empty")
    try:
        return _inspect(path, known_revisions, "ro")
    except sqlite3.OperationalError as exc:  # a WAL file in a directory we cannot write
        if "not a database" in str(exc):
            return SqliteFile("not-sqlite", "it is not an SQLite database")
        return _inspect(path, known_revisions, "immutable")


def _inspect(path: Path, known_revisions: Collection[str], mode: str) -> SqliteFile:
    uri = read_only_uri(path, immutable=mode == "immutable")
    with closing(sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as conn:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                return SqliteFile("not-sqlite", "it is not an SQLite database")
            if "malformed" in str(exc):
                return SqliteFile("not-sqlite", f"it is a damaged SQLite database ({exc})")
            raise
        if app_id == APPLICATION_ID:
            return SqliteFile("ours")
        if app_id:
            return SqliteFile(
                "foreign", f"another program's SQLite database (application_id {app_id:#x})"
            )
        if not tables:
            return SqliteFile("empty")
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        if revision in known_revisions and "crawl_run" in tables:
            return SqliteFile("unmarked")
        shown = ", ".join(sorted(tables)[:4]) + (", ..." if len(tables) > 4 else "")
        return SqliteFile("foreign", f"another program's SQLite database (tables: {shown})")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    with make_sessionmaker(engine)() as session, session.begin():
        yield session
