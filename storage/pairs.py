"""The database side of English↔Chinese alignment: pair the archive's briefings, store each
pair's alignment, keep its asymmetry findings, and report them in the ledger.

``align_dates(session, dates, briefing_ids, table=…)`` does it for the briefings held on
``dates`` (and ``briefing_ids``, for undated ones), inside the caller's write transaction;
``storage.api.Archive.align`` runs it over the archive or a date range in short transactions,
and ``Archive.finish_run`` over the dates a crawl touched. Steps:

1. **Candidates**: every English and Chinese briefing of those dates, the briefings they are
   paired with now, and those their translation links name (``_load_sides``). Each is read
   at its current version (``Version.is_latest``: whatever the capture rules made current).
2. **Pairing** (``storage.align.pair_briefings``): by link, date, then content. A stored pair
   the new pairing no longer makes is dissolved (its open findings resolved); a briefing
   without a twin stays unpaired: it waits, and nothing is reported about it.
3. **Alignment** (``storage.align.align_pair``) of each pair whose inputs changed (versions,
   statuses, aligner, outlet table: ``BriefingPair.input_key``), rows replaced.
4. **Findings**: only for complete pairs. A side that is suspect, removed, missing or misread
   makes the pair incomplete and its findings wait as they are, neither new nor resolved.
   Each finding is stored once (unique per pair and ``key``); a new one writes a ledger event
   of its own type (``only-in-en``, ``only-in-zh``, ``translation-mismatch``,
   ``one-sided-edit``), one no longer found is resolved and writes ``asymmetry-resolved``
   (cause ``page`` when a version changed since it was seen, ``parser`` when only the
   aligner or outlet table did: our software, not the ministry), one found again is reopened
   with a new event. Running it twice writes nothing the second time.

One-sided edits come from the ledger's own ``edited`` events (cause ``page``), so the
archive's rules on parser changes and cosmetic edits apply to them too.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select, text
from sqlalchemy.orm import Session

from crawler.urls import canonical_url
from storage.align import (
    Alignment,
    AlignOptions,
    Candidate,
    Edit,
    Finding,
    OutletTable,
    Row,
    SideEdits,
    align_pair,
    find_asymmetries,
    ledger_one_sided_edits,
    options_fingerprint,
    pair_briefings,
)
from storage.align.aligner import SideStatus, features_of
from storage.align.outlets import Language
from storage.align.pairing import Pair, content_score, family, signature_from_features
from storage.align.scoring import ExchangeFeatures
from storage.enums import ChangeType, RunKind, VersionCause
from storage.models import (
    AlignedRow,
    AlignmentFinding,
    Briefing,
    BriefingLocation,
    BriefingPair,
    Capture,
    Exchange,
    Version,
)
from storage.models import ChangeEvent as ChangeEventRow
from storage.types import utcnow

# Crawl kinds that can add or change briefings: the run's dates are re-paired afterwards.
ALIGN_AFTER_RUN_KINDS = frozenset({RunKind.DISCOVERY, RunKind.FULL, RunKind.REVISIT, "import"})
LANGUAGES = ("en", "zh")
LINK_WINDOW = 3  # days: how far a mistyped date may put a briefing that links to its twin
OPEN, RESOLVED = "open", "resolved"
COMPLETE = "complete"
# Finding types an alignment yields; one-sided edits come from the ledger.
ALIGNMENT_TYPES = frozenset(
    {ChangeType.ONLY_IN_EN, ChangeType.ONLY_IN_ZH, ChangeType.TRANSLATION_MISMATCH}
)
LOCK_ALIGNMENT = text("SELECT pg_advisory_xact_lock(:key)")
_LOCK_KEY = int.from_bytes(hashlib.sha256(b"briefings-align").digest()[:8], "big", signed=True)
_SIDE_STATUS: dict[str, SideStatus] = {"active": "ok", "suspect": "suspect", "removed": "removed"}


@dataclass(slots=True)
class AlignSummary:
    """What one ``align`` (or the alignment after a run) did."""

    dates: int = 0
    candidates: int = 0
    pairs: int = 0
    complete: int = 0
    incomplete: int = 0
    realigned: int = 0
    unchanged: int = 0
    dissolved: int = 0
    unpaired: int = 0
    rows: int = 0
    one_to_one: int = 0
    findings_opened: int = 0
    findings_resolved: int = 0

    def add(self, other: AlignSummary) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_json(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(slots=True)
class Side:
    """One briefing at its current version, as pairing and alignment read it."""

    briefing: Briefing
    version_id: int
    version_number: int
    data: dict[str, Any]
    uids: list[str]  # by exchange position (the schema's ``index``)
    locations: tuple[str, ...] = ()
    _features: tuple[ExchangeFeatures, ...] | None = None

    def features(self, table: OutletTable) -> tuple[ExchangeFeatures, ...]:
        """The aligner's per-exchange features, computed once for pairing and aligning."""
        if self._features is None:
            language: Language = "en" if self.briefing.language == "en" else "zh"
            self._features = tuple(features_of(self.data.get("exchanges") or [], language, table))
        return self._features

    @property
    def id(self) -> int:
        return self.briefing.id

    @property
    def status(self) -> SideStatus:
        return _SIDE_STATUS.get(str(self.briefing.status), "suspect")

    def uids_of(self, indices: Iterable[int]) -> list[str]:
        return [self.uids[i] for i in indices if 0 <= i < len(self.uids)]

    def exchange(self, index: int) -> Mapping[str, Any]:
        exchanges = self.data.get("exchanges") or []
        return exchanges[index] if 0 <= index < len(exchanges) else {}


