"""Read side of change tracking: a briefing's versions, the diff between two of them, and
the ledger of change events across the archive. Plain SQLAlchemy 2 ``select()``s over
``storage.models``; nothing here writes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.urls import canonical_url
from storage.diff import VersionDiff, diff_exchanges, new_uid, summarize
from storage.models import Briefing, BriefingLocation, ChangeEvent, Exchange, Version

EXCHANGE_EVENT_TYPES = ("added", "removed", "edited", "moved")


class NotFound(LookupError):
    """The briefing or version asked for is not in the archive (message says which)."""


# --- briefing lookup ------------------------------------------------------------------


def find_briefing(session: Session, ref: str | int) -> Briefing:
    """A briefing by id or by any URL it was seen at (host aliases included)."""
    text = str(ref).strip()
    if text.isdigit():
        briefing = session.get(Briefing, int(text))
        if briefing is None:
            raise NotFound(f"no briefing with id {text}")
        return briefing
    url = canonical_url(text)
    briefing = session.scalars(
        select(Briefing)
        .join(BriefingLocation, BriefingLocation.briefing_id == Briefing.id, isouter=True)
        .where((BriefingLocation.url == url) | (Briefing.url == url))
        .limit(1)
    ).first()
    if briefing is None:
        raise NotFound(f"no briefing at {url}")
    return briefing


def _versions(session: Session, briefing_id: int) -> list[Version]:
    return list(
        session.scalars(
            select(Version).where(Version.briefing_id == briefing_id).order_by(Version.number)
        )
    )


# --- history --------------------------------------------------------------------------


@dataclass(slots=True)
class VersionSummary:
    number: int
    first_seen: datetime
    last_seen: datetime
    cause: str
    exchange_count: int
    parser_version: str
    is_latest: bool
    summary: str
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "cause": self.cause,
            "exchange_count": self.exchange_count,
            "parser_version": self.parser_version,
            "is_latest": self.is_latest,
            "summary": self.summary,
            "counts": self.counts,
        }


@dataclass(slots=True)
class BriefingEvent:
    """A briefing-level event (removed, restored, moved) in a history."""

    type: str
    detected_at: datetime
    detail: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "detected_at": _iso(self.detected_at), "detail": self.detail}


@dataclass(slots=True)
class BriefingHistory:
    id: int
    url: str
    source: str
    language: str
    held_on: date | None
    title: str | None
    status: str
    locations: list[str]
    versions: list[VersionSummary]
    events: list[BriefingEvent]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "source": self.source,
            "language": self.language,
            "held_on": self.held_on.isoformat() if self.held_on else None,
            "title": self.title,
            "status": self.status,
            "locations": self.locations,
            "versions": [v.to_json() for v in self.versions],
            "events": [e.to_json() for e in self.events],
        }


def history(session: Session, ref: str | int) -> BriefingHistory:
    """Every version of a briefing, oldest first, each with a one-line change summary."""
    briefing = find_briefing(session, ref)
    versions = _versions(session, briefing.id)
    counts = _event_counts(session, briefing.id)
    summaries = [_version_summary(session, v, versions, counts) for v in versions]
    return BriefingHistory(
        id=briefing.id,
        url=briefing.url,
        source=briefing.source,
        language=briefing.language,
        held_on=briefing.held_on,
        title=briefing.title,
        status=briefing.status,
        locations=sorted(loc.url for loc in briefing.locations),
        versions=summaries,
        events=_briefing_events(session, briefing.id),
    )


def _event_counts(session: Session, briefing_id: int) -> dict[int, Counter[str]]:
    """Exchange-event counts per version number they led to."""
    rows = session.execute(
        select(ChangeEvent.to_version, ChangeEvent.type).where(
            ChangeEvent.briefing_id == briefing_id,
            ChangeEvent.type.in_(EXCHANGE_EVENT_TYPES),
        )
    )
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for to_version, kind in rows:
        if to_version is not None:
            counts[to_version][kind] += 1
    return counts


def _version_summary(
    session: Session, version: Version, versions: list[Version], counts: dict[int, Counter[str]]
) -> VersionSummary:
    if version.number in counts:
        tally = dict(counts[version.number])
    elif version.number == versions[0].number:
        tally = {}
    else:
        # No events stored for this version (older archive, or a parser-only change that
        # moved no exchange): work it out from the stored exchanges.
        previous = max((v for v in versions if v.number < version.number), key=lambda v: v.number)
        tally = _diff_rows(session, previous, version).counts()
    if version.number == versions[0].number and not tally:
        summary = "first capture"
    else:
        summary = summarize(tally)
    if version.cause == "parser":
        summary += " (parser change)"
    return VersionSummary(
        number=version.number,
        first_seen=version.first_seen,
        last_seen=version.last_seen,
        cause=version.cause,
        exchange_count=version.exchange_count,
        parser_version=version.parser_version,
        is_latest=version.is_latest,
        summary=summary,
        counts=tally,
    )


def _briefing_events(session: Session, briefing_id: int) -> list[BriefingEvent]:
    rows = session.scalars(
        select(ChangeEvent)
        .where(
            ChangeEvent.briefing_id == briefing_id,
            ChangeEvent.type.not_in(EXCHANGE_EVENT_TYPES),
        )
        .order_by(ChangeEvent.detected_at, ChangeEvent.id)
    )
    return [BriefingEvent(e.type, e.detected_at, e.detail) for e in rows]


# --- version diff ---------------------------------------------------------------------


def version_diff(
    session: Session, ref: str | int, from_n: int | None = None, to_n: int | None = None
) -> VersionDiff:
    """The exchange-level diff between two versions (default: the latest and the one before).

    Exchanges keep the ids the archive gave them, so the diff names the same exchanges as
    the change ledger does.
    """
    briefing = find_briefing(session, ref)
    versions = {v.number: v for v in _versions(session, briefing.id)}
    if not versions:
        raise NotFound(f"briefing {briefing.id} has no versions")
    numbers = sorted(versions)
    to_n = numbers[-1] if to_n is None else to_n
    if to_n not in versions:
        raise NotFound(f"briefing {briefing.id} has no version {to_n} (it has 1..{numbers[-1]})")
    if from_n is None:
        earlier = [n for n in numbers if n < to_n]
        from_n = earlier[-1] if earlier else to_n
    if from_n not in versions:
        raise NotFound(f"briefing {briefing.id} has no version {from_n} (it has 1..{numbers[-1]})")
    return _diff_rows(session, versions[from_n], versions[to_n])


def _diff_rows(session: Session, old: Version, new: Version) -> VersionDiff:
    before, before_uids = _exchanges(session, old)
    after, after_uids = _exchanges(session, new)
    result = diff_exchanges(before, after, before_uids, after_uids)
    result.from_version, result.to_version = old.number, new.number
    return result


def _exchanges(session: Session, version: Version) -> tuple[list[dict[str, Any]], list[str]]:
    """A version's exchanges as schema dicts with their stored uids."""
    rows = list(
        session.scalars(
            select(Exchange).where(Exchange.version_id == version.id).order_by(Exchange.position)
        )
    )
    if rows:
        return [_exchange_dict(r) for r in rows], [r.uid for r in rows]
    # No exchange rows (should not happen): fall back on the stored JSON, with fresh ids.
    exchanges = list((version.data or {}).get("exchanges") or [])
    return exchanges, [new_uid() for _ in exchanges]


