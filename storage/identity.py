"""Which briefing a fetched page belongs to, whatever URL it was found at.

A briefing lives at one or more canonical URLs (``briefing_location``): host aliases are
already one URL after ``canonical_url``; a republication under a new URL is matched by its
identity, the same source, language, held_on date and title.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.urls import canonical_url
from storage.models import Briefing, BriefingLocation, Capture

# Capture outcomes that show a URL still serves the transcript.
GOOD_OUTCOMES = ("new", "unchanged", "revised", "not_modified")


def canonical_urls(urls: Iterable[str | None]) -> list[str]:
    """Canonical spellings of the given URLs, without blanks or repeats, in order."""
    seen: list[str] = []
    for url in urls:
        if url:
            canon = canonical_url(url)
            if canon not in seen:
                seen.append(canon)
    return seen


def find_by_url(session: Session, urls: Iterable[str]) -> tuple[Briefing, str] | None:
    """The briefing at the first of ``urls`` (canonical) that is a known location."""
    for url in urls:
        briefing = session.scalar(
            select(Briefing)
            .join(BriefingLocation, BriefingLocation.briefing_id == Briefing.id)
            .where(BriefingLocation.url == url)
        )
        if briefing is not None:
            return briefing, url
    return None


def parse_held_on(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def find_by_identity(
    session: Session, *, source: str, language: str, held_on: date | None, title: str | None
) -> Briefing | None:
    """The briefing with the same source, language, date and title (a republication)."""
    if held_on is None or not title:
        return None  # too little to call two pages the same briefing
    return session.scalar(
        select(Briefing)
        .where(
            Briefing.source == source,
            Briefing.language == language,
            Briefing.held_on == held_on,
            Briefing.title == title,
        )
        .order_by(Briefing.id)
        .limit(1)
    )


def add_location(session: Session, briefing: Briefing, url: str, now: datetime) -> None:
    session.add(BriefingLocation(briefing_id=briefing.id, url=url, first_seen=now, last_seen=now))


def touch_location(session: Session, url: str, now: datetime) -> None:
    location = session.scalar(select(BriefingLocation).where(BriefingLocation.url == url))
    if location is not None:
        location.last_seen = now


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
