"""Reading the archive: one briefing at a version (show), the list of briefings, statistics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from storage.align import Outlet, OutletTable, default_table
from storage.align.outlets import is_generic
from storage.enums import BriefingStatus, ChangeType, VersionCause
from storage.errors import BadQuery, NotFound
from storage.identity import find_briefing
from storage.models import Briefing, ChangeEvent, Exchange, Version

STATS_KEYS = ("asker", "answerer", "month", "source", "outlet")
NONE_LABEL = "(none)"

__all__ = [
    "STATS_KEYS",
    "BriefingRow",
    "NotFound",
    "ShownVersion",
    "StatsRow",
    "list_briefings",
    "show",
    "stats",
]


@dataclass(slots=True)
class ShownVersion:
    briefing_id: int
    source: str
    status: str
    version: int
    versions: int
    cause: str
    first_seen: datetime
    last_seen: datetime
    data: dict[str, Any]  # the stored schema-v1 object
    status_reason: str | None = None
    status_since: datetime | None = None
    confirm_due: datetime | None = None  # a suspect's second fetch may confirm it from then
    locations: list[tuple[str, str, int | None]] = field(
        default_factory=list
    )  # url, status, serves
    replaced_chars: int = 0  # characters the page's bytes could not be decoded to


# ---------------------------------------------------------------------------- show


def confirm_due(status: str, since: datetime | None, confirm_after: timedelta) -> datetime | None:
    """When a suspect briefing's next fetch may confirm the suspicion (None: not suspect)."""
    if status != BriefingStatus.SUSPECT or since is None:
        return None
    return since + confirm_after


def show(
    session: Session,
    ref: str,
    version: int | None = None,
    *,
    confirm_after: timedelta = timedelta(hours=1),
) -> ShownVersion:
    """The transcript of briefing ``ref`` as stored at ``version`` (default: the latest)."""
    briefing = find_briefing(session, ref)
    briefing_id = briefing.id
    count = session.scalar(select(func.count()).where(Version.briefing_id == briefing_id))
    chosen = Version.number == version if version is not None else Version.is_latest.is_(True)
    row = session.execute(
        select(
            Version.number,
            Version.cause,
            Version.first_seen,
            Version.last_seen,
            Version.data,
            Version.replaced_chars,
        ).where(Version.briefing_id == briefing_id, chosen)
    ).first()
    if row is None:
        which = f"version {version}" if version is not None else "a version"
        raise NotFound(f"briefing {briefing_id} has no {which} (it has {count})")
    return ShownVersion(
        briefing_id=briefing_id,
        source=briefing.source,
        status=briefing.status,
        version=row.number,
        versions=count or 0,
        cause=row.cause,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        data=row.data,
        status_reason=briefing.status_reason,
        status_since=briefing.status_since,
        confirm_due=confirm_due(briefing.status, briefing.status_since, confirm_after),
        locations=_served(session, briefing),
        replaced_chars=row.replaced_chars or 0,
    )


def _served(session: Session, briefing: Briefing) -> list[tuple[str, str, int | None]]:
    from storage import timeline

    served = []
    for location in timeline.briefing_locations(session, briefing.id):
        latest = timeline.latest_of_line(session, location)
        served.append((location.url, str(location.status), latest.number if latest else None))
    return served


# ---------------------------------------------------------------------------- list


@dataclass(frozen=True, slots=True)
class BriefingRow:
    """One briefing in ``list``: its latest state and how many versions it has."""

    id: int
    source: str
    language: str
    held_on: date | None
    title: str | None
    url: str
    status: str
    versions: int
    exchanges: int | None  # in the latest version
    status_reason: str | None = None
    status_since: datetime | None = None
    confirm_due: datetime | None = None  # a suspect's second fetch may confirm it from then

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "language": self.language,
            "held_on": _iso(self.held_on),
            "title": self.title,
            "url": self.url,
            "status": str(self.status),
            "versions": self.versions,
            "exchanges": self.exchanges,
            "status_reason": self.status_reason,
            "status_since": self.status_since.isoformat() if self.status_since else None,
            "confirm_due": self.confirm_due.isoformat() if self.confirm_due else None,
        }


