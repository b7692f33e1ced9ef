"""Where things sit in the ministry's page templates: selector cascades per field.

Each cascade lists the known templates first (current English ``lxjzh``, Chinese new and old
2021+ templates, the legacy ``content_mod`` template) and ends with something generic, so an
unseen variant degrades gracefully. No cascade depends on a single class name.
"""

from __future__ import annotations

import re
from functools import cache

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from crawler.extract.text import Paragraph, element_text, paragraphs_of

TITLE_SELECTORS = (
    "div.news_header_title",  # English, mid-2024 on
    "div.news-title h1",  # Chinese new template, 2022 on
    "#News_Body_Title",  # Chinese old template, embassy mirrors
    "div.content_mod h2.title",  # English and Chinese legacy
    "h1.title",
    "h2.title",
)
TITLE_METAS = ("ArticleTitle", "og:title", "twitter:title", "Description")
DATE_LINE_SELECTORS = (
    "span.xltime",  # English current: "April 30, 2025 19:06"
    "p.time span",  # Chinese new: "2024-04-03 21:30"
    "p.time",
    "#News_Body_Time",  # Chinese old / legacy (empty on English legacy pages)
    "div.content_mod div.date",
    "div.time",
    "span.time",
)
BODY_SELECTORS = (
    "#News_Body_Txt_A",  # Chinese old and new templates, embassy mirrors
    "div.content_text",  # English current
    "div.content_mod div.content",  # English legacy and 2021-2024
    "div.TRS_Editor",
    "div.trs_editor_view",
    "div.TRS_UEDITOR",
    "div.article div.content",
    "article",
)
TRANSLATION_SELECTORS = ("div.lan_btn a[href]",)

# Site names appended to <title> ("... — 中华人民共和国外交部", "..._Ministry of Foreign Affairs").
_TITLE_SUFFIX = re.compile(
    r"\s*(?:[—\-_|–]+)\s*(?:中华人民共和国外交部|外交部|Ministry of Foreign Affairs[^—\-_|]*)\s*$"
)
# Language names used by the translation links (img data-desc, link text, URL folders).
LANGUAGE_WORDS = {
    "英文": "en",
    "english": "en",
    "中文": "zh",
    "简体中文": "zh",
    "法文": "fr",
    "français": "fr",
    "francais": "fr",
    "西文": "es",
    "español": "es",
    "espanol": "es",
    "俄文": "ru",
    "русский": "ru",
    "阿文": "ar",
    "عربي": "ar",
    "德文": "de",
    "日文": "ja",
}
LANGUAGE_FOLDERS = {
    "eng": "en",
    "mfa_eng": "en",
    "fra": "fr",
    "esp": "es",
    "rus": "ru",
    "ara": "ar",
}


@cache
def _compiled(css: str) -> etree.XPath:
    """CSS compiled once to an lxml XPath (cheaper than parsel's per-call translation)."""
    return etree.XPath(css2xpath(css))


def select(sel: Selector, css: str) -> list[etree._Element]:
    return [el for el in _compiled(css)(sel.root) if isinstance(el, etree._Element)]


def first_text(sel: Selector, selectors: tuple[str, ...]) -> str | None:
    """Text of the first selector in the cascade that matches a non-empty element."""
    for css in selectors:
        for node in select(sel, css):
            text = element_text(node)
            if text:
                return text
    return None


def meta_content(sel: Selector, name: str) -> str | None:
    value = sel.xpath(f"//meta[@name='{name}' or @property='{name}']/@content").get()
    value = " ".join((value or "").split())
    return value or None


def page_title(sel: Selector) -> str | None:
    """The article title: template element, then meta tags, then ``<title>`` minus site name."""
    title = first_text(sel, TITLE_SELECTORS)
    if title:
        return title
    for name in TITLE_METAS:
        if value := meta_content(sel, name):
            return value
    raw = " ".join(" ".join(sel.xpath("//title//text()").getall()).split())
    return _TITLE_SUFFIX.sub("", raw).strip() or None


def date_line(sel: Selector) -> str | None:
    return first_text(sel, DATE_LINE_SELECTORS)


def page_url_hint(sel: Selector) -> str | None:
    """The URL the page declares for itself (``meta[name=Url]``, canonical, og:url)."""
    for value in (
        meta_content(sel, "Url"),
        sel.xpath("//link[@rel='canonical']/@href").get(),
        meta_content(sel, "og:url"),
        meta_content(sel, "twitter:url"),
    ):
        if value and value.strip().lower().startswith(("http://", "https://")):
            return value.strip()
    return None


def translation_links(sel: Selector) -> list[tuple[str, str]]:
    """``(language, href)`` pairs of the page's own links to other language versions."""
    out: list[tuple[str, str]] = []
    for css in TRANSLATION_SELECTORS:
        for a in sel.css(css):
            href = (a.attrib.get("href") or "").strip()
            label = " ".join(
                [element_text(a.root), *a.xpath(".//@data-desc | .//@alt | .//@title").getall()]
            )
            language = _language_of(label, href)
            if href and language:
                out.append((language, href))
    return out


def _language_of(label: str, href: str) -> str | None:
    lowered = label.lower()
    for word, code in LANGUAGE_WORDS.items():
        if word in lowered:
            return code
    for folder in re.findall(r"/([a-z_]+)/", href.lower()):
        if folder in LANGUAGE_FOLDERS:
            return LANGUAGE_FOLDERS[folder]
    return None


def body_container(sel: Selector) -> tuple[etree._Element, list[Paragraph]] | None:
    """The element holding the transcript and its paragraphs: known containers first, then
    the content-based fallback."""
    for css in BODY_SELECTORS:
        for node in select(sel, css):
            paragraphs = paragraphs_of(node)
            if len(paragraphs) >= 2:
                return node, paragraphs
    container = densest_container(sel)
    return (container, paragraphs_of(container)) if container is not None else None


def densest_container(sel: Selector) -> etree._Element | None:
    """Fallback: the element whose direct ``<p>`` children hold the most text.

    Labelled paragraphs (``Name: ...``) count double, so the transcript beats a long
    navigation or related-news block.
    """
    scores: dict[etree._Element, int] = {}
    for p in sel.xpath("//body//p[not(ancestor::script)]"):
        parent = p.root.getparent()
        if parent is None:
            continue
        text = element_text(p.root)
        weight = len(text) * (2 if _looks_labelled(text) else 1)
        scores[parent] = scores.get(parent, 0) + weight
    if not scores:
        return None
    best = max(scores, key=lambda el: scores[el])
    return best if scores[best] > 0 else None


def _looks_labelled(text: str) -> bool:
    head = re.split(r"[:：]", text, maxsplit=1)
    return len(head) == 2 and 0 < len(head[0]) <= 30


def image_sources(container: etree._Element) -> list[str]:
    return [src for src in container.xpath(".//img/@src | .//img/@oldsrc") if isinstance(src, str)]