@dataclass(slots=True)
class _Context:
    session: Session
    table: OutletTable
    options: AlignOptions
    fingerprint: str
    now: datetime
    force: bool
    summary: AlignSummary = field(default_factory=AlignSummary)
    # Read once per call for every candidate (not once per pair).
    stored: dict[tuple[int, int], BriefingPair] = field(default_factory=dict)
    findings: dict[tuple[int, int], list[AlignmentFinding]] = field(default_factory=dict)
    edits: dict[int, dict[str, list[Edit]]] = field(default_factory=dict)


# ---------------------------------------------------------------------------- entry points


def align_dates(
    session: Session,
    dates: Iterable[date],
    briefing_ids: Iterable[int] = (),
    *,
    table: OutletTable,
    force: bool = False,
    near: bool = True,
    done: set[tuple[int, int]] | None = None,
) -> AlignSummary:
    """Pair and align the briefings of ``dates`` (plus ``briefing_ids``), in ``session``'s
    transaction. ``force``: re-align pairs whose inputs did not change too. ``near``: also
    unpaired briefings a few days away (``_unpaired_near``; not needed when every date is
    processed). ``done``: pairs an earlier call of the same pass settled, left alone (and
    added to)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(LOCK_ALIGNMENT, {"key": _LOCK_KEY})  # one aligner at a time
    options = AlignOptions(table=table)
    ctx = _Context(session, table, options, options_fingerprint(options), utcnow(), force)
    days = sorted(set(dates))
    ctx.summary.dates = len(days)
    done = done if done is not None else set()
    settled = {b for key in done for b in key}
    sides = _load_sides(session, _candidate_ids(session, days, briefing_ids, near=near))
    sides = {bid: side for bid, side in sides.items() if bid not in settled}
    ctx.summary.candidates = len(sides)
    pairing = pair_briefings(
        [s.candidate(table) for s in _candidates(sides, "en")],
        [s.candidate(table) for s in _candidates(sides, "zh")],
        canonical=canonical_url,
        table=table,
        score_dates=False,  # scored below, only for the pairs that are (re)aligned
    )
    ctx.summary.unpaired = len(pairing.unpaired)
    wanted = {(int(p.en), int(p.zh)): p for p in pairing.pairs}
    _read_state(ctx, sides)
    for key, pair_row in list(ctx.stored.items()):
        if key not in wanted and key not in done:
            _dissolve(ctx, pair_row, sides)
    for (en_id, zh_id), pair in sorted(wanted.items()):
        _keep_pair(ctx, pair, sides[en_id], sides[zh_id])
        done.add((en_id, zh_id))
    return ctx.summary


def _read_state(ctx: _Context, sides: Mapping[int, Side]) -> None:
    """The stored pairs, findings and ministry edits of every candidate, in three queries."""
    ids = list(sides)
    if not ids:
        return
    session = ctx.session
    for row in session.scalars(
        select(BriefingPair).where(
            or_(BriefingPair.en_briefing_id.in_(ids), BriefingPair.zh_briefing_id.in_(ids))
        )
    ):
        ctx.stored[(row.en_briefing_id, row.zh_briefing_id)] = row
    for finding in session.scalars(
        select(AlignmentFinding).where(AlignmentFinding.en_briefing_id.in_(ids))
    ):
        key = (finding.en_briefing_id, finding.zh_briefing_id)
        ctx.findings.setdefault(key, []).append(finding)
    for briefing_id, uid, at, event_id in session.execute(
        select(
            ChangeEventRow.briefing_id,
            ChangeEventRow.exchange_uid,
            ChangeEventRow.detected_at,
            ChangeEventRow.id,
        ).where(
            ChangeEventRow.briefing_id.in_(ids),
            ChangeEventRow.type == ChangeType.EDITED,
            ChangeEventRow.cause == VersionCause.PAGE,
            ChangeEventRow.exchange_uid.is_not(None),
        )
    ):
        if uid is not None:
            edit = Edit(at, str(event_id))
            ctx.edits.setdefault(briefing_id, {}).setdefault(uid, []).append(edit)


def dates_to_align(
    session: Session, since: date | None, until: date | None
) -> tuple[list[date], list[int]]:
    """The held_on dates of English and Chinese briefings in the range, and (with no range)
    the undated ones' ids (they pair by translation link only)."""
    stmt = select(Briefing.held_on).where(Briefing.language.in_(LANGUAGES)).distinct()
    if since:
        stmt = stmt.where(Briefing.held_on >= since)
    if until:
        stmt = stmt.where(Briefing.held_on <= until)
    days = sorted(d for d in session.scalars(stmt) if d is not None)
    undated: list[int] = []
    if since is None and until is None:
        undated = list(
            session.scalars(
                select(Briefing.id).where(
                    Briefing.held_on.is_(None), Briefing.language.in_(LANGUAGES)
                )
            )
        )
    return days, undated