def list_briefings(
    session: Session,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str | None = None,
    limit: int | None = None,
    confirm_after: timedelta = timedelta(hours=1),
) -> list[BriefingRow]:
    """Briefings newest first, with their version count and the latest exchange count."""
    versions = (
        select(func.count())
        .where(Version.briefing_id == Briefing.id)
        .correlate(Briefing)
        .scalar_subquery()
    )
    latest = (
        select(Version.exchange_count)
        .where(Version.briefing_id == Briefing.id, Version.is_latest.is_(True))
        .correlate(Briefing)
        .scalar_subquery()
    )
    stmt = select(
        Briefing.id,
        Briefing.source,
        Briefing.language,
        Briefing.held_on,
        Briefing.title,
        Briefing.url,
        Briefing.status,
        Briefing.status_reason,
        Briefing.status_since,
        versions.label("versions"),
        latest.label("exchanges"),
    ).order_by(Briefing.held_on.desc().nulls_last(), Briefing.id.desc())
    stmt = stmt.where(*_briefing_filters(source=source, since=since, until=until))
    if status:
        stmt = stmt.where(Briefing.status == status)
    if limit:
        stmt = stmt.limit(limit)
    return [
        BriefingRow(
            **row._asdict(),
            confirm_due=confirm_due(row.status, row.status_since, confirm_after),
        )
        for row in session.execute(stmt).all()
    ]


def _briefing_filters(*, source: str | None, since: date | None, until: date | None) -> list[Any]:
    clauses = []
    if source:
        clauses.append(Briefing.source == source)
    if since:
        clauses.append(Briefing.held_on >= since)
    if until:
        clauses.append(Briefing.held_on <= until)
    return clauses


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# ---------------------------------------------------------------------------- stats


@dataclass(frozen=True, slots=True)
class StatsRow:
    """Figures for one value of ``by``. ``exchanges`` counts every exchange the archive ever
    saw (each once, however many versions hold it); ``current`` those in their briefing's
    current version: the rows ``export`` writes. They differ by the exchanges later removed
    or edited away. ``edited`` and ``removed``: the ministry's changes, not cosmetic ones."""

    key: str  # the value of the ``by`` field (``NONE_LABEL`` for none)
    exchanges: int
    questions: int
    edited: int
    removed: int
    current: int = 0
    # ``by="outlet"``: the canonical outlet's id (None for a label the outlet table does
    # not know) and the labels as printed behind the row.
    outlet: str | None = None
    labels: tuple[tuple[str, int], ...] = ()

    def to_json(self, by: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            by: self.key,
            "exchanges": self.exchanges,
            "current": self.current,
            "questions": self.questions,
            "edited": self.edited,
            "removed": self.removed,
        }
        if by == "outlet":
            data["outlet_id"] = self.outlet
            data["labels"] = [{"label": label, "exchanges": n} for label, n in self.labels]
        return data


def stats(
    session: Session,
    *,
    by: str = "asker",
    since: date | None = None,
    source: str | None = None,
    outlets: OutletTable | None = None,
) -> list[StatsRow]:
    """Exchanges and questions per ``by`` key, and how many were later edited or removed.

    Each exchange is counted once however many versions hold it (by briefing and ``uid``),
    under its most recent asker/answerer. "Edited" and "removed" come from change events of
    cause ``page`` (the ministry's edits, not parser changes; asymmetry findings between
    the two languages are never counted). ``by="outlet"`` groups the askers by canonical
    outlet through ``outlets`` (the archive's outlet table).
    """
    if by not in STATS_KEYS:
        raise BadQuery(f"--by must be one of {', '.join(STATS_KEYS)}")
    if by == "outlet":
        by_label = _stats_rows(session, "asker", since, source, per_language=True)
        return outlet_rows(by_label, outlets or default_table())
    return [row for row, _ in _stats_rows(session, by, since, source)]


def _stats_rows(
    session: Session,
    by: str,
    since: date | None,
    source: str | None,
    *,
    per_language: bool = False,
) -> list[tuple[StatsRow, str]]:
    """``(row, language)`` per key (and per language of the briefing with
    ``per_language``; else the language is "")."""
    idents = _exchange_identities(since=since, source=source)
    changes = _page_changes()
    key = _stats_key(session.get_bind().dialect.name, idents, by)
    language = idents.c.language if per_language else literal("")
    per_exchange = (
        select(
            key.label("key"),
            language.label("language"),
            idents.c.kind,
            idents.c.in_current,
            func.coalesce(changes.c.edited, 0).label("edited"),
            func.coalesce(changes.c.removed, 0).label("removed"),
        )
        .select_from(
            idents.outerjoin(
                changes,
                and_(
                    changes.c.briefing_id == idents.c.briefing_id,
                    changes.c.exchange_uid == idents.c.uid,
                ),
            )
        )
        .where(idents.c.recency == 1)
        .subquery()
    )
    exchanges = func.count().label("exchanges")
    stmt = (
        select(
            per_exchange.c.key,
            per_exchange.c.language,
            exchanges,
            func.sum(case((per_exchange.c.kind == "qa", 1), else_=0)).label("questions"),
            func.sum(per_exchange.c.in_current).label("current"),
            func.sum(per_exchange.c.edited).label("edited"),
            func.sum(per_exchange.c.removed).label("removed"),
        )
        .group_by(per_exchange.c.key, per_exchange.c.language)
        .order_by(
            per_exchange.c.key.desc() if by == "month" else exchanges.desc(),
            per_exchange.c.key,
            per_exchange.c.language,
        )
    )
    return [
        (
            StatsRow(
                key=row.key if row.key is not None else NONE_LABEL,
                exchanges=int(row.exchanges),
                questions=int(row.questions or 0),
                edited=int(row.edited or 0),
                removed=int(row.removed or 0),
                current=int(row.current or 0),
            ),
            str(row.language or ""),
        )
        for row in session.execute(stmt).all()
    ]


