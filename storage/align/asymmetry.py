"""Where the two versions of a briefing differ, as typed findings.

From one :class:`~storage.align.aligner.Alignment`:

- ``only-in-en`` / ``only-in-zh``: a 1–0 or 0–1 row whose twin is confidently absent;
- ``translation-mismatch``: a matched row whose versions differ in substance: two different
  known outlets ask, or figures are printed in one text only (the figures are listed).

From the version histories of both sides (``SideHistory``), or from the archive's ledger of
the ministry's edits (``SideEdits``, ``ledger_one_sided_edits``: what the archive uses, so
its rules on parser changes and cosmetic edits apply):

- ``one-sided-edit``: an exchange changed in one language while its twin stayed as it was
  through a later check of the other side.

An incomplete alignment (a side missing, failed, suspect, removed, or the two sides too far
apart to trust) yields no finding at all: a page that was down is not a briefing that lost
its exchanges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from storage.align.aligner import Alignment, Row

FindingType = Literal["only-in-en", "only-in-zh", "translation-mismatch", "one-sided-edit"]
_NAMES = {"en": "English", "zh": "Chinese"}


@dataclass(frozen=True, slots=True)
class Finding:
    type: FindingType
    rows: tuple[int, ...]  # positions in ``Alignment.rows``
    en: tuple[int, ...]  # schema ``index`` values
    zh: tuple[int, ...]
    confidence: float
    description: str
    en_only_numbers: tuple[str, ...] = ()
    zh_only_numbers: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()  # the two outlet ids of an outlet mismatch
    edited_at: datetime | None = None  # one-sided edit: when the edited version was seen
    edited_language: str | None = None
    edit_ref: str | None = None  # one-sided edit: the ledger's id of the edit


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of a transcript: its exchanges with the archive's uids."""

    observed_at: datetime
    exchanges: tuple[Mapping[str, Any], ...]
    uids: tuple[str, ...]  # one per exchange, stable across versions

    def __post_init__(self) -> None:
        if len(self.uids) != len(self.exchanges):
            raise ValueError("a version needs one uid per exchange")


@dataclass(frozen=True, slots=True)
class SideHistory:
    """A side's versions (any order) and when it was last fetched, changed or not."""

    versions: tuple[Version, ...]
    last_checked: datetime | None = None

    def ordered(self) -> list[Version]:
        return sorted(self.versions, key=lambda v: v.observed_at)

    def checked_until(self) -> datetime | None:
        times = [v.observed_at for v in self.versions]
        if self.last_checked is not None:
            times.append(self.last_checked)
        return max(times, default=None)


def find_asymmetries(
    alignment: Alignment,
    *,
    en_history: SideHistory | None = None,
    zh_history: SideHistory | None = None,
    min_confidence: float = 0.6,
) -> tuple[Finding, ...]:
    """Every finding of one aligned pair (histories, when given, must end in the aligned
    versions: row indices are read against the latest version of each side)."""
    if alignment.status != "complete":
        return ()
    found: list[Finding] = []
    for position, row in enumerate(alignment.rows):
        if row.one_sided:
            found += _one_sided(position, row, min_confidence)
        else:
            found += _mismatches(position, row)
    if en_history is not None and zh_history is not None:
        found += one_sided_edits(alignment, en_history, zh_history)
    return tuple(found)


def _one_sided(position: int, row: Row, min_confidence: float) -> list[Finding]:
    if row.confidence < min_confidence:
        return []
    language = "en" if row.en else "zh"
    index = (row.en or row.zh)[0]
    labels = row.features.en_labels if row.en else row.features.zh_labels
    asked = f" ({labels[0]})" if labels else ""
    other = _NAMES["zh" if language == "en" else "en"]
    return [
        Finding(
            type="only-in-en" if language == "en" else "only-in-zh",
            rows=(position,),
            en=row.en,
            zh=row.zh,
            confidence=round(row.confidence, 3),
            description=f"{_NAMES[language]} exchange {index}{asked} has no {other} twin",
        )
    ]


