"""Reading the archive: one briefing at a version (show), the list of briefings, statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, select

from crawler.urls import canonical_url
from storage.models import Briefing, BriefingLocation, ChangeEvent, Exchange, Version

STATS_KEYS = ("asker", "answerer", "month", "source")
NONE_LABEL = "(none)"


class NotFound(LookupError):
    """No briefing or version matches what was asked; the message says what."""


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


# ---------------------------------------------------------------------------- show


def find_briefing_id(conn: Connection, ref: str) -> int:
    """The id of the briefing ``ref`` names: its id, or any URL it was seen at (any alias)."""
    ref = ref.strip()
    if ref.isdigit():
        found = conn.scalar(select(Briefing.id).where(Briefing.id == int(ref)))
    elif "://" in ref:
        url = canonical_url(ref)
        found = conn.scalar(select(Briefing.id).where(Briefing.url == url)) or conn.scalar(
            select(BriefingLocation.briefing_id).where(BriefingLocation.url == url)
        )
    else:
        raise NotFound(f"not a briefing id or URL: {ref!r}")
    if found is None:
        raise NotFound(f"no briefing {ref}")
    return found


def show(conn: Connection, ref: str, version: int | None = None) -> ShownVersion:
    """The transcript of briefing ``ref`` as stored at ``version`` (default: the latest)."""
    briefing_id = find_briefing_id(conn, ref)
    briefing = conn.execute(
        select(Briefing.source, Briefing.status).where(Briefing.id == briefing_id)
    ).one()
    count = conn.scalar(select(func.count()).where(Version.briefing_id == briefing_id))
    chosen = Version.number == version if version is not None else Version.is_latest.is_(True)
    row = conn.execute(
        select(
            Version.number,
            Version.cause,
            Version.first_seen,
            Version.last_seen,
            Version.data,
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
    )


# ---------------------------------------------------------------------------- list


def list_briefings(
    conn: Connection,
    *,
    source: str | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
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
        versions.label("versions"),
        latest.label("exchanges"),
    ).order_by(Briefing.held_on.desc().nulls_last(), Briefing.id.desc())
    stmt = stmt.where(*_briefing_filters(source=source, since=since, until=until))
    if status:
        stmt = stmt.where(Briefing.status == status)
    if limit:
        stmt = stmt.limit(limit)
    return [{**row._asdict(), "held_on": _iso(row.held_on)} for row in conn.execute(stmt).all()]


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


def stats(
    conn: Connection, *, by: str = "asker", since: date | None = None, source: str | None = None
) -> list[dict[str, Any]]:
    """Exchanges and questions per ``by`` key, and how many were later edited or removed.

    Each exchange is counted once however many versions hold it (by briefing and ``uid``),
    under its most recent asker/answerer. "Edited" and "removed" come from change events of
    cause ``page`` (the ministry's edits, not parser changes).
    """
    if by not in STATS_KEYS:
        raise ValueError(f"--by must be one of {', '.join(STATS_KEYS)}")
    idents = _exchange_identities(conn, since=since, source=source)
    changes = _page_changes()
    key = _stats_key(conn, idents, by)
    per_exchange = (
        select(
            key.label("key"),
            idents.c.kind,
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
            exchanges,
            func.sum(case((per_exchange.c.kind == "qa", 1), else_=0)).label("questions"),
            func.sum(per_exchange.c.edited).label("edited"),
            func.sum(per_exchange.c.removed).label("removed"),
        )
        .group_by(per_exchange.c.key)
        .order_by(
            per_exchange.c.key.desc() if by == "month" else exchanges.desc(),
            per_exchange.c.key,
        )
    )
    return [
        {
            by: row.key if row.key is not None else NONE_LABEL,
            "exchanges": int(row.exchanges),
            "questions": int(row.questions or 0),
            "edited": int(row.edited or 0),
            "removed": int(row.removed or 0),
        }
        for row in conn.execute(stmt).all()
    ]


def _exchange_identities(conn: Connection, *, since: date | None, source: str | None) -> Any:
    """Every exchange of every version, numbered 1 for the newest version holding its uid."""
    recency = (
        func.row_number()
        .over(partition_by=(Exchange.briefing_id, Exchange.uid), order_by=Version.number.desc())
        .label("recency")
    )
    stmt = (
        select(
            Exchange.briefing_id,
            Exchange.uid,
            Exchange.kind,
            Exchange.asker,
            Exchange.answerer,
            Briefing.source,
            Briefing.held_on,
            recency,
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
            func.max(case((ChangeEvent.type == "edited", 1), else_=0)).label("edited"),
            func.max(case((ChangeEvent.type == "removed", 1), else_=0)).label("removed"),
        )
        .where(
            ChangeEvent.cause == "page",
            ChangeEvent.type.in_(("edited", "removed")),
            ChangeEvent.exchange_uid.is_not(None),
        )
        .group_by(ChangeEvent.briefing_id, ChangeEvent.exchange_uid)
        .subquery("changes")
    )


def _stats_key(conn: Connection, idents: Any, by: str) -> Any:
    if by == "month":
        if conn.dialect.name == "sqlite":
            return func.strftime("%Y-%m", idents.c.held_on)
        return func.to_char(idents.c.held_on, literal("YYYY-MM"))
    return idents.c[by]
