"""The ministry's transcript pages (``mfa-en``, ``mfa-zh``): one function per field."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector

from crawler import gone, sources
from crawler.extract import dates, templates
from crawler.extract.errors import NotATranscript
from crawler.extract.exchanges import blocks_to_exchanges, paragraphs_to_blocks
from crawler.extract.labels import KNOWN_OFFICIALS, LabelContext, title_officials
from crawler.extract.pageindex import PageIndex, xpath_strings
from crawler.extract.text import Paragraph
from crawler.extract.titles import is_briefing_title
from crawler.schema import Briefing, Translation
from crawler.urls import canonical_url

_LIST_SCRIPT = re.compile(r"\bcountPage\b|createPageHTML")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def source_for_url(url: str) -> str | None:
    """``mfa-en`` / ``mfa-zh`` from the URL path (any host: mirrors keep the paths)."""
    return sources.source_of_path(url)


def parse_page(sel: Selector, url: str, source: str | None = None) -> Briefing:
    page = PageIndex(sel.root)  # one walk; every cascade below is answered from it
    reject_error_page(page, url)
    title = require_title(page)
    source = source or source_for_url(url) or source_for_page(page, title)
    language = sources.language_of(source) or ("zh" if _HAN.search(title) else "en")
    if not is_briefing_title(title, "zh" if _HAN.search(title) else "en"):
        raise NotATranscript(f"not a press briefing: {title!r}")
    container, paragraphs = require_body(page)
    line = templates.date_line(page, container)
    officials_in_title = title_officials(title)
    ctx = LabelContext(officials=set(KNOWN_OFFICIALS) | set(officials_in_title))
    blocks = paragraphs_to_blocks(paragraphs, ctx)
    exchanges, spokespersons = blocks_to_exchanges(blocks, officials_in_title)
    if not any(e.kind == "qa" for e in exchanges) and len(exchanges) < 2:
        raise NotATranscript("empty body: no exchanges found in the transcript container")
    return Briefing(
        source=source,
        url=canonical_url(url),
        language=language,
        title=title,
        held_on=held_on(page, title, line, container).isoformat(),
        published_at=dates.timestamp(line),
        spokespersons=spokespersons,
        translations=translations(page, url),
        exchanges=exchanges,
    )


def source_for_page(page: PageIndex, title: str) -> str:
    lang = (page.root.get("lang") or "").lower()
    if lang.startswith("zh") or _HAN.search(title):
        return "mfa-zh"
    return "mfa-en"


def reject_error_page(page: PageIndex, url: str) -> None:
    """Soft errors: ``/error.htm`` answered 200, the ``/web/system/`` maintenance page."""
    if gone.is_error_page_url(url):
        raise NotATranscript(f"error page: {urlsplit(url).path}")
    head = " ".join([page.meta("ColumnName") or "", templates.head_title(page)]).strip()
    if says_error(head):
        raise NotATranscript(f"error page: {' '.join(head.split())[:80]!r}")


def says_error(text: str) -> bool:
    """The text announces a missing page or maintenance (``crawler.gone``'s rule)."""
    return gone.says_error(text)


def require_title(page: PageIndex) -> str:
    title = templates.page_title(page)
    if not title:
        raise NotATranscript("no title: not an article page")
    if says_error(title):
        raise NotATranscript(f"error page: {title!r}")
    return title


def require_body(page: PageIndex) -> tuple[etree._Element, list[Paragraph]]:
    found = templates.body_container(page)
    if found is None:
        raise NotATranscript(_no_body_reason(page.root))
    return found


def _no_body_reason(root: etree._Element) -> str:
    scripts = " ".join(xpath_strings(root.xpath("//script/text()")))
    if _LIST_SCRIPT.search(scripts):
        return "list page: pagination script and no transcript body"
    text = " ".join(xpath_strings(root.xpath("//body//text()[not(ancestor::script)]")))
    if says_error(text):
        return "error page: the page says it cannot be found"
    return "empty body: no transcript text on the page"


def held_on(page: PageIndex, title: str, line: str | None, container: etree._Element) -> date:
    """The conference date: the title's date, completed and checked by the page's other dates."""
    shown = dates.first_full_date(line)
    if shown is None:  # no date line: the CMS's PubDate meta, when the template has it
        shown = dates.first_full_date(page.meta("PubDate"))
    named = dates.title_date(title)
    if named is not None and named.year is not None:
        full = named.complete()
        if full and shown and (full.month, full.day) == (shown.month, shown.day):
            return shown  # a year typo in the title; the date line agrees on the day
        if full:
            return full
    if named is not None:
        year_hints = [shown] if shown else []
        year_hints += dates.cms_file_dates(templates.image_sources(container))
        year_hints += _body_dates(container, named)
        if year_hints:
            return _complete_year(named, year_hints[0])
    if shown:
        return shown
    uploads = dates.cms_file_dates(templates.image_sources(container))
    if uploads:
        return min(uploads)
    raise NotATranscript("no date: neither the title nor the page shows when it was held")


def _body_dates(container: etree._Element, named: dates.PartialDate) -> list[date]:
    """Full dates in the body that fall on the title's month and day."""
    text = " ".join(t for t in container.itertext() if isinstance(t, str))
    same_day = [d for d in dates.find_dates(text) if (d.month, d.day) == (named.month, named.day)]
    return [full for d in same_day if d.year and (full := d.complete()) is not None]


def _complete_year(named: dates.PartialDate, reference: date) -> date:
    """The year that puts the title's month/day nearest to (and not long after) ``reference``."""
    options = [named.complete(reference.year + delta) for delta in (-1, 0, 1)]
    valid = [d for d in options if d is not None and d <= reference + timedelta(days=7)]
    if not valid:
        valid = [d for d in options if d is not None]
    return min(valid, key=lambda d: abs((reference - d).days))


def translations(page: PageIndex, url: str) -> list[Translation]:
    # Canonical like the page's own URL, so a link flipping between the ministry's host
    # aliases is not a change of the briefing's content.
    seen: dict[str, Translation] = {}
    for language, href in templates.translation_links(page):
        absolute = canonical_url(urljoin(url, href))
        seen.setdefault(absolute, Translation(language, absolute))
    return list(seen.values())