def _mismatches(position: int, row: Row) -> list[Finding]:
    f = row.features
    found: list[Finding] = []
    if f.outlet == "mismatch":
        outlets = (*f.en_outlets, *f.zh_outlets)
        found.append(
            Finding(
                type="translation-mismatch",
                rows=(position,),
                en=row.en,
                zh=row.zh,
                confidence=0.9,
                description=(
                    f"exchange {_refs(row)}: asked by {', '.join(f.en_labels)} in English "
                    f"but by {', '.join(f.zh_labels)} in Chinese"
                ),
                outlets=outlets,
            )
        )
    en_only = substantive_numbers(f.en_only_numbers, f.zh_only_numbers + f.shared_numbers)
    zh_only = substantive_numbers(f.zh_only_numbers, f.en_only_numbers + f.shared_numbers)
    if en_only or zh_only:
        found.append(
            Finding(
                type="translation-mismatch",
                rows=(position,),
                en=row.en,
                zh=row.zh,
                confidence=round(min(0.5 + 0.15 * (len(en_only) + len(zh_only)), 0.95), 3),
                description=f"exchange {_refs(row)}: figures in one version only: "
                + "; ".join(
                    part
                    for part in (
                        f"English {', '.join(_readable(en_only))}" if en_only else "",
                        f"Chinese {', '.join(_readable(zh_only))}" if zh_only else "",
                    )
                    if part
                ),
                en_only_numbers=en_only,
                zh_only_numbers=zh_only,
            )
        )
    return found


def substantive_numbers(tokens: Sequence[str], other: Sequence[str]) -> tuple[str, ...]:
    """Figures worth a finding: amounts of two digits or more, and full dates whose day the
    other text does not print (translators write `15日` for `June 15`, `今年` for `2020`)."""
    other_days = {t for t in other if t.startswith("d")}
    kept = []
    for token in tokens:
        if token.startswith("m"):
            if "d" in token and "d" + token.split("d", 1)[1] not in other_days:
                kept.append(token)
        elif token.startswith("d"):
            continue  # a bare day is too weak on its own (`21` in `20 and 21`)
        elif len(token.split(".")[0]) >= 2 and not _is_year(token):
            kept.append(token)
    return tuple(kept)


def one_sided_edits(
    alignment: Alignment, en_history: SideHistory, zh_history: SideHistory
) -> list[Finding]:
    """Edits to one side's exchange while its twin stayed as it was."""
    if alignment.status != "complete":
        return []
    sides = {"en": _Timeline(en_history), "zh": _Timeline(zh_history)}
    found: list[Finding] = []
    for position, row in enumerate(alignment.rows):
        if row.one_sided:
            continue
        for language, other in (("en", "zh"), ("zh", "en")):
            edit = _edited_alone(row, language, other, sides)
            if edit is not None:
                found.append(_edit_finding(position, row, language, edit, sides[other]))
    return found


class _Timeline:
    """A side's exchange contents over time, by uid."""

    def __init__(self, history: SideHistory) -> None:
        self.versions = history.ordered()
        self.checked_until = history.checked_until()
        latest = self.versions[-1] if self.versions else None
        self.uid_of: dict[int, str] = (
            {int(x["index"]): uid for x, uid in zip(latest.exchanges, latest.uids, strict=True)}
            if latest
            else {}
        )

    def contents(self, uid: str) -> list[tuple[datetime, str | None]]:
        out = []
        for v in self.versions:
            found = [x for x, u in zip(v.exchanges, v.uids, strict=True) if u == uid]
            out.append((v.observed_at, _content(found[0]) if found else None))
        return out

    def edits(self, uid: str) -> list[datetime]:
        """When a changed content of ``uid`` was first seen (not its first appearance)."""
        times, previous = [], None
        for when, content in self.contents(uid):
            if previous is not None and content is not None and content != previous:
                times.append(when)
            previous = content if content is not None else previous
        return times

    def unchanged_since(self, uid: str, when: datetime) -> bool:
        """The content in force at ``when`` stayed through every later version and check."""
        history = self.contents(uid)
        before = [c for t, c in history if t <= when]
        if not before or before[-1] is None:
            return False
        later = [c for t, c in history if t > when]
        checked = self.checked_until is not None and self.checked_until >= when
        return checked and all(c == before[-1] for c in later)


def _edited_alone(
    row: Row, language: str, other: str, sides: Mapping[str, _Timeline]
) -> datetime | None:
    own, twin = sides[language], sides[other]
    own_uids = [own.uid_of.get(i) for i in (row.en if language == "en" else row.zh)]
    twin_uids = [twin.uid_of.get(i) for i in (row.zh if language == "en" else row.en)]
    if None in own_uids or None in twin_uids:
        return None
    for uid in own_uids:
        assert uid is not None
        for when in own.edits(uid):
            if all(twin.unchanged_since(t, when) for t in twin_uids if t is not None):
                return when
    return None


def _edit_finding(
    position: int, row: RowLike, language: str, when: datetime, twin: _Timeline
) -> Finding:
    return _one_sided_edit(position, row, language, when, twin.checked_until)


