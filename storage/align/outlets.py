"""Outlets as entities: one canonical outlet behind the labels printed in each language.

The transcripts print who asked as a label (`Reuters`, `路透社记者`, `《中国日报》记者`,
`日本共同社记者`). The shipped table (``outlets.toml`` beside this file) names each outlet
once with its labels in English and Chinese; ``outlet_table(extra)`` adds or overrides
entries from a config mapping of the same shape (a TOML ``[outlets]`` section).

Lookup normalizes a label before matching, in this order, stopping at the first hit:
the label itself (NFKC, case-folded, 《》 and quotes removed), then without a journalist
suffix (`记者`, `提问`, `journalist`, `News Agency`...), then without a leading country or
`总台` prefix. The label as printed is never changed: callers keep it, this module only
says which outlet it names.

A label naming two outlets (`彭博社记者、土耳其阿纳多卢通讯社记者`, `ITN&BBC`) resolves to
all of them or to none: ``canonical_outlets`` returns every outlet when each part resolves,
and an empty tuple otherwise; ``canonical_outlet`` (one outlet) returns None for it, so a
per-outlet count never credits a joint question to one of its askers.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

Language = Literal["en", "zh"]

# Labels that name a role, not an outlet: never an outlet, never proposed as one.
GENERIC_LABELS = frozenset(
    {
        "q", "a", "question", "answer", "journalist", "reporter", "follow-up", "follow up",
        "journalist adds", "journalist clarifies", "journalist explains", "foreign journalist",
        "spokesperson", "问", "答", "追问", "记者", "记者追问", "记者解释", "记者澄清",
        "记者补充", "外国记者", "会后有记者问及", "发言人",
    }
)  # fmt: skip

_EN_SUFFIXES = (" journalist", " reporter", " correspondent", " news agency", " news")
_ZH_SUFFIXES = ("记者提问", "的记者", "记者", "提问")
# Places and the media group printed before an outlet's own name (`日本共同社`, `总台央广`).
_ZH_PREFIXES = (
    "中央广播电视总台", "总台", "中国香港", "香港", "澳门", "台湾", "日本", "美国", "英国",
    "加拿大", "澳大利亚", "澳洲", "新西兰", "法国", "德国", "意大利", "西班牙", "葡萄牙",
    "瑞典", "荷兰", "比利时", "瑞士", "俄罗斯", "土耳其", "伊朗", "伊拉克", "以色列", "埃及",
    "沙特", "卡塔尔", "韩国", "朝鲜", "印度尼西亚", "印尼", "印度", "巴基斯坦", "孟加拉国",
    "新加坡", "马来西亚", "泰国", "越南", "菲律宾", "巴西", "阿根廷", "墨西哥", "古巴",
    "南非", "尼日利亚", "肯尼亚", "哈萨克斯坦",
)  # fmt: skip
_EN_PREFIXES = ("the ",)
_JOINERS = {"en": re.compile(r"\s*(?:&|/|,|\band\b)\s*"), "zh": re.compile(r"[、，,/&和及与]")}
_STRIP_CHARS = re.compile(r"[《》〈〉「」『』“”\"'‘’()（）\[\]【】]")


@dataclass(frozen=True, slots=True)
class Outlet:
    """A canonical outlet; ``name_en``/``name_zh`` are its display names."""

    id: str
    name_en: str
    name_zh: str
    labels_en: tuple[str, ...]
    labels_zh: tuple[str, ...]
    parent: str | None = None


Relation = Literal["same", "related", "unrelated"]


@dataclass(frozen=True)
class OutletTable:
    """The outlets and an index from normalized label to outlet id, per language."""

    outlets: Mapping[str, Outlet]
    _index: Mapping[tuple[str, str], str] = field(repr=False)
    _ancestry: Mapping[str, frozenset[str]] = field(repr=False, default_factory=dict)

    def get(self, outlet_id: str) -> Outlet | None:
        return self.outlets.get(outlet_id)

    def fingerprint(self) -> str:
        """A hash of every entry: two tables with one fingerprint canonicalize alike."""
        entries = {oid: _as_entry(o) for oid, o in sorted(self.outlets.items())}
        text = json.dumps(entries, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def descendants(self, outlet_id: str) -> frozenset[str]:
        """The outlet and every outlet under it (CMG: CCTV, CGTN, CNR, CRI, CCTV-4 …)."""
        return frozenset(
            oid for oid, up in self._ancestry.items() if oid == outlet_id or outlet_id in up
        ) | {outlet_id}

    def lookup(self, label: str, language: Language) -> Outlet | None:
        """The one outlet ``label`` names, None when unknown, generic or naming several."""
        found = self.lookup_all(label, language)
        return found[0] if len(found) == 1 else None

    def lookup_all(self, label: str | None, language: Language) -> tuple[Outlet, ...]:
        """Every outlet ``label`` names (several for a joint label), or () when any is unknown."""
        if not label or is_generic(label):
            return ()
        single = self._lookup_single(label, language)
        if single is not None:
            return (single,)
        parts = [p for p in _JOINERS[language].split(label) if p.strip()]
        if len(parts) < 2:
            return ()
        resolved = [self._lookup_single(p, language) for p in parts]
        if any(r is None for r in resolved):
            return ()
        return _unique(r for r in resolved if r is not None)

    def relation(self, a: str, b: str) -> Relation:
        """``same`` for one outlet or a parent and its child, ``unrelated`` for two outlets
        with no such link; siblings under one parent (CCTV, CRI) are ``related``."""
        up_a, up_b = self._ancestry.get(a, frozenset()), self._ancestry.get(b, frozenset())
        if a == b or b in up_a or a in up_b:
            return "same"
        return "related" if up_a & up_b else "unrelated"

    def extend(self, extra: Mapping[str, Mapping[str, Any]]) -> OutletTable:
        """A new table with ``extra`` entries added; an existing id gets the given fields."""
        merged: dict[str, dict[str, Any]] = {oid: _as_entry(o) for oid, o in self.outlets.items()}
        for oid, entry in extra.items():
            merged[oid] = {**merged.get(oid, {}), **dict(entry)}
        return build_table(merged, prefer=tuple(extra))

    def _lookup_single(self, label: str, language: Language) -> Outlet | None:
        for key in _candidate_keys(label, language):
            oid = self._index.get((language, key))
            if oid is not None:
                return self.outlets[oid]
        return None


def normalize_label(label: str) -> str:
    """The matching key of a label: NFKC, case-folded, brackets and quotes dropped."""
    text = unicodedata.normalize("NFKC", label).replace("’", "'")
    text = _STRIP_CHARS.sub("", text)
    return " ".join(text.split()).strip(" :：.").casefold()


def is_generic(label: str) -> bool:
    """True for role labels (`Q`, `问`, `Follow-up`, `记者`) that name no outlet."""
    key = normalize_label(label)
    return key in GENERIC_LABELS or key.startswith(("after the press conference", "the following"))


def _candidate_keys(label: str, language: Language) -> list[str]:
    """Keys to try, most literal first: as is, without suffix, without prefix."""
    key = normalize_label(label)
    keys = [key]
    suffixes = _EN_SUFFIXES if language == "en" else _ZH_SUFFIXES
    for suffix in suffixes:
        if key.endswith(suffix) and len(key) > len(suffix):
            keys.append(key[: -len(suffix)].strip())
            break
    prefixes = _EN_PREFIXES if language == "en" else _ZH_PREFIXES
    for base in list(keys):
        for prefix in prefixes:
            if base.startswith(prefix) and len(base) > len(prefix):
                keys.append(base[len(prefix) :].strip())
                break
    return keys


def build_table(
    entries: Mapping[str, Mapping[str, Any]], prefer: Iterable[str] = ()
) -> OutletTable:
    """Build a table from ``{id: {"en": [...], "zh": [...], "parent": id}}``.

    Two outlets claiming one label is an error (in the shipped table, or among a config's
    entries); an entry named in ``prefer`` (a config's addition) takes a label from a
    shipped outlet.
    """
    outlets = {oid: _outlet(oid, entry) for oid, entry in sorted(entries.items())}
    preferred = set(prefer)
    index: dict[tuple[str, str], str] = {}
    for oid, outlet in outlets.items():
        for language, labels in (("en", outlet.labels_en), ("zh", outlet.labels_zh)):
            for label in labels:
                key = (language, normalize_label(label))
                owner = index.get(key)
                if owner is not None and owner != oid:
                    # A config entry takes a label from a shipped outlet; two shipped
                    # outlets, or two config entries, claiming one label is an error.
                    if (owner in preferred) == (oid in preferred):
                        raise ValueError(
                            f"label {label!r} ({language}) claimed by {owner} and {oid}"
                        )
                    if owner in preferred:
                        continue
                index[key] = oid
    for outlet in outlets.values():
        if outlet.parent is not None and outlet.parent not in outlets:
            raise ValueError(f"outlet {outlet.id}: unknown parent {outlet.parent!r}")
    ancestry = {oid: frozenset(_ancestors(oid, outlets)) for oid in outlets}
    return OutletTable(
        MappingProxyType(outlets), MappingProxyType(index), MappingProxyType(ancestry)
    )


def _ancestors(oid: str, outlets: Mapping[str, Outlet]) -> list[str]:
    chain: list[str] = []
    current = outlets.get(oid)
    while current is not None and current.parent and current.parent not in chain:
        chain.append(current.parent)
        current = outlets.get(current.parent)
    return chain


@cache
def default_table() -> OutletTable:
    """The shipped table (``outlets.toml``)."""
    text = resources.files(__package__).joinpath("outlets.toml").read_text(encoding="utf-8")
    return build_table(tomllib.loads(text)["outlets"])


def outlet_table(extra: Mapping[str, Mapping[str, Any]] | None = None) -> OutletTable:
    """The shipped table extended by a config's ``[outlets]`` section (same shape)."""
    return default_table().extend(extra) if extra else default_table()


def canonical_outlet(
    label: str | None, language: Language, table: OutletTable | None = None
) -> Outlet | None:
    """The outlet a printed label names; None when unknown, generic or naming several."""
    if not label:
        return None
    return (table or default_table()).lookup(label, language)


def canonical_outlets(
    label: str | None, language: Language, table: OutletTable | None = None
) -> tuple[Outlet, ...]:
    """Every outlet a printed label names (both for a joint label), () when any is unknown."""
    return (table or default_table()).lookup_all(label, language)


def _outlet(oid: str, entry: Mapping[str, Any]) -> Outlet:
    labels_en = tuple(str(x) for x in entry.get("en", ()))
    labels_zh = tuple(str(x) for x in entry.get("zh", ()))
    if not labels_en and not labels_zh:
        raise ValueError(f"outlet {oid}: no labels")
    parent = entry.get("parent")
    return Outlet(
        id=oid,
        name_en=labels_en[0] if labels_en else labels_zh[0],
        name_zh=labels_zh[0] if labels_zh else labels_en[0],
        labels_en=labels_en,
        labels_zh=labels_zh,
        parent=str(parent) if parent else None,
    )


def _as_entry(outlet: Outlet) -> dict[str, Any]:
    entry: dict[str, Any] = {"en": list(outlet.labels_en), "zh": list(outlet.labels_zh)}
    if outlet.parent:
        entry["parent"] = outlet.parent
    return entry


def _unique(outlets: Iterable[Outlet]) -> tuple[Outlet, ...]:
    seen: dict[str, Outlet] = {}
    for outlet in outlets:
        seen.setdefault(outlet.id, outlet)
    return tuple(seen.values())
