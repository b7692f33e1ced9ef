"""Cosmetic edits: two texts that differ only in typography (pure functions).

The ministry re-publishes transcripts with curly instead of straight quotes, full-width
instead of half-width punctuation, a space lost or added, a non-breaking space, a zero-width
character. A reader sees the same words; the ledger must not report an edit. Stored text
stays exactly as published (the schema's rule): only the *comparison* ignores typography.

Two texts are cosmetically equal when their ``typographic_key`` is equal:

- Unicode compatibility forms are folded (NFKC): full-width ``，１Ａ`` → ``,1A``, the
  ideographic space, ligatures;
- quotes and apostrophes (``‘ ’ ‚ ‛ ′ “ ” „ ‟ ″ « » 「 」 『 』``) become ``'`` or ``"``;
- dashes and hyphens (``‐ ‑ ‒ – — ― − ﹘ ﹣``) become ``-``; the ellipsis ``…`` becomes ``...``;
- zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen) are dropped;
- all whitespace is dropped (so a lost or added space, a NBSP, a line break inside a
  paragraph are typography: "end the" and "endthe" read as the same words);
- letter case is kept (``Second BRF`` vs ``second BRF`` is an edit, if a small one).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# After NFKC (which already folds full-width forms to ASCII where one exists).
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u300c": '"',
        "\u300d": '"',
        "\u300e": '"',
        "\u300f": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\ufe58": "-",
        "\ufe63": "-",
        "\u2026": "...",
    }
)
_INVISIBLE = re.compile("[\\s\u200b\u200c\u200d\u2060\ufeff\u00ad]+")

# The exchange fields whose text is compared (labels and flags are never cosmetic).
TEXT_FIELDS = ("question", "answer")
LABEL_FIELDS = ("asker", "answerer")


def typographic_key(text: str | None) -> str:
    """``text`` with typography folded away (see the module docstring)."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _INVISIBLE.sub("", folded)


def cosmetically_equal(a: str | None, b: str | None) -> bool:
    return typographic_key(a) == typographic_key(b)


def is_cosmetic_edit(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Two versions of one exchange (schema dicts) differ only in typography: the same kind
    and flags, labels and texts equal once typography is folded, turns split alike."""
    for name in ("kind", "follow_up", "after_conference"):
        if before.get(name) != after.get(name):
            return False
    for name in (*LABEL_FIELDS, *TEXT_FIELDS):
        if not cosmetically_equal(before.get(name), after.get(name)):
            return False
    return _turn_keys(before.get("turns") or ()) == _turn_keys(after.get("turns") or ())


def _turn_keys(turns: Iterable[Mapping[str, Any]]) -> list[tuple[Any, str, str]]:
    return [
        (t.get("role"), typographic_key(t.get("speaker")), typographic_key(t.get("text")))
        for t in turns
    ]


def fold_typography(ops: Iterable[Sequence[str]]) -> list[list[str]]:
    """A word diff (``[tag, text]`` ops) with its typography-only pieces shown as kept.

    For display: a deletion and the insertion after it that read the same once typography
    is folded (``Salvador's`` → ``Salvador’s``, ``end the`` → ``endthe``) become one kept
    piece with the new text; a lone whitespace-only deletion or insertion disappears into
    the kept text. The stored diff stays exact; only what a reader's eye is drawn to changes.
    """
    out: list[list[str]] = []
    pending: list[list[str]] = []

    def flush() -> None:
        deleted = "".join(text for tag, text in pending if tag == "-")
        inserted = "".join(text for tag, text in pending if tag == "+")
        if pending and typographic_key(deleted) == typographic_key(inserted):
            _keep(out, inserted)
        else:
            out.extend([list(op) for op in pending])
        pending.clear()

    for tag, text in ops:
        if tag == "=":
            flush()
            _keep(out, text)
        else:
            pending.append([tag, text])
    flush()
    return out


def _keep(out: list[list[str]], text: str) -> None:
    if not text:
        return
    if out and out[-1][0] == "=":
        out[-1][1] += text
    else:
        out.append(["=", text])
