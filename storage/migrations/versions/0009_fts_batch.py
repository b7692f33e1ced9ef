"""The SQLite search index is written per transaction, not per row (issue 18, item 5).

Drops the ``AFTER INSERT`` trigger of migration 0002: the write path indexes the exchange
rows a transaction inserted in one statement before it commits (``storage.ftsindex``), so
FTS5 writes one segment per batch of captures instead of one per version (measured: 3.9 →
2.6 ms of CPU a page). The delete and update triggers stay, but skip a row that is not
indexed yet (inserted in the same, still open, transaction: indexed at its commit with its
final values). PostgreSQL: nothing to do (its GIN indexes follow the rows).

Revision ID: 0009_fts_batch
Revises: 0007_alignment
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009_fts_batch"
down_revision: str | None = "0008_app_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = "old.id IN (SELECT id FROM exchange_fts_docsize)"
DELETE_TRIGGER = f"""CREATE TRIGGER exchange_fts_ad AFTER DELETE ON exchange
    WHEN {INDEXED} BEGIN
        INSERT INTO exchange_fts(exchange_fts, rowid, question, answer)
        VALUES ('delete', old.id, old.question, old.answer);
    END"""
UPDATE_TRIGGER = f"""CREATE TRIGGER exchange_fts_au AFTER UPDATE OF question, answer ON exchange
    WHEN {INDEXED} BEGIN
        INSERT INTO exchange_fts(exchange_fts, rowid, question, answer)
        VALUES ('delete', old.id, old.question, old.answer);
        INSERT INTO exchange_fts(rowid, question, answer)
        VALUES (new.id, new.question, new.answer);
    END"""
SQLITE_UPGRADE = (
    "DROP TRIGGER IF EXISTS exchange_fts_ai",
    "DROP TRIGGER IF EXISTS exchange_fts_ad",
    "DROP TRIGGER IF EXISTS exchange_fts_au",
    DELETE_TRIGGER,
    UPDATE_TRIGGER,
    # Rows no trigger indexed (none, when 0002's triggers ran for every row): caught up now.
    """INSERT INTO exchange_fts(rowid, question, answer)
        SELECT id, question, answer FROM exchange
        WHERE id NOT IN (SELECT id FROM exchange_fts_docsize)""",
)
# 0002's triggers, as they were.
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS exchange_fts_ad",
    "DROP TRIGGER IF EXISTS exchange_fts_au",
    """CREATE TRIGGER exchange_fts_ai AFTER INSERT ON exchange BEGIN
        INSERT INTO exchange_fts(rowid, question, answer)
        VALUES (new.id, new.question, new.answer);
    END""",
    """CREATE TRIGGER exchange_fts_ad AFTER DELETE ON exchange BEGIN
        INSERT INTO exchange_fts(exchange_fts, rowid, question, answer)
        VALUES ('delete', old.id, old.question, old.answer);
    END""",
    """CREATE TRIGGER exchange_fts_au AFTER UPDATE OF question, answer ON exchange BEGIN
        INSERT INTO exchange_fts(exchange_fts, rowid, question, answer)
        VALUES ('delete', old.id, old.question, old.answer);
        INSERT INTO exchange_fts(rowid, question, answer)
        VALUES (new.id, new.question, new.answer);
    END""",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
