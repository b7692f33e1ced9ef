"""Proposals for the outlet table from aligned exchanges."""

from __future__ import annotations

from storage.align import AlignOptions, align_pair, default_table, suggest_outlets
from storage.align.outlets import build_table
from tests.align.fixtures import expected_files, expected_pair


def _without(*ids: str):  # a table that has not heard of some outlets yet
    table = default_table()
    entries = {
        oid: {
            "en": list(o.labels_en),
            "zh": list(o.labels_zh),
            **({"parent": o.parent} if o.parent else {}),
        }
        for oid, o in table.outlets.items()
        if oid not in ids
    }
    return build_table(entries)


def _aligned(table):  # type: ignore[no-untyped-def]
    return [
        align_pair(*expected_pair(p.stem), en_ref=f"en:{p.stem}", zh_ref=f"zh:{p.stem}",
                   options=AlignOptions(table=table))
        for p in expected_files()
    ]  # fmt: skip


def test_unknown_outlets_are_proposed_with_counts_and_examples() -> None:
    table = _without("reuters", "pti")
    suggestions = suggest_outlets(_aligned(table), table=table)
    by_labels = {(s.label_en, s.label_zh): s for s in suggestions}
    reuters = by_labels[("Reuters", "路透社记者")]
    assert reuters.count >= 10  # of 15 Reuters rows, those aligned confidently without it
    assert reuters.outlet_en is None and reuters.outlet_zh is None
    assert len(reuters.examples) == 3
    first = reuters.examples[0]
    assert first.en_ref and first.en_ref.startswith("en:") and first.en and first.zh
    assert ("PTI", "印度报业托拉斯记者") in by_labels
    assert suggestions == sorted(suggestions, key=lambda s: (-s.count, s.label_en, s.label_zh))


def test_known_pairs_are_left_out_unless_asked_for() -> None:
    aligned = _aligned(default_table())
    assert not [s for s in suggest_outlets(aligned) if s.label_en == "Reuters"]
    everything = suggest_outlets(aligned, include_known=True)
    top = {(s.label_en, s.label_zh) for s in everything[:5]}
    assert ("Reuters", "路透社记者") in top and ("AFP", "法新社记者") in top


def test_incomplete_pairs_propose_nothing() -> None:
    en, _ = expected_pair("2020-06-19")
    assert suggest_outlets([align_pair(en, None)]) == []
