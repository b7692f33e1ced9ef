"""How well an English exchange (or two) matches a Chinese one: additive log-odds evidence.

Each piece of evidence adds to a bead's score: positive when it says "same exchange",
negative when it says "different exchanges", zero when it has nothing to say:

- length: the Gale–Church log-probability of the two lengths (``length.py``), shifted so
  that an ordinary fit is worth about +1 and a bad one costs several points;
- outlet: the same canonical outlet asks (+), two different known outlets (−−);
- numbers and dates printed in both texts (+, rare ones count more) or in one only (−);
- Latin-script tokens of the Chinese text found in the English one (+) or not (−);
- kind (statement vs qa) and the follow-up / after-conference flags;
- position: the distance of the two exchanges from the diagonal of the two transcripts;
- an optional semantic scorer (any object with ``similarity(en_text, zh_text)``).

The weights live in :class:`Weights` so that tests and the benchmark can see them; the
defaults were set on the hand-aligned fixture pairs and on synthetic deletions and merges.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from storage.align.length import LengthModel
from storage.align.outlets import Language, OutletTable, canonical_outlets, is_generic
from storage.align.textfeatures import halfwidth, latin_tokens, numbers_en, numbers_zh

_DIGITS = re.compile(r"\d+(?:\.\d+)?")

OutletEvidence = Literal["match", "related", "mismatch", "unknown"]


class SemanticScorer(Protocol):
    """Pluggable cross-language similarity; nothing of the kind ships with the package."""

    def similarity(self, en_text: str, zh_text: str) -> float:
        """-1 (unrelated) to 1 (same content)."""
        ...


@dataclass(frozen=True, slots=True)
class Weights:
    length: float = 1.0
    length_bias: float = 1.0  # added to the log-probability: an ordinary fit scores > 0
    length_floor: float = -6.0
    outlet_match: float = 3.0
    outlet_related: float = 1.0
    outlet_mismatch: float = -4.0
    number_shared: float = 1.5
    number_shared_cap: float = 4.0
    number_one_sided: float = -0.3
    number_one_sided_cap: float = 2.0
    latin_shared: float = 1.0
    latin_shared_cap: float = 3.0
    latin_missing: float = -0.5
    latin_missing_cap: float = 1.5
    kind_match: float = 0.5
    kind_mismatch: float = -2.0
    flag_mismatch: float = -0.5
    position: float = 4.0
    semantic: float = 3.0
    skip: float = 3.0  # cost of a 1–0 or 0–1 row
    merge: float = 1.5  # cost of a 2–1 or 1–2 row on top of its evidence
    # Languages split follow-ups and statement paragraphs differently, and parsers run an
    # after-conference answer into the exchange before it; a fresh question folded into the
    # previous one is much rarer, and one asked by another outlet rarer still.
    merge_new_question: float = -1.5
    merge_new_asker: float = -3.0


@dataclass(frozen=True, slots=True)
class ExchangeFeatures:
    """What the scorer needs of one exchange (or of two merged ones)."""

    indices: tuple[int, ...]  # schema `index` values
    position: int  # ordinal in the transcript's list of exchanges
    kind: str
    follow_up: bool
    after_conference: bool
    length: int
    numbers: frozenset[str]
    latin: frozenset[str]
    outlets: frozenset[str]
    labels: tuple[str, ...]  # journalist labels as printed, generic roles left out
    text: str
    new_asker: bool = False  # merged, and the second exchange was asked by someone else
    new_question: bool = False  # merged, and the second exchange is a fresh question


def exchange_features(
    exchange: Mapping[str, Any], position: int, language: Language, table: OutletTable
) -> ExchangeFeatures:
    question, answer = exchange.get("question") or "", exchange.get("answer") or ""
    # Full-width forms once here, not again in each feature (Chinese always has some).
    text = halfwidth(f"{question}\n{answer}" if question else answer)
    labels = _journalist_labels(exchange)
    outlets = frozenset(o.id for label in labels for o in canonical_outlets(label, language, table))
    return ExchangeFeatures(
        indices=(int(exchange["index"]),),
        position=position,
        kind=str(exchange.get("kind") or "qa"),
        follow_up=bool(exchange.get("follow_up")),
        after_conference=bool(exchange.get("after_conference")),
        length=len("".join(text.split())),
        numbers=frozenset(numbers_en(text) if language == "en" else numbers_zh(text)),
        latin=frozenset(latin_tokens(text)),
        outlets=outlets,
        labels=labels,
        text=text,
    )


def merge(first: ExchangeFeatures, second: ExchangeFeatures) -> ExchangeFeatures:
    """Two consecutive exchanges read as one: kind and flags are the first's."""
    return ExchangeFeatures(
        indices=first.indices + second.indices,
        position=first.position,
        kind=first.kind,
        follow_up=first.follow_up,
        after_conference=first.after_conference,
        length=first.length + second.length,
        numbers=first.numbers | second.numbers,
        latin=first.latin | second.latin,
        outlets=first.outlets | second.outlets,
        labels=first.labels + tuple(x for x in second.labels if x not in first.labels),
        text=f"{first.text}\n{second.text}",
        new_asker=_new_asker(first, second),
        new_question=second.kind == "qa" and not second.follow_up,
    )


