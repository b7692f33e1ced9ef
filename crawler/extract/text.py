"""Paragraph text rules: DOM container in, clean paragraphs out.

A paragraph is the concatenation of its text nodes with *no* separator (the sites split
words across inline tags), ended by a block element or ``<br>``. Whitespace runs (including
U+00A0 and U+3000) become one space; images, scripts and empty paragraphs are dropped.
Each paragraph also records how much of it was bold, a strong cue for question paragraphs.
"""

from __future__ import annotations

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


def clean_text(raw: str) -> str:
    """Collapse whitespace runs to one space and strip; drop invisible characters at the ends."""
    return " ".join(raw.split()).strip(_INVISIBLE).strip()


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


def _walk(el: etree._Element, out: _Collector, bold: bool) -> None:
    # The hot loop of the parser (every element of every body): text handling is inlined,
    # and childless inline elements (most <span>/<b>) are read without a recursive call.
    kind = _kind(el.tag)
    if kind == _SKIP:
        return
    if kind == _BREAK:
        out.flush()
        return
    if kind == _BLOCK:
        out.flush()
    if not bold:
        bold = kind == _BOLD or _styled_bold(el.get("style"))
    pieces = out.pieces
    text = el.text
    if text:
        pieces.append(text)
        if bold:
            out.bold_chars += _visible_length(text)
    for child in el:
        if len(child) or _KINDS.get(child.tag, _SKIP) < _BOLD:
            _walk(child, out, bold)
        else:
            text = child.text
            if text:
                pieces.append(text)
                if bold or _KINDS[child.tag] == _BOLD or _styled_bold(child.get("style")):
                    out.bold_chars += _visible_length(text)
        text = child.tail
        if text:
            pieces.append(text)
            if bold:
                out.bold_chars += _visible_length(text)
    if kind == _BLOCK:
        out.flush()


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
