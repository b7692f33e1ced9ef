"""The versions of a briefing in observed time: each location's line, and the current text.

A briefing lives at one or more locations (``briefing_location``). Each location keeps its
own line of versions, ordered by when they were observed (``first_seen``), not by when the
archive received them: an import can bring a 2020 capture into an archive whose first
version is from 2026, and it becomes the earlier version of its line.

- **Numbers** follow observed time across the whole briefing (version 1 is the earliest
  known). Putting a version before others renumbers them (``renumber``) and the change events
  that name them; citations should use the version's content hash or raw page sha256.
- **The current text** (``Version.is_latest``: what show, search and export read) is the
  latest version of the most recently published live copy (``refresh_current``). "Most
  recently published" is decided by, in order: the page's own publication time
  (``published_at``) when both copies show one; the article id in the URL (the ministry's CMS
  numbers articles as it publishes them: ``t1660057`` came after ``t1659619``); the time the
  archive first saw the location. A removed location is never current while another lives.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session, defer

from storage.enums import BriefingStatus
from storage.models import Briefing, BriefingLocation, ChangeEvent, Version, table_of

CHANGE_EVENT = table_of(ChangeEvent)
_ARTICLE_ID = re.compile(r"t(\d{6,})(?:_(\d+))?\.s?html?$")
_EPOCH = datetime.min.replace(tzinfo=UTC)


def line(session: Session, location: BriefingLocation) -> list[Version]:
    """The location's versions, oldest observation first (their JSON loaded on demand):
    the version it started from, when another location had it first, then its own."""
    own = list(
        session.scalars(
            select(Version)
            .where(Version.location_id == location.id)
            .order_by(Version.first_seen, Version.id)
            .options(defer(Version.data))
        )
    )
    base = session.get(Version, location.base_version_id) if location.base_version_id else None
    return [base, *own] if base is not None and base not in own else own


def neighbours(versions: Sequence[Version], at: datetime) -> tuple[Version | None, Version | None]:
    """The last version observed at or before ``at`` and the first one after it."""
    before = [v for v in versions if v.first_seen <= at]
    after = [v for v in versions if v.first_seen > at]
    return (before[-1] if before else None), (after[0] if after else None)


def next_number(session: Session, briefing_id: int) -> int:
    from sqlalchemy import func

    last = session.scalar(
        select(func.max(Version.number)).where(Version.briefing_id == briefing_id)
    )
    return int(last or 0) + 1


def renumber(session: Session, briefing_id: int) -> bool:
    """Number the briefing's versions 1, 2, … in observed order (and the events naming
    them); True when any number changed."""
    session.flush()
    versions = list(
        session.scalars(
            select(Version)
            .where(Version.briefing_id == briefing_id)
            .order_by(Version.first_seen, Version.id)
            .options(defer(Version.data))
        )
    )
    mapping = {v.number: n for n, v in enumerate(versions, start=1) if v.number != n}
    if not mapping:
        return False
    conn = session.connection()
    for version in versions:  # out of the way first: (briefing_id, number) is unique
        if version.number in mapping:
            version.number = -version.number
    session.flush()
    for version in versions:
        if version.number < 0:
            version.number = mapping[-version.number]
    session.flush()
    _renumber_events(conn, briefing_id, mapping)
    return True


def _renumber_events(conn: Connection, briefing_id: int, mapping: dict[int, int]) -> None:
    for column in (CHANGE_EVENT.c.from_version, CHANGE_EVENT.c.to_version):
        for old, new in mapping.items():  # negative first, as above
            conn.execute(
                update(CHANGE_EVENT)
                .where(CHANGE_EVENT.c.briefing_id == briefing_id, column == old)
                .values({column.key: -new})
            )
        conn.execute(
            update(CHANGE_EVENT)
            .where(CHANGE_EVENT.c.briefing_id == briefing_id, column < 0)
            .values({column.key: -column})
        )


def latest_of_line(session: Session, location: BriefingLocation) -> Version | None:
    versions = line(session, location)
    return versions[-1] if versions else None


def publication_key(location: BriefingLocation, latest: Version | None) -> tuple[Any, ...]:
    """Sort key: the larger, the more recently published copy (module docstring)."""
    shown = (latest.data or {}).get("published_at") if latest is not None else None
    match = _ARTICLE_ID.search(location.url)
    article = (int(match.group(1)), int(match.group(2) or 0)) if match else (0, 0)
    return (shown or "", article, location.first_seen or _EPOCH, location.id)


def current_location(
    session: Session, briefing: Briefing
) -> tuple[BriefingLocation, Version] | None:
    """The briefing's current copy and its latest version (module docstring)."""
    candidates = []
    for location in briefing_locations(session, briefing.id):
        latest = latest_of_line(session, location)
        if latest is not None:
            candidates.append((location, latest))
    if not candidates:
        return None
    live = [c for c in candidates if c[0].status != BriefingStatus.REMOVED] or candidates
    return max(live, key=lambda c: publication_key(*c))


def briefing_locations(session: Session, briefing_id: int) -> list[BriefingLocation]:
    return list(
        session.scalars(
            select(BriefingLocation)
            .where(BriefingLocation.briefing_id == briefing_id)
            .order_by(BriefingLocation.id)
        )
    )


def refresh_current(session: Session, briefing: Briefing) -> Version | None:
    """Point ``is_latest`` (and the briefing's URL, title and date) at the current copy's
    latest version; returns it."""
    found = current_location(session, briefing)
    if found is None:
        return None
    location, current = found
    previous = session.scalars(
        select(Version).where(Version.briefing_id == briefing.id, Version.is_latest)
    ).all()
    if [v.id for v in previous] != [current.id]:
        for version in previous:
            version.is_latest = False
        session.flush()  # the partial unique index allows one latest version at a time
        current.is_latest = True
    briefing.url = location.url
    data = current.data or {}
    briefing.title = data.get("title") or briefing.title
    return current
