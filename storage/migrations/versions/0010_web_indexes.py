"""Indexes for the web app's pages (issue 15, speed).

- ``ix_change_event_happened`` on ``(coalesce(observed_before, detected_at), id)``: the
  change ledger (the home page) orders by exactly that, newest first. Without it each page
  of the ledger joins and sorts every event of the archive (cost growing with the archive);
  with it both backends walk the index from the newest end and stop after one page.

- PostgreSQL: ``exchange.search_words``, a stored generated tsvector of the words of the
  question and answer exactly as search reads them (``storage.search``: the lower-cased text
  split at every character that is not in ``WORD_CHARS``; no parser, no stemming, no stop
  words, so no locale; a run of more than 255 word characters keeps its first 255), and its
  GIN index ``ix_exchange_search_words``. English word queries take their candidates from it
  (``'sanction':*``: a word starting with "sanction") instead of trigrams plus a regular
  expression over every candidate's text: 39-73 ms a query on 100,000 exchanges before.
  Adding it rewrites the table (about 30 s per 100,000 exchanges on a loaded machine).

Neither can the models declare (an expression index; a generated column the ORM must never
insert into): registered in ``IGNORED_OBJECTS`` so ``briefings db check`` does not report them.

Revision ID: 0010_web_indexes
Revises: 0007_alignment
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from storage.migrate import IGNORED_OBJECTS
from storage.search import PG_WORDS_DOCUMENT

revision: str = "0010_web_indexes"
down_revision: str | None = "0009_fts_batch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IGNORED_OBJECTS.update(
    {
        ("index", "ix_change_event_happened"),
        ("column", "search_words"),
        ("index", "ix_exchange_search_words"),
    }
)

POSTGRESQL_UPGRADE = (
    f"""ALTER TABLE exchange ADD COLUMN search_words tsvector
        GENERATED ALWAYS AS ({PG_WORDS_DOCUMENT}) STORED""",
    "CREATE INDEX ix_exchange_search_words ON exchange USING gin (search_words)",
)


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_change_event_happened"
        " ON change_event (coalesce(observed_before, detected_at), id)"
    )
    if op.get_bind().dialect.name != "sqlite":
        for statement in POSTGRESQL_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_exchange_search_words")
        op.execute("ALTER TABLE exchange DROP COLUMN IF EXISTS search_words")
    op.execute("DROP INDEX ix_change_event_happened")
