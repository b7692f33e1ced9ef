"""Read side of change tracking: a briefing's versions, the changes between two of them, and
the ledger of change events across the archive, all as ``storage.events.ChangeEvent``.
Plain SQLAlchemy 2 ``select()``s over ``storage.models``; nothing here writes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from storage.diff import VersionDiff, diff_exchanges, new_uid, summarize
from storage.enums import ASYMMETRY_TYPES, EXCHANGE_CHANGE_TYPES, ChangeType, VersionCause
from storage.errors import NotFound
from storage.events import (
    BriefingRef,
    ChangeEvent,
    Comparison,
    briefing_detail,
    event_from_change,
    exchange_ref_from_stored,
)
from storage.identity import find_briefing
from storage.models import Briefing, BriefingLocation, Exchange, Version
from storage.models import ChangeEvent as ChangeEventRow

T = TypeVar("T")

EXCHANGE_EVENT_TYPES = tuple(EXCHANGE_CHANGE_TYPES)

__all__ = ["NotFound", "briefing_ref", "change_ledger", "find_briefing", "history", "version_diff"]


def briefing_ref(briefing: Briefing) -> BriefingRef:
    return BriefingRef(
        id=briefing.id,
        url=briefing.url,
        source=briefing.source,
        language=briefing.language,
        held_on=briefing.held_on,
        title=briefing.title,
    )


# ``Session.info`` key set by ``Archive.snapshot()``: the session reads one unchanging view of
# the archive (nothing writes through it), so what it loaded once may be reused.
SNAPSHOT = "briefings_snapshot"


def _memo(session: Session, kind: str, key: Any, load: Callable[[], list[T]]) -> list[T]:
    """``load()``, or inside a snapshot what it gave the first time: a page asks for the
    same versions and exchanges several times (history, diff, both sides, provenance)."""
    if not session.info.get(SNAPSHOT):
        return load()
    cache: dict[tuple[str, Any], list[T]] = session.info.setdefault("briefings_memo", {})
    if (kind, key) not in cache:
        cache[(kind, key)] = load()
    return list(cache[(kind, key)])


def versions_of(session: Session, briefing_id: int) -> list[Version]:
    # Without ``data`` (the whole parsed transcript as JSON, read only in a rare fallback):
    # history and diffs need the versions' numbers and times, not their text.
    return _memo(
        session,
        "versions",
        briefing_id,
        lambda: list(
            session.scalars(
                select(Version)
                .where(Version.briefing_id == briefing_id)
                .order_by(Version.number)
                .options(defer(Version.data))
            )
        ),
    )


def version_rows(session: Session, version_id: int) -> list[Exchange]:
    """A version's exchange rows, in order."""
    return _memo(
        session,
        "exchanges",
        version_id,
        lambda: list(
            session.scalars(
                select(Exchange)
                .where(Exchange.version_id == version_id)
                .order_by(Exchange.position)
            )
        ),
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
    location: str | None = None  # the URL whose line this version is in
    replaced_chars: int = 0  # characters the page's bytes could not be decoded to

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
            "location": self.location,
            "replaced_chars": self.replaced_chars,
        }


@dataclass(frozen=True, slots=True)
class LocationSummary:
    """One URL a briefing lives at, and which version it serves."""

    url: str
    status: str
    status_reason: str | None
    first_seen: datetime
    last_seen: datetime
    serves: int | None  # the number of the latest version of its line
    current: bool  # the copy whose text is the briefing's current text
    unstable: bool  # serving two contents in turn (storage.flapping)

    def __str__(self) -> str:
        return self.url

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": str(self.status),
            "status_reason": self.status_reason,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "serves_version": self.serves,
            "current": self.current,
            "unstable": self.unstable,
        }


@dataclass(slots=True)
class BriefingHistory:
    id: int
    url: str
    source: str
    language: str
    held_on: date | None
    title: str | None
    status: str
    locations: list[LocationSummary]
    versions: list[VersionSummary]
    events: list[ChangeEvent]  # not about one exchange: removed, restored, moved, republished …
    status_reason: str | None = None
    status_since: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "source": self.source,
            "language": self.language,
            "held_on": self.held_on.isoformat() if self.held_on else None,
            "title": self.title,
            "status": str(self.status),
            "status_reason": self.status_reason,
            "status_since": _iso(self.status_since),
            "locations": [loc.to_json() for loc in self.locations],
            "versions": [v.to_json() for v in self.versions],
            "events": [e.to_json() for e in self.events],
        }


