"""The change event: one type, one JSON form, for every output.

A ``ChangeEvent`` is what the ledger stores (a ``change_event`` row), what ``history`` lists,
what ``diff`` computes between any two versions, what notifications carry and what the Atom
feed and the web app show. Every renderer takes this type; every ``--json`` output writes
``ChangeEvent.to_json()``:

    {"id": 12, "type": "edited", "cause": "page", "detected_at": "2026-11-27T10:00:00+00:00",
     "briefing": {"id", "url", "source", "language", "held_on", "title"},
     "from_version": 1, "to_version": 2,
     "exchange": {"id", "asker", "answerer", "index", "index_before", "index_after",
                  "fields", "before", "after", "values", "word_diff", "moved"} | null,
     "detail": {...}}

``id`` and ``detected_at`` are null for a change computed between two stored versions that
the ledger did not record as one step (``diff --from 1 --to 3``). ``exchange`` is null for
briefing-level events (``briefing-removed``, ``restored``, ``briefing-moved``); their URLs and
reasons are in ``detail``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from storage.diff import ExchangeChange
from storage.enums import ChangeType, VersionCause
from storage.worddiff import Op

# ``detail`` keys that ``ExchangeRef`` carries itself (not repeated in the JSON's detail).
_EXCHANGE_DETAIL_KEYS = ("word_diff", "values", "moved")


@dataclass(frozen=True, slots=True)
class BriefingRef:
    id: int
    url: str
    source: str
    language: str
    held_on: date | None
    title: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "source": self.source,
            "language": self.language,
            "held_on": self.held_on.isoformat() if self.held_on else None,
            "title": self.title,
        }


@dataclass(frozen=True, slots=True)
class ExchangeRef:
    """The exchange an event is about, with its text before and after."""

    uid: str
    asker: str | None
    answerer: str | None
    index_before: int | None
    index_after: int | None
    fields: tuple[str, ...] = ()
    before: str | None = None
    after: str | None = None
    values: dict[str, list[Any]] = field(default_factory=dict)  # label fields: [old, new]
    word_diff: tuple[tuple[str, str], ...] = ()
    moved: bool = False  # an "edited" event whose exchange also moved

    @property
    def index(self) -> int | None:
        return self.index_after if self.index_after is not None else self.index_before

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.uid,
            "asker": self.asker,
            "answerer": self.answerer,
            "index": self.index,
            "index_before": self.index_before,
            "index_after": self.index_after,
            "fields": list(self.fields),
            "before": self.before,
            "after": self.after,
            "values": self.values,
            "word_diff": [list(op) for op in self.word_diff],
            "moved": self.moved,
        }


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    type: ChangeType
    cause: VersionCause
    briefing: BriefingRef
    from_version: int | None
    to_version: int | None
    exchange: ExchangeRef | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    detected_at: datetime | None = None
    cosmetic: bool = False  # an edit of typography only (storage.cosmetic)
    suppressed: str | None = None  # why it is out of the default ledger ("unstable")
    location: str | None = None  # the URL whose line of versions changed
    # It happened after ``observed_after`` (the old state's last observation) and at or
    # before ``observed_before`` (the new state's first); None when not known.
    observed_after: datetime | None = None
    observed_before: datetime | None = None

    @property
    def happened(self) -> datetime | None:
        """When it happened at the latest (for ordering the ledger): observed, else detected."""
        return self.observed_before or self.detected_at

    @property
    def is_exchange_change(self) -> bool:
        return self.exchange is not None

    @property
    def word_diff(self) -> list[Op]:
        return [list(op) for op in self.exchange.word_diff] if self.exchange else []

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeEvent:
        """The event ``to_json`` wrote (webhook receivers, the HTTP API's clients, tests)."""
        ref = data["briefing"]
        held_on = ref.get("held_on")
        briefing = BriefingRef(
            id=ref["id"],
            url=ref["url"],
            source=ref["source"],
            language=ref.get("language") or "",
            held_on=date.fromisoformat(held_on) if held_on else None,
            title=ref.get("title"),
        )
        ex = data.get("exchange")
        exchange = None
        if ex is not None:
            exchange = exchange_ref_from_stored(
                uid=ex["id"],
                asker=ex.get("asker"),
                answerer=ex.get("answerer"),
                index_before=ex.get("index_before"),
                index_after=ex.get("index_after", ex.get("index")),
                fields=ex.get("fields"),
                before=ex.get("before"),
                after=ex.get("after"),
                detail={k: ex.get(k) for k in _EXCHANGE_DETAIL_KEYS},
            )
        detected = data.get("detected_at")
        after, before = data.get("observed_after"), data.get("observed_before")
        return cls(
            id=data.get("id"),
            type=ChangeType(data["type"]),
            cause=VersionCause(data.get("cause") or VersionCause.PAGE),
            detected_at=datetime.fromisoformat(detected) if detected else None,
            briefing=briefing,
            from_version=data.get("from_version"),
            to_version=data.get("to_version"),
            exchange=exchange,
            detail=dict(data.get("detail") or {}),
            cosmetic=bool(data.get("cosmetic")),
            suppressed=data.get("suppressed"),
            location=data.get("location"),
            observed_after=datetime.fromisoformat(after) if after else None,
            observed_before=datetime.fromisoformat(before) if before else None,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": str(self.type),
            "cause": str(self.cause),
            "detected_at": self.detected_at.isoformat() if self.detected_at else None,
            "briefing": self.briefing.to_json(),
            "from_version": self.from_version,
            "to_version": self.to_version,
            "exchange": self.exchange.to_json() if self.exchange else None,
            "detail": self.detail,
            "cosmetic": self.cosmetic,
            "suppressed": self.suppressed,
            "location": self.location,
            "observed_after": _iso(self.observed_after),
            "observed_before": _iso(self.observed_before),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def exchange_ref_from_stored(
    *,
    uid: str | None,
    asker: str | None,
    answerer: str | None,
    index_before: int | None,
    index_after: int | None,
    fields: list[str] | None,
    before: str | None,
    after: str | None,
    detail: dict[str, Any] | None,
) -> ExchangeRef | None:
    if uid is None:
        return None
    detail = detail or {}
    return ExchangeRef(
        uid=uid,
        asker=asker,
        answerer=answerer,
        index_before=index_before,
        index_after=index_after,
        fields=tuple(fields or ()),
        before=before,
        after=after,
        values=dict(detail.get("values") or {}),
        word_diff=tuple((str(tag), str(text)) for tag, text in detail.get("word_diff") or ()),
        moved=bool(detail.get("moved")),
    )


def briefing_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """A stored event's detail without what ``ExchangeRef`` carries itself."""
    return {k: v for k, v in (detail or {}).items() if k not in _EXCHANGE_DETAIL_KEYS}


def event_from_change(
    change: ExchangeChange,
    briefing: BriefingRef,
    *,
    from_version: int | None,
    to_version: int | None,
    cause: VersionCause = VersionCause.PAGE,
) -> ChangeEvent:
    """A computed exchange change (``storage.diff``) as an event (not stored: no id)."""
    row = change.as_row()
    exchange = exchange_ref_from_stored(
        uid=row["exchange_uid"],
        asker=row["asker"],
        answerer=row["answerer"],
        index_before=row["index_before"],
        index_after=row["index_after"],
        fields=row["fields"],
        before=row["before"],
        after=row["after"],
        detail={**row["detail"], "word_diff": change.word_diff},
    )
    from storage.cosmetic import is_cosmetic_edit

    cosmetic = (
        change.type == ChangeType.EDITED
        and change.before is not None
        and change.after is not None
        and is_cosmetic_edit(change.before, change.after)
    )
    return ChangeEvent(
        type=ChangeType(change.type),
        cause=cause,
        briefing=briefing,
        from_version=from_version,
        to_version=to_version,
        exchange=exchange,
        detail=briefing_detail(row["detail"]),
        cosmetic=cosmetic,
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two versions of one briefing and the changes between them, as events."""

    briefing: BriefingRef
    from_version: int
    to_version: int
    changes: tuple[ChangeEvent, ...]

    def counts(self, *, cosmetic: bool | None = None) -> dict[str, int]:
        """Changes per type (``cosmetic``: only those, or only the others, when given)."""
        counts: dict[str, int] = {}
        for change in self.changes:
            if cosmetic is None or change.cosmetic == cosmetic:
                counts[change.type] = counts.get(change.type, 0) + 1
        return counts

    @property
    def only_cosmetic(self) -> bool:
        """The versions differ, but only in typography."""
        return bool(self.changes) and all(c.cosmetic for c in self.changes)

    def substantive(self) -> Comparison:
        """This comparison without its cosmetic changes."""
        from dataclasses import replace

        return replace(self, changes=tuple(c for c in self.changes if not c.cosmetic))

    def summary(self) -> str:
        from storage.diff import summarize

        text = summarize(self.counts(cosmetic=False))
        cosmetic = sum(self.counts(cosmetic=True).values())
        if cosmetic and text == "no changes":
            return f"only typography differs ({cosmetic} cosmetic change(s))"
        return f"{text}, {cosmetic} cosmetic" if cosmetic else text

    def to_json(self) -> dict[str, Any]:
        return {
            "briefing": self.briefing.to_json(),
            "from": self.from_version,
            "to": self.to_version,
            "change_count": len(self.changes),
            "cosmetic_count": sum(1 for c in self.changes if c.cosmetic),
            "only_cosmetic": self.only_cosmetic,
            "changes": [c.to_json() for c in self.changes],
        }
