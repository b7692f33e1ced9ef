"""Which English briefing is which Chinese briefing.

In order of trust:

1. ``link``: a page's own translation link (``translations`` in the schema) names the
   other candidate: its canonical URL or one of its known locations (the archive's other
   URLs for it, e.g. the pre-migration address a newer page still links to).
2. ``date``: one English and one Chinese candidate of the same source family (``mfa-en``
   and ``mfa-zh`` are family ``mfa``) and the same ``held_on``.
3. ``content``: where a date has more than one candidate on a side, the candidates are
   paired by a content signature (shared numbers and dates, Latin-script tokens, outlets,
   exchange counts), best score first, never by list position; the candidates that lose
   stay unpaired with the reason.

A candidate without ``held_on`` pairs by link only: two undated briefings share no date.

Candidates are processed in id order and ties broken by id, so the result does not depend
on the order they are given in.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from storage.align.outlets import (
    Language,
    OutletTable,
    canonical_outlets,
    default_table,
    is_generic,
)
from storage.align.scoring import ExchangeFeatures
from storage.align.textfeatures import latin_tokens, numbers_en, numbers_zh

Method = Literal["link", "date", "content"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A briefing to pair: an opaque id, its schema dict, its other known URLs, and (when
    the caller keeps them for the aligner) a function giving its exchanges' features,
    called only if its content is compared."""

    id: str
    briefing: Mapping[str, Any]
    locations: tuple[str, ...] = ()
    features: Callable[[], Sequence[ExchangeFeatures]] | None = None


@dataclass(frozen=True, slots=True)
class Pair:
    en: str
    zh: str
    method: Method
    score: float  # content similarity, 0 to 1 (informative for link and date pairs)


@dataclass(frozen=True, slots=True)
class Unpaired:
    id: str
    language: str
    reason: str


@dataclass(frozen=True, slots=True)
class Pairing:
    pairs: tuple[Pair, ...]
    unpaired: tuple[Unpaired, ...]


@dataclass(frozen=True, slots=True)
class Signature:
    """What two versions of one briefing share whatever the language."""

    numbers: frozenset[str]
    latin: frozenset[str]
    outlets: Counter[str]
    exchanges: int
    statements: int


def pair_briefings(
    english: Sequence[Candidate],
    chinese: Sequence[Candidate],
    *,
    canonical: Callable[[str], str] | None = None,
    table: OutletTable | None = None,
    min_content_score: float = 0.2,
    score_dates: bool = True,
) -> Pairing:
    """Pair English and Chinese candidates by link, then date, then content.

    ``canonical`` spells URLs one way (pass ``crawler.urls.canonical_url``); by default
    URLs are compared as given, which is right for schema URLs (already canonical).
    ``min_content_score``: below it, two candidates of a crowded date are not paired.
    ``score_dates=False``: a date's only two candidates pair without reading their content
    (``Pair.score`` is then NaN; the archive scores them only when it aligns them).
    """
    canon = canonical or _strip
    en = sorted(english, key=lambda c: c.id)
    zh = sorted(chinese, key=lambda c: c.id)
    signatures: dict[tuple[str, str], Signature] = {}

    def signature_of(language: str, c: Candidate) -> Signature:
        # Computed when first needed: a candidate with no one to pair with costs nothing.
        key = (language, c.id)
        if key not in signatures:
            signatures[key] = (
                signature_from_features(c.features())
                if c.features is not None
                else signature(c.briefing, table)
            )
        return signatures[key]

    def similarity(e: Candidate, z: Candidate) -> float:
        return content_score(signature_of("en", e), signature_of("zh", z))

    pairs = _link_pairs(en, zh, canon, similarity)
    taken = {p.en for p in pairs} | {p.zh for p in pairs}
    rest_en = [c for c in en if c.id not in taken]
    rest_zh = [c for c in zh if c.id not in taken]
    date_score = similarity if score_dates else _unscored
    date_pairs, unpaired = _date_pairs(rest_en, rest_zh, similarity, date_score, min_content_score)
    return Pairing(tuple(pairs + date_pairs), tuple(unpaired))


def signature(briefing: Mapping[str, Any], table: OutletTable | None = None) -> Signature:
    language: Language = "en" if briefing.get("language") == "en" else "zh"
    numbers: set[str] = set()
    latin: set[str] = set()
    outlets: Counter[str] = Counter()
    exchanges = briefing.get("exchanges") or []
    for x in exchanges:
        text = f"{x.get('question') or ''}\n{x.get('answer') or ''}"
        numbers |= numbers_en(text) if language == "en" else numbers_zh(text)
        latin |= latin_tokens(text)
        asker = x.get("asker")
        if asker and not is_generic(asker):
            found = canonical_outlets(asker, language, table or default_table())
            outlets.update(o.id for o in found)
    statements = sum(1 for x in exchanges if x.get("kind") == "statement")
    return Signature(frozenset(numbers), frozenset(latin), outlets, len(exchanges), statements)


def signature_from_features(features: Sequence[ExchangeFeatures]) -> Signature:
    """The signature from the aligner's per-exchange features (the text is read once)."""
    numbers: set[str] = set()
    latin: set[str] = set()
    outlets: Counter[str] = Counter()
    for f in features:
        numbers |= f.numbers
        latin |= f.latin
        outlets.update(f.outlets)
    statements = sum(1 for f in features if f.kind == "statement")
    return Signature(frozenset(numbers), frozenset(latin), outlets, len(features), statements)