def _new_asker(first: ExchangeFeatures, second: ExchangeFeatures) -> bool:
    """A follow-up split differently shares its asker; a separate question has its own."""
    if second.outlets and not second.outlets <= first.outlets:
        return True
    return bool(set(second.labels) - set(first.labels)) and not second.follow_up


@dataclass(frozen=True, slots=True)
class RowFeatures:
    """The features that made a row's score, for explanation and for findings."""

    en_len: int
    zh_len: int
    length_delta: float | None
    outlet: OutletEvidence
    en_outlets: tuple[str, ...]
    zh_outlets: tuple[str, ...]
    en_labels: tuple[str, ...]
    zh_labels: tuple[str, ...]
    shared_numbers: tuple[str, ...]
    en_only_numbers: tuple[str, ...]
    zh_only_numbers: tuple[str, ...]
    shared_latin: tuple[str, ...]
    zh_only_latin: tuple[str, ...]
    kind_match: bool | None
    flags_match: bool | None
    position_gap: float | None
    semantic: float | None
    contributions: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Context:
    """Per-pair constants: document frequencies, the length model, the outlet table."""

    model: LengthModel
    table: OutletTable
    weights: Weights
    number_df: Mapping[str, int]
    latin_df: Mapping[str, int]
    en_count: int
    zh_count: int
    semantic: SemanticScorer | None = None
    number_weight: Mapping[str, float] = field(default_factory=dict)
    # Memo tables filled while scoring one pair (the context lives for one pair only).
    totals: dict[frozenset[str], float] = field(default_factory=dict)
    outlet_cache: dict[tuple[frozenset[str], frozenset[str]], OutletEvidence] = field(
        default_factory=dict
    )


def make_context(
    en: Sequence[ExchangeFeatures],
    zh: Sequence[ExchangeFeatures],
    model: LengthModel,
    table: OutletTable,
    weights: Weights,
    semantic: SemanticScorer | None = None,
) -> Context:
    number_df = _document_frequency(f.numbers for f in (*en, *zh))
    return Context(
        model=model,
        table=table,
        weights=weights,
        number_df=number_df,
        number_weight={t: _number_weight(t, number_df) for t in number_df},
        latin_df=_latin_frequency(en, zh),
        en_count=max(len(en), 1),
        zh_count=max(len(zh), 1),
        semantic=semantic,
    )


def bead_score(e: ExchangeFeatures, z: ExchangeFeatures, ctx: Context) -> float:
    """The score alone, for the DP's inner loop: the sum of :func:`explain`'s terms, added
    up without recording them (a test holds the two equal)."""
    w = ctx.weights
    score = max(w.length * (ctx.model.log_p(e.length, z.length) + w.length_bias), w.length_floor)
    if e.outlets and z.outlets:
        outlet = _cached_outlet_evidence(e.outlets, z.outlets, ctx)
        score += (
            w.outlet_match
            if outlet == "match"
            else (w.outlet_related if outlet == "related" else w.outlet_mismatch)
        )
    if e.numbers or z.numbers:
        weight = ctx.number_weight
        shared = sum(weight[t] for t in e.numbers & z.numbers)
        if shared:
            score += w.number_shared * min(shared, w.number_shared_cap)
        one_sided = _total(e.numbers, ctx) + _total(z.numbers, ctx) - 2 * shared
        if one_sided > 1e-9:
            score += w.number_one_sided * min(one_sided, w.number_one_sided_cap)
    if z.latin:
        found = z.latin & e.latin
        if found:
            latin = sum(2.0 / max(ctx.latin_df[t], 2) for t in found)
            score += w.latin_shared * min(latin, w.latin_shared_cap)
        if len(z.latin) > len(found):
            score += w.latin_missing * min(len(z.latin) - len(found), w.latin_missing_cap)
    score += w.kind_match if e.kind == z.kind else w.kind_mismatch
    if e.follow_up != z.follow_up or e.after_conference != z.after_conference:
        score += w.flag_mismatch
    if e.new_asker or z.new_asker:
        score += w.merge_new_asker
    if e.new_question or z.new_question:
        score += w.merge_new_question
    score -= w.position * abs(e.position / ctx.en_count - z.position / ctx.zh_count)
    if ctx.semantic is not None:
        score += w.semantic * ctx.semantic.similarity(e.text, z.text)
    return score


