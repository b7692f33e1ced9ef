"""Monotone alignment of a briefing's English exchanges to its Chinese ones.

Dynamic programming over beads, Gale–Church style: each row of the result pairs 1–1, 2–1
or 1–2 consecutive exchanges (the two languages split follow-ups and after-conference
answers differently), or leaves one exchange without a twin (1–0, 0–1). A row's score is the
evidence of ``scoring.py``; a 1–0/0–1 row costs ``Weights.skip``, a merge ``Weights.merge``
on top of its evidence. Ties go to the first bead in the order 1–1, 2–1, 1–2, 1–0, 0–1, so
the same input always gives the same rows.

``align_pair`` wraps the DP with what the archive knows about each side: a side that failed
to parse, is suspect or was removed leaves the pair ``incomplete`` (rows are computed when
both transcripts are at hand, but nothing downstream reports one-sided exchanges from an
incomplete pair); so does a pair whose two sides disagree so much (most exchanges without a
twin, or one side far shorter) that one of them is probably truncated, or whose two parses
segment it too differently (one side has questions, the other none; most rows are not 1–1)
for its one-sided rows to mean anything.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from storage.align.length import LengthModel, LengthSample, default_length_model, fit
from storage.align.outlets import Language, OutletTable, default_table
from storage.align.scoring import (
    Context,
    ExchangeFeatures,
    RowFeatures,
    SemanticScorer,
    Weights,
    bead_score,
    exchange_features,
    explain,
    make_context,
    merge,
    one_sided_features,
)

# Bumped whenever the same inputs would align differently (scoring, guards, beads): the
# archive re-aligns stored pairs whose alignment an older aligner computed.
ALIGNER_VERSION = "2"

Status = Literal["complete", "incomplete"]
SideStatus = Literal["ok", "missing", "failed", "suspect", "removed"]
Bead = Literal["1-1", "2-1", "1-2", "1-0", "0-1"]
_STEPS: tuple[tuple[Bead, int, int], ...] = (
    ("1-1", 1, 1),
    ("2-1", 2, 1),
    ("1-2", 1, 2),
    ("1-0", 1, 0),
    ("0-1", 0, 1),
)


@dataclass(frozen=True, slots=True)
class Row:
    """One aligned row: schema ``index`` values on each side (empty for a one-sided row)."""

    en: tuple[int, ...]
    zh: tuple[int, ...]
    score: float
    # Matched rows: that they are twins (logistic of the margin over the best rival
    # pairing); one-sided rows: that the twin is absent.
    confidence: float
    features: RowFeatures

    @property
    def bead(self) -> str:
        return f"{len(self.en)}-{len(self.zh)}"

    @property
    def one_sided(self) -> bool:
        return not self.en or not self.zh

    def to_dict(self) -> dict[str, Any]:
        return {"en": list(self.en), "zh": list(self.zh), "score": round(self.score, 3)}


@dataclass(frozen=True, slots=True)
class Alignment:
    status: Status
    reason: str | None
    rows: tuple[Row, ...]
    en_ref: str | None = None
    zh_ref: str | None = None

    @property
    def score(self) -> float:
        return sum(r.score for r in self.rows)

    @property
    def pure_one_to_one(self) -> bool:
        return bool(self.rows) and all(r.bead == "1-1" for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "en_ref": self.en_ref,
            "zh_ref": self.zh_ref,
            "rows": [r.to_dict() for r in self.rows],
        }


@dataclass(frozen=True, slots=True)
class AlignOptions:
    model: LengthModel | None = None  # None: the shipped default
    table: OutletTable | None = None  # None: the shipped outlet table
    weights: Weights = field(default_factory=Weights)
    semantic: SemanticScorer | None = None
    # Past these the pair is marked incomplete: one side is probably truncated.
    max_one_sided_share: float = 0.5
    length_bounds: tuple[float, float] = (0.5, 2.0)
    # Past this share of rows that are not 1–1, the two parses segment the briefing too
    # differently to compare (one side's labels were probably not read).
    max_irregular_share: float = 0.4


def options_fingerprint(options: AlignOptions | None = None) -> str:
    """What, besides the two transcripts, decides an alignment: aligner version, length
    model, outlet table, weights and thresholds (a semantic scorer by its class name)."""
    opts = options or AlignOptions()
    model = opts.model or default_length_model()
    table = opts.table or default_table()
    semantic = type(opts.semantic).__qualname__ if opts.semantic is not None else None
    parts = (
        ALIGNER_VERSION,
        repr((model.log_ratio, model.floor, model.spread)),
        table.fingerprint(),
        repr(opts.weights),
        repr((opts.max_one_sided_share, opts.length_bounds, opts.max_irregular_share)),
        repr(semantic),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def features_of(
    exchanges: Sequence[Mapping[str, Any]], language: Language, table: OutletTable | None = None
) -> list[ExchangeFeatures]:
    """Per-exchange features of one transcript (computed once, reused by every bead)."""
    tbl = table or default_table()
    return [exchange_features(x, pos, language, tbl) for pos, x in enumerate(exchanges)]


Features = tuple[Sequence[ExchangeFeatures], Sequence[ExchangeFeatures]]


def align_exchanges(
    en: Sequence[Mapping[str, Any]],
    zh: Sequence[Mapping[str, Any]],
    options: AlignOptions | None = None,
    *,
    features: Features | None = None,
) -> tuple[Row, ...]:
    """The best monotone alignment of two lists of schema exchanges. ``features``: both
    lists' ``features_of`` when the caller computed them already (same outlet table)."""
    opts = options or AlignOptions()
    table = opts.table or default_table()
    en_f, zh_f = features or (features_of(en, "en", table), features_of(zh, "zh", table))
    ctx = make_context(
        en_f, zh_f, opts.model or default_length_model(), table, opts.weights, opts.semantic
    )
    return _align_features(en_f, zh_f, ctx)


