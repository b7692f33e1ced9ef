"""Where things sit in the ministry's page templates: selector cascades per field.

Each cascade lists the known templates first (current English ``lxjzh``, Chinese new and old
2021+ templates, the legacy ``content_mod`` template) and ends with something generic, so an
unseen variant degrades gracefully. No cascade depends on a single class name.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from crawler.extract import dates
from crawler.extract.pageindex import PageIndex, itertext, xpath_elements, xpath_strings
from crawler.extract.text import Paragraph, clean_text, element_text, paragraphs_of
from crawler.extract.titles import is_briefing_title

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
TRANSLATION_SELECTORS = (
    "div.lan_btn a",  # Chinese new template: <a href><img data-desc="英文"></a>
    "div.news_header_lang a",  # English current: <span data-desc="中文"><a href></a></span>
)

_HAN = re.compile(r"[\u4e00-\u9fff]")
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
    "web": "zh",
    "chn": "zh",
    "fra": "fr",
    "esp": "es",
    "rus": "ru",
    "ara": "ar",
}


def select(page: PageIndex, css: str) -> list[etree._Element]:
    return page.select(css)


def first_text(page: PageIndex, selectors: tuple[str, ...]) -> str | None:
    """Text of the first selector in the cascade that matches a non-empty element."""
    for css in selectors:
        for node in page.select(css):
            text = element_text(node)
            if text:
                return text
    return None


def meta_content(page: Selector | PageIndex, name: str) -> str | None:
    return PageIndex.of(page).meta(name)


def page_title(page: PageIndex) -> str | None:
    """The article title: template element, then meta tags, then ``<title>`` minus site name."""
    title = first_text(page, TITLE_SELECTORS)
    if title:
        return title
    for name in TITLE_METAS:
        if value := page.meta(name):
            return value
    raw = head_title(page)
    return _TITLE_SUFFIX.sub("", raw).strip() or briefing_heading(page)


# Elements short enough to be a heading (string value only computed for the fallback).
_HEADING_CANDIDATES = etree.XPath(
    "//body//*[self::h1 or self::h2 or self::h3 or self::div or self::p or self::td or "
    "self::span or self::strong][string-length(normalize-space(.)) < 200]"
)


def briefing_heading(page: PageIndex) -> str | None:
    """Fallback for a page with no known title element and no ``<title>``: the first short
    element whose text names a briefing."""
    for el in xpath_elements(_HEADING_CANDIDATES(page.root)):
        # A cheap look first (itertext runs in C): element_text is a Python walk, and
        # candidates nested thousands deep would make calling it on each one quadratic.
        if not _names_briefing(" ".join(itertext(el).split())):
            continue
        text = element_text(el)
        if 10 <= len(text) < 200 and _names_briefing(text):
            return text
    return None


def _names_briefing(text: str) -> bool:
    return is_briefing_title(text, "zh" if _HAN.search(text) else "en")


def head_title(page: PageIndex) -> str:
    """The ``<title>`` text as clean text ("" when there is none)."""
    texts = [itertext(el) for el in page.by_tag("title")]
    return clean_text(" ".join(texts))


def date_line(page: PageIndex, body: etree._Element | None = None) -> str | None:
    """The template's date line; failing that, a short text above ``body`` that shows a
    date and a time (an unseen template's date line: "Updated: April 30, 2025 19:06")."""
    return first_text(page, DATE_LINE_SELECTORS) or (
        stamped_line_above(body) if body is not None else None
    )


# Short text nodes with a colon before the body: the candidates for a date line with a time.
_SHORT_TIMED_TEXTS_BEFORE = etree.XPath(
    "preceding::text()[contains(., ':') and string-length(normalize-space(.)) < 80]"
    "[not(ancestor::script) and not(ancestor::style) and not(ancestor::head)]"
)


def stamped_line_above(body: etree._Element) -> str | None:
    """The first short line before ``body`` (in document order) showing a date and a time."""
    found = _SHORT_TIMED_TEXTS_BEFORE(body)
    for text in found if isinstance(found, list) else []:
        element = text.getparent() if isinstance(text, etree._ElementUnicodeResult) else None
        line = element_text(element) if element is not None else ""
        if len(line) < 80 and dates.timestamp(line):
            return line
    return None


# An article's own address: legacy ``t1794629.shtml``, 2021+ ``t20240227_11250193.html``.
_ARTICLE_FILE = re.compile(r"/t\d{5,}(?:_\d+)?\.s?html?$")
MISSING_URL_REASON = (
    "the page does not say its own URL (no meta Url, canonical link, og:url, twitter:url or "
    "article <base>); the ministry's 2016-2020 pages never do (their share and e-mail links "
    "read the address from the browser at run time), so give the URL it was fetched from"
)


def page_url_hint(page: Selector | PageIndex) -> str | None:
    """The URL the page declares for itself (``meta[name=Url]``, canonical, og:url,
    twitter:url, a ``<base href>`` naming an article), or None: never a guess.

    The ``lan_btn`` link names the *other* language's page and share scripts read
    ``location`` at run time, so neither is evidence of this page's address.
    """
    index = PageIndex.of(page)
    canonical = [el.get("href") for el in index.by_tag("link") if el.get("rel") == "canonical"]
    bases = [el.get("href") or "" for el in index.by_tag("base")]
    article_bases = [b for b in bases if _ARTICLE_FILE.search(b.split("?")[0].strip())]
    for value in (
        index.meta("Url"),
        canonical[0] if canonical else None,
        index.meta("og:url"),
        index.meta("twitter:url"),
        article_bases[0] if article_bases else None,
    ):
        value = "".join(clean_text(value or "").split())
        if value.lower().startswith(("http://", "https://")):
            return value
    return None


def translation_links(page: PageIndex) -> list[tuple[str, str]]:
    """``(language, href)`` pairs of the page's own links to other language versions."""
    out: list[tuple[str, str]] = []
    for css in TRANSLATION_SELECTORS:
        for a in page.select(css):
            href = "".join(clean_text(a.get("href") or "").split())  # no controls in a URL
            label = " ".join([element_text(a), *_link_descriptions(a)])
            language = _language_of(label, href)
            if href and language:
                out.append((language, href))
    return out


def _link_descriptions(a: etree._Element) -> list[str]:
    """``data-desc``/``alt``/``title`` of the link, the images inside it and its wrapper."""
    parent = a.getparent()
    elements = [el for el in a.iter() if isinstance(el.tag, str)]
    if parent is not None and len(parent) == 1:  # a wrapper around this link only
        elements.append(parent)
    return [
        value
        for el in elements
        for value in (el.get("data-desc"), el.get("alt"), el.get("title"))
        if value
    ]


def _language_of(label: str, href: str) -> str | None:
    lowered = label.lower()
    for word, code in LANGUAGE_WORDS.items():
        if word in lowered:
            return code
    for folder in re.findall(r"/([a-z_]+)/", href.lower()):
        if folder in LANGUAGE_FOLDERS:
            return LANGUAGE_FOLDERS[folder]
    return None


def body_container(page: PageIndex) -> tuple[etree._Element, list[Paragraph]] | None:
    """The element holding the transcript and its paragraphs: known containers first, then
    the content-based fallback."""
    for css in BODY_SELECTORS:
        for node in page.select(css):
            paragraphs = paragraphs_of(node)
            if len(paragraphs) >= 2:
                return node, paragraphs
    container = densest_container(page)
    return (container, paragraphs_of(container)) if container is not None else None


def densest_container(page: PageIndex) -> etree._Element | None:
    """Fallback: the element whose direct ``<p>`` children hold the most text.

    Labelled paragraphs (``Name: ...``) count double, so the transcript beats a long
    navigation or related-news block.
    """
    scores: dict[etree._Element, int] = {}
    for p in page.by_tag("p"):
        parent = p.getparent()
        if parent is None:
            continue
        text = element_text(p)
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
    return xpath_strings(container.xpath(".//img/@src | .//img/@oldsrc"))
