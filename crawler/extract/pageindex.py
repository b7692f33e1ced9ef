"""Selector cascades answered from a per-page index instead of one XPath scan per selector.

Evaluating each CSS selector of each cascade as its own XPath costs a full scan of the
document per selector (about twenty per page, the bulk of the parse time). Instead each tag
is walked once (in C, filtered by tag) when a selector first needs it, its elements indexed
by class token, ids are looked up in libxml2's id table, and the simple selectors the
templates use (``tag``, ``tag.class``, ``#id``, ``tag#id.class`` and the descendant
combinator) are matched against that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lxml import etree
from parsel import Selector

from crawler.extract.text import clean_text

# The <head> elements the parser reads, indexed up front (there are few of them).
HEAD_TAGS = ("title", "meta", "link")
_STEP = re.compile(r"^(?P<tag>[a-z][a-z0-9]*)?(?:#(?P<id>[\w-]+))?(?P<classes>(?:\.[\w-]+)*)$")
_ID_LOOKUP = etree.XPath("id($id)")  # libxml2 keeps an id table for HTML documents


@dataclass(frozen=True, slots=True)
class Step:
    """One compound selector: ``div.content_mod``, ``#News_Body_Txt_A``, ``h2.title``."""

    tag: str | None
    id: str | None
    classes: frozenset[str]

    def matches(self, el: etree._Element) -> bool:
        if self.tag is not None and el.tag != self.tag:
            return False
        if self.id is not None and el.get("id") != self.id:
            return False
        return not self.classes or self.classes <= set((el.get("class") or "").split())


@cache
def parse_selector(css: str) -> tuple[Step, ...]:
    """``"div.content_mod div.content"`` -> steps joined by the descendant combinator."""
    steps = []
    for part in css.split():
        m = _STEP.match(part)
        if m is None or not part:
            raise ValueError(f"unsupported selector {css!r}: only tag#id.class and descendants")
        classes = frozenset(c for c in m["classes"].split(".") if c)
        steps.append(Step(m["tag"], m["id"], classes))
    if not steps:
        raise ValueError("empty selector")
    return tuple(steps)


class PageIndex:
    """The page's elements by tag and class token, in document order.

    Each tag is indexed on first use (a C-filtered walk over that tag only), so a page whose
    cascades all resolve on ``div``/``span`` never pays for its hundreds of ``<p>``.
    """

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self._tags: dict[str, list[etree._Element]] = {tag: [] for tag in HEAD_TAGS}
        self._classes: dict[str, dict[str, list[etree._Element]]] = {}
        for el in root.iter(*HEAD_TAGS):
            self._tags[el.tag].append(el)

    @classmethod
    def of(cls, page: Selector | PageIndex) -> PageIndex:
        return page if isinstance(page, PageIndex) else cls(page.root)

    def by_tag(self, tag: str) -> list[etree._Element]:
        """Every ``tag`` element in document order."""
        found = self._tags.get(tag)
        if found is None:
            found = self._tags[tag] = list(self.root.iter(tag))
        return found

    def by_class(self, tag: str, name: str) -> list[etree._Element]:
        """The ``tag`` elements whose class attribute has the token ``name``."""
        classes = self._classes.get(tag)
        if classes is None:
            classes = self._classes[tag] = _class_map(self.by_tag(tag))
        return classes.get(name, [])

    def select(self, css: str) -> list[etree._Element]:
        """Elements matching ``css`` in document order (descendant steps searched in place)."""
        first, *rest = parse_selector(css)
        found = [el for el in self._candidates(first) if first.matches(el)]
        for step in rest:
            found = _descendants_matching(found, step)
        return found

    def _candidates(self, step: Step) -> list[etree._Element]:
        if step.id is not None:
            return xpath_elements(_ID_LOOKUP(self.root, id=step.id))
        if step.tag is None:
            return [el for el in self.root.iter() if isinstance(el.tag, str)]
        if step.classes:
            return min((self.by_class(step.tag, c) for c in step.classes), key=len)
        return self.by_tag(step.tag)

    def meta(self, name: str) -> str | None:
        """``content`` of ``<meta name=...>`` or ``<meta property=...>``, as clean text."""
        for el in self._tags["meta"]:
            if el.get("name") == name or el.get("property") == name:
                value = clean_text(el.get("content") or "")
                return value or None
        return None


def xpath_elements(result: object) -> list[etree._Element]:
    """The elements of an XPath result (lxml types it as any XPath value)."""
    return (
        [el for el in result if isinstance(el, etree._Element)] if isinstance(result, list) else []
    )


def xpath_strings(result: object) -> list[str]:
    """The strings of an XPath result (text nodes and attribute values are ``str``)."""
    return [str(s) for s in result if isinstance(s, str)] if isinstance(result, list) else []


def itertext(el: etree._Element) -> str:
    """All text inside ``el`` (C speed), without the typing noise of ``bytes`` results."""
    return "".join(t for t in el.itertext() if isinstance(t, str))


def _class_map(elements: list[etree._Element]) -> dict[str, list[etree._Element]]:
    classes: dict[str, list[etree._Element]] = {}
    for el in elements:
        names = el.get("class")
        if names:
            for name in names.split():
                classes.setdefault(name, []).append(el)
    return classes


def _descendants_matching(parents: list[etree._Element], step: Step) -> list[etree._Element]:
    seen: dict[etree._Element, None] = {}
    for parent in parents:
        for el in parent.iterdescendants(step.tag or "*"):
            if step.matches(el):
                seen.setdefault(el, None)
    return list(seen)
