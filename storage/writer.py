"""The write path: captures in short transactions, retried when PostgreSQL reports a lost race.

``Writer`` is what ``storage.api.Archive`` stores fetches with. Every capture is one
transaction (``BEGIN IMMEDIATE`` on SQLite; the briefing's row locked ``FOR UPDATE`` on
PostgreSQL), so several processes can write at once without duplicate version numbers or
lost captures. What a capture means is decided in ``storage.capture`` (``CaptureRecorder``);
new versions are written by ``storage.versions``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.capture import CaptureRecorder, CaptureResult
from storage.fetch import Fetch

T = TypeVar("T")
DEFAULT_CONFIRM_AFTER = timedelta(hours=1)
# PostgreSQL errors that mean "another transaction got there first: run yours again".
RETRYABLE_PG_CODES = ("23505", "40001", "40P01")  # unique violation, serialization, deadlock


class Writer:
    """Stores fetches through ``sessions`` (the archive's one session source).

    ``confirm_after``: how long after a first suspect fetch a second one may confirm it.
    """

    def __init__(
        self, sessions: sessionmaker[Session], *, confirm_after: timedelta, max_attempts: int = 8
    ) -> None:
        self._sessions = sessions
        self.confirm_after = confirm_after
        self.max_attempts = max_attempts

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def retrying(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction, again when PostgreSQL reports a lost race."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self.transaction() as session:
                    return work(session)
            except (IntegrityError, OperationalError) as exc:
                if attempt == self.max_attempts or not is_retryable(exc):
                    raise
        raise AssertionError("unreachable")

    def record_fetch(self, fetch: Fetch) -> CaptureResult:
        """Record one fetch, and what it means for the archive, in one transaction."""
        return self.retrying(
            lambda session: CaptureRecorder(session, fetch, self.confirm_after).record()
        )

    def record_fetches(self, fetches: Sequence[Fetch]) -> list[CaptureResult | Exception]:
        """Record several fetches, in order, in ONE transaction (one commit for all).

        Each capture is still all or nothing: the batch commits whole or not at all. If any
        capture fails (a lost race, a row the database refuses) or the commit does, the batch
        is rolled back and every fetch is recorded again in its own transaction, so one bad
        capture costs only itself; its entry in the result is the exception. (An ambiguous
        commit on PostgreSQL, a connection lost during COMMIT, can thus store a capture twice:
        the second is "unchanged", never a lost capture nor an invented revision.)
        """
        if len(fetches) > 1:
            try:
                return list(self._record_batch(fetches))
            except Exception:
                pass  # each fetch is recorded again, alone, below
        return [self._record_alone(fetch) for fetch in fetches]

    def _record_batch(self, fetches: Sequence[Fetch]) -> list[CaptureResult]:
        results = []
        with self.transaction() as session:
            for fetch in fetches:
                results.append(CaptureRecorder(session, fetch, self.confirm_after).record())
                session.expunge_all()  # all flushed: the next capture reads fresh rows
        return results

    def _record_alone(self, fetch: Fetch) -> CaptureResult | Exception:
        try:
            return self.record_fetch(fetch)
        except Exception as exc:  # reported to the caller, per fetch
            return exc


def is_retryable(exc: Exception) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in RETRYABLE_PG_CODES