def touched_by_run(session: Session, run_id: int) -> tuple[list[date], list[int]]:
    """The dates of the briefings a run fetched (any outcome: an unchanged revisit of a
    twin can complete a one-sided edit), and the ids of those without a date."""
    rows = session.execute(
        select(Briefing.id, Briefing.held_on)
        .join(Capture, Capture.briefing_id == Briefing.id)
        .where(Capture.run_id == run_id, Briefing.language.in_(LANGUAGES))
        .distinct()
    ).all()
    days = sorted({held for _, held in rows if held is not None})
    return days, sorted(bid for bid, held in rows if held is None)


# ---------------------------------------------------------------------------- candidates


def _candidate_ids(
    session: Session, days: Sequence[date], extra: Iterable[int], *, near: bool
) -> set[int]:
    ids = set(extra)
    if days:
        ids |= set(
            session.scalars(
                select(Briefing.id).where(
                    Briefing.held_on.in_(days), Briefing.language.in_(LANGUAGES)
                )
            )
        )
        if near:
            ids |= _unpaired_near(session, days)
    return ids | _partners(session, ids)


def _unpaired_near(session: Session, days: Sequence[date]) -> set[int]:
    """Unpaired briefings held up to ``LINK_WINDOW`` away from ``days``: one of them may
    link to a briefing of these dates under a mistyped date (its links are followed from
    its side only, and it may have been archived before its twin)."""
    near = {d + timedelta(days=k) for d in days for k in range(-LINK_WINDOW, LINK_WINDOW + 1)}
    paired = select(BriefingPair.en_briefing_id).union(select(BriefingPair.zh_briefing_id))
    return set(
        session.scalars(
            select(Briefing.id).where(
                Briefing.held_on.in_(sorted(near - set(days))),
                Briefing.language.in_(LANGUAGES),
                Briefing.id.not_in(paired),
            )
        )
    )


def _partners(session: Session, ids: set[int]) -> set[int]:
    """The briefings ``ids`` are paired with now: a stored pair is re-decided whole."""
    if not ids:
        return set()
    found: set[int] = set()
    for en_id, zh_id in session.execute(
        select(BriefingPair.en_briefing_id, BriefingPair.zh_briefing_id).where(
            or_(BriefingPair.en_briefing_id.in_(ids), BriefingPair.zh_briefing_id.in_(ids))
        )
    ):
        found |= {en_id, zh_id}
    return found - ids


