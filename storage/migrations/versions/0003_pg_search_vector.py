"""PostgreSQL: the English document of each exchange stored, so ranking does not parse it.

``briefings search`` ranks its candidates with ``ts_rank_cd`` over the English tsvector of the
question and answer. Computed in the query (``to_tsvector`` per candidate row, as 0002 left
it), parsing and stemming every matching answer cost 85-450 ms a query on a 100k-exchange
archive. Here the tsvector becomes a stored generated column, ``exchange.search_vector``:
PostgreSQL computes it once when a row is written (the INSERT never names it, and the ORM
model does not have it) and ranking reads it.

0002's GIN index over the same expression is replaced by one over the column: the same
tsvector, computed once per write instead of twice, and simpler to query
(``search_vector @@ websearch_to_tsquery('english', '...')``).

Adding a stored generated column rewrites the table (a few seconds per 100k exchanges,
under an exclusive lock). SQLite: nothing to do (FTS5 ranks with bm25, migration 0002).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

from storage.migrate import IGNORED_OBJECTS

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The expression of 0002's ix_exchange_english_fts, character for character: the stored
# vector ranks exactly as the recomputed one did.
ENGLISH_DOCUMENT = "to_tsvector('english', coalesce(question, '') || ' ' || coalesce(answer, ''))"

POSTGRESQL_UPGRADE = (
    f"""ALTER TABLE exchange ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS ({ENGLISH_DOCUMENT}) STORED""",
    "CREATE INDEX ix_exchange_search_vector ON exchange USING gin (search_vector)",
    "DROP INDEX IF EXISTS ix_exchange_english_fts",
)
POSTGRESQL_DOWNGRADE = (
    f"CREATE INDEX IF NOT EXISTS ix_exchange_english_fts ON exchange USING gin ({ENGLISH_DOCUMENT})",
    "DROP INDEX IF EXISTS ix_exchange_search_vector",
    "ALTER TABLE exchange DROP COLUMN IF EXISTS search_vector",
)

# Not in storage/models.py (the model must not have the column: inserts would name it, and
# a generated column refuses values): ``db check`` must not report them.
IGNORED_OBJECTS.update({("column", "search_vector"), ("index", "ix_exchange_search_vector")})


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for statement in POSTGRESQL_UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for statement in POSTGRESQL_DOWNGRADE:
        op.execute(statement)
