"""The SQLite search index's write side: exchange rows indexed once per transaction, each
in the one of two FTS5 indexes its text needs.

Two indexes (migration ``0011_words_index``), over the same external content (``exchange``):

- ``exchange_words``, FTS5's ``unicode61`` (word) tokenizer, for a row whose question and
  answer hold only characters of the spaced scripts search treats as words (Latin, Greek,
  Cyrillic) and their punctuation: ``WORDS_ONLY`` below, tested character by character
  against the tokenizer (``tests/storage/test_words_index.py``). Almost every English
  exchange. A word index costs a quarter of the trigram one to write (one token a word
  instead of one a character: 0.9 against 3.8 ms of CPU for an English page) and is 60%
  smaller.
- ``exchange_fts``, the ``trigram`` tokenizer (substring matching), for every other row: any
  Chinese (CJK) character, another script, an emoji, a character newer than the tokenizer's
  Unicode 6.1.

A row is in exactly one of them, the one its text says (migration 0011 moved the rows it
found). ``storage.search`` asks both: a Chinese term can only occur in a trigram row (a words
row holds no CJK character), a word-start term can occur in either.

Until migration ``0009_fts_batch`` a trigger added every exchange row to the index as it was
inserted: one FTS5 segment per statement, flushed and merged again and again. Now the write
path notes the ids of the exchange rows a transaction inserts (``insert_version`` through
``note``; rows the ORM inserts through a mapper event) and indexes them all in one statement
per index just before that transaction commits (a ``before_commit`` session event). The
index is therefore never behind what is committed: a row and its index entry commit together
or vanish together, so search never misses a committed row and never needs to say it lags.
The delete and update triggers stay (they skip a row that is not indexed yet, i.e. one
inserted in the same, still open, transaction).

PostgreSQL keeps its indexes itself (GIN over the rows): nothing is noted there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, event, text
from sqlalchemy.orm import Mapper, Session, SessionTransaction

from storage.models import Exchange

PENDING = "briefings.fts_pending"  # session.info key: ids of exchange rows to index

# The characters of a row that the word index can answer every search over exactly
# (tests/storage/test_words_index.py checks each one against FTS5's tokenizer): each one's
# ``str.lower()`` is one of them, every one the tokenizer keeps in a word is in
# ``storage.search.WORD_CHARS`` (lower-cased too), and each folds to the same token as its
# ``str.lower()``. So a term that starts a word of the lower-cased text (search's test) is
# always among the text's tokens (a phrase, its last word a prefix). Left out: CJK, every
# other script, emoji, U+0130 (its lower case is two characters), the capitals whose lower
# case is an IPA letter (outside WORD_CHARS), and what Unicode added after the tokenizer's
# 6.1 (it keeps unknown characters in words). What is in: Latin (ASCII to Latin
# Extended-B), combining marks, Greek, Cyrillic, Latin Extended Additional, general
# punctuation, currency signs, the trade mark sign.
WORDS_ONLY = (
    "\u0001-\u012f\u0131-\u0180\u0182-\u0185\u0187-\u0188\u018b-\u018e\u0191-\u0192"
    "\u0195\u0198-\u019b\u019e\u01a0-\u01a5\u01a7-\u01a8\u01aa-\u01ad\u01af-\u01b0"
    "\u01b3-\u01b6\u01b8-\u0239\u023b-\u023d\u023f-\u0243\u0246-\u024f\u0300-\u037e"
    "\u0380-\u0527\u1e00-\u1eff\u2000-\u2064\u20a0-\u20b9\u2122"
)
# The tokenizer: case folded, accents kept (search matches "café" and not "cafe", as on the
# trigram index); these Latin-1 characters are digits to Unicode but not to WORD_CHARS.
WORDS_TOKENIZER = "unicode61 remove_diacritics 0 separators '\u00b9\u00b2\u00b3\u00bc\u00bd\u00be'"


def needs_trigrams(question: str = "question", answer: str = "answer") -> str:
    """SQL: the row's text holds a character outside WORDS_ONLY (GLOB reads a bracket
    expression of characters, ranges included, as a regular expression does) or a NUL
    (GLOB stops reading at one). Migration 0011's update trigger asks it of the new row."""
    both = f"coalesce({question}, '') || ' ' || coalesce({answer}, '')"
    return f"(({both}) GLOB '*[^{WORDS_ONLY}]*' OR instr({both}, char(0)) > 0)"