def _load_sides(session: Session, ids: set[int]) -> dict[int, Side]:
    """The candidates at their current versions, plus the briefings their translation
    links name (a link may cross dates: a typo in one title's date)."""
    sides = _read_sides(session, ids)
    linked = {
        canonical_url(str(t["url"]))
        for side in sides.values()
        for t in side.data.get("translations") or ()
        if t.get("url")
    }
    if linked:
        found = set(
            session.scalars(
                select(BriefingLocation.briefing_id).where(BriefingLocation.url.in_(linked))
            )
        ) | set(session.scalars(select(Briefing.id).where(Briefing.url.in_(linked))))
        found -= set(sides)
        sides |= _read_sides(session, found | _partners(session, found))
    return sides


def _read_sides(session: Session, ids: set[int]) -> dict[int, Side]:
    if not ids:
        return {}
    sides: dict[int, Side] = {}
    rows = session.execute(
        select(Briefing, Version.id, Version.number, Version.data)
        .join(Version, (Version.briefing_id == Briefing.id) & Version.is_latest.is_(True))
        .where(Briefing.id.in_(ids), Briefing.language.in_(LANGUAGES))
    ).all()
    for briefing, version_id, number, data in rows:
        sides[briefing.id] = Side(briefing, version_id, number, dict(data or {}), [])
    uids: dict[int, dict[int, str]] = defaultdict(dict)
    by_version = {s.version_id: s for s in sides.values()}
    for version_id, position, uid in session.execute(
        select(Exchange.version_id, Exchange.position, Exchange.uid).where(
            Exchange.version_id.in_(list(by_version))
        )
    ):
        uids[version_id][position] = uid
    for version_id, side in by_version.items():
        side.uids = [uid for _, uid in sorted(uids[version_id].items())]
    locations: dict[int, list[str]] = defaultdict(list)
    for briefing_id, url in session.execute(
        select(BriefingLocation.briefing_id, BriefingLocation.url).where(
            BriefingLocation.briefing_id.in_(list(sides))
        )
    ):
        locations[briefing_id].append(url)
    for briefing_id, side in sides.items():
        side.locations = tuple(sorted(locations[briefing_id]))
    return sides


def _candidates(sides: Mapping[int, Side], language: str) -> list[_CandidateSide]:
    return [
        _CandidateSide(s)
        for s in sorted(sides.values(), key=lambda s: s.id)
        if s.briefing.language == language
    ]


@dataclass(frozen=True, slots=True)
class _CandidateSide:
    side: Side

    def candidate(self, table: OutletTable) -> Candidate:
        data = self.side.data
        # The archive's own source and date win over the stored page's (same in practice).
        held = self.side.briefing.held_on
        briefing = {
            **data,
            "source": self.side.briefing.source,
            "held_on": held.isoformat() if held else None,
        }
        return Candidate(
            str(self.side.id), briefing, self.side.locations, lambda: self.side.features(table)
        )


# ---------------------------------------------------------------------------- pairs


def _keep_pair(ctx: _Context, pair: Pair, en: Side, zh: Side) -> None:
    session = ctx.session
    row = ctx.stored.get((en.id, zh.id))
    key = _input_key(ctx, en, zh)
    if row is None:
        row = BriefingPair(
            family=family(en.briefing.source),
            en_briefing_id=en.id,
            zh_briefing_id=zh.id,
            input_key="",
            score=0.0,
            row_count=0,
            one_to_one=False,
            status="incomplete",
            pair_score=0.0,
            method=pair.method,
        )
        session.add(row)
    row.held_on = en.briefing.held_on or zh.briefing.held_on
    row.method = pair.method
    if not math.isnan(pair.score):
        row.pair_score = round(pair.score, 4)
    ctx.summary.pairs += 1
    if row.input_key == key and not ctx.force and row.id is not None:
        ctx.summary.unchanged += 1
        _count_status(ctx, row.status == COMPLETE)
        if row.status == COMPLETE:
            stored = _stored_alignment(session, row)
            _reconcile(ctx, row, en, zh, _edit_findings(ctx, stored, en, zh), only_edits=True)
        return
    alignment = align_pair(
        en.data,
        zh.data,
        en_status=en.status,
        zh_status=zh.status,
        en_ref=str(en.id),
        zh_ref=str(zh.id),
        options=ctx.options,
        features=(en.features(ctx.table), zh.features(ctx.table)),
    )
    if math.isnan(pair.score):
        row.pair_score = _content_score(ctx, en, zh)
    _store_alignment(ctx, row, alignment, en, zh, key)
    ctx.summary.realigned += 1
    _count_status(ctx, alignment.status == COMPLETE)
    if alignment.status == COMPLETE:
        found = list(find_asymmetries(alignment)) + _edit_findings(ctx, alignment, en, zh)
        _reconcile(ctx, row, en, zh, found, only_edits=False)