def _exchange_identities(*, since: date | None, source: str | None) -> Any:
    """Every exchange of every version, numbered 1 for the newest version holding its uid."""
    identity = (Exchange.briefing_id, Exchange.uid)
    recency = (
        func.row_number()
        .over(partition_by=identity, order_by=Version.number.desc())
        .label("recency")
    )
    # 1 when the exchange is in its briefing's current version (what ``export`` writes).
    in_current = (
        func.max(case((Version.is_latest.is_(True), 1), else_=0))
        .over(partition_by=identity)
        .label("in_current")
    )
    stmt = (
        select(
            Exchange.briefing_id,
            Exchange.uid,
            Exchange.kind,
            Exchange.asker,
            Exchange.answerer,
            Briefing.source,
            Briefing.language,
            Briefing.held_on,
            recency,
            in_current,
        )
        .join(Version, Version.id == Exchange.version_id)
        .join(Briefing, Briefing.id == Exchange.briefing_id)
        .where(*_briefing_filters(source=source, since=since, until=None))
    )
    return stmt.subquery("ident")


def _page_changes() -> Any:
    """Per exchange (briefing, uid): was it ever edited / removed by the ministry?"""
    return (
        select(
            ChangeEvent.briefing_id,
            ChangeEvent.exchange_uid,
            func.max(case((ChangeEvent.type == ChangeType.EDITED, 1), else_=0)).label("edited"),
            func.max(case((ChangeEvent.type == ChangeType.REMOVED, 1), else_=0)).label("removed"),
        )
        .where(
            ChangeEvent.cause == VersionCause.PAGE,
            ChangeEvent.cosmetic.is_(False),
            ChangeEvent.suppressed.is_(None),
            ChangeEvent.type.in_((ChangeType.EDITED, ChangeType.REMOVED)),
            ChangeEvent.exchange_uid.is_not(None),
        )
        .group_by(ChangeEvent.briefing_id, ChangeEvent.exchange_uid)
        .subquery("changes")
    )


def _stats_key(dialect: str, idents: Any, by: str) -> Any:
    if by == "month":
        if dialect == "sqlite":
            return func.strftime("%Y-%m", idents.c.held_on)
        return func.to_char(idents.c.held_on, literal("YYYY-MM"))
    return idents.c[by]


# ---------------------------------------------------------------------------- by outlet
# askers grouped by canonical outlet, the printed labels kept.


def outlet_rows(by_label: list[tuple[StatsRow, str]], table: OutletTable) -> list[StatsRow]:
    """Fold per-label rows (with the label's language) into one row per
    canonical outlet, keyed by its display names ("Reuters / 路透社"). A label the table
    does not know, or one naming several outlets (a joint question), stays its own row,
    as printed; role labels ("Q", "记者") go to ``NONE_LABEL``."""
    groups: dict[str, list[StatsRow]] = defaultdict(list)
    outlet_of: dict[str, str | None] = {}
    for row, language in by_label:
        found = _label_outlet(row.key, language, table)
        name = _outlet_key(found, row.key)
        groups[name].append(row)
        outlet_of[name] = found.id if found is not None else None
    rows = [
        StatsRow(
            key=name,
            exchanges=sum(r.exchanges for r in members),
            questions=sum(r.questions for r in members),
            edited=sum(r.edited for r in members),
            removed=sum(r.removed for r in members),
            current=sum(r.current for r in members),
            outlet=outlet_of[name],
            labels=_merged_labels(members),
        )
        for name, members in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r.exchanges, r.key))


def _label_outlet(label: str, language: str, table: OutletTable) -> Outlet | None:
    if label == NONE_LABEL or language not in ("en", "zh"):
        return None
    return table.lookup(label, "en" if language == "en" else "zh")


def _outlet_key(outlet: Outlet | None, label: str) -> str:
    if outlet is not None:
        names = dict.fromkeys((outlet.name_en, outlet.name_zh))
        return " / ".join(names)
    return NONE_LABEL if label == NONE_LABEL or is_generic(label) else label


def _merged_labels(rows: list[StatsRow]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.key] += r.exchanges
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
