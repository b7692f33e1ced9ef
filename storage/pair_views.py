"""Reading the English↔Chinese alignment back: pairs with their rows (and texts, for a
side-by-side view), a briefing's twin, the asymmetry findings, outlet suggestions.

A pair's rows are given as ``{"en": …, "zh": …, "score": …}`` where each side is the schema
exchange ``index`` for one exchange, a list of two indices for the two exchanges of a 2–1 or
1–2 row, and ``null`` for the missing side of a 1–0 / 0–1 row (``indices_json``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from storage.align import OutletTable
from storage.changes import briefing_ref
from storage.enums import ChangeType
from storage.errors import BadQuery, NotFound
from storage.events import BriefingRef
from storage.identity import find_briefing
from storage.models import (
    AlignedRow,
    AlignmentFinding,
    Briefing,
    BriefingPair,
    Exchange,
    Version,
)

PAGE_PAIRS = 200  # pairs read per query when streaming every pair
FINDING_STATUSES = ("open", "resolved", "all")
_NAMES = {"en": "English", "zh": "Chinese"}


def indices_json(indices: Sequence[int]) -> int | list[int] | None:
    """One index as a number, two (a 2–1 / 1–2 row) as a list, none as null."""
    if not indices:
        return None
    return indices[0] if len(indices) == 1 else list(indices)


@dataclass(frozen=True, slots=True)
class ExchangeText:
    """One exchange of a side, for the side-by-side view."""

    index: int
    kind: str
    asker: str | None
    question: str | None
    answerer: str | None
    answer: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "asker": self.asker,
            "question": self.question,
            "answerer": self.answerer,
            "answer": self.answer,
        }


@dataclass(frozen=True, slots=True)
class PairRow:
    position: int
    en: tuple[int, ...]
    zh: tuple[int, ...]
    bead: str
    score: float
    confidence: float
    outlet: str  # match, mismatch, related, unknown, none
    features: dict[str, Any] = field(default_factory=dict)
    en_texts: tuple[ExchangeText, ...] = ()  # with ``texts=True`` only
    zh_texts: tuple[ExchangeText, ...] = ()

    def to_json(self, *, texts: bool = False, features: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "en": indices_json(self.en),
            "zh": indices_json(self.zh),
            "score": self.score,
            "confidence": self.confidence,
            "bead": self.bead,
            "outlet": self.outlet,
        }
        if features:
            data["features"] = self.features
        if texts:
            data["en_exchanges"] = [t.to_json() for t in self.en_texts]
            data["zh_exchanges"] = [t.to_json() for t in self.zh_texts]
        return data


@dataclass(frozen=True, slots=True)
class Asymmetry:
    """One finding: what differs between the two versions, and its ledger events."""

    id: int
    type: str
    status: str  # open, resolved
    en_briefing: BriefingRef
    zh_briefing: BriefingRef
    held_on: date | None
    en: tuple[int, ...]
    zh: tuple[int, ...]
    en_askers: tuple[str, ...]
    zh_askers: tuple[str, ...]
    confidence: float
    description: str
    detail: dict[str, Any]
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    resolution: str | None
    event_id: int | None
    resolved_event_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "held_on": self.held_on.isoformat() if self.held_on else None,
            "en_briefing": self.en_briefing.to_json(),
            "zh_briefing": self.zh_briefing.to_json(),
            "en": indices_json(self.en),
            "zh": indices_json(self.zh),
            "en_askers": list(self.en_askers),
            "zh_askers": list(self.zh_askers),
            "confidence": self.confidence,
            "description": self.description,
            "detail": self.detail,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolution": self.resolution,
            "event_id": self.event_id,
            "resolved_event_id": self.resolved_event_id,
        }


@dataclass(frozen=True, slots=True)
class PairView:
    id: int
    family: str
    held_on: date | None
    en: BriefingRef
    zh: BriefingRef
    en_status: str
    zh_status: str
    en_version: int | None
    zh_version: int | None
    method: str
    pair_score: float
    status: str
    reason: str | None
    score: float
    one_to_one: bool
    aligned_at: datetime
    rows: tuple[PairRow, ...]
    asymmetries: tuple[Asymmetry, ...] = ()

    def twin_of(self, briefing_id: int) -> BriefingRef:
        return self.zh if briefing_id == self.en.id else self.en

    def to_json(self, *, texts: bool = False, features: bool = False) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family,
            "held_on": self.held_on.isoformat() if self.held_on else None,
            "en": {**self.en.to_json(), "status": self.en_status, "version": self.en_version},
            "zh": {**self.zh.to_json(), "status": self.zh_status, "version": self.zh_version},
            "method": self.method,
            "pair_score": self.pair_score,
            "status": self.status,
            "reason": self.reason,
            "score": self.score,
            "one_to_one": self.one_to_one,
            "aligned_at": self.aligned_at.isoformat(),
            "rows": [r.to_json(texts=texts, features=features) for r in self.rows],
            "asymmetries": [a.to_json() for a in self.asymmetries],
        }


# ---------------------------------------------------------------------------- one pair


def pair_of(session: Session, ref: str | int, *, texts: bool = False) -> PairView:
    """The pair a briefing (id or any URL, either language) belongs to."""
    briefing = find_briefing(session, ref)
    pair = session.scalar(
        select(BriefingPair).where(
            or_(
                BriefingPair.en_briefing_id == briefing.id,
                BriefingPair.zh_briefing_id == briefing.id,
            )
        )
    )
    if pair is None:
        other = _NAMES["zh" if briefing.language == "en" else "en"]
        held = briefing.held_on.isoformat() if briefing.held_on else "an unknown date"
        raise NotFound(
            f"briefing {briefing.id} ({briefing.source}, {held}) has no {other} twin in the "
            "archive (if it was never aligned, run `briefings align`)"
        )
    return _views(session, [pair], texts=texts, findings=True)[0]


def twin(session: Session, ref: str | int) -> BriefingRef | None:
    """The other language's briefing of ``ref``'s pair, None when it has none."""
    briefing = find_briefing(session, ref)
    pair = session.scalar(
        select(BriefingPair).where(
            or_(
                BriefingPair.en_briefing_id == briefing.id,
                BriefingPair.zh_briefing_id == briefing.id,
            )
        )
    )
    if pair is None:
        return None
    other_id = pair.zh_briefing_id if pair.en_briefing_id == briefing.id else pair.en_briefing_id
    other = session.get(Briefing, other_id)
    return briefing_ref(other) if other is not None else None


# ---------------------------------------------------------------------------- every pair


def iter_pairs(
    session: Session,
    *,
    since: date | None = None,
    until: date | None = None,
    texts: bool = False,
    findings: bool = True,
) -> Iterator[PairView]:
    """Every pair, by date then id, a page of ``PAGE_PAIRS`` at a time (memory stays flat)."""
    last: tuple[int, int] | None = None  # (sort date as an ordinal, id)
    day = func.coalesce(BriefingPair.held_on, date.min)
    while True:
        stmt = select(BriefingPair).order_by(day, BriefingPair.id).limit(PAGE_PAIRS)
        if since:
            stmt = stmt.where(BriefingPair.held_on >= since)
        if until:
            stmt = stmt.where(BriefingPair.held_on <= until)
        if last is not None:
            stmt = stmt.where(tuple_(day, BriefingPair.id) > (date.fromordinal(last[0]), last[1]))
        page = list(session.scalars(stmt))
        if not page:
            return
        yield from _views(session, page, texts=texts, findings=findings)
        tail = page[-1]
        last = ((tail.held_on or date.min).toordinal(), tail.id)
        session.expunge_all()  # what was read is not needed again


def _views(
    session: Session, pairs: Sequence[BriefingPair], *, texts: bool, findings: bool
) -> list[PairView]:
    ids = [p.id for p in pairs]
    briefing_ids = {b for p in pairs for b in (p.en_briefing_id, p.zh_briefing_id)}
    briefings = {
        b.id: b for b in session.scalars(select(Briefing).where(Briefing.id.in_(briefing_ids)))
    }
    rows: dict[int, list[AlignedRow]] = defaultdict(list)
    for row in session.scalars(
        select(AlignedRow)
        .where(AlignedRow.pair_id.in_(ids))
        .order_by(AlignedRow.pair_id, AlignedRow.position)
    ):
        rows[row.pair_id].append(row)
    version_ids = {v for p in pairs for v in (p.en_version_id, p.zh_version_id) if v is not None}
    numbers: dict[int, int] = {
        vid: number
        for vid, number in session.execute(
            select(Version.id, Version.number).where(Version.id.in_(version_ids))
        )
    }
    exchange_texts = _texts(session, version_ids) if texts else {}
    found = _pair_findings(session, pairs, briefings) if findings else {}
    views = []
    for p in pairs:
        en_b, zh_b = briefings[p.en_briefing_id], briefings[p.zh_briefing_id]
        en_x = exchange_texts.get(p.en_version_id or -1, {})
        zh_x = exchange_texts.get(p.zh_version_id or -1, {})
        views.append(
            PairView(
                id=p.id,
                family=p.family,
                held_on=p.held_on,
                en=briefing_ref(en_b),
                zh=briefing_ref(zh_b),
                en_status=str(en_b.status),
                zh_status=str(zh_b.status),
                en_version=numbers.get(p.en_version_id or -1),
                zh_version=numbers.get(p.zh_version_id or -1),
                method=p.method,
                pair_score=p.pair_score,
                status=p.status,
                reason=p.reason,
                score=p.score,
                one_to_one=p.one_to_one,
                aligned_at=p.aligned_at,
                rows=tuple(_pair_row(r, en_x, zh_x) for r in rows[p.id]),
                asymmetries=tuple(found.get(p.id, ())),
            )
        )
    return views


def _pair_row(r: AlignedRow, en: dict[int, ExchangeText], zh: dict[int, ExchangeText]) -> PairRow:
    return PairRow(
        position=r.position,
        en=tuple(r.en),
        zh=tuple(r.zh),
        bead=r.bead,
        score=r.score,
        confidence=r.confidence,
        outlet=r.outlet,
        features=dict(r.features or {}),
        en_texts=tuple(en[i] for i in r.en if i in en),
        zh_texts=tuple(zh[i] for i in r.zh if i in zh),
    )


def _texts(session: Session, version_ids: set[int]) -> dict[int, dict[int, ExchangeText]]:
    out: dict[int, dict[int, ExchangeText]] = defaultdict(dict)
    for x in session.scalars(select(Exchange).where(Exchange.version_id.in_(version_ids))):
        out[x.version_id][x.position] = ExchangeText(
            x.position, x.kind, x.asker, x.question, x.answerer, x.answer
        )
    return out


def _pair_findings(
    session: Session, pairs: Sequence[BriefingPair], briefings: dict[int, Briefing]
) -> dict[int, list[Asymmetry]]:
    by_sides = {(p.en_briefing_id, p.zh_briefing_id): p.id for p in pairs}
    stmt = (
        select(AlignmentFinding)
        .where(AlignmentFinding.en_briefing_id.in_([en for en, _ in by_sides]))
        .order_by(AlignmentFinding.id)
    )
    out: dict[int, list[Asymmetry]] = defaultdict(list)
    for f in session.scalars(stmt):
        pair_id = by_sides.get((f.en_briefing_id, f.zh_briefing_id))
        if pair_id is not None:
            out[pair_id].append(_asymmetry(f, briefings))
    return out


# ---------------------------------------------------------------------------- findings


@dataclass(frozen=True, slots=True)
class AsymmetryFilter:
    types: tuple[str, ...] = ()
    status: str = "open"  # open, resolved, all
    since: date | None = None  # held_on bounds, inclusive
    until: date | None = None
    briefing: str | None = None  # a briefing id or URL of either side
    outlet: str | None = None  # an outlet id or label: findings about its exchanges
    min_confidence: float = 0.0
    limit: int | None = None


def asymmetries(
    session: Session, flt: AsymmetryFilter, table: OutletTable | None = None
) -> list[Asymmetry]:
    """Findings, newest briefing first."""
    if flt.status not in FINDING_STATUSES:
        raise BadQuery(f"status must be one of {', '.join(FINDING_STATUSES)}")
    unknown = sorted(set(flt.types) - {str(t) for t in ChangeType if t.is_asymmetry})
    if unknown:
        raise BadQuery(f"not an asymmetry type: {', '.join(unknown)}")
    stmt = select(AlignmentFinding).order_by(
        AlignmentFinding.held_on.desc().nulls_last(), AlignmentFinding.id.desc()
    )
    if flt.types:
        stmt = stmt.where(AlignmentFinding.type.in_([ChangeType(t) for t in flt.types]))
    if flt.status != "all":
        stmt = stmt.where(AlignmentFinding.status == flt.status)
    if flt.since:
        stmt = stmt.where(AlignmentFinding.held_on >= flt.since)
    if flt.until:
        stmt = stmt.where(AlignmentFinding.held_on <= flt.until)
    if flt.min_confidence:
        stmt = stmt.where(AlignmentFinding.confidence >= flt.min_confidence)
    if flt.briefing:
        b = find_briefing(session, flt.briefing)
        stmt = stmt.where(
            or_(AlignmentFinding.en_briefing_id == b.id, AlignmentFinding.zh_briefing_id == b.id)
        )
    if flt.limit and not flt.outlet:
        stmt = stmt.limit(flt.limit)
    rows = list(session.scalars(stmt))
    ids = {b for f in rows for b in (f.en_briefing_id, f.zh_briefing_id)}
    briefings = {b.id: b for b in session.scalars(select(Briefing).where(Briefing.id.in_(ids)))}
    found = [_asymmetry(f, briefings) for f in rows]
    if flt.outlet and table is not None:
        found = [a for a in found if _about_outlet(a, flt.outlet, table)]
        found = found[: flt.limit] if flt.limit else found
    return found


def _about_outlet(a: Asymmetry, outlet: str, table: OutletTable) -> bool:
    from storage.outlet_store import outlet_ids_named

    wanted = outlet_ids_named(outlet, table)
    for labels, language in ((a.en_askers, "en"), (a.zh_askers, "zh")):
        for label in labels:
            if {o.id for o in table.lookup_all(label, language)} & wanted:  # type: ignore[arg-type]
                return True
    return False


def _asymmetry(f: AlignmentFinding, briefings: dict[int, Briefing]) -> Asymmetry:
    en_b, zh_b = briefings[f.en_briefing_id], briefings[f.zh_briefing_id]
    detail = dict(f.detail or {})
    return Asymmetry(
        id=f.id,
        type=str(f.type),
        status=f.status,
        en_briefing=briefing_ref(en_b),
        zh_briefing=briefing_ref(zh_b),
        held_on=f.held_on,
        en=tuple(f.en),
        zh=tuple(f.zh),
        en_askers=tuple(detail.get("en_askers") or ()),
        zh_askers=tuple(detail.get("zh_askers") or ()),
        confidence=f.confidence,
        description=f.description,
        detail=detail,
        first_seen=f.first_seen,
        last_seen=f.last_seen,
        resolved_at=f.resolved_at,
        resolution=f.resolution,
        event_id=f.event_id,
        resolved_event_id=f.resolved_event_id,
    )
