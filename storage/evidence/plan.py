"""Which captures prove a change: the evidence plan of an event, an exchange or a briefing.

For a change event (``change_event`` row) of briefing B from version f to version t, recorded
by capture c:

- ``before``: the last capture of B that served version f before c (the last page that
  still held the exchange, or its old text);
- ``suspect``: B's suspect captures between ``before`` and c (the suspicion that c
  confirmed: a truncated page, an error page, a 404);
- ``after``: c itself (the first page without the exchange, or with the new text, or the
  fetch that confirmed the removal);
- ``confirming``: later captures that saw the same thing again (version t unchanged, or the
  briefing still gone), at most ``MAX_CONFIRMING``.

An exchange (``--exchange UID``) is planned as its latest change event; one that never
changed, as a snapshot of the last capture that served it. A briefing (``--briefing N``) as
its latest briefing-level event (removed, restored, moved), else its latest change event,
else a snapshot of its latest version. Parser-caused events are never evidence of an edit:
they are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.changes import briefing_ref, event_of_row
from storage.enums import PAGE_OUTCOMES, SERVED_OUTCOMES, CaptureOutcome, VersionCause
from storage.errors import NotFound
from storage.events import ChangeEvent
from storage.identity import MAX_ID
from storage.models import Briefing, Capture, Exchange, Version
from storage.models import ChangeEvent as ChangeEventRow

MAX_CONFIRMING = 10
BRIEFING_LEVEL = ("briefing-removed", "restored", "briefing-moved")
GONE_OUTCOMES = frozenset({CaptureOutcome.SUSPECT, CaptureOutcome.NOT_TRANSCRIPT})


class TargetKind(StrEnum):
    EVENT = "event"
    EXCHANGE = "exchange"
    BRIEFING = "briefing"


class Role(StrEnum):
    BEFORE = "before"
    SUSPECT = "suspect"
    AFTER = "after"
    CONFIRMING = "confirming"
    SNAPSHOT = "snapshot"


@dataclass(frozen=True, slots=True)
class EvidenceTarget:
    """What a bundle is for: ``EvidenceTarget.event(12)``, ``.exchange("ab12…")``,
    ``.briefing(7)``."""

    kind: TargetKind
    value: str

    @classmethod
    def event(cls, event_id: int) -> EvidenceTarget:
        return cls(TargetKind.EVENT, str(event_id))

    @classmethod
    def exchange(cls, uid: str) -> EvidenceTarget:
        return cls(TargetKind.EXCHANGE, uid.strip())

    @classmethod
    def briefing(cls, briefing_id: int | str) -> EvidenceTarget:
        return cls(TargetKind.BRIEFING, str(briefing_id).strip())

    def describe(self) -> str:
        return f"{self.kind} {self.value}"


@dataclass(frozen=True, slots=True)
class PlannedCapture:
    role: Role
    capture: Capture
    version_number: int | None


@dataclass(slots=True)
class Plan:
    target: EvidenceTarget
    briefing: Briefing
    event: ChangeEvent | None
    exchange_uid: str | None
    captures: list[PlannedCapture] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)

    @property
    def capture_ids(self) -> list[int]:
        return [p.capture.id for p in self.captures]


def make_plan(session: Session, target: EvidenceTarget) -> Plan:
    """The plan for ``target``; ``NotFound`` when it does not exist."""
    if target.kind == TargetKind.EVENT:
        row = _event_row(session, target.value)
        return _event_plan(session, target, row)
    if target.kind == TargetKind.EXCHANGE:
        return _exchange_plan(session, target)
    return _briefing_plan(session, target)


def _number(text: str, what: str) -> int:
    if not text.isdigit() or int(text) > MAX_ID:
        raise NotFound(f"no {what} with id {text!r}")
    return int(text)


def _event_row(session: Session, text: str) -> ChangeEventRow:
    row = session.get(ChangeEventRow, _number(text, "change event"))
    if row is None:
        raise NotFound(f"no change event with id {text}")
    return row


def _event_plan(session: Session, target: EvidenceTarget, row: ChangeEventRow) -> Plan:
    briefing = session.get(Briefing, row.briefing_id)
    assert briefing is not None
    event = event_of_row(row, briefing_ref(briefing))
    plan = Plan(target, briefing, event, row.exchange_uid, versions=_versions(session, briefing))
    captures = _captures(session, briefing.id)
    numbers = {v.id: v.number for v in plan.versions}
    after = next((c for c in captures if c.id == row.capture_id), None)
    if after is None:  # an event without its capture (older data): the version's capture
        after = _version_capture(captures, numbers, row.to_version)
    if after is None:
        raise NotFound(f"change event {row.id} has no archived capture to show")
    at = captures.index(after)
    before_at = _last_serving(captures[:at], numbers, row.from_version)
    if before_at is not None:
        before = captures[before_at]
        plan.captures.append(PlannedCapture(Role.BEFORE, before, row.from_version))
    start = before_at + 1 if before_at is not None else 0
    for capture in captures[start:at]:
        if capture.outcome == CaptureOutcome.SUSPECT:
            plan.captures.append(PlannedCapture(Role.SUSPECT, capture, None))
    plan.captures.append(PlannedCapture(Role.AFTER, after, numbers.get(after.version_id or 0)))
    for capture in _confirming(captures[at + 1 :], numbers, row):
        plan.captures.append(
            PlannedCapture(Role.CONFIRMING, capture, numbers.get(capture.version_id or 0))
        )
    return plan


def _exchange_plan(session: Session, target: EvidenceTarget) -> Plan:
    uid = target.value
    row = session.scalars(
        select(ChangeEventRow)
        .where(ChangeEventRow.exchange_uid == uid, ChangeEventRow.cause != VersionCause.PARSER)
        .order_by(ChangeEventRow.detected_at.desc(), ChangeEventRow.id.desc())
        .limit(1)
    ).first()
    if row is not None:
        plan = _event_plan(session, target, row)
        return plan
    exchange = session.scalars(
        select(Exchange)
        .join(Version, Version.id == Exchange.version_id)
        .where(Exchange.uid == uid)
        .order_by(Version.number.desc())
        .limit(1)
    ).first()
    if exchange is None:
        raise NotFound(f"no exchange with id {uid!r}")
    briefing = session.get(Briefing, exchange.briefing_id)
    assert briefing is not None
    return _snapshot(session, target, briefing, exchange.version_id, uid)


def _briefing_plan(session: Session, target: EvidenceTarget) -> Plan:
    briefing = session.get(Briefing, _number(target.value, "briefing"))
    if briefing is None:
        raise NotFound(f"no briefing with id {target.value}")
    rows = list(
        session.scalars(
            select(ChangeEventRow)
            .where(
                ChangeEventRow.briefing_id == briefing.id,
                ChangeEventRow.cause != VersionCause.PARSER,
            )
            .order_by(ChangeEventRow.detected_at.desc(), ChangeEventRow.id.desc())
        )
    )
    chosen = next((r for r in rows if r.type in BRIEFING_LEVEL), rows[0] if rows else None)
    if chosen is not None:
        plan = _event_plan(session, target, chosen)
        if chosen.type not in BRIEFING_LEVEL:
            plan.exchange_uid = chosen.exchange_uid
        return plan
    latest = session.scalars(
        select(Version).where(Version.briefing_id == briefing.id, Version.is_latest)
    ).first()
    if latest is None:
        raise NotFound(f"briefing {briefing.id} has no archived version")
    return _snapshot(session, target, briefing, latest.id, None)


def _snapshot(
    session: Session, target: EvidenceTarget, briefing: Briefing, version_id: int, uid: str | None
) -> Plan:
    plan = Plan(target, briefing, None, uid, versions=_versions(session, briefing))
    numbers = {v.id: v.number for v in plan.versions}
    serving = [
        c
        for c in _captures(session, briefing.id)
        if c.version_id == version_id and c.outcome in PAGE_OUTCOMES and c.body_sha256
    ]
    if not serving:
        raise NotFound(f"briefing {briefing.id} has no archived page of that version")
    plan.captures.append(PlannedCapture(Role.SNAPSHOT, serving[-1], numbers.get(version_id)))
    return plan


# ---------------------------------------------------------------------------- captures


def _versions(session: Session, briefing: Briefing) -> list[Version]:
    return list(
        session.scalars(
            select(Version).where(Version.briefing_id == briefing.id).order_by(Version.number)
        )
    )


def _captures(session: Session, briefing_id: int) -> list[Capture]:
    return list(
        session.scalars(
            select(Capture)
            .where(Capture.briefing_id == briefing_id)
            .order_by(Capture.fetched_at, Capture.id)
        )
    )


def _version_capture(
    captures: list[Capture], numbers: dict[int, int], number: int | None
) -> Capture | None:
    return next((c for c in captures if c.version_id and numbers.get(c.version_id) == number), None)


def _last_serving(
    captures: list[Capture], numbers: dict[int, int], number: int | None
) -> int | None:
    """The position of the last capture that served version ``number`` with a body."""
    if number is None:
        return None
    found = None
    for position, capture in enumerate(captures):
        if (
            capture.version_id
            and numbers.get(capture.version_id) == number
            and capture.outcome in PAGE_OUTCOMES
            and capture.body_sha256
        ):
            found = position
    return found


def _confirming(
    later: list[Capture], numbers: dict[int, int], row: ChangeEventRow
) -> list[Capture]:
    if row.type == "briefing-removed":
        same = [c for c in later if c.outcome in GONE_OUTCOMES]
    else:
        same = [
            c
            for c in later
            if c.outcome in SERVED_OUTCOMES
            and c.version_id
            and numbers.get(c.version_id) == row.to_version
        ]
    return same[:MAX_CONFIRMING]
