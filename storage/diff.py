"""Exchange-level diffs between two versions of a transcript (pure functions, no database).

``diff_exchanges(before, after, before_uids)`` matches each exchange of the new version to
one of the old version (its identity), hands the matched ones the old ``uid`` and says what
changed, exchange by exchange, as one of:

- ``added`` / ``removed``: no counterpart on the other side;
- ``edited``: the same exchange with different content; ``fields`` names what changed
  (``asker``, ``answerer``, ``question``, ``answer``, ``kind``, ``follow_up``,
  ``after_conference``; ``turns`` when only the split into turns differs) and ``word_diff``
  shows how the text changed;
- ``moved``: the same exchange in a different relative order. Exchanges merely shifted by
  an insertion or a deletion before them are not moved: the moved ones are those outside a
  longest increasing subsequence of the matched pairs (the fewest moves that explain it).

An exchange both moved and edited gives TWO changes, a ``moved`` then an ``edited`` with
the same ``exchange_id``: every output format and every ``--type`` filter then tells both
facts without extra keys.

Matching, in order: stored uids when the caller knows them (``after_uids``); identical
content (fingerprint) in page order (difflib over the fingerprint sequences, then the
identical ones that moved); then fuzzy: word-bigram Jaccard / containment of the
exchange's text (or a near-identical question from the same asker), ranked with small
bonuses for the same asker, answerer, kind and a close position, and assigned greedily
from the best score down, above ``MATCH_THRESHOLD``. Nothing is matched on position alone:
an unrelated exchange in the same slot is a removal plus an addition, not an "edit".
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import pairwise
from typing import Any

from storage.worddiff import Op, word_diff, words

CONTENT_FIELDS = (
    "kind",
    "asker",
    "question",
    "answerer",
    "answer",
    "follow_up",
    "after_conference",
)
# Fields whose values are not part of the exchange text (shown as "old → new").
LABEL_FIELDS = ("kind", "asker", "answerer", "follow_up", "after_conference")
# A fuzzy pair must be at least this similar to count as the same exchange.
MATCH_THRESHOLD = 0.5
# Containment (a text inside the other, e.g. sentences cut) only counts for texts this long.
MIN_SHINGLES_FOR_CONTAINMENT = 8
CONTAINMENT_WEIGHT = 0.85
# A near-identical question from the same asker marks the same exchange even if the answer
# was rewritten entirely.
QUESTION_MATCH_SIMILARITY = 0.8
QUESTION_MATCH_SCORE = 0.6
MIN_QUESTION_SHINGLES = 4
MIN_QUESTION_WORDS = 3
# Seconds all the word diffs of one version diff may take together; past it, edited
# paragraphs show as whole replacements (which changes are found never depends on time).
WORD_DIFF_BUDGET = 0.05


def new_uid() -> str:
    """A fresh exchange id: 16 random hex characters."""
    return secrets.token_hex(8)


def exchange_fingerprint(ex: dict[str, Any]) -> str:
    """sha256 of an exchange's content (not its index): equal content, equal fingerprint.

    Every value is written with a type tag and strings with their length, so no two
    different exchanges serialize alike; cheaper than JSON on every diff of a long page.
    """
    parts = [_tagged(ex.get(name)) for name in CONTENT_FIELDS]
    for turn in ex.get("turns") or []:
        parts.append("t" + "".join(_tagged(turn.get(k)) for k in ("role", "speaker", "text")))
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


def _tagged(value: Any) -> str:
    if value is None:
        return "N"
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, str):
        return f"s{len(value)}:{value}"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)  # not in schema v1; be safe
    return f"j{len(text)}:{text}"


def exchange_text(ex: dict[str, Any] | None) -> str | None:
    """Readable text of an exchange: question, blank line, answer (or the statement)."""
    if ex is None:
        return None
    question, answer = ex.get("question") or "", ex.get("answer") or ""
    if question and answer:
        return f"{question}\n\n{answer}"
    return question or answer


@dataclass(slots=True)
class ExchangeChange:
    type: str  # added | removed | edited | moved
    exchange_id: str
    index_before: int | None
    index_after: int | None
    asker: str | None
    answerer: str | None
    fields: list[str] = field(default_factory=list)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    word_diff: list[Op] = field(default_factory=list)
    moved: bool = False  # an "edited" change whose exchange also moved

    @property
    def before_text(self) -> str | None:
        return exchange_text(self.before)

    @property
    def after_text(self) -> str | None:
        return exchange_text(self.after)

    def label_changes(self) -> dict[str, list[Any]]:
        """``{"asker": [old, new], ...}`` for the changed fields outside the text."""
        if self.before is None or self.after is None:
            return {}
        return {
            name: [self.before.get(name), self.after.get(name)]
            for name in self.fields
            if name in LABEL_FIELDS
        }

    def as_row(self) -> dict[str, Any]:
        """Column values for ``storage.models.ChangeEvent`` (the caller adds briefing etc.)."""
        detail: dict[str, Any] = {"moved": self.moved or self.type == "moved"}
        if self.type == "edited":
            detail["word_diff"] = self.word_diff
            # Labels and flags are not in the before/after text: keep their old and new values.
            detail["values"] = self.label_changes()
        return {
            "type": self.type,
            "exchange_uid": self.exchange_id,
            "index_before": self.index_before,
            "index_after": self.index_after,
            "asker": self.asker,
            "answerer": self.answerer,
            "fields": list(self.fields),
            "before": self.before_text,
            "after": self.after_text,
            "detail": detail,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "exchange_id": self.exchange_id,
            "index_before": self.index_before,
            "index_after": self.index_after,
            "asker": self.asker,
            "answerer": self.answerer,
            "fields": list(self.fields),
            "before": self.before,
            "after": self.after,
            "word_diff": self.word_diff,
        }


@dataclass(slots=True)
class VersionDiff:
    uids_after: list[str]
    changes: list[ExchangeChange]
    from_version: int | None = None
    to_version: int | None = None

    @property
    def change_count(self) -> int:
        return len(self.changes)

    def counts(self) -> dict[str, int]:
        return dict(Counter(c.type for c in self.changes))

    def summary(self) -> str:
        """One line, e.g. ``"2 edited, 1 removed"`` (``"no changes"`` when empty)."""
        return summarize(self.counts())

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.from_version,
            "to": self.to_version,
            "change_count": self.change_count,
            "changes": [c.to_json() for c in self.changes],
        }


SUMMARY_ORDER = ("added", "removed", "edited", "moved", "briefing-removed", "restored")


def summarize(counts: dict[str, int]) -> str:
    order = [*SUMMARY_ORDER, *sorted(set(counts) - set(SUMMARY_ORDER))]
    parts = [f"{counts[t]} {t}" for t in order if counts.get(t)]
    return ", ".join(parts) or "no changes"


def diff_versions(
    before: dict[str, Any], after: dict[str, Any], before_uids: list[str] | None = None
) -> VersionDiff:
    """``diff_exchanges`` over two whole briefing dicts (fresh uids when none are given)."""
    old = before.get("exchanges") or []
    uids = before_uids if before_uids is not None else [new_uid() for _ in old]
    return diff_exchanges(old, after.get("exchanges") or [], uids)


def diff_exchanges(
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    before_uids: list[str],
    after_uids: list[str] | None = None,
) -> VersionDiff:
    """Match ``after`` to ``before`` and list what changed (see the module docstring).

    ``after_uids``, when known (reading two stored versions), pins the identities the
    archive recorded; exchanges without a counterpart of the same uid are matched as usual.
    """
    if len(before_uids) != len(before):
        raise ValueError(f"{len(before_uids)} uids for {len(before)} exchanges")
    if after_uids is not None and len(after_uids) != len(after):
        raise ValueError(f"{len(after_uids)} uids for {len(after)} exchanges")
    old = [_Side(i, ex) for i, ex in enumerate(before)]
    new = [_Side(j, ex) for j, ex in enumerate(after)]
    pairs = _match(old, new, before_uids, after_uids)
    uids_after = [
        before_uids[pairs[j]] if j in pairs else (after_uids[j] if after_uids else new_uid())
        for j in range(len(new))
    ]
    changes = _changes(old, new, pairs, before_uids, uids_after)
    return VersionDiff(uids_after=uids_after, changes=changes)


class _Side:
    """One exchange with what matching needs, computed once."""

    __slots__ = ("_q", "_text", "ex", "fp", "index")

    def __init__(self, index: int, ex: dict[str, Any]) -> None:
        self.index = index
        self.ex = ex
        self.fp = exchange_fingerprint(ex)
        self._text: frozenset[str] | None = None
        self._q: frozenset[str] | None = None

    @property
    def text_shingles(self) -> frozenset[str]:
        if self._text is None:
            self._text = _shingles(exchange_text(self.ex) or "")
        return self._text

    @property
    def question_shingles(self) -> frozenset[str]:
        if self._q is None:
            self._q = _shingles(self.ex.get("question") or "")
        return self._q


def _shingles(text: str) -> frozenset[str]:
    """Word bigrams (CJK: character bigrams); the words themselves for very short texts."""
    toks = words(text)
    if len(toks) < 3:
        return frozenset(toks)
    return frozenset(f"{a} {b}" for a, b in pairwise(toks))


# --- matching -------------------------------------------------------------------------


def _match(
    old: list[_Side], new: list[_Side], before_uids: list[str], after_uids: list[str] | None
) -> dict[int, int]:
    """after index -> before index for every matched pair."""
    pairs: dict[int, int] = {}
    if after_uids is not None:
        _match_uids(before_uids, after_uids, pairs)
    _match_identical(old, new, pairs)
    _match_fuzzy(old, new, pairs)
    return pairs


def _match_uids(before_uids: list[str], after_uids: list[str], pairs: dict[int, int]) -> None:
    where = {uid: i for i, uid in enumerate(before_uids)}
    for j, uid in enumerate(after_uids):
        if uid in where:
            pairs[j] = where.pop(uid)


def _match_identical(old: list[_Side], new: list[_Side], pairs: dict[int, int]) -> None:
    """Identical exchanges: in page order first, then the ones that moved."""
    matched = set(pairs.values())
    free_old = [s for s in old if s.index not in matched]
    free_new = [s for s in new if s.index not in pairs]
    matcher = SequenceMatcher(
        None, [s.fp for s in free_old], [s.fp for s in free_new], autojunk=False
    )
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            pairs[free_new[block.b + k].index] = free_old[block.a + k].index
    taken = set(pairs.values())
    waiting: dict[str, list[int]] = defaultdict(list)
    for s in old:
        if s.index not in taken:
            waiting[s.fp].append(s.index)
    for s in new:
        if s.index not in pairs and waiting.get(s.fp):
            pairs[s.index] = waiting[s.fp].pop(0)


def _match_fuzzy(old: list[_Side], new: list[_Side], pairs: dict[int, int]) -> None:
    taken = set(pairs.values())
    free_old = [s for s in old if s.index not in taken]
    free_new = [s for s in new if s.index not in pairs]
    if not free_old or not free_new:
        return
    candidates = []
    for a in free_old:
        for b in free_new:
            score = _similarity(a, b)
            if score >= MATCH_THRESHOLD:
                rank = score + _bonus(a, b, len(old), len(new))
                candidates.append((-rank, abs(a.index - b.index), a.index, b.index))
    candidates.sort()
    for _, _, i, j in candidates:
        if i not in taken and j not in pairs:
            pairs[j] = i
            taken.add(i)


def similarity(a: dict[str, Any], b: dict[str, Any]) -> float:
    """How likely two exchanges are the same one, edited (0..1; text only, no position)."""
    return _similarity(_Side(0, a), _Side(0, b))


def _similarity(a: _Side, b: _Side) -> float:
    score = _text_similarity(a.text_shingles, b.text_shingles)
    if score >= QUESTION_MATCH_SCORE:
        return score
    # Both askers unnamed (the Q:/A: era) counts as the same asker here: a long
    # near-identical question is evidence enough.
    if a.ex.get("asker") == b.ex.get("asker") and a.ex.get("question") and b.ex.get("question"):
        qa, qb = a.question_shingles, b.question_shingles
        long_enough = min(len(qa), len(qb)) >= MIN_QUESTION_SHINGLES
        if long_enough and _jaccard(qa, qb) >= QUESTION_MATCH_SIMILARITY:
            score = QUESTION_MATCH_SCORE
        elif qa and qa == qb and len(words(a.ex.get("question") or "")) >= MIN_QUESTION_WORDS:
            score = QUESTION_MATCH_SCORE  # a short question, word for word the same
    return score


def _text_similarity(sa: frozenset[str], sb: frozenset[str]) -> float:
    if not sa or not sb:
        return 0.0
    small, large = sorted((len(sa), len(sb)))
    # Cheap bounds first: Jaccard <= small/large, containment needs a long enough text.
    if small < MIN_SHINGLES_FOR_CONTAINMENT and small / large < MATCH_THRESHOLD:
        return 0.0
    common = len(sa & sb)
    jaccard = common / (len(sa) + len(sb) - common)
    if small >= MIN_SHINGLES_FOR_CONTAINMENT:
        return max(jaccard, CONTAINMENT_WEIGHT * common / small)
    return jaccard


def _jaccard(sa: frozenset[str], sb: frozenset[str]) -> float:
    if not sa or not sb:
        return 0.0
    common = len(sa & sb)
    return common / (len(sa) + len(sb) - common)


def _same_person(x: str | None, y: str | None) -> bool:
    return bool(x) and bool(y) and x == y


def _bonus(a: _Side, b: _Side, n_old: int, n_new: int) -> float:
    """Tie-breakers between similar candidates; too small to make a match on their own."""
    bonus = 0.0
    if _same_person(a.ex.get("asker"), b.ex.get("asker")):
        bonus += 0.03
    if _same_person(a.ex.get("answerer"), b.ex.get("answerer")):
        bonus += 0.02
    if a.ex.get("kind") == b.ex.get("kind"):
        bonus += 0.02
    rel_a = a.index / max(n_old - 1, 1)
    rel_b = b.index / max(n_new - 1, 1)
    return bonus + 0.03 * (1.0 - min(abs(rel_a - rel_b), 1.0))


# --- changes --------------------------------------------------------------------------


def _changes(
    old: list[_Side],
    new: list[_Side],
    pairs: dict[int, int],
    before_uids: list[str],
    uids_after: list[str],
) -> list[ExchangeChange]:
    moved = _moved(pairs)
    deadline = time.monotonic() + WORD_DIFF_BUDGET
    keyed: list[tuple[tuple[float, int], ExchangeChange]] = []
    for b in new:
        if b.index not in pairs:
            keyed.append(((b.index, 0), _change("added", uids_after[b.index], None, b)))
            continue
        a = old[pairs[b.index]]
        uid = uids_after[b.index]
        if b.index in moved:
            keyed.append(((b.index, 1), _change("moved", uid, a, b)))
        # Fingerprints are the fast test; the fields decide (never an edit with nothing in it).
        if a.fp != b.fp and changed_fields(a.ex, b.ex):
            change = _change("edited", uid, a, b, moved=b.index in moved, deadline=deadline)
            keyed.append(((b.index, 2), change))
    matched_old = set(pairs.values())
    anchors = _removal_anchors(pairs, len(old))
    for a in old:
        if a.index not in matched_old:
            change = _change("removed", before_uids[a.index], a, None)
            keyed.append(((anchors[a.index], -1), change))
    keyed.sort(key=lambda kc: kc[0])
    return [c for _, c in keyed]


def _change(
    kind: str,
    uid: str,
    a: _Side | None,
    b: _Side | None,
    *,
    moved: bool = False,
    deadline: float | None = None,
) -> ExchangeChange:
    ex_a, ex_b = (a.ex if a else None), (b.ex if b else None)
    current = ex_b or ex_a or {}
    change = ExchangeChange(
        type=kind,
        exchange_id=uid,
        index_before=a.index if a else None,
        index_after=b.index if b else None,
        asker=current.get("asker"),
        answerer=current.get("answerer"),
        before=ex_a,
        after=ex_b,
        moved=moved,
    )
    if kind == "edited" and ex_a is not None and ex_b is not None:
        change.fields = changed_fields(ex_a, ex_b)
        change.word_diff = word_diff(exchange_text(ex_a), exchange_text(ex_b), deadline=deadline)
    elif kind == "added":
        change.word_diff = word_diff(None, exchange_text(ex_b))
    elif kind == "removed":
        change.word_diff = word_diff(exchange_text(ex_a), None)
    else:
        change.word_diff = word_diff(exchange_text(ex_b), exchange_text(ex_b))
    return change


def changed_fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Content fields that differ; ``["turns"]`` when only the turn split differs."""
    fields = [name for name in CONTENT_FIELDS if a.get(name) != b.get(name)]
    if not fields and (a.get("turns") or []) != (b.get("turns") or []):
        fields = ["turns"]
    return fields


