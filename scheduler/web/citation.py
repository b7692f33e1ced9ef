"""The copyable citation line of an exchange page."""

from __future__ import annotations

from datetime import datetime

from scheduler.web.render import stamp, who
from storage.api import ChangeEvent, ChangeType, ExchangeHistory, VersionSummary


def citation(
    history: ExchangeHistory,
    versions: dict[int, VersionSummary],
    sha256: str | None,
) -> str:
    """``Exchange 7 (Reuters → Mao Ning), edited between T1 and T2; archived copy sha256 …``.

    T1 is when the version before the change was last seen, T2 when the version after it
    was first seen: the change happened between the two. Without a change, the span the
    exchange was seen in.
    """
    latest = history.versions[-1].exchange if history.versions else None
    index = latest.position if latest else "?"
    names = who(latest.asker, latest.answerer) if latest else "unattributed"
    head = f"Exchange {index} ({names}) in “{history.briefing.title or history.briefing.url}”"
    if history.briefing.held_on:
        head += f" ({history.briefing.held_on.isoformat()})"
    event = _last_change(history.events)
    if event is not None:
        t1 = _seen(versions, event.from_version, last=True)
        t2 = _seen(versions, event.to_version, last=False) or event.detected_at
        what = f"{event.type} between {stamp(t1) or 'an unknown time'} and {stamp(t2)}"
    else:
        what = f"seen {stamp(history.span.first_seen)} to {stamp(history.span.last_seen)}"
    copy = f"; archived copy sha256 {sha256}" if sha256 else ""
    return f"{head}, {what}{copy}; {history.briefing.url}"


def _last_change(events: tuple[ChangeEvent, ...]) -> ChangeEvent | None:
    kinds = (ChangeType.EDITED, ChangeType.REMOVED, ChangeType.MOVED)
    return next((e for e in reversed(events) if e.type in kinds), None)


def _seen(
    versions: dict[int, VersionSummary], number: int | None, *, last: bool
) -> datetime | None:
    version = versions.get(number) if number is not None else None
    if version is None:
        return None
    return version.last_seen if last else version.first_seen
