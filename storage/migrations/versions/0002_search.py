"""Search index and Datasette-friendly views.

SQLite: an FTS5 table with the trigram tokenizer over exchange.question/answer (external
content, kept in sync by triggers). PostgreSQL: pg_trgm GIN indexes on question and answer
(substring search, Chinese included) and an English full-text expression index.
Both: the views latest_exchange, change_log and briefing_overview.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from storage.migrate import IGNORED_OBJECTS

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    # content="exchange" spelled so Datasette detects the index and offers a search box.
    """CREATE VIRTUAL TABLE exchange_fts USING fts5(
        question, answer, content="exchange", content_rowid='id', tokenize='trigram')""",
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
    # Index the rows written before this migration.
    "INSERT INTO exchange_fts(exchange_fts) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS exchange_fts_au",
    "DROP TRIGGER IF EXISTS exchange_fts_ad",
    "DROP TRIGGER IF EXISTS exchange_fts_ai",
    "DROP TABLE IF EXISTS exchange_fts",
)

POSTGRESQL_UPGRADE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_exchange_question_trgm ON exchange USING gin (question gin_trgm_ops)",
    "CREATE INDEX ix_exchange_answer_trgm ON exchange USING gin (answer gin_trgm_ops)",
    """CREATE INDEX ix_exchange_english_fts ON exchange USING gin (
        to_tsvector('english', coalesce(question, '') || ' ' || coalesce(answer, '')))""",
)
POSTGRESQL_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_exchange_english_fts",
    "DROP INDEX IF EXISTS ix_exchange_answer_trgm",
    "DROP INDEX IF EXISTS ix_exchange_question_trgm",
)

# Objects made here that are not in storage/models.py: ``db check`` must not report them.
IGNORED_OBJECTS.update(
    {
        ("table", "exchange_fts*"),  # the FTS5 table and its shadow tables
        ("index", "ix_exchange_question_trgm"),
        ("index", "ix_exchange_answer_trgm"),
        ("index", "ix_exchange_english_fts"),
    }
)

# Plain SQL that both backends accept (is_latest is a boolean on PostgreSQL, 0/1 on SQLite).
VIEWS = {
    "latest_exchange": """
        SELECT e.id AS exchange_id, e.uid AS exchange_uid, b.id AS briefing_id,
               b.source, b.language, b.held_on, b.title, b.url, b.status,
               v.number AS version, e.position, e.kind, e.asker, e.question,
               e.answerer, e.answer, e.follow_up, e.after_conference
        FROM exchange e
        JOIN version v ON v.id = e.version_id AND v.is_latest
        JOIN briefing b ON b.id = e.briefing_id""",
    "change_log": """
        SELECT c.id AS change_id, c.detected_at, c.type, c.cause, c.briefing_id,
               b.source, b.language, b.held_on, b.title, b.url,
               c.from_version, c.to_version, c.exchange_uid, c.index_before, c.index_after,
               c.asker, c.answerer, c.before, c.after
        FROM change_event c
        JOIN briefing b ON b.id = c.briefing_id""",
    "briefing_overview": """
        SELECT b.id AS briefing_id, b.source, b.language, b.held_on, b.title, b.url,
               b.status, b.first_seen, b.last_seen,
               (SELECT count(*) FROM version v WHERE v.briefing_id = b.id) AS versions,
               lv.number AS latest_version, lv.exchange_count
        FROM briefing b
        LEFT JOIN version lv ON lv.briefing_id = b.id AND lv.is_latest""",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = SQLITE_UPGRADE if dialect == "sqlite" else POSTGRESQL_UPGRADE
    for statement in statements:
        op.execute(statement)
    for name, select in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {select}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    statements = SQLITE_DOWNGRADE if dialect == "sqlite" else POSTGRESQL_DOWNGRADE
    for statement in statements:
        op.execute(statement)
