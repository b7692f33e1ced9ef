"""``briefings check-parse``: the parser's corpus check (``crawler.extract.check``) over the
current text of every archived briefing.

Each briefing's current version is checked for exchanges that look mis-segmented (a qa
without an answer, an asker that reads like a sentence, a question label inside an answer,
…), and against its other-language twin of the same date (a very different number of
questions). The twin needs only its question count, so one light first pass counts them
and the second streams the versions: memory stays flat however large the archive is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crawler.extract.check import CheckSummary, Flag, check_briefing, summarize
from storage.models import Briefing, Exchange, Version

BATCH_ROWS = 200


@dataclass(frozen=True, slots=True)
class ParseCheck:
    """The corpus check's result: counts per flag kind and the worst briefings."""

    summary: CheckSummary
    flags: dict[int, list[Flag]]  # briefing id -> its flags (flagged briefings only)

    def to_json(self, top: int = 20) -> dict[str, Any]:
        return {
            "briefings": self.summary.briefings,
            "flagged": self.summary.flagged,
            "counts": dict(self.summary.counts),
            "worst": [
                {
                    "briefing": name,
                    "score": round(score, 2),
                    "flags": [
                        {"kind": f.kind, "exchange": f.exchange, "message": f.message}
                        for f in flags
                    ],
                }
                for name, score, flags in self.summary.worst[:top]
            ],
        }


def check_archive(
    session: Session,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> ParseCheck:
    questions = _question_counts(session)
    flagged: dict[int, list[Flag]] = {}

    def results() -> Iterator[tuple[str, list[Flag]]]:
        for briefing_id, data in _current(session, source, since, until):
            twin = _twin(data, questions)
            flags = check_briefing(data, twin)
            if flags:
                flagged[briefing_id] = flags
            yield str(briefing_id), flags

    return ParseCheck(summarize(results()), flagged)


def _current(
    session: Session, source: str | None, since: date | None, until: date | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    stmt = (
        select(Version.briefing_id, Version.data)
        .join(Briefing, Briefing.id == Version.briefing_id)
        .where(Version.is_latest.is_(True))
        .order_by(Briefing.held_on, Briefing.id)
    )
    if source:
        stmt = stmt.where(Briefing.source == source)
    if since:
        stmt = stmt.where(Briefing.held_on >= since)
    if until:
        stmt = stmt.where(Briefing.held_on <= until)
    result = session.execute(stmt.execution_options(yield_per=BATCH_ROWS))
    try:
        yield from result
    finally:
        result.close()


def _question_counts(session: Session) -> dict[tuple[date | None, str], int]:
    """(held_on, language) -> questions in the current version, for twin checks."""
    qa = func.sum(case((Exchange.kind == "qa", 1), else_=0))
    rows = session.execute(
        select(Briefing.held_on, Briefing.language, qa)
        .join(Version, Version.briefing_id == Briefing.id)
        .join(Exchange, Exchange.version_id == Version.id)
        .where(Version.is_latest.is_(True))
        .group_by(Briefing.id, Briefing.held_on, Briefing.language)
    )
    counts: dict[tuple[date | None, str], int] = {}
    for held_on, language, n in rows:
        counts.setdefault((held_on, language), int(n or 0))  # one twin per date and language
    return counts


def _twin(
    data: dict[str, Any], questions: dict[tuple[date | None, str], int]
) -> dict[str, Any] | None:
    held = data.get("held_on")
    day = date.fromisoformat(held) if isinstance(held, str) else None
    for (other_day, language), n in questions.items():
        if other_day == day and language != data.get("language"):
            return {"language": language, "held_on": held, "exchanges": [{"kind": "qa"}] * n}
    return None
