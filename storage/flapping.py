"""A page that serves two contents in turn: the "unstable" state of a location.

Mirrors and caches behind the ministry's two host aliases sometimes answer the same URL
with an older and a newer copy in turn. Recording each switch as a version would fill the
ledger with edits and reverts the ministry never made. The rule, per location:

- **Entering.** The location's latest version is B; a fetch brings back A, the version
  just before B in the same line, and B was first seen less than ``FLAP_WINDOW`` before
  this fetch. The location becomes *unstable* with the variants {A, B}; no version is
  written; an ``unstable`` event says so; the events of the switch A → B are kept out of the
  default ledger (``suppressed = "unstable"``) while the question is open.
- **While unstable.** Fetches of A or B write no version; they only count towards a
  *streak*: how long one variant has been served alone.
- **Leaving.** When one variant has been served alone, over at least two fetches, for
  ``FLAP_WINDOW`` (observed time), the location is stable again (a ``stabilized`` event):
  - on B: the page did change to B; the A → B events come back into the ledger;
  - on A: a real revert (A, B, then A for good): the A → B events come back, and a new
    version with A's content is written, first seen when A came back, with its revert events.
  A new content C (neither variant) also ends the state, as on B, then C is an ordinary
  revision.

So A, B, A, B, … within the window is one ``unstable`` event and two versions; A, B and,
more than ``FLAP_WINDOW`` later, A is an ordinary revert; A, B, A and A for good is still a
revert, reported once the window has shown it is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

FLAP_WINDOW = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class FlapState:
    """``BriefingLocation.flap`` as a value (stored as JSON)."""

    since: datetime
    older: int  # version id of variant A (what the page went back to)
    newer: int  # version id of variant B (the line's latest version)
    suppressed: tuple[int, ...]  # change_event ids of the switch A -> B
    streak_version: int  # the variant served alone lately …
    streak_since: datetime  # … since this fetch …
    streak_count: int  # … over this many fetches

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> FlapState | None:
        if not data:
            return None
        return cls(
            since=datetime.fromisoformat(data["since"]),
            older=int(data["older"]),
            newer=int(data["newer"]),
            suppressed=tuple(int(i) for i in data.get("suppressed") or ()),
            streak_version=int(data["streak_version"]),
            streak_since=datetime.fromisoformat(data["streak_since"]),
            streak_count=int(data["streak_count"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "older": self.older,
            "newer": self.newer,
            "suppressed": list(self.suppressed),
            "streak_version": self.streak_version,
            "streak_since": self.streak_since.isoformat(),
            "streak_count": self.streak_count,
        }

    def variant(self, version_id: int) -> bool:
        return version_id in (self.older, self.newer)

    def seen(self, version_id: int, at: datetime) -> FlapState:
        """This state after a fetch of variant ``version_id`` at ``at``."""
        from dataclasses import replace

        if version_id == self.streak_version:
            return replace(self, streak_count=self.streak_count + 1)
        return replace(self, streak_version=version_id, streak_since=at, streak_count=1)

    def settled(self, at: datetime, window: timedelta = FLAP_WINDOW) -> int | None:
        """The variant the page has settled on, once one was served alone long enough."""
        if self.streak_count >= 2 and at - self.streak_since >= window:
            return self.streak_version
        return None


def starts_flapping(
    newer_first_seen: datetime, at: datetime, window: timedelta = FLAP_WINDOW
) -> bool:
    """Going back to the version before the latest one, this soon after the switch?"""
    return at - newer_first_seen < window
