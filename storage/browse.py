"""Read queries for browsing the archive (the web app and its HTTP API).

Everything here reads; nothing writes. Each query returns frozen dataclasses with a
``to_json()``, re-exported by ``storage.api`` and reached through ``Archive`` methods:

- ``version_exchanges``: one version's exchanges with their stable ids (``uid``);
- ``exchange_spans``: when each exchange was first and last seen, and when its removal was
  confirmed (the diff page's tombstones);
- ``exchange_history``: one exchange across every version that held it, and its events;
- ``provenance``: where a version came from (the capture that stored it: fetch time, HTTP
  status, validators, SHA-256 of the raw page, parser version) and every URL it was seen at;
- ``raw_page``: a stored raw body, for the sandboxed "view the stored page" link;
- ``ledger``: the change ledger with the web filters (outlet, spokesperson, date range) and
  paging;
- ``name_profile``: one outlet's or spokesperson's exchanges per month and the events that
  touched their exchanges; ``trends``: exchanges, edits and removals per month by source.

The month of an exchange is the month its briefing was held; the month of an edit or a
removal is the month it was detected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from sqlalchemy import ColumnElement, distinct, func, literal, or_, select
from sqlalchemy.orm import Session, defer

from storage import rawstore
from storage.changes import SNAPSHOT, briefing_ref, event_of_row, version_rows, versions_of
from storage.enums import ChangeType, VersionCause
from storage.errors import BadQuery, NotFound
from storage.events import BriefingRef, ChangeEvent
from storage.identity import find_briefing
from storage.models import Briefing, BriefingLocation, Capture, Exchange, RawBody, Version
from storage.models import ChangeEvent as ChangeEventRow

Role = Literal["asker", "answerer"]
ROLES: tuple[Role, ...] = ("asker", "answerer")
MAX_PAGE = 500  # the most events one ledger page may ask for
MAX_UID_CHARS = 64


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------------------- exchanges


@dataclass(frozen=True, slots=True)
class ExchangeRow:
    """One exchange of one version, with the id it keeps across versions."""

    uid: str
    position: int
    kind: str
    asker: str | None
    question: str | None
    answerer: str | None
    answer: str | None
    follow_up: bool
    after_conference: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.uid,
            "index": self.position,
            "kind": self.kind,
            "asker": self.asker,
            "question": self.question,
            "answerer": self.answerer,
            "answer": self.answer,
            "follow_up": self.follow_up,
            "after_conference": self.after_conference,
        }


def _row_of(e: Exchange) -> ExchangeRow:
    return ExchangeRow(
        uid=e.uid,
        position=e.position,
        kind=e.kind,
        asker=e.asker,
        question=e.question,
        answerer=e.answerer,
        answer=e.answer,
        follow_up=bool(e.follow_up),
        after_conference=bool(e.after_conference),
    )


def _version(session: Session, briefing: Briefing, number: int | None) -> Version:
    if session.info.get(SNAPSHOT):  # the versions the page already loaded
        found = [
            v
            for v in versions_of(session, briefing.id)
            if (v.number == number if number is not None else v.is_latest)
        ]
        if found:
            return found[0]
    chosen = Version.number == number if number is not None else Version.is_latest.is_(True)
    version = session.scalar(
        select(Version)
        .where(Version.briefing_id == briefing.id, chosen)
        .options(defer(Version.data))
    )
    if version is None:
        which = f"version {number}" if number is not None else "a latest version"
        raise NotFound(f"briefing {briefing.id} has no {which}")
    return version


def version_exchanges(
    session: Session, ref: str | int, number: int | None = None
) -> tuple[ExchangeRow, ...]:
    """The exchanges of version ``number`` of a briefing (default: the latest), in order."""
    version = _version(session, find_briefing(session, ref), number)
    return tuple(_row_of(e) for e in version_rows(session, version.id))


@dataclass(frozen=True, slots=True)
class ExchangeSpan:
    """How long one exchange (by uid) was on the page."""

    uid: str
    first_version: int
    last_version: int
    first_seen: datetime  # when the first version holding it was first seen
    last_seen: datetime  # when the last version holding it was last seen
    removed_at: datetime | None  # when its latest removal was confirmed (recorded)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.uid,
            "first_version": self.first_version,
            "last_version": self.last_version,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "removed_at": _iso(self.removed_at),
        }


def exchange_spans(
    session: Session, briefing_id: int, uids: Sequence[str]
) -> dict[str, ExchangeSpan]:
    """First/last seen and confirmed-removal times of the given exchanges of a briefing."""
    if not uids:
        return {}
    wanted = list(dict.fromkeys(uids))
    rows = session.execute(
        select(
            Exchange.uid,
            func.min(Version.number),
            func.max(Version.number),
            func.min(Version.first_seen),
            func.max(Version.last_seen),
        )
        .join(Version, Version.id == Exchange.version_id)
        .where(Exchange.briefing_id == briefing_id, Exchange.uid.in_(wanted))
        .group_by(Exchange.uid)
    ).all()
    removals = dict(
        session.execute(
            select(ChangeEventRow.exchange_uid, func.max(ChangeEventRow.detected_at))
            .where(
                ChangeEventRow.briefing_id == briefing_id,
                ChangeEventRow.exchange_uid.in_(wanted),
                ChangeEventRow.type == ChangeType.REMOVED,
            )
            .group_by(ChangeEventRow.exchange_uid)
        ).all()
    )
    return {
        uid: ExchangeSpan(
            uid=uid,
            first_version=first_n,
            last_version=last_n,
            first_seen=first_seen,
            last_seen=last_seen,
            removed_at=removals.get(uid),
        )
        for uid, first_n, last_n, first_seen, last_seen in rows
    }


@dataclass(frozen=True, slots=True)
class ExchangeVersion:
    """One exchange as one version held it."""

    version: int
    first_seen: datetime
    last_seen: datetime
    is_latest: bool
    exchange: ExchangeRow

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "is_latest": self.is_latest,
            "exchange": self.exchange.to_json(),
        }


@dataclass(frozen=True, slots=True)
class ExchangeHistory:
    """One exchange (``uid``) across every version of its briefing that held it."""

    uid: str
    briefing: BriefingRef
    briefing_status: str
    latest_version: int  # the briefing's latest version number
    versions: tuple[ExchangeVersion, ...]  # oldest first
    events: tuple[ChangeEvent, ...]  # oldest first
    span: ExchangeSpan

    @property
    def current(self) -> bool:
        """Still on the page: the briefing's latest version holds it."""
        return bool(self.versions) and self.versions[-1].version == self.latest_version

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.uid,
            "briefing": self.briefing.to_json(),
            "briefing_status": self.briefing_status,
            "latest_version": self.latest_version,
            "current": self.current,
            "span": self.span.to_json(),
            "versions": [v.to_json() for v in self.versions],
            "events": [e.to_json() for e in self.events],
        }


