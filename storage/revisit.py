"""When to fetch an archived briefing again: the age ladder and the list of due briefings.

``RevisitPolicy`` is the one definition of the ladder, for the archive, the scheduler's TOML
config and the crawl process (which receives it as JSON in a Scrapy setting:
``policy_to_json`` / ``policy_from_json``). ``revisit_candidates`` lists the briefings to
fetch, with the validators for a conditional GET.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.urls import canonical_url
from storage.enums import BriefingStatus
from storage.models import Briefing, BriefingLocation, Capture

__all__ = [
    "POLICY_DURATIONS",
    "RevisitPolicy",
    "RevisitTarget",
    "policy_from_json",
    "policy_to_json",
    "revisit_candidates",
]

# The RevisitPolicy fields that are durations (the rest: old_buckets, an int).
POLICY_DURATIONS = (
    "fresh_age",
    "fresh_every",
    "recent_age",
    "recent_every",
    "year_age",
    "year_every",
    "old_every",
)
# Captures whose validators a conditional GET may reuse.
GOOD_PAGE_OUTCOMES = ("new", "unchanged", "revised")


@dataclass(frozen=True, slots=True)
class RevisitPolicy:
    """How often to refetch a briefing, by its age (held_on, else first seen).

    Younger than ``fresh_age``: every ``fresh_every``; younger than ``recent_age``: every
    ``recent_every``; younger than ``year_age``: every ``year_every``; older: a rotating
    sample, ``1/old_buckets`` of them per day, so each is checked about every ``old_every``.
    """

    fresh_age: timedelta = timedelta(days=3)
    fresh_every: timedelta = timedelta(hours=6)
    recent_age: timedelta = timedelta(days=30)
    recent_every: timedelta = timedelta(days=1)
    year_age: timedelta = timedelta(days=365)
    year_every: timedelta = timedelta(days=7)
    old_every: timedelta = timedelta(days=30)
    old_buckets: int = 30

    def interval(self, age: timedelta) -> timedelta | None:
        """The refetch interval for a briefing of this age (None: the rotating sample)."""
        if age < self.fresh_age:
            return self.fresh_every
        if age < self.recent_age:
            return self.recent_every
        if age < self.year_age:
            return self.year_every
        return None

    def is_due(
        self, briefing_id: int, born: date, last_checked: datetime | None, now: datetime
    ) -> bool:
        if last_checked is None:
            return True
        since = now - last_checked
        interval = self.interval(now.date() - born)
        if interval is not None:
            return since >= interval
        on_bucket_day = briefing_id % self.old_buckets == now.date().toordinal() % self.old_buckets
        # A small tolerance so a check run a few hours later the previous month still counts.
        return (on_bucket_day and since >= self.old_every - timedelta(days=1)) or (
            since >= 2 * self.old_every
        )


@dataclass(frozen=True, slots=True)
class RevisitTarget:
    briefing_id: int
    url: str
    etag: str | None
    last_modified: str | None
    held_on: date | None
    last_checked: datetime | None


# -- the policy as JSON (scheduler -> crawl process) -------------------------------------------


def policy_to_json(policy: RevisitPolicy) -> str:
    """The policy as a compact JSON string (durations in seconds), for a crawl's settings."""
    data: dict[str, Any] = {k: getattr(policy, k).total_seconds() for k in POLICY_DURATIONS}
    data["old_buckets"] = policy.old_buckets
    return json.dumps(data, separators=(",", ":"))


def policy_from_json(text: str | None) -> RevisitPolicy:
    """Inverse of ``policy_to_json``; empty or missing -> the default policy."""
    if not text:
        return RevisitPolicy()
    data = json.loads(text)
    durations = {k: timedelta(seconds=float(data[k])) for k in POLICY_DURATIONS if k in data}
    return RevisitPolicy(**durations, old_buckets=int(data.get("old_buckets", 30)))


# -- the due list ------------------------------------------------------------------------------