def _exchange_dict(row: Exchange) -> dict[str, Any]:
    return {
        "index": row.position,
        "kind": row.kind,
        "asker": row.asker,
        "question": row.question,
        "answerer": row.answerer,
        "answer": row.answer,
        "follow_up": bool(row.follow_up),
        "after_conference": bool(row.after_conference),
        "turns": list(row.turns or []),
    }


# --- the ledger -----------------------------------------------------------------------


@dataclass(slots=True)
class ChangeEventView:
    id: int
    type: str
    cause: str
    detected_at: datetime
    briefing_id: int
    briefing_url: str
    source: str
    held_on: date | None
    title: str | None
    from_version: int | None
    to_version: int | None
    exchange_uid: str | None
    asker: str | None
    answerer: str | None
    index_before: int | None
    index_after: int | None
    fields: list[str] | None
    before: str | None
    after: str | None
    detail: dict[str, Any] | None

    @property
    def index(self) -> int | None:
        return self.index_after if self.index_after is not None else self.index_before

    @property
    def word_diff(self) -> list[list[str]] | None:
        return (self.detail or {}).get("word_diff")

    def to_json(self) -> dict[str, Any]:
        exchange = None
        if self.exchange_uid is not None:
            exchange = {
                "id": self.exchange_uid,
                "asker": self.asker,
                "answerer": self.answerer,
                "index": self.index,
                "index_before": self.index_before,
                "index_after": self.index_after,
                "fields": self.fields,
                "before": self.before,
                "after": self.after,
            }
        return {
            "id": self.id,
            "type": self.type,
            "cause": self.cause,
            "detected_at": _iso(self.detected_at),
            "briefing": {
                "id": self.briefing_id,
                "url": self.briefing_url,
                "source": self.source,
                "held_on": self.held_on.isoformat() if self.held_on else None,
                "title": self.title,
            },
            "from_version": self.from_version,
            "to_version": self.to_version,
            "exchange": exchange,
            "detail": self.detail,
        }


def change_ledger(
    session: Session,
    *,
    since: datetime | None = None,
    source: str | None = None,
    types: list[str] | tuple[str, ...] | None = None,
    include_parser: bool = False,
    limit: int | None = None,
) -> list[ChangeEventView]:
    """Change events across the archive, newest first.

    Parser-caused events (a better parser, not the ministry) are left out unless
    ``include_parser``.
    """
    query = select(ChangeEvent, Briefing).join(Briefing, Briefing.id == ChangeEvent.briefing_id)
    if since is not None:
        query = query.where(ChangeEvent.detected_at >= since)
    if source:
        query = query.where(Briefing.source == source)
    if types:
        query = query.where(ChangeEvent.type.in_(list(types)))
    if not include_parser:
        query = query.where(ChangeEvent.cause != "parser")
    query = query.order_by(ChangeEvent.detected_at.desc(), ChangeEvent.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [_view(event, briefing) for event, briefing in session.execute(query)]


def _view(event: ChangeEvent, briefing: Briefing) -> ChangeEventView:
    return ChangeEventView(
        id=event.id,
        type=event.type,
        cause=event.cause,
        detected_at=event.detected_at,
        briefing_id=briefing.id,
        briefing_url=briefing.url,
        source=briefing.source,
        held_on=briefing.held_on,
        title=briefing.title,
        from_version=event.from_version,
        to_version=event.to_version,
        exchange_uid=event.exchange_uid,
        asker=event.asker,
        answerer=event.answerer,
        index_before=event.index_before,
        index_after=event.index_after,
        fields=event.fields,
        before=event.before,
        after=event.after,
        detail=event.detail,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