def exchange_history(session: Session, uid: str) -> ExchangeHistory:
    """Every version that held exchange ``uid`` and every change event about it."""
    uid = uid.strip()
    # Exchange ids are hex (storage.diff.new_uid); anything else names no exchange, and a
    # NUL would not even reach PostgreSQL as text.
    if not uid or len(uid) > MAX_UID_CHARS or not uid.isalnum() or not uid.isascii():
        raise NotFound(f"no exchange with id {uid[:MAX_UID_CHARS]!r}")
    rows = session.execute(
        select(Exchange, Version.number, Version.first_seen, Version.last_seen, Version.is_latest)
        .join(Version, Version.id == Exchange.version_id)
        .where(Exchange.uid == uid)
        .order_by(Exchange.briefing_id, Version.number)
    ).all()
    if not rows:
        raise NotFound(f"no exchange with id {uid!r}")
    briefing_id = rows[0][0].briefing_id  # an id names one briefing's exchange
    briefing = session.get(Briefing, briefing_id)
    assert briefing is not None
    versions = tuple(
        ExchangeVersion(n, first, last, bool(latest), _row_of(e))
        for e, n, first, last, latest in rows
        if e.briefing_id == briefing_id
    )
    latest = session.scalar(
        select(func.max(Version.number)).where(Version.briefing_id == briefing_id)
    )
    ref = briefing_ref(briefing)
    events = tuple(
        event_of_row(row, ref)
        for row in session.scalars(
            select(ChangeEventRow)
            .where(ChangeEventRow.briefing_id == briefing_id, ChangeEventRow.exchange_uid == uid)
            .order_by(ChangeEventRow.detected_at, ChangeEventRow.id)
        )
    )
    span = exchange_spans(session, briefing_id, [uid])[uid]
    return ExchangeHistory(
        uid=uid,
        briefing=ref,
        briefing_status=str(briefing.status),
        latest_version=int(latest or 0),
        versions=versions,
        events=events,
        span=span,
    )