def align_pair(
    en: Mapping[str, Any] | None,
    zh: Mapping[str, Any] | None,
    *,
    en_status: SideStatus = "ok",
    zh_status: SideStatus = "ok",
    en_ref: str | None = None,
    zh_ref: str | None = None,
    options: AlignOptions | None = None,
    features: Features | None = None,
) -> Alignment:
    """Align two schema briefings; a side that is not fit to compare marks it incomplete."""
    opts = options or AlignOptions()
    problem = _side_problem("en", en, en_status) or _side_problem("zh", zh, zh_status)
    if en is None or zh is None:
        return Alignment("incomplete", problem, (), en_ref, zh_ref)
    problem = problem or _shape_problem(en["exchanges"], zh["exchanges"])
    rows = align_exchanges(en["exchanges"], zh["exchanges"], opts, features=features)
    problem = problem or _disagreement(rows, opts)
    status: Status = "incomplete" if problem else "complete"
    return Alignment(status, problem, rows, en_ref, zh_ref)


def calibrate(alignments: Iterable[Alignment], *, min_evidence: float = 2.0) -> LengthModel:
    """Fit the length model on confidently aligned 1–1 rows of complete alignments.

    A row is confident when its evidence other than length (outlet, numbers, Latin tokens,
    kind) is worth at least ``min_evidence``: choosing rows by their length fit would only
    confirm the model it was chosen with.
    """
    samples = [
        LengthSample(row.features.en_len, row.features.zh_len)
        for alignment in alignments
        if alignment.status == "complete"
        for row in alignment.rows
        if row.bead == "1-1" and _non_length_evidence(row.features) >= min_evidence
    ]
    return fit(samples)