def explain(e: ExchangeFeatures, z: ExchangeFeatures, ctx: Context) -> tuple[float, RowFeatures]:
    contributions = tuple(_contributions(e, z, ctx))
    shared = e.numbers & z.numbers
    semantic = ctx.semantic.similarity(e.text, z.text) if ctx.semantic else None
    evidence = RowFeatures(
        en_len=e.length,
        zh_len=z.length,
        length_delta=round(ctx.model.delta(e.length, z.length), 3),
        outlet=outlet_evidence(e.outlets, z.outlets, ctx.table),
        en_outlets=tuple(sorted(e.outlets)),
        zh_outlets=tuple(sorted(z.outlets)),
        en_labels=e.labels,
        zh_labels=z.labels,
        shared_numbers=_sorted(shared),
        en_only_numbers=_unexplained(e.numbers - z.numbers, z.text),
        zh_only_numbers=_unexplained(z.numbers - e.numbers, e.text),
        shared_latin=_sorted(z.latin & e.latin),
        zh_only_latin=_sorted(z.latin - e.latin),
        kind_match=e.kind == z.kind,
        flags_match=_flags_match(e, z),
        position_gap=round(_position_gap(e, z, ctx), 3),
        semantic=semantic,
        contributions=tuple((name, round(value, 3)) for name, value in contributions),
    )
    return sum(v for _, v in contributions), evidence


def one_sided_features(f: ExchangeFeatures, language: Language) -> RowFeatures:
    en, zh = (f, None) if language == "en" else (None, f)
    return RowFeatures(
        en_len=en.length if en else 0,
        zh_len=zh.length if zh else 0,
        length_delta=None,
        outlet="unknown",
        en_outlets=tuple(sorted(en.outlets)) if en else (),
        zh_outlets=tuple(sorted(zh.outlets)) if zh else (),
        en_labels=en.labels if en else (),
        zh_labels=zh.labels if zh else (),
        shared_numbers=(),
        en_only_numbers=_sorted(en.numbers) if en else (),
        zh_only_numbers=_sorted(zh.numbers) if zh else (),
        shared_latin=(),
        zh_only_latin=_sorted(zh.latin) if zh else (),
        kind_match=None,
        flags_match=None,
        position_gap=None,
        semantic=None,
        contributions=(),
    )


def outlet_evidence(en: Iterable[str], zh: Iterable[str], table: OutletTable) -> OutletEvidence:
    en_ids, zh_ids = set(en), set(zh)
    if not en_ids or not zh_ids:
        return "unknown"
    relations = {table.relation(a, b) for a in en_ids for b in zh_ids}
    if "same" in relations:
        return "match"
    return "related" if "related" in relations else "mismatch"


def _contributions(
    e: ExchangeFeatures, z: ExchangeFeatures, ctx: Context
) -> list[tuple[str, float]]:
    w = ctx.weights
    log_p = ctx.model.log_p(e.length, z.length)
    terms = [("length", max(w.length * (log_p + w.length_bias), w.length_floor))]
    if e.outlets and z.outlets:
        outlet = _cached_outlet_evidence(e.outlets, z.outlets, ctx)
        value = {"match": w.outlet_match, "related": w.outlet_related}.get(
            outlet, w.outlet_mismatch
        )
        terms.append(("outlet", value))
    if e.numbers or z.numbers:
        _number_terms(e, z, ctx, terms)
    if z.latin:
        _latin_terms(e, z, ctx, terms)
    terms.append(("kind", w.kind_match if e.kind == z.kind else w.kind_mismatch))
    if e.follow_up != z.follow_up or e.after_conference != z.after_conference:
        terms.append(("flags", w.flag_mismatch))
    if e.new_asker or z.new_asker:
        terms.append(("merge_asker", w.merge_new_asker))
    if e.new_question or z.new_question:
        terms.append(("merge_question", w.merge_new_question))
    terms.append(("position", -w.position * _position_gap(e, z, ctx)))
    if ctx.semantic is not None:
        terms.append(("semantic", w.semantic * ctx.semantic.similarity(e.text, z.text)))
    return terms