def history(session: Session, ref: str | int) -> BriefingHistory:
    """Every version of a briefing, oldest first, each with a one-line change summary."""
    briefing = find_briefing(session, ref)
    versions = versions_of(session, briefing.id)
    counts = _event_counts(session, briefing.id)
    urls = {loc.id: loc.url for loc in briefing.locations}
    events = _briefing_events(session, briefing)
    firsts = _line_starts(session, briefing.id, events)
    summaries = [
        _version_summary(session, v, versions, counts, urls, firsts.get(v.number)) for v in versions
    ]
    return BriefingHistory(
        id=briefing.id,
        url=briefing.url,
        source=briefing.source,
        language=briefing.language,
        held_on=briefing.held_on,
        title=briefing.title,
        status=briefing.status,
        status_reason=briefing.status_reason,
        status_since=briefing.status_since,
        locations=_locations(session, briefing),
        versions=summaries,
        events=events,
    )


def _locations(session: Session, briefing: Briefing) -> list[LocationSummary]:
    from storage import timeline

    summaries = []
    for location in sorted(briefing.locations, key=lambda loc: loc.url):
        latest = timeline.latest_of_line(session, location)
        summaries.append(
            LocationSummary(
                url=location.url,
                status=location.status,
                status_reason=location.status_reason,
                first_seen=location.first_seen,
                last_seen=location.last_seen,
                serves=latest.number if latest else None,
                current=location.url == briefing.url,
                unstable=bool(location.flap),
            )
        )
    return summaries


def _line_starts(session: Session, briefing_id: int, events: list[ChangeEvent]) -> dict[int, str]:
    """Version number -> what made it the first of its line (a republication, a move)."""
    starts: dict[int, str] = {}
    for event in events:
        if event.type == ChangeType.REPUBLISHED and event.to_version is not None:
            summary = event.detail.get("summary") or "text differs"
            cosmetic = " (typography only)" if event.cosmetic else ""
            starts[event.to_version] = (
                f"republished at {event.detail.get('url')}: {summary}{cosmetic}"
            )
        elif event.type == ChangeType.BRIEFING_MOVED and event.to_version is not None:
            starts.setdefault(event.to_version, f"moved to {event.detail.get('to')}")
    return starts


def _event_counts(session: Session, briefing_id: int) -> dict[int, Counter[str]]:
    """Exchange-event counts per version number they led to."""
    rows = session.execute(
        select(ChangeEventRow.to_version, ChangeEventRow.type, ChangeEventRow.cosmetic).where(
            ChangeEventRow.briefing_id == briefing_id,
            ChangeEventRow.type.in_(EXCHANGE_EVENT_TYPES),
        )
    )
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for to_version, kind, cosmetic in rows:
        if to_version is not None:
            counts[to_version]["cosmetic" if cosmetic else kind] += 1
    return counts


def _version_summary(
    session: Session,
    version: Version,
    versions: list[Version],
    counts: dict[int, Counter[str]],
    urls: dict[int, str],
    line_start: str | None,
) -> VersionSummary:
    if version.number in counts:
        tally = dict(counts[version.number])
    elif line_start is not None or version.number == versions[0].number:
        tally = {}
    else:
        # No events stored for this version (older archive, or a parser-only change that
        # moved no exchange): work it out from the stored exchanges.
        previous = max((v for v in versions if v.number < version.number), key=lambda v: v.number)
        tally = _diff_rows(session, previous, version).counts()
    if line_start is not None:
        summary = line_start
    elif version.number == versions[0].number and not tally:
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
        location=urls.get(version.location_id) if version.location_id else None,
        replaced_chars=version.replaced_chars,
    )


def _briefing_events(session: Session, briefing: Briefing) -> list[ChangeEvent]:
    rows = session.scalars(
        select(ChangeEventRow)
        .where(
            ChangeEventRow.briefing_id == briefing.id,
            ChangeEventRow.type.not_in(EXCHANGE_EVENT_TYPES),
            ChangeEventRow.type.not_in(ASYMMETRY_TYPES),  # `asymmetries` lists them
        )
        .order_by(ChangeEventRow.detected_at, ChangeEventRow.id)
    )
    ref = briefing_ref(briefing)
    return [event_of_row(row, ref) for row in rows]


# --- version diff ---------------------------------------------------------------------