def content_score(en: Signature, zh: Signature) -> float:
    """0 (nothing in common) to 1 (same numbers, names, outlets and shape)."""
    numbers = _dice(en.numbers, zh.numbers)
    latin = len(zh.latin & en.latin) / len(zh.latin) if zh.latin else None
    outlets = _counter_dice(en.outlets, zh.outlets) if en.outlets and zh.outlets else None
    shape = 1.0 - abs(en.exchanges - zh.exchanges) / max(en.exchanges, zh.exchanges, 1)
    parts = [(numbers, 3.0), (shape, 1.0), (latin, 1.0), (outlets, 2.0)]
    known = [(v, w) for v, w in parts if v is not None]
    return round(sum(v * w for v, w in known) / sum(w for _, w in known), 4)


def family(source: str) -> str:
    """``mfa-en`` and ``mfa-zh`` are one family, ``mfa``."""
    head, _, tail = source.rpartition("-")
    return head if head and tail in ("en", "zh") else source


def _link_pairs(
    en: Sequence[Candidate],
    zh: Sequence[Candidate],
    canon: Callable[[str], str],
    similarity: Callable[[Candidate, Candidate], float],
) -> list[Pair]:
    """Every link edge, mutual ones first, then by content; each candidate used once."""
    where = {"en": _by_location(en, canon), "zh": _by_location(zh, canon)}
    votes: dict[tuple[str, str], int] = defaultdict(int)
    for side, other, candidates in (("en", "zh", en), ("zh", "en", zh)):
        for c in candidates:
            for target in {t.id for url in _links(c, other, canon) for t in where[other][url]}:
                votes[(c.id, target) if side == "en" else (target, c.id)] += 1
    by_id = {("en", c.id): c for c in en} | {("zh", c.id): c for c in zh}
    edges = sorted(
        (-n, -similarity(by_id[("en", e)], by_id[("zh", z)]), e, z) for (e, z), n in votes.items()
    )
    pairs: list[Pair] = []
    used: set[str] = set()
    for _, neg_score, e_id, z_id in edges:
        if e_id in used or z_id in used:
            continue
        used |= {e_id, z_id}
        pairs.append(Pair(e_id, z_id, "link", -neg_score))
    return pairs


def _links(source: Candidate, language: str, canon: Callable[[str], str]) -> set[str]:
    return {
        canon(t["url"])
        for t in source.briefing.get("translations") or ()
        if t.get("language") == language and t.get("url")
    }


def _by_location(
    candidates: Sequence[Candidate], canon: Callable[[str], str]
) -> dict[str, list[Candidate]]:
    found: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        for url in _locations(c, canon):
            found[url].append(c)
    return found


def _locations(candidate: Candidate, canon: Callable[[str], str]) -> set[str]:
    urls = {canon(u) for u in candidate.locations}
    if candidate.briefing.get("url"):
        urls.add(canon(str(candidate.briefing["url"])))
    return urls


def _unscored(en: Candidate, zh: Candidate) -> float:
    return math.nan


def _date_pairs(
    en: Sequence[Candidate],
    zh: Sequence[Candidate],
    similarity: Callable[[Candidate, Candidate], float],
    date_score: Callable[[Candidate, Candidate], float],
    min_score: float,
) -> tuple[list[Pair], list[Unpaired]]:
    groups: dict[tuple[str, str], tuple[list[Candidate], list[Candidate]]] = defaultdict(
        lambda: ([], [])
    )
    unpaired: list[Unpaired] = []
    for language, side, index in (("en", en, 0), ("zh", zh, 1)):
        for c in side:
            if not _day(c)[1]:
                unpaired.append(Unpaired(c.id, language, "no date and no translation link"))
            else:
                groups[_day(c)][index].append(c)
    pairs: list[Pair] = []
    for key in sorted(groups):
        group_en, group_zh = groups[key]
        got, left = _pair_group(group_en, group_zh, similarity, date_score, min_score, key)
        pairs += got
        unpaired += left
    return pairs, unpaired


def _pair_group(
    en: list[Candidate],
    zh: list[Candidate],
    similarity: Callable[[Candidate, Candidate], float],
    date_score: Callable[[Candidate, Candidate], float],
    min_score: float,
    key: tuple[str, str],
) -> tuple[list[Pair], list[Unpaired]]:
    fam, day = key
    if len(en) == 1 and len(zh) == 1:
        return [Pair(en[0].id, zh[0].id, "date", date_score(en[0], zh[0]))], []
    scored = sorted(
        ((-similarity(e, z), e.id, z.id, e, z) for e in en for z in zh), key=lambda t: t[:3]
    )
    pairs: list[Pair] = []
    used: set[str] = set()
    for neg, _, _, e, z in scored:
        if e.id in used or z.id in used or -neg < min_score:
            continue
        used |= {e.id, z.id}
        pairs.append(Pair(e.id, z.id, "content", -neg))
    unpaired = [
        Unpaired(c.id, lang, _reason(lang, others, fam, day))
        for lang, group, others in (("en", en, zh), ("zh", zh, en))
        for c in group
        if c.id not in used
    ]
    return pairs, unpaired


def _reason(language: str, others: list[Candidate], fam: str, day: str) -> str:
    other = "Chinese" if language == "en" else "English"
    if not others:
        return f"no {other} candidate of {fam} on {day}"
    return f"{len(others)} {other} candidate(s) on {day} matched other candidates better"


def _day(c: Candidate) -> tuple[str, str]:
    return family(str(c.briefing.get("source") or "")), str(c.briefing.get("held_on") or "")


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _counter_dice(a: Counter[str], b: Counter[str]) -> float:
    return 2 * sum((a & b).values()) / (sum(a.values()) + sum(b.values()))


def _strip(url: str) -> str:
    return url.strip().split("#", 1)[0]