# ---------------------------------------------------------------------------- provenance


@dataclass(frozen=True, slots=True)
class VersionProvenance:
    """Where one stored version came from."""

    briefing_id: int
    version: int
    cause: str
    parser_version: str
    first_seen: datetime
    last_seen: datetime
    capture_id: int | None  # the fetch that stored it (None: imported without one)
    fetched_at: datetime | None
    url: str | None  # as requested
    final_url: str | None  # after redirects
    status_code: int | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    sha256: str | None  # of the stored raw page
    size: int | None  # of the raw page, uncompressed
    urls: tuple[str, ...]  # every URL a fetch found this version at, first seen first
    captures: int  # fetches that found this version

    def to_json(self) -> dict[str, Any]:
        return {
            "briefing_id": self.briefing_id,
            "version": self.version,
            "cause": self.cause,
            "parser_version": self.parser_version,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "capture_id": self.capture_id,
            "fetched_at": _iso(self.fetched_at),
            "url": self.url,
            "final_url": self.final_url,
            "status_code": self.status_code,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "content_type": self.content_type,
            "sha256": self.sha256,
            "size": self.size,
            "urls": list(self.urls),
            "captures": self.captures,
        }


def provenance(session: Session, ref: str | int, number: int | None = None) -> VersionProvenance:
    briefing = find_briefing(session, ref)
    version = _version(session, briefing, number)
    capture = session.get(Capture, version.capture_id) if version.capture_id else None
    size = None
    if capture is not None and capture.body_sha256:
        size = session.scalar(select(RawBody.size).where(RawBody.sha256 == capture.body_sha256))
    seen = session.execute(
        select(Capture.url, Capture.final_url)
        .where(or_(Capture.version_id == version.id, Capture.id == version.capture_id))
        .order_by(Capture.id)
    ).all()
    urls = list(dict.fromkeys(u for pair in seen for u in pair if u))
    return VersionProvenance(
        briefing_id=briefing.id,
        version=version.number,
        cause=str(version.cause),
        parser_version=version.parser_version,
        first_seen=version.first_seen,
        last_seen=version.last_seen,
        capture_id=capture.id if capture else None,
        fetched_at=capture.fetched_at if capture else None,
        url=capture.url if capture else None,
        final_url=capture.final_url if capture else None,
        status_code=capture.status_code if capture else None,
        etag=capture.etag if capture else None,
        last_modified=capture.last_modified if capture else None,
        content_type=capture.content_type if capture else None,
        sha256=capture.body_sha256 if capture else None,
        size=size,
        urls=tuple(urls),
        captures=len(seen),
    )


@dataclass(frozen=True, slots=True)
class RawPage:
    """A stored response body, byte for byte as fetched."""

    sha256: str
    content_type: str | None  # as the server sent it with the first capture
    body: bytes


def raw_page(session: Session, sha256: str) -> RawPage:
    sha = sha256.strip().lower()
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise BadQuery("a page is named by the 64 hex digits of its SHA-256")
    try:
        body = rawstore.get(session, sha)
    except KeyError:
        raise NotFound(f"no stored page with sha256 {sha}") from None
    content_type = session.scalar(
        select(Capture.content_type)
        .where(Capture.body_sha256 == sha, Capture.content_type.is_not(None))
        .order_by(Capture.id)
        .limit(1)
    )
    return RawPage(sha256=sha, content_type=content_type, body=body)