def revisit_candidates(
    session: Session,
    source: str,
    *,
    mode: str,
    now: datetime,
    policy: RevisitPolicy,
    confirm_after: timedelta,
) -> list[RevisitTarget]:
    """Locations to fetch again, oldest check first, with the validators for a conditional
    GET (ETag / Last-Modified of the last good 200 capture of the URL).

    Every live location of a briefing is a target (each keeps its own line of versions);
    a briefing whose every copy is gone is still revisited at its removed locations, so a
    restoration is seen. ``mode``: ``due`` applies ``policy``'s age ladder to the briefing,
    and a suspect location is due as soon as a refetch could confirm or clear it
    (``confirm_after`` after it became suspect); ``suspect`` gives the suspect locations
    only, due the same way; ``all`` every location of the source. ``now`` is aware UTC.
    """
    briefings = {
        b.id: b for b in session.scalars(select(Briefing).where(Briefing.source == source))
    }
    locations = (
        session.scalars(
            select(BriefingLocation)
            .where(BriefingLocation.briefing_id.in_(list(briefings)))
            .order_by(BriefingLocation.id)
        ).all()
        if briefings
        else []
    )
    by_briefing: dict[int, list[BriefingLocation]] = {}
    for location in locations:
        by_briefing.setdefault(location.briefing_id, []).append(location)
    chosen: list[tuple[Briefing, BriefingLocation]] = []
    for briefing_id, locs in by_briefing.items():
        briefing = briefings[briefing_id]
        live = [loc for loc in locs if loc.status != BriefingStatus.REMOVED] or locs
        for location in live:
            if _wanted(briefing, location, mode, now, policy, confirm_after):
                chosen.append((briefing, location))
    validators = _validators(session, [b.id for b, _ in chosen])
    targets = []
    for briefing, location in chosen:
        etag, last_modified = validators.get((briefing.id, location.url), (None, None))
        targets.append(
            RevisitTarget(
                briefing_id=briefing.id,
                url=location.url,
                etag=etag,
                last_modified=last_modified,
                held_on=briefing.held_on,
                last_checked=briefing.last_checked,
            )
        )
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(targets, key=lambda t: (t.last_checked or epoch, t.briefing_id, t.url))


def _wanted(
    briefing: Briefing,
    location: BriefingLocation,
    mode: str,
    now: datetime,
    policy: RevisitPolicy,
    confirm_after: timedelta,
) -> bool:
    if mode == "all":
        return True
    suspect_due = (
        location.status == BriefingStatus.SUSPECT
        and now - (location.status_since or briefing.last_checked or now) >= confirm_after
    )
    if mode == "suspect":
        return suspect_due
    return suspect_due or is_due(briefing, now, policy, confirm_after)


def is_due(
    briefing: Briefing, now: datetime, policy: RevisitPolicy, confirm_after: timedelta
) -> bool:
    born = briefing.held_on or briefing.first_seen.date()
    if briefing.status == "suspect":
        since = briefing.status_since or briefing.last_checked or now
        # A good fetch clears a suspicion at any time: the ladder still applies.
        if now - since >= confirm_after:
            return True
    return policy.is_due(briefing.id, born, briefing.last_checked, now)


Validators = tuple[str | None, str | None]  # ETag, Last-Modified


def _validators(
    session: Session, briefing_ids: list[int]
) -> dict[tuple[int | None, str], Validators]:
    """(briefing id, canonical URL) -> (ETag, Last-Modified) of its last good 200 capture."""
    if not briefing_ids:
        return {}
    latest = (
        select(func.max(Capture.id))
        .where(
            Capture.status_code == 200,
            Capture.outcome.in_(GOOD_PAGE_OUTCOMES),
            Capture.briefing_id.in_(briefing_ids),
        )
        .group_by(Capture.briefing_id, Capture.url)
    )
    rows = session.execute(
        select(Capture.briefing_id, Capture.url, Capture.etag, Capture.last_modified)
        .where(Capture.id.in_(latest))
        .order_by(Capture.id)
    )
    # Later captures overwrite earlier ones of the same canonical URL.
    return {(bid, canonical_url(url)): (etag, lm) for bid, url, etag, lm in rows}