def version_diff(
    session: Session, ref: str | int, from_n: int | None = None, to_n: int | None = None
) -> Comparison:
    """The exchange-level changes between two versions (default: the latest and the one
    before), as events.

    Exchanges keep the ids the archive gave them, so the diff names the same exchanges as
    the change ledger does.
    """
    briefing = find_briefing(session, ref)
    versions = {v.number: v for v in versions_of(session, briefing.id)}
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
    old, new = versions[from_n], versions[to_n]
    diff = _diff_rows(session, old, new)
    ref_ = briefing_ref(briefing)
    # One step of the ledger keeps the cause it was recorded with; a longer span is a
    # parser change only when every version after ``old`` up to ``new`` was one.
    span = [v for n, v in versions.items() if old.number < n <= new.number]
    cause = (
        VersionCause.PARSER
        if span and all(v.cause == VersionCause.PARSER for v in span)
        else VersionCause.PAGE
    )
    changes = tuple(
        event_from_change(change, ref_, from_version=old.number, to_version=new.number, cause=cause)
        for change in diff.changes
    )
    return Comparison(ref_, old.number, new.number, changes)


def _diff_rows(session: Session, old: Version, new: Version) -> VersionDiff:
    before, before_uids = _exchanges(session, old)
    after, after_uids = _exchanges(session, new)
    result = diff_exchanges(before, after, before_uids, after_uids)
    result.from_version, result.to_version = old.number, new.number
    return result


def _exchanges(session: Session, version: Version) -> tuple[list[dict[str, Any]], list[str]]:
    """A version's exchanges as schema dicts with their stored uids."""
    rows = version_rows(session, version.id)
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


def change_ledger(
    session: Session,
    *,
    since: datetime | None = None,
    source: str | None = None,
    types: list[str] | tuple[str, ...] | None = None,
    include_parser: bool = False,
    include_cosmetic: bool = False,
    include_suppressed: bool = False,
    limit: int | None = None,
    ids: list[int] | None = None,
) -> list[ChangeEvent]:
    """Change events across the archive, newest first.

    Parser-caused events (a better parser, not the ministry) are left out unless
    ``include_parser``.
    """
    happened = func.coalesce(ChangeEventRow.observed_before, ChangeEventRow.detected_at)
    query = (
        select(ChangeEventRow, Briefing, BriefingLocation.url)
        .join(Briefing, Briefing.id == ChangeEventRow.briefing_id)
        .outerjoin(BriefingLocation, BriefingLocation.id == ChangeEventRow.location_id)
    )
    if since is not None:
        query = query.where(happened >= since)
    if not include_cosmetic:
        query = query.where(ChangeEventRow.cosmetic.is_(False))
    if not include_suppressed:
        query = query.where(ChangeEventRow.suppressed.is_(None))
    if source:
        query = query.where(Briefing.source == source)
    if types:
        query = query.where(ChangeEventRow.type.in_([ChangeType(t) for t in types]))
    if not include_parser:
        query = query.where(ChangeEventRow.cause != VersionCause.PARSER)
    if ids is not None:
        query = query.where(ChangeEventRow.id.in_(ids))
    query = query.order_by(happened.desc(), ChangeEventRow.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [event_of_row(row, briefing_ref(b), url) for row, b, url in session.execute(query)]


def event_of_row(
    row: ChangeEventRow, briefing: BriefingRef, location: str | None = None
) -> ChangeEvent:
    """A stored change_event row as the one event type."""
    return ChangeEvent(
        id=row.id,
        type=ChangeType(row.type),
        cause=VersionCause(row.cause),
        detected_at=row.detected_at,
        briefing=briefing,
        from_version=row.from_version,
        to_version=row.to_version,
        exchange=exchange_ref_from_stored(
            uid=row.exchange_uid,
            asker=row.asker,
            answerer=row.answerer,
            index_before=row.index_before,
            index_after=row.index_after,
            fields=row.fields,
            before=row.before,
            after=row.after,
            detail=row.detail,
        ),
        detail=briefing_detail(row.detail),
        cosmetic=bool(row.cosmetic),
        suppressed=row.suppressed,
        location=location,
        observed_after=row.observed_after,
        observed_before=row.observed_before,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def run_events(
    session: Session, run_id: int | None, source: str, started: datetime
) -> list[ChangeEvent]:
    """Change events a run recorded, oldest first.

    Events are tied to a run through their capture; events without a capture are taken
    from the run's time window for its source.
    """
    from sqlalchemy import or_

    from storage.models import Capture

    linked = select(Capture.id).where(Capture.run_id == run_id)
    ids = list(
        session.scalars(
            select(ChangeEventRow.id)
            .join(Briefing, Briefing.id == ChangeEventRow.briefing_id)
            .where(
                or_(
                    ChangeEventRow.capture_id.in_(linked),
                    ChangeEventRow.capture_id.is_(None) & (ChangeEventRow.detected_at >= started),
                )
            )
            .where(Briefing.source == source)
        )
    )
    if not ids:
        return []
    events = change_ledger(
        session, ids=ids, include_parser=True, include_cosmetic=True, include_suppressed=True
    )
    return list(reversed(events))