def _align_features(
    en: Sequence[ExchangeFeatures], zh: Sequence[ExchangeFeatures], ctx: Context
) -> tuple[Row, ...]:
    path = _best_path(en, zh, ctx)
    rows: list[Row | None] = [
        None if bead in ("1-0", "0-1") else _row(bead, i, j, en, zh, ctx) for bead, i, j in path
    ]
    # One-sided rows are judged against how well this pair's twins score (its median 1–1).
    scores = sorted(r.score for r in rows if r is not None and r.bead == "1-1")
    typical = scores[len(scores) // 2] if scores else 0.0
    for k, (bead, i, j) in enumerate(path):
        if bead == "1-0":
            rows[k] = _one_sided_row(en[i], zh, "en", ctx, typical)
        elif bead == "0-1":
            rows[k] = _one_sided_row(zh[j], en, "zh", ctx, typical)
    return tuple(r for r in rows if r is not None)


def _best_path(
    en: Sequence[ExchangeFeatures], zh: Sequence[ExchangeFeatures], ctx: Context
) -> list[tuple[Bead, int, int]]:
    """(bead, first en position, first zh position) of the best path, in transcript order."""
    n, m = len(en), len(zh)
    beads = _bead_scorer(en, zh, ctx)
    best = [[-math.inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[Bead | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            for bead, di, dj in _STEPS:
                if i < di or j < dj or best[i - di][j - dj] == -math.inf:
                    continue
                value = best[i - di][j - dj] + beads(bead, i - di, j - dj)
                if value > best[i][j]:
                    best[i][j], back[i][j] = value, bead
    path: list[tuple[Bead, int, int]] = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None
        di, dj = int(step[0]), int(step[2])
        i, j = i - di, j - dj
        path.append((step, i, j))
    return path[::-1]


def _bead_scorer(
    en: Sequence[ExchangeFeatures], zh: Sequence[ExchangeFeatures], ctx: Context
) -> Callable[[Bead, int, int], float]:
    w = ctx.weights
    merged_en = [merge(en[k], en[k + 1]) for k in range(len(en) - 1)]
    merged_zh = [merge(zh[k], zh[k + 1]) for k in range(len(zh) - 1)]

    def score(bead: Bead, i: int, j: int) -> float:
        if bead == "1-1":
            return bead_score(en[i], zh[j], ctx)
        if bead == "2-1":
            return bead_score(merged_en[i], zh[j], ctx) - w.merge
        if bead == "1-2":
            return bead_score(en[i], merged_zh[j], ctx) - w.merge
        return -w.skip

    return score


def _row(
    bead: Bead,
    i: int,
    j: int,
    en: Sequence[ExchangeFeatures],
    zh: Sequence[ExchangeFeatures],
    ctx: Context,
) -> Row:
    e = merge(en[i], en[i + 1]) if bead == "2-1" else en[i]
    z = merge(zh[j], zh[j + 1]) if bead == "1-2" else zh[j]
    score, features = explain(e, z, ctx)
    if bead != "1-1":
        score -= ctx.weights.merge
    return Row(
        e.indices, z.indices, score, _logistic(score - _rival(bead, i, j, en, zh, ctx)), features
    )


def _rival(
    bead: Bead,
    i: int,
    j: int,
    en: Sequence[ExchangeFeatures],
    zh: Sequence[ExchangeFeatures],
    ctx: Context,
) -> float:
    """The best score a row could have had instead: for 1–1, either exchange with a near
    neighbour of its twin; for a merge, the first exchanges alone and the second without a
    twin. A row's confidence is how far it beats its rival."""
    if bead in ("2-1", "1-2"):
        return bead_score(en[i], zh[j], ctx) - ctx.weights.skip
    rivals = [bead_score(en[i], zh[k], ctx) for k in _near(j, len(zh))]
    rivals += [bead_score(en[k], zh[j], ctx) for k in _near(i, len(en))]
    return max(rivals, default=-ctx.weights.skip)


def _near(position: int, size: int) -> list[int]:
    return [k for k in (position - 2, position - 1, position + 1, position + 2) if 0 <= k < size]


def _one_sided_row(
    f: ExchangeFeatures,
    other: Sequence[ExchangeFeatures],
    language: Language,
    ctx: Context,
    typical: float,
) -> Row:
    """Confidence that the twin is absent: how far below this pair's typical twins (the
    median 1–1 score) the best nearby candidate twin scores. Little evidence (Q/A-era
    pages, no outlets) makes twins and strangers alike, and the confidence modest."""
    lo, hi = _window(f.position, ctx, language, len(other))
    alternatives = [
        bead_score(f, o, ctx) if language == "en" else bead_score(o, f, ctx) for o in other[lo:hi]
    ]
    best_alternative = max(alternatives, default=-10.0)
    en, zh = (f.indices, ()) if language == "en" else ((), f.indices)
    confidence = _logistic(typical - best_alternative)
    return Row(en, zh, -ctx.weights.skip, confidence, one_sided_features(f, language))


def _window(position: int, ctx: Context, language: Language, size: int) -> tuple[int, int]:
    own, other = (ctx.en_count, ctx.zh_count) if language == "en" else (ctx.zh_count, ctx.en_count)
    centre = round(position * other / own)
    return max(0, centre - 3), min(size, centre + 4)


def _side_problem(
    language: str, briefing: Mapping[str, Any] | None, status: SideStatus
) -> str | None:
    name = {"en": "English", "zh": "Chinese"}[language]
    if briefing is None or status == "missing":
        return f"the {name} version is not available yet"
    if status != "ok":
        return f"the {name} version is {status}"
    if not briefing.get("exchanges"):
        return f"the {name} version has no exchanges"
    return None


def _shape_problem(en: Sequence[Mapping[str, Any]], zh: Sequence[Mapping[str, Any]]) -> str | None:
    """One side with questions and the other with none: that side's labels were not read
    (a parse fault), and every exchange would look one-sided or merged."""
    questions = {
        name: sum(1 for x in side if (x.get("kind") or "qa") == "qa")
        for name, side in (("English", en), ("Chinese", zh))
    }
    for name, other in (("English", "Chinese"), ("Chinese", "English")):
        if questions[name] == 0 and questions[other] >= 3:
            return (
                f"the {name} version has no questions and the {other} has "
                f"{questions[other]}: one of the two parses is wrong"
            )
    return None


def _disagreement(rows: Sequence[Row], opts: AlignOptions) -> str | None:
    total = sum(len(r.en) + len(r.zh) for r in rows)
    one_sided = sum(len(r.en) + len(r.zh) for r in rows if r.one_sided)
    if total and one_sided / total > opts.max_one_sided_share:
        return f"{one_sided} of {total} exchanges have no twin: a version may be truncated"
    en_len = sum(r.features.en_len for r in rows)
    zh_len = sum(r.features.zh_len for r in rows)
    model = opts.model or default_length_model()
    expected = max(en_len * model.ratio, 1.0)
    low, high = opts.length_bounds
    if not low <= zh_len / expected <= high:
        return (
            f"the versions' lengths disagree ({zh_len / expected:.2f}x the expected Chinese length)"
        )
    irregular = sum(1 for r in rows if r.bead != "1-1")
    if rows and irregular / len(rows) > opts.max_irregular_share:
        return (
            f"{irregular} of {len(rows)} rows are not 1–1: the two versions are segmented "
            "too differently to compare"
        )
    return None


def _non_length_evidence(features: RowFeatures) -> float:
    return sum(v for name, v in features.contributions if name not in ("length", "position"))


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 50.0), -50.0)))
