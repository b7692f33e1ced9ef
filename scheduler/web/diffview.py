"""The diff page's rows: every exchange of the newer version in page order, each marked
unchanged, added, edited or moved, and the removed ones as tombstones where they stood.

Pure functions over the archive API's types (``Comparison``, ``ExchangeRow``,
``ExchangeSpan``); the templates only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.api import ChangeEvent, ChangeType, Comparison, ExchangeRow, ExchangeSpan, is_cosmetic

Ops = tuple[tuple[str, str], ...]
COUNTED = (ChangeType.ADDED, ChangeType.REMOVED, ChangeType.EDITED, ChangeType.MOVED)


def exchange_text(row: ExchangeRow) -> str:
    """Question, blank line, answer: the text the archive's word diffs are made of."""
    question, answer = row.question or "", row.answer or ""
    return f"{question}\n\n{answer}" if question and answer else question or answer


@dataclass(frozen=True, slots=True)
class DiffRow:
    uid: str
    state: str  # unchanged | added | edited | moved | removed
    asker: str | None
    answerer: str | None
    index_before: int | None
    index_after: int | None
    ops: Ops  # the word diff (unchanged text: one "=" op)
    event: ChangeEvent | None = None
    span: ExchangeSpan | None = None  # removed rows: first/last seen, removal confirmed
    moved: bool = False
    labels: dict[str, list[Any]] = field(default_factory=dict)  # asker/answerer: [old, new]

    @property
    def changed(self) -> bool:
        return self.state != "unchanged"

    @property
    def left(self) -> Ops:
        return tuple(op for op in self.ops if op[0] != "+")

    @property
    def right(self) -> Ops:
        return tuple(op for op in self.ops if op[0] != "-")


@dataclass(frozen=True, slots=True)
class DiffView:
    comparison: Comparison
    rows: tuple[DiffRow, ...]
    counts: dict[str, int]  # substantive changes shown, per type
    cosmetic_hidden: int  # cosmetic-only changes left out (shown with ?cosmetic=1)

    @property
    def nothing_changed(self) -> bool:
        return not any(self.counts.values())


def build(
    comparison: Comparison,
    before: tuple[ExchangeRow, ...],
    after: tuple[ExchangeRow, ...],
    spans: dict[str, ExchangeSpan],
    *,
    include_cosmetic: bool = False,
) -> DiffView:
    hidden = 0
    by_uid: dict[str, ChangeEvent] = {}
    removed: list[ChangeEvent] = []
    for event in comparison.changes:
        if event.exchange is None:
            continue
        if is_cosmetic(event) and not include_cosmetic:
            hidden += 1
            continue
        if event.type == ChangeType.REMOVED:
            removed.append(event)
        elif event.type == ChangeType.MOVED and event.exchange.uid in by_uid:
            continue  # an edit of the same exchange already says it moved
        else:
            by_uid[event.exchange.uid] = event
    keyed = [((row.position, 0, 0), _current_row(row, by_uid.get(row.uid))) for row in after]
    anchor = _anchors(before, after)
    for event in removed:
        assert event.exchange is not None
        index = event.exchange.index_before if event.exchange.index_before is not None else -1
        keyed.append(((anchor.get(index, -1), 1, index), _removed_row(event, spans)))
    keyed.sort(key=lambda item: item[0])
    rows = tuple(row for _, row in keyed)
    counts = {str(t): 0 for t in COUNTED}
    for row in rows:
        if row.state in counts:
            counts[row.state] += 1
    return DiffView(comparison, rows, counts, hidden)


def _anchors(before: tuple[ExchangeRow, ...], after: tuple[ExchangeRow, ...]) -> dict[int, int]:
    """Old position → the new position after which a removed exchange there is shown: that
    of the nearest earlier old exchange still on the page (-1: at the top)."""
    new_position = {row.uid: row.position for row in after}
    anchors: dict[int, int] = {}
    last = -1
    for row in before:
        anchors[row.position] = last
        if row.uid in new_position:
            last = new_position[row.uid]
    return anchors


def _current_row(row: ExchangeRow, event: ChangeEvent | None) -> DiffRow:
    text = exchange_text(row)
    if event is None or event.exchange is None:
        return DiffRow(
            row.uid, "unchanged", row.asker, row.answerer, None, row.position, (("=", text),)
        )
    ref = event.exchange
    ops: Ops = tuple(ref.word_diff) or (("=", text),)
    if event.type == ChangeType.MOVED:
        ops = (("=", text),)
    return DiffRow(
        uid=row.uid,
        state=str(event.type),
        asker=row.asker,
        answerer=row.answerer,
        index_before=ref.index_before,
        index_after=row.position,
        ops=ops,
        event=event,
        moved=ref.moved or event.type == ChangeType.MOVED,
        labels=dict(ref.values),
    )


def _removed_row(event: ChangeEvent, spans: dict[str, ExchangeSpan]) -> DiffRow:
    ref = event.exchange
    assert ref is not None
    ops: Ops = tuple(ref.word_diff) or (("-", ref.before or ""),)
    return DiffRow(
        uid=ref.uid,
        state="removed",
        asker=ref.asker,
        answerer=ref.answerer,
        index_before=ref.index_before,
        index_after=None,
        ops=ops,
        event=event,
        span=spans.get(ref.uid),
    )
