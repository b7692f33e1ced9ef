"""Paragraph text rules: DOM container in, clean paragraphs out.

A paragraph is the concatenation of its text nodes with *no* separator (the sites split
words across inline tags), ended by a block element or ``<br>``. Whitespace runs (including
U+00A0 and U+3000) become one space; images, scripts and empty paragraphs are dropped.
Each paragraph also records how much of it was bold, a strong cue for question paragraphs.

Control characters never reach a briefing (issue 14): terminal escape sequences (ESC ``[``
CSI, ESC ``]`` OSC up to BEL/ST, the C1 forms ``\x9b``/``\x9d``, other two-byte ESC codes) are
removed whole, then every remaining C0/C1 control and DEL except the whitespace ones.
Whitespace controls (tab, newline, CR, VT, FF, U+001C–U+001F, NEL U+0085) and the Unicode
line/paragraph separators U+2028/U+2029 collapse to one space like any other whitespace run:
they separate words (deleting them would glue two words), and paragraphs come from markup,
never from these characters. The bidirectional embedding, override and isolate controls
(U+202A–U+202E, U+2066–U+2069) are dropped: invisible, they carry no words in either
language of these transcripts, and they can make a ledger *display* text in an order other
than the one stored (the "Trojan Source" trick). The directional marks U+200E/U+200F are kept:
they cannot reorder a run, and a page may need them around a right-to-left name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

# Elements that start and end a paragraph.
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "table",
        "tr",
        "td",
        "th",
        "tbody",
        "thead",
        "section",
        "article",
        "blockquote",
        "center",
        "pre",
        "dl",
        "dt",
        "dd",
        "form",
        "header",
        "footer",
        "nav",
        "aside",
        "figure",
        "figcaption",
    ]
)
# Elements whose text is never transcript text.
SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "iframe", "select", "option", "button", "input", "textarea"]
)
BOLD_TAGS = frozenset(("b", "strong"))

# Zero-width characters Word paste and the CMS leave around; invisible, never text on their own.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


@dataclass(slots=True)
class Paragraph:
    text: str
    bold_chars: int = 0  # characters of ``text`` that sat inside <b>/<strong>

    @property
    def bold(self) -> bool:
        """Mostly bold: the publisher's mark of a question paragraph."""
        visible = len(self.text.replace(" ", ""))
        return visible > 0 and self.bold_chars * 2 >= visible

    def bold_prefix(self, length: int) -> bool:
        """The first ``length`` characters (a label) are bold."""
        return self.bold_chars >= min(length, len(self.text)) > 0


# Whole terminal escape sequences: CSI (ESC [ or C1 0x9b) with its parameters and final byte,
# OSC (ESC ] or C1 0x9d) up to BEL or ST, and the other ESC + one-character codes.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]?"
)
# Controls that are not whitespace for ``str.split`` (those collapse to a space instead),
# plus the bidi embeddings, overrides and isolates. Every escape sequence starts with one.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(raw: str) -> str:
    """``raw`` without escape sequences and non-whitespace controls (module docstring)."""
    if _CONTROL.search(raw) is None:  # the common case: one scan in C
        return raw
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", raw))


def clean_text(raw: str) -> str:
    """Drop controls, collapse whitespace runs to one space and strip; drop invisible
    characters at the ends."""
    return " ".join(strip_controls(raw).split()).strip(_INVISIBLE).strip()


class _Collector:
    """Accumulates text pieces of the current paragraph while walking the tree."""

    __slots__ = ("bold_chars", "paragraphs", "pieces")

    def __init__(self) -> None:
        self.paragraphs: list[Paragraph] = []
        self.pieces: list[str] = []
        self.bold_chars = 0  # non-whitespace characters of the pieces that sat in bold

    def flush(self) -> None:
        if not self.pieces:
            return
        text = clean_text("".join(self.pieces))
        if text:
            self.paragraphs.append(Paragraph(text, self.bold_chars))
        self.pieces.clear()  # in place: the walker holds a reference to the list
        self.bold_chars = 0