def _content_score(ctx: _Context, en: Side, zh: Side) -> float:
    signatures = (signature_from_features(s.features(ctx.table)) for s in (en, zh))
    return round(content_score(*signatures), 4)


def _count_status(ctx: _Context, complete: bool) -> None:
    if complete:
        ctx.summary.complete += 1
    else:
        ctx.summary.incomplete += 1


def _input_key(ctx: _Context, en: Side, zh: Side) -> str:
    parts = (ctx.fingerprint, en.version_id, zh.version_id, en.status, zh.status)
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _store_alignment(
    ctx: _Context, row: BriefingPair, alignment: Alignment, en: Side, zh: Side, key: str
) -> None:
    session = ctx.session
    session.flush()  # the pair's id
    session.execute(delete(AlignedRow).where(AlignedRow.pair_id == row.id))
    records = [_row_record(row.id, k, r, en, zh) for k, r in enumerate(alignment.rows)]
    if records:
        session.execute(insert(AlignedRow), records)
    row.status, row.reason = alignment.status, alignment.reason
    row.en_version_id, row.zh_version_id = en.version_id, zh.version_id
    row.input_key = key
    row.score = round(alignment.score, 4)
    row.row_count = len(alignment.rows)
    row.one_to_one = alignment.pure_one_to_one
    row.aligned_at = ctx.now
    ctx.summary.rows += len(records)
    ctx.summary.one_to_one += int(alignment.pure_one_to_one)


def _row_record(pair_id: int, position: int, r: Row, en: Side, zh: Side) -> dict[str, Any]:
    f = r.features
    return {
        "pair_id": pair_id,
        "position": position,
        "en": list(r.en),
        "zh": list(r.zh),
        "en_uids": en.uids_of(r.en),
        "zh_uids": zh.uids_of(r.zh),
        "bead": r.bead,
        "score": round(r.score, 4),
        "confidence": round(r.confidence, 4),
        "outlet": str(f.outlet),
        "en_label": f.en_labels[0] if len(f.en_labels) == 1 else None,
        "zh_label": f.zh_labels[0] if len(f.zh_labels) == 1 else None,
        "features": {
            "en_outlets": list(f.en_outlets),
            "zh_outlets": list(f.zh_outlets),
            "en_labels": list(f.en_labels),
            "zh_labels": list(f.zh_labels),
            "shared_numbers": list(f.shared_numbers),
            "en_only_numbers": list(f.en_only_numbers),
            "zh_only_numbers": list(f.zh_only_numbers),
            "length_delta": None if f.length_delta is None else round(f.length_delta, 3),
            "contributions": {name: round(v, 3) for name, v in f.contributions},
        },
    }


@dataclass(frozen=True, slots=True)
class _StoredRow:
    en: tuple[int, ...]
    zh: tuple[int, ...]
    confidence: float

    @property
    def one_sided(self) -> bool:
        return not self.en or not self.zh


@dataclass(frozen=True, slots=True)
class _StoredAlignment:
    status: str
    rows: tuple[_StoredRow, ...]


def _stored_alignment(session: Session, pair: BriefingPair) -> _StoredAlignment:
    rows = session.execute(
        select(AlignedRow.en, AlignedRow.zh, AlignedRow.confidence)
        .where(AlignedRow.pair_id == pair.id)
        .order_by(AlignedRow.position)
    )
    return _StoredAlignment(
        pair.status, tuple(_StoredRow(tuple(e), tuple(z), c) for e, z, c in rows)
    )


def _dissolve(ctx: _Context, pair: BriefingPair, sides: Mapping[int, Side]) -> None:
    """A stored pair the pairing no longer makes: resolve its findings, drop it."""
    en, zh = sides.get(pair.en_briefing_id), sides.get(pair.zh_briefing_id)
    for finding in ctx.findings.get((pair.en_briefing_id, pair.zh_briefing_id), []):
        if finding.status == OPEN:
            reason = "the two briefings are no longer paired (one was paired with another)"
            _resolve(ctx, finding, reason, VersionCause.PAGE, en, zh)
    ctx.session.delete(pair)
    ctx.session.flush()
    ctx.stored.pop((pair.en_briefing_id, pair.zh_briefing_id), None)
    ctx.summary.dissolved += 1


