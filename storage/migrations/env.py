"""Alembic environment: always runs on the caller's connection.

``storage.migrate`` builds the Alembic config in code and passes an open connection in
``config.attributes["connection"]``, so migrations run on exactly the database the caller
(a test, ``--db``, ``BRIEFINGS_DB_URL``) chose, and never open a second connection that
would wait for the first one's SQLite write lock.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.migrate import include_object, version_schema
from storage.models import Base

config = context.config
MIGRATION_LOCK_ID = 7_420_311  # any constant shared by every process of this project
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through storage.migrate.upgrade(), not the alembic CLI")
    if connection.dialect.name == "postgresql":
        # Two processes upgrading at once (two crawls starting on a new database) queue
        # here; the second then finds the schema current. The lock is held by the caller's
        # transaction, which upgrade() commits: the whole upgrade is atomic on PostgreSQL.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        version_table_schema=version_schema(connection),
        # On SQLite, one short transaction per migration (each begun with BEGIN IMMEDIATE by
        # make_engine, which also serializes concurrent upgrades), not one long one.
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
