"""A word index for the spaced scripts beside the trigram one (issue 18, item 5).

SQLite: ``exchange_words``, an FTS5 table with the ``unicode61`` tokenizer over the same
external content as ``exchange_fts`` (``exchange``). From now on a new exchange row whose
text is all Latin, Greek or Cyrillic and their punctuation (``storage.ftsindex.WORDS_ONLY``)
is indexed there, every other row in the trigram index (``storage.ftsindex``). Writing a word
index costs a quarter of the trigram one for an English page. The rows already indexed
move the same way (the trigram index is rebuilt with the rest), so a row is in the words
index exactly when its text is words-only, which search's ranking relies on
(``storage.search``: the words matches of a query in a spaced script first). On a large
archive that is a minute or so, once.

The delete trigger of each index removes the rows it holds; the update trigger removes the
old text from whichever index holds it and indexes the new text where it belongs. Rows not
indexed yet (inserted in the same, still open, transaction) are skipped by both, as in 0009.
PostgreSQL: nothing to do.

Revision ID: 0011_words_index
Revises: 0010_web_indexes
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from storage.ftsindex import WORDS_TOKENIZER, needs_trigrams
from storage.migrate import IGNORED_OBJECTS

revision: str = "0011_words_index"
down_revision: str | None = "0010_web_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IGNORED_OBJECTS.add(("table", "exchange_words*"))  # the FTS5 table and its shadow tables


def _in(table: str, row: str) -> str:
    return f"{row}.id IN (SELECT id FROM {table}_docsize)"


def _remove_old(table: str) -> str:
    return f"""INSERT INTO {table}({table}, rowid, question, answer)
        SELECT 'delete', old.id, old.question, old.answer WHERE {_in(table, "old")};"""


def _delete_trigger(table: str) -> str:
    return f"""CREATE TRIGGER {table}_ad AFTER DELETE ON exchange WHEN {_in(table, "old")} BEGIN
        INSERT INTO {table}({table}, rowid, question, answer)
        VALUES ('delete', old.id, old.question, old.answer);
    END"""


_NEW_NEEDS_TRIGRAMS = needs_trigrams("new.question", "new.answer")
UPDATE_TRIGGER = f"""CREATE TRIGGER exchange_fts_au AFTER UPDATE OF question, answer ON exchange
    WHEN {_in("exchange_fts", "old")} OR {_in("exchange_words", "old")} BEGIN
        {_remove_old("exchange_fts")}
        {_remove_old("exchange_words")}
        INSERT INTO exchange_words(rowid, question, answer)
        SELECT new.id, new.question, new.answer WHERE NOT {_NEW_NEEDS_TRIGRAMS};
        INSERT INTO exchange_fts(rowid, question, answer)
        SELECT new.id, new.question, new.answer WHERE {_NEW_NEEDS_TRIGRAMS};
    END"""

_WORDS_ROWS = "NOT " + needs_trigrams()
SQLITE_UPGRADE = (
    # content='exchange' in single quotes: Datasette offers its search box for the table
    # whose FTS index says content="exchange", the trigram one (migration 0002).
    f"""CREATE VIRTUAL TABLE exchange_words USING fts5(
        question, answer, content='exchange', content_rowid='id',
        tokenize="{WORDS_TOKENIZER}")""",
    "DROP TRIGGER IF EXISTS exchange_fts_ad",
    "DROP TRIGGER IF EXISTS exchange_fts_au",
    _delete_trigger("exchange_fts"),
    _delete_trigger("exchange_words"),
    UPDATE_TRIGGER,
    # Every row into the index its text needs: the words rows leave the trigram index (built
    # again for the others: cheaper than deleting row by row, and its segments compact).
    "INSERT INTO exchange_fts(exchange_fts) VALUES ('delete-all')",
    f"""INSERT INTO exchange_words(rowid, question, answer)
        SELECT id, question, answer FROM exchange WHERE {_WORDS_ROWS} ORDER BY id""",
    f"""INSERT INTO exchange_fts(rowid, question, answer)
        SELECT id, question, answer FROM exchange WHERE NOT ({_WORDS_ROWS}) ORDER BY id""",
)

# Back to 0009: the words rows move to the trigram index, which then holds every row again.
_0009_INDEXED = "old.id IN (SELECT id FROM exchange_fts_docsize)"
SQLITE_DOWNGRADE = (
    """INSERT INTO exchange_fts(rowid, question, answer)
        SELECT id, question, answer FROM exchange
        WHERE id IN (SELECT id FROM exchange_words_docsize) ORDER BY id""",
    "DROP TRIGGER IF EXISTS exchange_fts_au",
    "DROP TRIGGER IF EXISTS exchange_fts_ad",
    "DROP TRIGGER IF EXISTS exchange_words_ad",
    "DROP TABLE IF EXISTS exchange_words",
    f"""CREATE TRIGGER exchange_fts_ad AFTER DELETE ON exchange
    WHEN {_0009_INDEXED} BEGIN
        INSERT INTO exchange_fts(exchange_fts, rowid, question, answer)
        VALUES ('delete', old.id, old.question, old.answer);
    END""",
    f"""CREATE TRIGGER exchange_fts_au AFTER UPDATE OF question, answer ON exchange
    WHEN {_0009_INDEXED} BEGIN
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