# What an element does to the paragraph being collected, by tag (cached per tag object).
_SKIP, _BREAK, _BLOCK, _BOLD, _INLINE = range(5)
_KINDS: dict[object, int] = {}


def _kind(tag: object) -> int:
    """Comments and processing instructions are skipped (their tails are still text).

    Prefixed Word tags keep their prefix (``o:p`` is an inline empty element, not ``<p>``).
    """
    kind = _KINDS.get(tag)
    if kind is None:
        kind = _classify_tag(tag)
        _KINDS[tag] = kind
    return kind


def _classify_tag(tag: object) -> int:
    if not isinstance(tag, str):
        return _SKIP
    name = tag.rsplit("}", 1)[-1].lower()
    if name in SKIP_TAGS:
        return _SKIP
    if name == "br":
        return _BREAK
    if name in BLOCK_TAGS:
        return _BLOCK
    return _BOLD if name in BOLD_TAGS else _INLINE


def _walk(top: etree._Element, out: _Collector, bold: bool) -> None:
    """Collect ``top``'s text (not its tail) into ``out``, in document order.

    Iterative, with an explicit stack of open elements, so markup nested thousands deep
    (libxml2 keeps up to 2047 levels) cannot exhaust Python's recursion limit. This is the hot
    loop of the parser (every element of every body): text handling is inlined, and childless
    inline elements (most <span>/<b>) are read without a stack push.
    """
    kind = _kind(top.tag)
    if kind == _SKIP:
        return
    if kind == _BREAK:
        out.flush()
        return
    if kind == _BLOCK:
        out.flush()
    bold = bold or kind == _BOLD or _styled_bold(top.get("style"))
    pieces = out.pieces
    if top.text:
        pieces.append(top.text)
        if bold:
            out.bold_chars += _visible_length(top.text)
    # (element, its kind, whether its text is bold, iterator over its children)
    stack: list[tuple[etree._Element, int, bool, Iterator[etree._Element]]] = [
        (top, kind, bold, iter(top))
    ]
    while stack:
        el, kind, bold, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if kind == _BLOCK:
                out.flush()
            if stack:  # the tail of an element belongs to its parent (same boldness)
                _add(out, el.tail, stack[-1][2])
            continue
        child_kind = _kind(child.tag)
        if child_kind >= _BOLD and not len(child):  # childless inline: no push
            text = child.text
            if text:
                pieces.append(text)
                if bold or child_kind == _BOLD or _styled_bold(child.get("style")):
                    out.bold_chars += _visible_length(text)
            _add(out, child.tail, bold)
            continue
        if child_kind in (_SKIP, _BREAK):
            if child_kind == _BREAK:
                out.flush()
            _add(out, child.tail, bold)
            continue
        if child_kind == _BLOCK:
            out.flush()
        child_bold = bold or child_kind == _BOLD or _styled_bold(child.get("style"))
        _add(out, child.text, child_bold)
        stack.append((child, child_kind, child_bold, iter(child)))


def _add(out: _Collector, text: str | None, bold: bool) -> None:
    if text:
        out.pieces.append(text)
        if bold:
            out.bold_chars += _visible_length(text)


def _visible_length(text: str) -> int:
    return len("".join(text.split()))


def _styled_bold(style: str | None) -> bool:
    if not style:
        return False
    style = style.lower()
    return "bold" in style and "font-weight" in style


def paragraphs_of(container: etree._Element) -> list[Paragraph]:
    """All text paragraphs inside ``container`` in document order."""
    out = _Collector()
    if container.text:
        out.pieces.append(container.text)
    for child in container:
        _walk(child, out, False)
        if child.tail:
            out.pieces.append(child.tail)
    out.flush()
    return out.paragraphs


def element_text(el: etree._Element) -> str:
    """One clean line of an element's text (titles, date lines), scripts skipped."""
    out = _Collector()
    _walk(el, out, False)
    out.flush()
    return " ".join(p.text for p in out.paragraphs)
