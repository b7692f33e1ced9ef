"""Word-level diffs of transcript text, fast and with a bounded worst case.

Tokens are words for Latin text and single characters for CJK text (Chinese has no spaces
to split on), plus whitespace runs and punctuation, so joining tokens gives the text back.

The diff runs paragraphs first (``\\n`` separated): unchanged paragraphs cost nothing,
and only the replaced paragraph blocks get a token diff. That token diff maps each token
to one character and runs diff-match-patch's Myers diff over those (its "word mode"),
with a timeout, then a semantic cleanup so edits read as phrases rather than confetti.
Texts that share almost nothing come back as one removal plus one insertion.

Output: ``[["=", "kept"], ["-", "removed"], ["+", "added"]]``. Joining the ``=`` and ``-``
pieces gives the old text back; joining ``=`` and ``+`` gives the new one.
"""

from __future__ import annotations

import re
import time
from difflib import SequenceMatcher
from itertools import pairwise

from diff_match_patch import diff_match_patch

Op = list[str]  # [tag, text], tag one of "=", "-", "+"

# Seconds one token diff may take before diff-match-patch settles for a coarser answer.
TOKEN_DIFF_TIMEOUT = 0.02
# Below this share of kept tokens a diff is noise: show a plain replacement instead.
MIN_KEPT_SHARE = 0.2
# Below this share of shared word pairs two paragraphs are unrelated: no diff is tried.
MIN_BIGRAM_OVERLAP = 0.2

_CJK = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
)
# A CJK character alone; a run of other word characters (with inner ' ’ - joining
# "China's" or "follow-up"); a whitespace run; any other single character.
_TOKEN_RE = re.compile(
    rf"[{_CJK}]|[^\W_{_CJK}]+(?:['’\-][^\W_{_CJK}]+)*|\s+|.",
    re.DOTALL,
)
# Word-like tokens only (for similarity measures): lowercased words and CJK characters.
_WORD_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:['’\-][^\W_{_CJK}]+)*")


def tokenize(text: str) -> list[str]:
    """Tokens that join back into ``text`` exactly."""
    return _TOKEN_RE.findall(text)


def words(text: str) -> list[str]:
    """Lowercased words and CJK characters, no whitespace or punctuation."""
    return _WORD_RE.findall(text.lower())


def word_diff(before: str | None, after: str | None, *, deadline: float | None = None) -> list[Op]:
    """The word-level diff of two texts (either may be ``None``, read as empty).

    ``deadline`` (a ``time.monotonic()`` value) caps the time spent: past it, changed
    paragraphs are shown as whole replacements (still exact, only coarser).
    """
    a, b = before or "", after or ""
    if a == b:
        return [["=", a]] if a else []
    ops: list[Op] = []
    pa, pb = _paragraphs(a), _paragraphs(b)
    matcher = SequenceMatcher(None, pa, pb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(pa[i1:i2]), "".join(pb[j1:j2])
        if tag == "equal":
            ops.append(["=", old])
        elif tag == "delete":
            ops.append(["-", old])
        elif tag == "insert":
            ops.append(["+", new])
        else:
            ops.extend(_token_diff(old, new, deadline))
    return merge_ops(ops)


def merge_ops(ops: list[Op]) -> list[Op]:
    """Drop empty ops and join neighbours of the same kind."""
    merged: list[Op] = []
    for tag, text in ops:
        if not text:
            continue
        if merged and merged[-1][0] == tag:
            merged[-1][1] += text
        else:
            merged.append([tag, text])
    return merged


def side(ops: list[Op], which: str) -> str:
    """The old (``which="-"``) or new (``"+"``) text a diff was made from."""
    return "".join(text for tag, text in ops if tag in ("=", which))


def kept_share(ops: list[Op]) -> float:
    """Share of characters left untouched (1.0 for identical texts)."""
    total = sum(len(text) for _, text in ops)
    kept = sum(len(text) for tag, text in ops if tag == "=")
    return kept / total if total else 1.0


def _paragraphs(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _token_diff(a: str, b: str, deadline: float | None) -> list[Op]:
    timeout = TOKEN_DIFF_TIMEOUT
    if deadline is not None:
        timeout = min(timeout, deadline - time.monotonic())
    if not a or not b or timeout <= 0:
        return [["-", a], ["+", b]]
    if _bigram_overlap(a, b) < MIN_BIGRAM_OVERLAP:
        return [["-", a], ["+", b]]  # unrelated: skip the diff, it would be all noise
    chars_a, chars_b, vocab = _encode(tokenize(a), tokenize(b))
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    diffs = dmp.diff_main(chars_a, chars_b, checklines=False)
    dmp.diff_cleanupSemantic(diffs)
    ops = [[_TAGS[op], "".join(vocab[ord(c)] for c in data)] for op, data in diffs]
    ops = merge_ops(ops)
    if kept_share(ops) < MIN_KEPT_SHARE:
        return [["-", a], ["+", b]]
    return _shift_to_word_starts(_deletions_first(ops))


_TAGS = {0: "=", -1: "-", 1: "+"}


def _bigram_overlap(a: str, b: str) -> float:
    """Share of the shorter text's word pairs found in the other (common words alone,
    "the", "of", match in any two English texts; pairs of words rarely do by chance)."""
    pa, pb = _bigrams(a), _bigrams(b)
    if not pa or not pb:
        return 1.0  # too short to judge: let the diff decide
    return len(pa & pb) / min(len(pa), len(pb))


def _bigrams(text: str) -> set[tuple[str, str]]:
    toks = words(text)
    return set(pairwise(toks))


def _encode(ta: list[str], tb: list[str]) -> tuple[str, str, list[str]]:
    """One character per distinct token, so a character diff is a token diff."""
    vocab: list[str] = []
    codes: dict[str, str] = {}

    def encode(tokens: list[str]) -> str:
        out = []
        for tok in tokens:
            code = codes.get(tok)
            if code is None:
                code = chr(len(vocab))
                codes[tok] = code
                vocab.append(tok)
            out.append(code)
        return "".join(out)

    return encode(ta), encode(tb), vocab


def _deletions_first(ops: list[Op]) -> list[Op]:
    """Within each run of changes, show what went before what came (reads as "x → y")."""
    out: list[Op] = []
    run: list[Op] = []
    for op in [*ops, ["=", ""]]:
        if op[0] == "=":
            out.extend(merge_ops([o for o in run if o[0] == "-"] + [o for o in run if o[0] == "+"]))
            run = []
            out.append(op)
        else:
            run.append(op)
    return merge_ops(out)


def _shift_to_word_starts(ops: list[Op]) -> list[Op]:
    """Slide a lone insertion or deletion so it starts on a word, not on a space.

    ``"law.[- We urge.-] We will"`` and ``"law. [-We urge. -]We will"`` say the same; the
    second reads better. Only whitespace is slid, so the texts on both sides are unchanged.
    """
    ops = [list(op) for op in ops]
    for k in range(1, len(ops) - 1):
        prev, cur, nxt = ops[k - 1], ops[k], ops[k + 1]
        if prev[0] != "=" or nxt[0] != "=" or cur[0] == "=":
            continue
        while cur[1] and nxt[1] and cur[1][0].isspace() and cur[1][0] == nxt[1][0]:
            prev[1] += cur[1][0]
            cur[1] = cur[1][1:] + nxt[1][0]
            nxt[1] = nxt[1][1:]
    return merge_ops(ops)