# ---------------------------------------------------------------------------- findings


def _edit_findings(ctx: _Context, alignment: Any, en: Side, zh: Side) -> list[Finding]:
    """One-sided edits from the ledger's page edits of both briefings."""

    def side(s: Side) -> SideEdits:
        edits = ctx.edits.get(s.id, {})
        return SideEdits(
            dict(enumerate(s.uids)),
            {uid: tuple(v) for uid, v in edits.items()},
            s.briefing.last_checked,
        )

    return ledger_one_sided_edits(alignment, side(en), side(zh))


def _reconcile(
    ctx: _Context,
    pair: BriefingPair,
    en: Side,
    zh: Side,
    found: Sequence[Finding],
    *,
    only_edits: bool,
) -> None:
    """Stored findings of the pair against those just found: new ones open (with an event),
    gone ones resolve, returning ones reopen. ``only_edits``: the alignment was not
    recomputed, so only one-sided edits are decided."""
    stored = {f.key: f for f in ctx.findings.get((en.id, zh.id), [])}
    seen: set[str] = set()
    for finding in found:
        key = finding_key(finding, en, zh)
        if key in seen:
            continue
        seen.add(key)
        row = stored.get(key)
        if row is None:
            _open(ctx, pair, finding, key, en, zh)
        elif row.status == OPEN:
            row.last_seen = ctx.now
            row.detail = {**row.detail, **_versions_seen(en, zh)}
        else:
            _reopen(ctx, pair, row, finding, en, zh)
    decided = {ChangeType.ONE_SIDED_EDIT} | (set() if only_edits else ALIGNMENT_TYPES)
    for key, row in stored.items():
        if row.status == OPEN and key not in seen and row.type in decided:
            _resolve(ctx, row, _why_gone(row, en, zh), _cause_gone(row, en, zh), en, zh)


def finding_key(finding: Finding, en: Side, zh: Side) -> str:
    """The identity of a finding within its pair: its type, the exchanges it is about (by
    uid, stable across versions) and what it says (figures, outlets, the edit)."""
    parts: list[Any] = [finding.type, en.uids_of(finding.en), zh.uids_of(finding.zh)]
    if finding.type == "translation-mismatch":
        parts += [finding.outlets, finding.en_only_numbers, finding.zh_only_numbers]
    if finding.type == "one-sided-edit":
        parts += [finding.edited_language, finding.edit_ref]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def _open(
    ctx: _Context, pair: BriefingPair, finding: Finding, key: str, en: Side, zh: Side
) -> None:
    row = AlignmentFinding(
        en_briefing_id=en.id,
        zh_briefing_id=zh.id,
        key=key,
        type=ChangeType(finding.type),
        status=OPEN,
        first_seen=ctx.now,
        last_seen=ctx.now,
    )
    _fill(row, pair, finding, en, zh)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.findings.setdefault((en.id, zh.id), []).append(row)
    row.event_id = _event(ctx, row, ChangeType(finding.type), VersionCause.PAGE, en, zh, {})
    ctx.summary.findings_opened += 1


def _reopen(
    ctx: _Context, pair: BriefingPair, row: AlignmentFinding, finding: Finding, en: Side, zh: Side
) -> None:
    _fill(row, pair, finding, en, zh)
    row.status, row.resolved_at, row.resolution = OPEN, None, None
    row.last_seen = ctx.now
    row.event_id = _event(
        ctx, row, ChangeType(finding.type), VersionCause.PAGE, en, zh, {"reopened": True}
    )
    row.resolved_event_id = None
    ctx.summary.findings_opened += 1


def _fill(row: AlignmentFinding, pair: BriefingPair, f: Finding, en: Side, zh: Side) -> None:
    row.held_on = pair.held_on
    row.en, row.zh = list(f.en), list(f.zh)
    row.en_uids, row.zh_uids = en.uids_of(f.en), zh.uids_of(f.zh)
    row.confidence = f.confidence
    row.description = f.description
    detail: dict[str, Any] = {"pair": pair.id, **_versions_seen(en, zh)}
    detail["en_askers"] = _askers(en, f.en)
    detail["zh_askers"] = _askers(zh, f.zh)
    if f.en_only_numbers or f.zh_only_numbers:
        detail |= {"en_only_numbers": list(f.en_only_numbers)}
        detail |= {"zh_only_numbers": list(f.zh_only_numbers)}
    if f.outlets:
        detail["outlets"] = list(f.outlets)
    if f.edited_at is not None:
        detail |= {"edited_at": f.edited_at.isoformat(), "edited_language": f.edited_language}
        detail["edit_event"] = int(f.edit_ref) if f.edit_ref and f.edit_ref.isdigit() else None
    row.detail = detail