def _one_sided_edit(
    position: int,
    row: RowLike,
    language: str,
    when: datetime,
    twin_checked: datetime | None,
    edit_ref: str | None = None,
) -> Finding:
    """One language's exchange edited at ``when``; its twin unchanged up to ``twin_checked``."""
    other = "zh" if language == "en" else "en"
    edited, kept = (row.en, row.zh) if language == "en" else (row.zh, row.en)
    until = twin_checked.isoformat() if twin_checked else "?"
    return Finding(
        type="one-sided-edit",
        rows=(position,),
        en=row.en,
        zh=row.zh,
        confidence=round(min(row.confidence, 0.95), 3),
        description=(
            f"{_NAMES[language]} exchange {_join(edited)} was edited (seen {when.isoformat()}); "
            f"its {_NAMES[other]} twin {_join(kept)} is unchanged as of {until}"
        ),
        edited_at=when,
        edited_language=language,
        edit_ref=edit_ref,
    )


def _content(exchange: Mapping[str, Any]) -> str:
    parts = (exchange.get("asker"), exchange.get("question"), exchange.get("answer"))
    return "\x1f".join(" ".join(str(p or "").split()) for p in parts)


def _refs(row: Row) -> str:
    return f"{_join(row.en)} (en) / {_join(row.zh)} (zh)"


def _join(indices: Sequence[int]) -> str:
    return "+".join(str(i) for i in indices)


def _is_year(token: str) -> bool:
    return token.isdigit() and len(token) == 4 and 1900 <= int(token) <= 2100


def _readable(tokens: Sequence[str]) -> list[str]:
    out = []
    for t in tokens:
        if t.startswith("m") and "d" in t:
            month, day = t[1:].split("d")
            out.append(f"{month}/{day}")
        elif t.isdigit() and len(t) > 4:
            out.append(f"{int(t):,}")  # 4,000,000,000: the reader sees the magnitude
        else:
            out.append(t)
    return out


@dataclass(frozen=True, slots=True)
class Edit:
    """One edit of an exchange by the ministry, as the ledger recorded it."""

    at: datetime
    ref: str  # the ledger event's id


@dataclass(frozen=True, slots=True)
class SideEdits:
    """A side's exchanges in the aligned version (schema ``index`` to uid), the ministry's
    edits of each uid, and when the side was last fetched, changed or not."""

    uid_of: Mapping[int, str]
    edits: Mapping[str, tuple[Edit, ...]]
    checked_until: datetime | None


class RowLike(Protocol):
    """What ``ledger_one_sided_edits`` reads of a row (an aligner ``Row``, or a stored one)."""

    @property
    def en(self) -> tuple[int, ...]: ...
    @property
    def zh(self) -> tuple[int, ...]: ...
    @property
    def confidence(self) -> float: ...
    @property
    def one_sided(self) -> bool: ...


class AlignmentLike(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def rows(self) -> Sequence[RowLike]: ...


# An edit of the twin this close before (or any time after) an edit counts as the same
# correction made in both languages: translations catch up within days.
TWIN_EDIT_WINDOW = timedelta(days=30)


def ledger_one_sided_edits(
    alignment: AlignmentLike,
    en: SideEdits,
    zh: SideEdits,
    *,
    window: timedelta = TWIN_EDIT_WINDOW,
) -> list[Finding]:
    """Edits the ledger recorded on one side's exchange while no edit reached its twin
    (from ``window`` before the edit on) and the twin's side was fetched after the edit."""
    if alignment.status != "complete":
        return []
    sides = {"en": en, "zh": zh}
    found: list[Finding] = []
    for position, row in enumerate(alignment.rows):
        if row.one_sided:
            continue
        for language, other in (("en", "zh"), ("zh", "en")):
            edit = _ledger_edit_alone(row, sides[language], sides[other], language, window)
            if edit is not None:
                found.append(_ledger_edit_finding(position, row, language, edit, sides[other]))
    return found


def _ledger_edit_alone(
    row: RowLike, own: SideEdits, twin: SideEdits, language: str, window: timedelta
) -> Edit | None:
    own_indices, twin_indices = (row.en, row.zh) if language == "en" else (row.zh, row.en)
    own_uids = [own.uid_of.get(i) for i in own_indices]
    twin_uids = [twin.uid_of.get(i) for i in twin_indices]
    if None in own_uids or None in twin_uids or twin.checked_until is None:
        return None
    twin_edits = [e.at for uid in twin_uids if uid is not None for e in twin.edits.get(uid, ())]
    for uid in own_uids:
        assert uid is not None
        for edit in sorted(own.edits.get(uid, ()), key=lambda e: (e.at, e.ref)):
            if twin.checked_until <= edit.at:
                continue  # the twin was not fetched since: it may yet follow
            if not any(at >= edit.at - window for at in twin_edits):
                return edit
    return None


def _ledger_edit_finding(
    position: int, row: RowLike, language: str, edit: Edit, twin: SideEdits
) -> Finding:
    return _one_sided_edit(position, row, language, edit.at, twin.checked_until, edit.ref)
