"""The SQLite search index's write side: exchange rows indexed once per transaction.

Until migration ``0009_fts_batch`` a trigger added every exchange row to ``exchange_fts``
(FTS5, trigram) as it was inserted: one FTS5 segment per statement, flushed and merged
again and again. Now the write path notes the ids of the exchange rows a transaction inserts
(``insert_version`` through ``note``; rows the ORM inserts through a mapper event) and
indexes them all in ONE statement just before that transaction commits (a ``before_commit``
session event). The index is therefore never behind what is committed: a row and its index
entry commit together or vanish together, so search never misses a committed row and never
needs to say it lags. The delete and update triggers stay (migration 0009 makes them skip a
row that is not indexed yet, i.e. one inserted in the same, still open, transaction).

PostgreSQL keeps its indexes itself (GIN over the rows): nothing is noted there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, event, text
from sqlalchemy.orm import Mapper, Session, SessionTransaction

from storage.models import Exchange

PENDING = "briefings.fts_pending"  # session.info key: ids of exchange rows to index
# From ``exchange`` itself, so a noted row that was rolled back (a savepoint) is skipped.
INDEX_ROWS = text(
    "INSERT INTO exchange_fts(rowid, question, answer) "
    "SELECT id, question, answer FROM exchange WHERE id IN :ids ORDER BY id"
).bindparams(bindparam("ids", expanding=True))
# For bulk loaders that insert exchange rows with Core on a bare connection (benchmarks):
# the rows after the last one indexed.
INDEX_NEWER = text(
    "INSERT INTO exchange_fts(rowid, question, answer) "
    "SELECT id, question, answer FROM exchange "
    "WHERE id > (SELECT coalesce(max(id), 0) FROM exchange_fts_docsize) ORDER BY id"
)
CHUNK = 20_000  # ids per statement, well inside SQLite's limit of bound parameters


def note(session: Session, ids: Iterable[int]) -> None:
    """Exchange rows inserted in ``session``'s transaction, to index when it commits."""
    if session.get_bind().dialect.name != "sqlite":
        return
    pending: set[int] = session.info.setdefault(PENDING, set())
    pending.update(ids)


def index_pending(session: Session) -> int:
    """Index what the transaction noted (also run by the commit itself); how many rows."""
    pending: set[int] | None = session.info.pop(PENDING, None)
    if not pending:
        return 0
    ids = sorted(pending)
    conn = session.connection()
    for start in range(0, len(ids), CHUNK):
        conn.execute(INDEX_ROWS, {"ids": ids[start : start + CHUNK]})
    return len(ids)


def index_newer(conn: Connection) -> None:
    """Index the exchange rows after the last indexed one (a bulk loader's own inserts,
    which no session noted); nothing on PostgreSQL."""
    if conn.dialect.name == "sqlite":
        conn.execute(INDEX_NEWER)


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
    if session is not None and connection.dialect.name == "sqlite":
        session.info.setdefault(PENDING, set()).add(target.id)