# ---------------------------------------------------------------------------- the ledger


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    """The web app's filters of the change ledger. ``asker``/``answerer``: a
    case-insensitive part of the name; ``since``/``until``: detection dates, inclusive."""

    source: str | None = None
    types: tuple[str, ...] = ()
    asker: str | None = None
    answerer: str | None = None
    since: date | None = None
    until: date | None = None
    include_parser: bool = False
    # Edits of typography only (storage.cosmetic): hidden unless asked for.
    include_cosmetic: bool = False
    # Switches of a page serving two contents in turn (storage.flapping): held back.
    include_suppressed: bool = False
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class LedgerPage:
    events: tuple[ChangeEvent, ...]
    offset: int
    limit: int
    has_more: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "offset": self.offset,
            "limit": self.limit,
            "has_more": self.has_more,
            "events": [e.to_json() for e in self.events],
        }


def is_cosmetic(event: ChangeEvent) -> bool:
    """Whether the ledger classified ``event`` as an edit of typography only."""
    return event.cosmetic


def _like(value: str) -> str:
    from storage.search import like_contains

    return like_contains(value.strip())


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def ledger(session: Session, flt: LedgerFilter) -> LedgerPage:
    """Change events matching ``flt``, newest first, one page of them."""
    if not 1 <= flt.limit <= MAX_PAGE:
        raise BadQuery(f"limit must be between 1 and {MAX_PAGE}")
    if flt.offset < 0:
        raise BadQuery("offset must not be negative")
    try:
        types = [ChangeType(t) for t in flt.types]
    except ValueError as exc:
        raise BadQuery(f"unknown change type: {exc}") from None
    happened = func.coalesce(ChangeEventRow.observed_before, ChangeEventRow.detected_at)
    # First the page of event ids, from change_event alone, newest first: the order of
    # migration 0010's index ix_change_event_happened, which both backends walk from the
    # newest end and leave after one page (the source filter is a correlated EXISTS so it
    # cannot talk the planner into scanning briefings and sorting all their events instead).
    # Then the page's rows with their briefings.
    ids = select(ChangeEventRow.id)
    if not flt.include_cosmetic:
        ids = ids.where(ChangeEventRow.cosmetic.is_(False))
    if not flt.include_suppressed:
        ids = ids.where(ChangeEventRow.suppressed.is_(None))
    if flt.source:
        ids = ids.where(
            select(Briefing.id)
            .where(Briefing.id == ChangeEventRow.briefing_id, Briefing.source == flt.source)
            .exists()
        )
    if types:
        ids = ids.where(ChangeEventRow.type.in_(types))
    if flt.asker:
        ids = ids.where(ChangeEventRow.asker.ilike(_like(flt.asker), escape="\\"))
    if flt.answerer:
        ids = ids.where(ChangeEventRow.answerer.ilike(_like(flt.answerer), escape="\\"))
    if flt.since:
        ids = ids.where(happened >= _day_start(flt.since))
    if flt.until:
        ids = ids.where(happened < _day_start(flt.until) + _ONE_DAY)
    if not flt.include_parser:
        ids = ids.where(ChangeEventRow.cause != VersionCause.PARSER)
    order = (happened.desc(), ChangeEventRow.id.desc())
    page = ids.order_by(*order).offset(flt.offset).limit(flt.limit + 1).subquery()
    query = (
        select(ChangeEventRow, Briefing, BriefingLocation.url)
        .join(page, page.c.id == ChangeEventRow.id)
        .join(Briefing, Briefing.id == ChangeEventRow.briefing_id)
        .outerjoin(BriefingLocation, BriefingLocation.id == ChangeEventRow.location_id)
        .order_by(*order)
    )
    rows = session.execute(query).all()
    events = [event_of_row(row, briefing_ref(b), url) for row, b, url in rows]
    has_more = len(events) > flt.limit
    return LedgerPage(tuple(events[: flt.limit]), flt.offset, flt.limit, has_more)


# ---------------------------------------------------------------------------- counts


@dataclass(frozen=True, slots=True)
class MonthCount:
    month: str  # YYYY-MM
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"month": self.month, "count": self.count}


