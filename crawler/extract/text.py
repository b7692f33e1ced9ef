"""Paragraph text rules: DOM container in, clean paragraphs out.

A paragraph is the concatenation of its text nodes with *no* separator (the sites split
words across inline tags), ended by a block element or ``<br>``. Whitespace runs (including
U+00A0 and U+3000) become one space; images, scripts and empty paragraphs are dropped.
Each paragraph also records how much of it was bold, a strong cue for question paragraphs.
"""

from __future__ import annotations

import re
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

_WHITESPACE = re.compile(r"\s+")
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


def clean_text(raw: str) -> str:
    """Collapse whitespace runs to one space and strip; drop invisible characters at the ends."""
    return _WHITESPACE.sub(" ", raw).strip().strip(_INVISIBLE).strip()


class _Collector:
    """Accumulates text pieces of the current paragraph while walking the tree."""

    def __init__(self) -> None:
        self.paragraphs: list[Paragraph] = []
        self._pieces: list[str] = []
        self._bold: list[bool] = []

    def add(self, text: str | None, bold: bool) -> None:
        if text:
            self._pieces.append(text)
            self._bold.append(bold)

    def flush(self) -> None:
        if not self._pieces:
            return
        raw = "".join(self._pieces)
        text = clean_text(raw)
        if text:
            self.paragraphs.append(Paragraph(text, _bold_chars(self._pieces, self._bold)))
        self._pieces.clear()
        self._bold.clear()


def _bold_chars(pieces: list[str], bold: list[bool]) -> int:
    return sum(len("".join(p.split())) for p, b in zip(pieces, bold, strict=True) if b)


def _tag(el: etree._Element) -> str | None:
    """Lower-case tag name, or None for comments and processing instructions.

    Prefixed Word tags keep their prefix (``o:p`` is an inline empty element, not ``<p>``).
    """
    tag = el.tag
    if not isinstance(tag, str):
        return None
    return tag.rsplit("}", 1)[-1].lower()


def _walk(el: etree._Element, out: _Collector, bold: bool) -> None:
    tag = _tag(el)
    if tag is None or tag in SKIP_TAGS:
        return
    if tag == "br":
        out.flush()
        return
    block = tag in BLOCK_TAGS
    if block:
        out.flush()
    inner_bold = bold or tag in BOLD_TAGS or _styled_bold(el)
    out.add(el.text, inner_bold)
    for child in el:
        _walk(child, out, inner_bold)
        out.add(child.tail, inner_bold)
    if block:
        out.flush()


def _styled_bold(el: etree._Element) -> bool:
    style = el.get("style")
    return bool(style) and "bold" in style.lower() and "font-weight" in style.lower()


def paragraphs_of(container: etree._Element) -> list[Paragraph]:
    """All text paragraphs inside ``container`` in document order."""
    out = _Collector()
    out.add(container.text, False)
    for child in container:
        _walk(child, out, False)
        out.add(child.tail, False)
    out.flush()
    return out.paragraphs


def element_text(el: etree._Element) -> str:
    """One clean line of an element's text (titles, date lines), scripts skipped."""
    out = _Collector()
    _walk(el, out, False)
    out.flush()
    return " ".join(p.text for p in out.paragraphs)