def _askers(side: Side, indices: Iterable[int]) -> list[str]:
    """The asker labels as printed of the exchanges a finding is about."""
    labels = (side.exchange(i).get("asker") for i in indices)
    return list(dict.fromkeys(str(label) for label in labels if label))


def _versions_seen(en: Side, zh: Side) -> dict[str, int]:
    return {"en_version": en.version_number, "zh_version": zh.version_number}


def _resolve(
    ctx: _Context,
    row: AlignmentFinding,
    reason: str,
    cause: VersionCause,
    en: Side | None,
    zh: Side | None,
) -> None:
    row.status, row.resolved_at, row.resolution = RESOLVED, ctx.now, reason
    extra = {"resolves": row.event_id, "resolved_type": str(row.type), "reason": reason}
    row.resolved_event_id = _event(ctx, row, ChangeType.ASYMMETRY_RESOLVED, cause, en, zh, extra)
    ctx.summary.findings_resolved += 1


def _why_gone(row: AlignmentFinding, en: Side, zh: Side) -> str:
    changed = _changed_sides(row, en, zh)
    if changed:
        return f"no longer found after the {' and the '.join(changed)} version changed"
    return "no longer found: the aligner or the outlet table changed, not the pages"


def _cause_gone(row: AlignmentFinding, en: Side, zh: Side) -> VersionCause:
    return VersionCause.PAGE if _changed_sides(row, en, zh) else VersionCause.PARSER


def _changed_sides(row: AlignmentFinding, en: Side, zh: Side) -> list[str]:
    seen = row.detail or {}
    changed = []
    if seen.get("en_version") != en.version_number:
        changed.append("English")
    if seen.get("zh_version") != zh.version_number:
        changed.append("Chinese")
    return changed


# ---------------------------------------------------------------------------- events


def event_side(finding_type: str, edited_language: str | None) -> str:
    """Which briefing a finding's ledger event belongs to: the side that has the exchange
    (only-in), the English translation (a mismatch), the side edited (one-sided edit)."""
    if finding_type == ChangeType.ONLY_IN_ZH:
        return "zh"
    if finding_type == ChangeType.ONE_SIDED_EDIT and edited_language == "zh":
        return "zh"
    return "en"


def _event(
    ctx: _Context,
    row: AlignmentFinding,
    kind: ChangeType,
    cause: VersionCause,
    en: Side | None,
    zh: Side | None,
    extra: dict[str, Any],
) -> int:
    language = event_side(str(row.type), (row.detail or {}).get("edited_language"))
    own, twin = (en, zh) if language == "en" else (zh, en)
    indices = list(row.en if language == "en" else row.zh)
    uids = list(row.en_uids if language == "en" else row.zh_uids)
    exchange = own.exchange(indices[0]) if own is not None and indices else {}
    twin_id = row.zh_briefing_id if language == "en" else row.en_briefing_id
    detail = {
        "finding": row.id,
        "twin": twin_id,
        "twin_url": twin.briefing.url if twin is not None else None,
        "en": list(row.en),
        "zh": list(row.zh),
        "confidence": row.confidence,
        "description": row.description,
        **(row.detail or {}),
        **extra,
    }
    event = ChangeEventRow(
        detected_at=ctx.now,
        type=kind,
        cause=cause,
        briefing_id=row.en_briefing_id if language == "en" else row.zh_briefing_id,
        from_version=None,
        to_version=own.version_number if own is not None else None,
        exchange_uid=uids[0] if uids else None,
        index_before=None,
        index_after=indices[0] if indices else None,
        asker=_label(exchange.get("asker")),
        answerer=_label(exchange.get("answerer")),
        fields=None,
        before=None,
        after=None,
        detail=detail,
    )
    ctx.session.add(event)
    ctx.session.flush()
    return event.id


def _label(value: Any) -> str | None:
    return str(value)[:255] if value else None
