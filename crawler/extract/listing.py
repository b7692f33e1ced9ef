"""List pages: the briefing items a column page links and the other pages of the column.

Layouts handled (see ``shared/fixtures/mfa/README.md`` and ``crawler.extract.sitemap``):

- English legacy: ``div.newsLst_mod ul li a`` (no dates); pagination ``var countPage = N``.
- Chinese legacy: ``div.rebox_news ul li a`` followed by ``(2020-07-03)``; same script.
- Chinese 2021+: ``ul.list1 li a``; pagination ``createPageHTML(N, cur, "index", "shtml")``.
- English 2021 to mid-2024 and current (``/eng/xw/fyrbt/lxjzh/``): markup not seen, so a generic
  rule: the container holding the most links shaped like transcripts (``t1794629.shtml`` or
  ``YYYYMM/tYYYYMMDD_N.html``) in the list's own column, dates read next to each link.

Pages are ``{stem}.{ext}`` for page 0 and ``{stem}_{p}.{ext}`` after it, next to the page URL.
A page that is not a list page (a transcript, an error page) gives an empty ``ListPage``.

Hostile input (issue 14): ``parse_list`` never raises. Each link is resolved on its own; an
article-shaped link that cannot be followed (``javascript:``, ``mailto:``, ``data:``, a
malformed URL such as ``http://[::1``) is left out and reported in ``ListPage.rejected``
with a reason, and one unreadable item never loses the others. The announced page count is
bounded by ``MAX_LIST_PAGES`` (``ListPage.announced_pages`` keeps what the page said), so a
``var countPage = 100000000`` costs no more than a real list.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.api import ListItem, ListPage
from crawler.extract.sitemap import is_article_url, language_of_url
from crawler.extract.text import clean_text
from crawler.extract.titles import is_briefing_title

# Containers of the layouts seen in real pages, most specific first.
KNOWN_LIST_ANCHORS = (
    "div.newsLst_mod ul li a",
    "div.rebox_news ul li a",
    "ul.list1 li a",
)
# A link to a transcript, in any era: legacy ``t1794629.shtml``, 2021+ ``202402/t20240227_N.html``.
ARTICLE_LINK = re.compile(r"/(?:t\d{5,}|\d{6}/t\d{8}_\d+)\.s?html?$")
# Page files a pagination announces.
LIST_FILE = re.compile(r"^(index|default)(?:_(\d+))?\.(s?html?)$")
# The most list pages one list may announce. The real columns announce 13 (English to 2020,
# 40 items a page), 67 (Chinese to 2020, 15 a page) and about 29 (Chinese 2021 on, 20 a page).
# 500 pages hold 7,500 to 20,000 items, more than the ministry has published in any column
# since the 1990s (about 250 briefings a year), so it never cuts a real list, and it keeps
# an absurd count (``countPage = 100000000``) from becoming a hundred million requests.
MAX_LIST_PAGES = 500
_FOLLOWED_SCHEMES = ("http", "https")

_NUMERIC = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?"
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_ENGLISH = r"\b(" + "|".join(_MONTHS) + r")[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b"
_NUMERIC_DATE = re.compile(_NUMERIC)
_ENGLISH_DATE = re.compile(_ENGLISH, re.IGNORECASE)
# A text node holding a date and nothing else (an optional time may follow).
_DATE_ONLY = re.compile(
    rf"(?:{_NUMERIC}|{_ENGLISH})(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?", re.IGNORECASE
)
_CJK = re.compile(r"[\u4e00-\u9fff]")

# A transcript page, in any template, has one of these; its related-news links (legacy English
# articles even reuse the list's ``div.newsLst_mod``) are not a list.
ARTICLE_MARKERS = (
    "#News_Body_Txt_A",
    "#News_Body_Title",
    "div.content_mod h2.title",
    "div.content_text",
)
# An empty ``ArticleTitle`` meta is no evidence: column pages of the same CMS may carry one.
_ARTICLE_TITLE_META = "//meta[@name='ArticleTitle'][normalize-space(@content)]"


@dataclass(frozen=True, slots=True)
class Pagination:
    count: int
    stem: str  # ``index`` or ``default``
    ext: str  # ``shtml`` / ``html``


def parse_list(selector: Selector, url: str) -> ListPage:
    """Briefing items (page order), filtered items, and every page the pagination announces."""
    if is_article_url(url) or _is_article_page(selector):
        return ListPage()
    rejected: list[tuple[str, str]] = []
    anchors = _list_anchors(selector, url, rejected)
    pagination = _script_pagination(selector, url)
    if pagination is None and anchors:
        # Links alone are weak evidence of a list: only trusted once items were found.
        pagination = _linked_pages(selector, url)
    if not anchors and pagination is None:
        return ListPage(rejected=rejected)
    page = ListPage(
        pages=_page_urls(url, pagination),
        rejected=rejected,
        announced_pages=pagination.count if pagination else None,
    )
    language = language_of_url(url)
    for item in _items(anchors, url, page.rejected):
        keep = is_briefing_title(item.title, language or _language_of_title(item.title))
        (page.items if keep else page.skipped).append(item)
    return page


# --- items -----------------------------------------------------------------------------------


def _list_anchors(selector: Selector, url: str, rejected: list[tuple[str, str]]) -> list[Selector]:
    """The item links of the first known layout that has any, else of the generic rule;
    article-shaped links that cannot be followed go to ``rejected``."""
    for css in KNOWN_LIST_ANCHORS:
        found = _article_anchors(selector.css(css), url, rejected)
        if found:
            return found
    rejected.clear()  # only the layout that is used reports its links
    return _generic_anchors(selector, url, rejected)


def _article_anchors(
    anchors: Iterable[Selector], url: str, rejected: list[tuple[str, str]]
) -> list[Selector]:
    found = []
    for anchor in anchors:
        href = (anchor.attrib.get("href") or "").strip()
        target, reason = resolve_link(url, href)
        if target is not None and ARTICLE_LINK.search(urlsplit(target).path):
            found.append(anchor)
        elif reason is not None and ARTICLE_LINK_TEXT.search(href):
            rejected.append((href, reason))
    return found


# An article's file name anywhere in a raw href ("javascript:open('./t1794629.shtml')").
ARTICLE_LINK_TEXT = re.compile(r"t\d{5,}(?:_\d+)?\.s?html?")


def resolve_link(base: str, href: str) -> tuple[str | None, str | None]:
    """``(absolute URL, None)`` for a link a crawler may follow, else ``(None, reason)``."""
    if not href:
        return None, "empty link"
    try:
        target = urljoin(base, href)
        parts = urlsplit(target)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError as exc:
        return None, f"malformed URL: {exc}"
    if parts.scheme.lower() not in _FOLLOWED_SCHEMES:
        return None, f"not a web link: {parts.scheme or 'no'} scheme"
    if not parts.hostname:
        return None, "malformed URL: no host"
    if not target.isprintable():
        return None, "malformed URL: control or space characters"
    return target, None


def _is_article_page(selector: Selector) -> bool:
    if selector.xpath(_ARTICLE_TITLE_META):
        return True
    return any(selector.css(css) for css in ARTICLE_MARKERS)


def _generic_anchors(
    selector: Selector, url: str, rejected: list[tuple[str, str]]
) -> list[Selector]:
    """Links in the container holding the most transcript links of this column."""
    column = _column_folder(url)
    groups: dict[int, list[Selector]] = {}
    for anchor in _article_anchors(selector.xpath("//a[@href]"), url, rejected):
        target, _ = resolve_link(url, anchor.attrib["href"].strip())
        if target is None or not urlsplit(target).path.startswith(column):
            continue
        container = anchor.xpath("ancestor::*[self::ul or self::ol or self::table or self::dl][1]")
        key = id(container[0].root) if container else id(anchor.root.getparent())
        groups.setdefault(key, []).append(anchor)
    return max(groups.values(), key=len) if groups else []


def _column_folder(url: str) -> str:
    """The list's column: the folder above the page's own, so ``lxjzh/`` also sees ``fyrbt/``."""
    path = urlsplit(url).path or "/"
    folder = path if path.endswith("/") else posixpath.dirname(path) + "/"
    return posixpath.dirname(folder.rstrip("/")).rstrip("/") + "/"


def _items(
    anchors: Iterable[Selector], url: str, rejected: list[tuple[str, str]]
) -> Iterable[ListItem]:
    """One item per link, each read on its own: an item that cannot be read is rejected
    with its reason and never costs the page its other items."""
    seen: set[str] = set()
    for anchor in anchors:
        href = (anchor.attrib.get("href") or "").strip()
        try:
            item = _item(anchor, url, href)
        except Exception as exc:  # per-item isolation: report it, keep the rest of the page
            rejected.append((href, f"unreadable item: {type(exc).__name__}"))
            continue
        if item is None or item.url in seen:
            continue
        seen.add(item.url)
        yield item


def _item(anchor: Selector, url: str, href: str) -> ListItem | None:
    item_url, _ = resolve_link(url, href)
    title = _title(anchor)
    if item_url is None or not title:
        return None
    return ListItem(url=item_url, title=title, date=_date(anchor))


def _title(anchor: Selector) -> str:
    """The link text without a date element inside it; the ``title`` attribute if cut short."""
    parts = [
        t for t in anchor.xpath(".//text()[not(ancestor::script)]").getall() if not _whole_date(t)
    ]
    text = clean_text("".join(parts))
    full = clean_text(anchor.attrib.get("title") or "")
    if full and (not text or text.endswith(("...", "…"))):
        return full
    return text


def _date(anchor: Selector) -> str | None:
    """The date shown with the item: a date element in the link, else text around the link."""
    for text in anchor.xpath(".//text()").getall():
        if _whole_date(text):
            return _parse_date(text)
    holder = anchor.xpath("ancestor::li[1]") or anchor.xpath("..")
    outside = holder.xpath(".//text()[not(ancestor::a)]").getall() if holder else []
    return _parse_date(" ".join(outside))


def _whole_date(text: str) -> bool:
    """A text node that is nothing but a date, e.g. ``2024-11-28`` or ``(2020-07-03)``."""
    stripped = text.strip(" \t\r\n\u00a0\u3000()（）[]【】")
    return bool(_DATE_ONLY.fullmatch(stripped)) and _parse_date(stripped) is not None


def _parse_date(text: str) -> str | None:
    if m := _NUMERIC_DATE.search(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _ENGLISH_DATE.search(text):
        month = _MONTHS.index(m.group(1)[:3].lower()) + 1
        year, day = int(m.group(3)), int(m.group(2))
    else:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1990 <= year <= 2100):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _language_of_title(title: str) -> str:
    return "zh" if _CJK.search(title) else "en"


# --- pagination ------------------------------------------------------------------------------

# ``var countPage = 13`` (legacy TRS script); the stem and extension sit in its document.write.
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")
_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_SCRIPT_STEM = re.compile(r"""["'](index|default)["']?\s*\+?\s*["']?[_.]""")
_SCRIPT_EXT = re.compile(r"""(?:\.|["']\s*\+\s*["'])(shtml|html|htm)\b""")
_PAGE_EXTS = ("shtml", "html", "htm")


def _script_pagination(selector: Selector, url: str) -> Pagination | None:
    default = _stem_and_ext(url, selector)
    for script in selector.xpath("//script[not(@src)]/text()").getall():
        found = _create_page_html(script) or _count_page(script, default)
        if found:
            return found
    return None


def _create_page_html(script: str) -> Pagination | None:
    """``createPageHTML(count, current, "index", "shtml", ...)``; arguments may be variables.

    The script may also hold the function's definition; only a call with literal page names counts.
    """
    for call in _CREATE_PAGE.finditer(script):
        args = [_js_value(raw.strip(), script) for raw in call.group(1).split(",")]
        # gov.cn's variant puts a div id first: the stem is the string just before the extension.
        ext_at = next((i for i, a in enumerate(args) if a in _PAGE_EXTS), None)
        numbers = [a for a in args if not isinstance(a, str)]
        if ext_at is None or ext_at == 0 or not numbers or not isinstance(numbers[0], int):
            continue
        stem, ext, count = args[ext_at - 1], args[ext_at], numbers[0]  # count: bounded later
        # Any other stem is a multi-page article (``t20240227_N_1.html``), not a list.
        if isinstance(stem, str) and LIST_FILE.match(f"{stem}.{ext}") and count > 0:
            return Pagination(count, stem, str(ext))
    return None


def _js_value(raw: str, script: str) -> str | int | None:
    """A literal argument, or a numeric variable assigned in the same script; else ``None``."""
    if raw[:1] in ("'", '"'):
        return raw.strip("'\"")
    if raw.isdigit():
        return _page_count(raw)
    is_name = re.fullmatch(r"[A-Za-z_$][\w$]*", raw)
    if is_name and (m := re.search(rf"\b{re.escape(raw)}\s*=\s*(\d+)", script)):
        return _page_count(m.group(1))
    return None


def _page_count(digits: str) -> int:
    """The announced count, read without converting a thousand-digit number (Python refuses
    past 4,300 digits, and anything past ``MAX_LIST_PAGES`` is cut anyway)."""
    return int(digits) if len(digits) <= 9 else 10**9


def _count_page(script: str, default: tuple[str, str]) -> Pagination | None:
    m = _COUNT_PAGE.search(script)
    if not m or _page_count(m.group(1)) < 1:
        return None
    stem = _SCRIPT_STEM.search(script)
    ext = _SCRIPT_EXT.search(script)
    return Pagination(
        _page_count(m.group(1)),
        stem.group(1) if stem else default[0],
        ext.group(1) if ext else default[1],
    )


def _linked_pages(selector: Selector, url: str) -> Pagination | None:
    """No script: the highest ``index_N`` / ``default_N`` linked in the page's own folder."""
    folder = urljoin(url, "./")
    best: Pagination | None = None
    for href in selector.xpath("//a/@href").getall():
        target, _ = resolve_link(url, href.strip())
        target = (target or "").split("?")[0].split("#")[0]
        name = target[len(folder) :] if target.startswith(folder) else ""
        if m := LIST_FILE.match(name):
            count = _page_count(m.group(2) or "0") + 1
            if best is None or count > best.count:
                best = Pagination(count, m.group(1), m.group(3))
    return best


def _stem_and_ext(url: str, selector: Selector) -> tuple[str, str]:
    """Page-file naming when the script does not say: from the URL, else the era's habit."""
    path = urlsplit(url).path
    if m := LIST_FILE.match(posixpath.basename(path)):
        return m.group(1), m.group(3)
    if "/eng/" in path:  # 2021+ English folders; legacy English is ``/mfa_eng/``
        return "index", "html"
    if selector.css("ul.list1"):
        return "index", "shtml"
    return "default", "shtml"


def _page_urls(url: str, pagination: Pagination | None) -> list[str]:
    if pagination is None:
        return [url]
    return [
        urljoin(url, f"{pagination.stem}{'' if p == 0 else f'_{p}'}.{pagination.ext}")
        for p in range(min(pagination.count, MAX_LIST_PAGES))
    ]