@dataclass(frozen=True, slots=True)
class NameProfile:
    """One outlet (``asker``) or spokesperson (``answerer``)."""

    role: str
    name: str
    exchanges: int  # distinct exchanges (by briefing and uid) under this name
    months: tuple[MonthCount, ...]  # of those, per month held, oldest first
    events: tuple[ChangeEvent, ...]  # edits, removals ... of their exchanges, newest first

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "name": self.name,
            "exchanges": self.exchanges,
            "months": [m.to_json() for m in self.months],
            "events": [e.to_json() for e in self.events],
        }


def month_of(dialect: str, column: Any) -> ColumnElement[str]:
    """``YYYY-MM`` of a date or datetime column, in SQL."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, literal("YYYY-MM"))


def _role_column(role: str) -> Any:
    if role not in ROLES:
        raise BadQuery(f"role must be one of {', '.join(ROLES)}")
    return Exchange.asker if role == "asker" else Exchange.answerer


def name_profile(session: Session, role: str, name: str, *, events: int = 100) -> NameProfile:
    """Exchanges per month under ``name`` (exact), and the events that touched them."""
    column = _role_column(role)
    month = month_of(session.get_bind().dialect.name, Briefing.held_on)
    identities = (
        select(Exchange.briefing_id, Exchange.uid, month.label("month"))
        .join(Briefing, Briefing.id == Exchange.briefing_id)
        .where(column == name)
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(identities.c.month, func.count())
        .group_by(identities.c.month)
        .order_by(identities.c.month)
    ).all()
    if not rows:
        raise NotFound(f"no exchange has {role} {name!r}")
    event_column = ChangeEventRow.asker if role == "asker" else ChangeEventRow.answerer
    found = session.execute(
        select(ChangeEventRow, Briefing)
        .join(Briefing, Briefing.id == ChangeEventRow.briefing_id)
        .where(event_column == name, ChangeEventRow.cause != VersionCause.PARSER)
        .order_by(ChangeEventRow.detected_at.desc(), ChangeEventRow.id.desc())
        .limit(events)
    ).all()
    months = tuple(MonthCount(m or "unknown", int(n)) for m, n in rows)
    return NameProfile(
        role=role,
        name=name,
        exchanges=sum(m.count for m in months),
        months=months,
        events=tuple(event_of_row(row, briefing_ref(b)) for row, b in found),
    )


@dataclass(frozen=True, slots=True)
class TrendRow:
    month: str
    source: str
    exchanges: int  # distinct exchanges of briefings held that month
    edited: int  # edits detected that month (cause page)
    removed: int  # exchange removals detected that month (cause page)

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "source": self.source,
            "exchanges": self.exchanges,
            "edited": self.edited,
            "removed": self.removed,
        }


_ONE_DAY = datetime(2000, 1, 2) - datetime(2000, 1, 1)


def trends(session: Session, *, source: str | None = None) -> tuple[TrendRow, ...]:
    """Per month and source: exchanges held, edits and removals detected."""
    dialect = session.get_bind().dialect.name
    held = month_of(dialect, Briefing.held_on).label("month")
    exchanges = (
        select(held, Briefing.source, func.count(distinct(Exchange.uid)))
        .join(Briefing, Briefing.id == Exchange.briefing_id)
        .group_by(held, Briefing.source)
    )
    detected = month_of(dialect, ChangeEventRow.detected_at).label("month")
    events = (
        select(detected, Briefing.source, ChangeEventRow.type, func.count())
        .join(Briefing, Briefing.id == ChangeEventRow.briefing_id)
        .where(
            ChangeEventRow.cause == VersionCause.PAGE,
            ChangeEventRow.type.in_((ChangeType.EDITED, ChangeType.REMOVED)),
        )
        .group_by(detected, Briefing.source, ChangeEventRow.type)
    )
    if source:
        exchanges = exchanges.where(Briefing.source == source)
        events = events.where(Briefing.source == source)
    table: dict[tuple[str, str], list[int]] = {}
    for month, src, count in session.execute(exchanges):
        if month is not None:
            table.setdefault((month, src), [0, 0, 0])[0] = int(count)
    for month, src, kind, count in session.execute(events):
        slot = 1 if kind == ChangeType.EDITED else 2
        table.setdefault((month, src), [0, 0, 0])[slot] = int(count)
    return tuple(TrendRow(month, src, *counts) for (month, src), counts in sorted(table.items()))