def _number_terms(
    e: ExchangeFeatures, z: ExchangeFeatures, ctx: Context, terms: list[tuple[str, float]]
) -> None:
    w, weight = ctx.weights, ctx.number_weight
    shared = sum(weight[t] for t in e.numbers & z.numbers)
    if shared:
        terms.append(("numbers", w.number_shared * min(shared, w.number_shared_cap)))
    # The symmetric difference's weight without building it: both totals less the shared.
    one_sided = _total(e.numbers, ctx) + _total(z.numbers, ctx) - 2 * shared
    if one_sided > 1e-9:
        capped = min(one_sided, w.number_one_sided_cap)
        terms.append(("numbers_one_sided", w.number_one_sided * capped))


def _latin_terms(
    e: ExchangeFeatures, z: ExchangeFeatures, ctx: Context, terms: list[tuple[str, float]]
) -> None:
    # Only the Chinese text's Latin tokens are evidence: English is all Latin script.
    w = ctx.weights
    found = z.latin & e.latin
    if found:
        shared = sum(2.0 / max(ctx.latin_df[t], 2) for t in found)
        terms.append(("latin", w.latin_shared * min(shared, w.latin_shared_cap)))
    missing = len(z.latin) - len(found)
    if missing:
        terms.append(("latin_missing", w.latin_missing * min(missing, w.latin_missing_cap)))


def _total(tokens: frozenset[str], ctx: Context) -> float:
    total = ctx.totals.get(tokens)
    if total is None:
        total = ctx.totals[tokens] = sum(ctx.number_weight[t] for t in tokens)
    return total


def _cached_outlet_evidence(en: frozenset[str], zh: frozenset[str], ctx: Context) -> OutletEvidence:
    key = (en, zh)
    found = ctx.outlet_cache.get(key)
    if found is None:
        found = ctx.outlet_cache[key] = outlet_evidence(en, zh, ctx.table)
    return found


def _number_weight(token: str, number_df: Mapping[str, int]) -> float:
    """Rare tokens count more; dates and large numbers more than small ones."""
    if token.startswith(("m", "d")):
        base = 1.2 if "d" in token[1:] or token.startswith("d") else 0.6
    else:
        base = 1.0 if len(token.split(".")[0]) >= 2 else 0.4
    return base * 2.0 / max(number_df.get(token, 2), 2)


def _position_gap(e: ExchangeFeatures, z: ExchangeFeatures, ctx: Context) -> float:
    return abs(e.position / ctx.en_count - z.position / ctx.zh_count)


def _flags_match(e: ExchangeFeatures, z: ExchangeFeatures) -> bool:
    return e.follow_up == z.follow_up and e.after_conference == z.after_conference


def _document_frequency(sets: Iterable[frozenset[str]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for tokens in sets:
        counts.update(tokens)
    return dict(counts)


def _latin_frequency(
    en: Sequence[ExchangeFeatures], zh: Sequence[ExchangeFeatures]
) -> dict[str, int]:
    """Document frequency of the Chinese side's Latin tokens (the only ones scored)."""
    wanted = frozenset().union(*(f.latin for f in zh)) if zh else frozenset()
    return _document_frequency(f.latin & wanted for f in (*en, *zh))


def _journalist_labels(exchange: Mapping[str, Any]) -> tuple[str, ...]:
    labels: list[str] = []
    for turn in exchange.get("turns") or ():
        speaker = turn.get("speaker")
        if turn.get("role") != "journalist" or not speaker or is_generic(speaker):
            continue
        if speaker not in labels:
            labels.append(speaker)
    asker = exchange.get("asker")
    if not labels and asker and not is_generic(asker):
        labels.append(asker)
    return tuple(labels)


def _unexplained(tokens: Iterable[str], other_text: str) -> tuple[str, ...]:
    """Tokens whose digits the other text does not print anywhere (`20` of 二十国集团 is in
    `G20`; `15` of `August 15` is in `8·15`)."""
    printed = set(_DIGITS.findall(halfwidth(other_text).replace(",", "")))
    out = []
    for token in tokens:
        digits = token.rsplit("d", 1)[-1] if token.startswith(("m", "d")) else token
        if digits not in printed:
            out.append(token)
    return _sorted(out)


def _sorted(tokens: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(tokens))