NEEDS_TRIGRAMS = needs_trigrams()
_WORDS_ROW = re.compile(f"[{WORDS_ONLY}]*")


def needs_trigrams_text(question: str | None, answer: str | None) -> bool:
    """``needs_trigrams`` in Python: a character outside WORDS_ONLY (NUL included)."""
    return not (_WORDS_ROW.fullmatch(question or "") and _WORDS_ROW.fullmatch(answer or ""))


WORDS, TRIGRAMS = "exchange_words", "exchange_fts"
ROUTES = ((WORDS, f"NOT {NEEDS_TRIGRAMS}"), (TRIGRAMS, NEEDS_TRIGRAMS))


def _index_sql(table: str, route: str, rows: str) -> str:
    return (
        f"INSERT INTO {table}(rowid, question, answer) "
        f"SELECT id, question, answer FROM exchange WHERE {rows} AND {route} ORDER BY id"
    )


# From ``exchange`` itself, so a noted row that was rolled back (a savepoint) is skipped.
# The write path routes rows in Python (``needs_trigrams_text``: the same rule, 100x faster
# than GLOB on a page's text), so each statement only names its rows.
INDEX_ROWS = {
    table: text(
        f"INSERT INTO {table}(rowid, question, answer) "
        "SELECT id, question, answer FROM exchange WHERE id IN :ids ORDER BY id"
    ).bindparams(bindparam("ids", expanding=True))
    for table, _ in ROUTES
}
# For bulk loaders that insert exchange rows with Core on a bare connection (benchmarks):
# the rows after the last one indexed in either index (read once, before either statement).
LAST_INDEXED = text(
    "SELECT max((SELECT coalesce(max(id), 0) FROM exchange_fts_docsize), "
    "(SELECT coalesce(max(id), 0) FROM exchange_words_docsize))"
)
INDEX_NEWER = tuple(text(_index_sql(table, route, "id > :after")) for table, route in ROUTES)
CHUNK = 20_000  # ids per statement, well inside SQLite's limit of bound parameters


def note(
    session: Session, ids: Iterable[int], texts: Iterable[tuple[str | None, str | None]]
) -> None:
    """Exchange rows inserted in ``session``'s transaction (ids, and each one's question and
    answer), to index when it commits, each in the index its text needs."""
    if session.get_bind().dialect.name != "sqlite":
        return
    pending: dict[str, set[int]] = session.info.setdefault(PENDING, {})
    for row_id, (question, answer) in zip(ids, texts, strict=True):
        table = TRIGRAMS if needs_trigrams_text(question, answer) else WORDS
        pending.setdefault(table, set()).add(row_id)


def index_pending(session: Session) -> int:
    """Index what the transaction noted (also run by the commit itself); how many rows."""
    pending: dict[str, set[int]] | None = session.info.pop(PENDING, None)
    if not pending:
        return 0
    conn = session.connection()
    for table, noted in pending.items():
        ids = sorted(noted)
        for start in range(0, len(ids), CHUNK):
            conn.execute(INDEX_ROWS[table], {"ids": ids[start : start + CHUNK]})
    return sum(len(noted) for noted in pending.values())


def index_newer(conn: Connection) -> None:
    """Index the exchange rows after the last indexed one (a bulk loader's own inserts,
    which no session noted); nothing on PostgreSQL."""
    if conn.dialect.name == "sqlite":
        after = conn.execute(LAST_INDEXED).scalar_one()
        for statement in INDEX_NEWER:
            conn.execute(statement, {"after": after})


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    index_pending(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction is over: committed or rolled back
        session.info.pop(PENDING, None)


@event.listens_for(Exchange, "after_insert")
def _orm_insert(mapper: Mapper[Any], connection: Any, target: Exchange) -> None:
    """An exchange row the ORM inserted (tests, tools): noted like ``insert_version``'s."""
    session = Session.object_session(target)
    if session is not None:
        note(session, [target.id], [(target.question, target.answer)])
