"""Database fixtures: a fresh database per test, built by the Alembic migrations.

Backend from ``BRIEFINGS_TEST_BACKEND``: ``sqlite`` (default) or ``postgresql``.

- SQLite: the migrations run once per session into a template file, which is copied for
  each test (a file copy is much faster than migrating again).
- PostgreSQL (``BRIEFINGS_TEST_PG_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``):
  each test process gets its own schema ``test_<random>`` (first on the ``search_path``,
  then ``public`` where the extensions live), migrated once, emptied after every test
  (``TRUNCATE ... RESTART IDENTITY``) and dropped at exit; ``fresh_db_url`` gives a test a
  schema of its own (for tests that alter the schema). Runs leave nothing behind and can
  run side by side.

Fixtures: ``db_url`` (str), ``fresh_db_url`` (str, never shared), ``engine`` (a writer engine from ``make_engine``), ``archive``
(an ``Archive`` on that engine that confirms suspect captures at once: ``confirm_after=0``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage.db import make_engine
from storage.migrate import upgrade

BACKEND = os.environ.get("BRIEFINGS_TEST_BACKEND", "sqlite").strip().lower() or "sqlite"
PG_URL = os.environ.get(
    "BRIEFINGS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def backend() -> str:
    if BACKEND in ("postgres", "postgresql", "pg"):
        return "postgresql"
    if BACKEND != "sqlite":
        raise pytest.UsageError(
            f"BRIEFINGS_TEST_BACKEND must be sqlite or postgresql, not {BACKEND}"
        )
    return "sqlite"


def pg_schema_url(schema: str) -> str:
    """The test server's URL with ``schema`` first on the search_path."""
    url = make_url(PG_URL)
    query = dict(url.query)
    # No fsync wait per commit: test data need not survive a server crash.
    query["options"] = f"-csearch_path={schema},public -csynchronous_commit=off"
    return url.set(query=query).render_as_string(hide_password=False)


def create_pg_schema() -> tuple[str, str]:
    """A new, migrated schema; returns (schema, url)."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    url = pg_schema_url(schema)
    upgrade(url)
    return schema, url


def drop_pg_schema(schema: str) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


_pg_checked = False
_sqlite_template: Path | None = None


def check_pg_server() -> None:
    """Once per session: the server answers and ``pg_trgm`` exists in ``public``."""
    global _pg_checked
    if _pg_checked:
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except Exception as exc:  # any connection failure: one clear message, not 500 errors
        pytest.exit(f"PostgreSQL test server unusable at {PG_URL}: {exc}", returncode=3)
    finally:
        admin.dispose()
    _pg_checked = True


def sqlite_template() -> Path:
    """A migrated SQLite file, made once per session (module globals: no conftest wiring)."""
    global _sqlite_template
    if _sqlite_template is None:
        directory = Path(tempfile.mkdtemp(prefix="briefings-db-template-"))
        atexit.register(shutil.rmtree, directory, True)
        path = directory / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        # Fold the WAL into the file so a plain file copy holds the whole database.
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA journal_mode = DELETE")
        _sqlite_template = path
    return _sqlite_template


class ReusableSchema:
    """One migrated PostgreSQL schema per test process, emptied after each test.

    Creating and migrating a schema costs ~0.3 s of DDL on the server and dropping it
    ~0.2 s; ``TRUNCATE ... RESTART IDENTITY`` of its tables costs a few milliseconds and
    leaves the same state (ids restart at 1). A test that changes the schema itself asks for
    ``fresh_db_url`` instead. If emptying fails (a test left a transaction open and the
    lock wait times out), the schema is abandoned and a new one made.
    """

    def __init__(self) -> None:
        self.schema: str | None = None
        self.url: str | None = None
        atexit.register(self.drop)

    def get(self) -> str:
        if self.url is None:
            self.schema, self.url = create_pg_schema()
        return self.url

    def reset(self) -> None:
        """Empty every table and restart every sequence, in one round trip.

        DELETE (foreign-key triggers off for the session) rather than TRUNCATE: TRUNCATE
        swaps the files of every table and takes ~0.3 s for this schema; DELETE of a few
        test rows takes milliseconds.
        """
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text("SET lock_timeout = '10s'"))
                conn.exec_driver_sql(self._reset_script(conn))
        except Exception:  # a stuck test: start over on a new schema, drop this one later
            abandoned = self.schema
            self.schema = self.url = None
            atexit.register(drop_pg_schema, abandoned)
        finally:
            admin.dispose()

    def _reset_script(self, conn) -> str:
        tables = conn.scalars(
            text(
                "SELECT quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = :schema AND tablename <> 'alembic_version'"
            ),
            {"schema": self.schema},
        ).all()
        sequences = conn.scalars(
            text(
                "SELECT quote_ident(sequence_name) FROM information_schema.sequences "
                "WHERE sequence_schema = :schema"
            ),
            {"schema": self.schema},
        ).all()
        statements = ["SET session_replication_role = replica"]
        statements += [f'DELETE FROM "{self.schema}".{t}' for t in tables]
        statements += [f'ALTER SEQUENCE "{self.schema}".{q} RESTART' for q in sequences]
        statements.append("SET session_replication_role = DEFAULT")
        return "; ".join(statements)

    def drop(self) -> None:
        if self.schema is not None:
            drop_pg_schema(self.schema)
            self.schema = self.url = None


_reusable = ReusableSchema()


@contextmanager
def own_pg_schema() -> Iterator[str]:
    check_pg_server()
    schema, url = create_pg_schema()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


def copy_sqlite_template(tmp_path: Path) -> str:
    path = tmp_path / "test.db"
    shutil.copyfile(sqlite_template(), path)
    return f"sqlite:///{path}"


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database (emptied again after the test on PostgreSQL)."""
    if backend() == "postgresql":
        check_pg_server()
        try:
            yield _reusable.get()
        finally:
            _reusable.reset()
        return
    yield copy_sqlite_template(tmp_path)


@pytest.fixture
def fresh_db_url(tmp_path: Path) -> Iterator[str]:
    """Like ``db_url`` but never shared: for tests that alter or downgrade the schema."""
    if backend() == "postgresql":
        with own_pg_schema() as url:
            yield url
        return
    yield copy_sqlite_template(tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def archive(engine: Engine):
    from storage.api import Archive

    return Archive(engine, confirm_after=0)
