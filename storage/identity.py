"""Which briefing a fetched page belongs to, whatever URL it was found at.

A briefing lives at one or more canonical URLs (``briefing_location``): host aliases are
already one URL after ``canonical_url``; a republication under a new URL is matched by its
identity, the same source, language, held_on date and title.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from crawler.urls import canonical_url
from storage.enums import SERVED_OUTCOMES
from storage.errors import NotFound
from storage.models import Briefing, BriefingLocation, Capture, table_of

# Capture outcomes that show a URL still serves the transcript.
GOOD_OUTCOMES = SERVED_OUTCOMES
LOCATION = table_of(BriefingLocation)
INSERT_LOCATION = insert(LOCATION)
TOUCH_LOCATIONS = (
    update(LOCATION)
    .where(LOCATION.c.url.in_(bindparam("urls", expanding=True)))
    .values(last_seen=bindparam("now"))
)
LOCK_IDENTITY = text("SELECT pg_advisory_xact_lock(:key)")
SAME_IDENTITY = (
    select(Briefing)
    .where(
        Briefing.source == bindparam("source"),
        Briefing.language == bindparam("language"),
        Briefing.held_on == bindparam("held_on"),
        Briefing.title == bindparam("title"),
    )
    .order_by(Briefing.id)
    .limit(1)
)


def canonical_urls(urls: Iterable[str | None]) -> list[str]:
    """Canonical spellings of the given URLs, without blanks or repeats, in order."""
    seen: list[str] = []
    for url in urls:
        if url:
            canon = canonical_url(url)
            if canon not in seen:
                seen.append(canon)
    return seen


def parse_held_on(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def find_by_identity(
    session: Session,
    *,
    source: str,
    language: str,
    held_on: date | None,
    title: str | None,
    lock: bool = False,
) -> Briefing | None:
    """The briefing with the same source, language, date and title (a republication).

    ``lock`` (PostgreSQL): first take a transaction-scoped advisory lock on the identity, so
    that two writers finding one new briefing at two URLs at once do not both create it; the
    second waits, then finds what the first committed. SQLite needs none: ``BEGIN IMMEDIATE``
    already lets one writer in at a time.
    """
    if held_on is None or not title:
        return None  # too little to call two pages the same briefing
    if lock:
        key = identity_lock_key(source=source, language=language, held_on=held_on, title=title)
        session.execute(LOCK_IDENTITY, {"key": key})
    params = {"source": source, "language": language, "held_on": held_on, "title": title}
    return session.scalar(SAME_IDENTITY, params)


def identity_lock_key(*, source: str, language: str, held_on: date, title: str) -> int:
    """A signed 64-bit key for ``pg_advisory_xact_lock`` from a briefing's identity."""
    joined = "\x1f".join(("briefing-identity", source, language, held_on.isoformat(), title))
    digest = hashlib.sha256(joined.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def is_location(session: Session, url: str) -> bool:
    """Whether ``url`` (canonical) is a known location of any briefing."""
    found = session.scalar(select(BriefingLocation.id).where(BriefingLocation.url == url))
    return found is not None


def add_location(session: Session, briefing: Briefing, url: str, now: datetime) -> None:
    """A new location of ``briefing`` (flushed already), inserted at once."""
    session.connection().execute(
        INSERT_LOCATION,
        {"briefing_id": briefing.id, "url": url, "first_seen": now, "last_seen": now},
    )


def touch_locations(session: Session, urls: Iterable[str], now: datetime) -> None:
    """Those of ``urls`` (canonical) that are known locations were seen ``now``."""
    urls = list(urls)
    if urls:
        session.connection().execute(TOUCH_LOCATIONS, {"urls": urls, "now": now})


def location_is_live(session: Session, briefing_id: int, url: str) -> bool:
    """Whether the last fetch of this location of the briefing still served the transcript.

    Captures store the URL as requested, so the comparison is on canonical spellings.
    """
    rows = session.execute(
        select(Capture.url, Capture.outcome)
        .where(Capture.briefing_id == briefing_id)
        .order_by(Capture.id.desc())
    )
    for requested, outcome in rows:
        if canonical_url(requested) == url:
            return outcome in GOOD_OUTCOMES
    return True  # never fetched on its own: nothing says it is gone


def other_locations(session: Session, briefing_id: int, url: str) -> list[BriefingLocation]:
    return list(
        session.scalars(
            select(BriefingLocation).where(
                BriefingLocation.briefing_id == briefing_id, BriefingLocation.url != url
            )
        )
    )


# Ids are 64-bit signed integers on every backend: anything larger names no briefing.
MAX_ID = 2**63 - 1


def find_briefing(session: Session, ref: str | int) -> Briefing:
    """A briefing by id or by any URL it was seen at (host aliases included); ``NotFound``
    otherwise, with a message that says what was looked for."""
    text = str(ref).strip()
    if text.isdigit():
        briefing = session.get(Briefing, int(text)) if int(text) <= MAX_ID else None
        if briefing is None:
            raise NotFound(f"no briefing with id {text}")
        return briefing
    if "://" not in text:
        raise NotFound(f"not a briefing id or URL: {text!r}")
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
