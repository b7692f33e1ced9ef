"""Proposals for the outlet table, from aligned exchanges.

When an aligned 1–1 row is asked by a label the table does not know in one language (or in
both), the pair of labels (as printed) is a candidate entry: the two versions of one
question name one outlet. ``suggest_outlets`` counts those co-occurrences over many aligned
pairs, with example rows, for a person to accept into the config's ``[outlets]`` section.
With ``include_known=True`` it counts every label pair (the table's own mappings too).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from storage.align.aligner import Alignment
from storage.align.outlets import OutletTable, default_table


@dataclass(frozen=True, slots=True)
class ExchangeRef:
    en_ref: str | None  # the aligned briefings' opaque ids
    zh_ref: str | None
    en: tuple[int, ...]
    zh: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    label_en: str
    label_zh: str
    count: int
    examples: tuple[ExchangeRef, ...]
    outlet_en: str | None  # the table's outlet id for the label, None when unknown
    outlet_zh: str | None


def suggest_outlets(
    alignments: Iterable[Alignment],
    *,
    table: OutletTable | None = None,
    include_known: bool = False,
    min_confidence: float = 0.7,
    max_examples: int = 3,
) -> list[Suggestion]:
    """Label pairs of confidently aligned 1–1 rows, most frequent first."""
    tbl = table or default_table()
    counts: dict[tuple[str, str], list[ExchangeRef]] = defaultdict(list)
    for alignment in alignments:
        if alignment.status != "complete":
            continue
        for row in alignment.rows:
            f = row.features
            if row.bead != "1-1" or row.confidence < min_confidence:
                continue
            if len(f.en_labels) != 1 or len(f.zh_labels) != 1:
                continue  # several askers in a row: which label is whose is unknown
            ref = ExchangeRef(alignment.en_ref, alignment.zh_ref, row.en, row.zh)
            counts[(f.en_labels[0], f.zh_labels[0])].append(ref)
    suggestions = []
    for (label_en, label_zh), refs in counts.items():
        en_ids = [o.id for o in tbl.lookup_all(label_en, "en")]
        zh_ids = [o.id for o in tbl.lookup_all(label_zh, "zh")]
        if not include_known and en_ids and zh_ids:
            continue
        suggestions.append(
            Suggestion(
                label_en=label_en,
                label_zh=label_zh,
                count=len(refs),
                examples=tuple(refs[:max_examples]),
                outlet_en=",".join(en_ids) or None,
                outlet_zh=",".join(zh_ids) or None,
            )
        )
    return sorted(suggestions, key=lambda s: (-s.count, s.label_en, s.label_zh))