def _moved(pairs: dict[int, int]) -> set[int]:
    """After-indices of the matched exchanges outside a longest increasing subsequence."""
    order = sorted(pairs)  # after indices in page order
    seq = [pairs[j] for j in order]  # their before indices
    keep = _lis_positions(seq)
    return {order[k] for k in range(len(order)) if k not in keep}


def _lis_positions(seq: list[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []  # values
    tail_pos: list[int] = []  # position in seq of each tail
    prev: list[int] = [-1] * len(seq)
    for k, value in enumerate(seq):
        at = bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
            tail_pos.append(k)
        else:
            tails[at] = value
            tail_pos[at] = k
        prev[k] = tail_pos[at - 1] if at else -1
    keep: set[int] = set()
    k = tail_pos[-1] if tail_pos else -1
    while k != -1:
        keep.add(k)
        k = prev[k]
    return keep


def _removal_anchors(pairs: dict[int, int], n_old: int) -> dict[int, float]:
    """Where a removed exchange sits in the new order: just after its old predecessor."""
    after_of = {i: j for j, i in pairs.items()}
    anchors: dict[int, float] = {}
    last = -1.0
    for i in range(n_old):
        if i in after_of:
            last = float(after_of[i])
        else:
            anchors[i] = last + 0.5
    return anchors
