"""Entry points of the extraction package (see ``crawler.extract`` for the contract)."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector

from crawler.extract import mfa
from crawler.extract.charset import decode_body, decode_report
from crawler.extract.errors import NotATranscript
from crawler.extract.templates import MISSING_URL_REASON, page_url_hint
from crawler.schema import Briefing

# 5: "…记者提问" / "…记者追问" are labels again (4 read them as clauses of an answer: a
#    whole 2020-06-15 transcript became statements);
# 4: segmentation fixes of issue 13 (bold beats "unlabelled continues", clause-shaped heads
#    are no labels, after-conference lead-ins kept as their own exchange, interjections do not
#    merge the next question, later remarks and schedule notices leave the last answer, labels
#    naming two outlets) and control characters dropped from all text (issue 14);
# 3: canonical translation URLs; 2: English translations, editorial notes.
PARSER_VERSION = "5"

__all__ = [
    "MISSING_URL_REASON",
    "PARSER_VERSION",
    "ListItem",
    "ListPage",
    "NotATranscript",
    "ParseReport",
    "decode_body",
    "page_url",
    "parse_briefing",
    "parse_html",
    "parse_list",
    "source_for_url",
]


@dataclass(slots=True)
class ListItem:
    url: str  # absolute URL as linked (not canonicalized)
    title: str
    date: str | None = None  # YYYY-MM-DD when the list shows one


@dataclass(slots=True)
class ListPage:
    items: list[ListItem] = field(default_factory=list)  # briefing items only, page order
    # Absolute URLs of the list pages announced, at most ``listing.MAX_LIST_PAGES``.
    pages: list[str] = field(default_factory=list)
    skipped: list[ListItem] = field(default_factory=list)  # non-briefing items filtered out
    # Article-shaped links that cannot be followed, as ``(href, reason)``: another scheme
    # (``javascript:``, ``mailto:``, ``data:``), a malformed URL, an unreadable item.
    rejected: list[tuple[str, str]] = field(default_factory=list)
    announced_pages: int | None = None  # the count the pagination announced, unbounded

    @property
    def pages_bounded(self) -> bool:
        """The pagination announced more pages than ``pages`` holds (a warning, not an error)."""
        return self.announced_pages is not None and self.announced_pages > len(self.pages)


@dataclass(slots=True)
class ParseReport:
    """How a body was read, for the caller to store next to the version (never in the
    Briefing, which stays exactly schema-shaped). Filled before parsing, so it is there even
    when ``parse_html`` raises ``NotATranscript``."""

    encoding: str | None = None  # None when the body was given as text
    replaced: int = 0  # invalid byte sequences decoded as U+FFFD (see crawler.extract.charset)


def source_for_url(url: str) -> str | None:
    """``mfa-en`` or ``mfa-zh`` from the URL path, None when the path does not say."""
    return mfa.source_for_url(url)


def parse_briefing(selector: Selector, url: str, source: str | None = None) -> Briefing:
    """The briefing on the page; raises :class:`NotATranscript` when there is none."""
    return mfa.parse_page(selector, url, source)


def parse_html(
    body: bytes | str,
    url: str,
    source: str | None = None,
    content_type: str | None = None,
    report: ParseReport | None = None,
) -> Briefing:
    """Decode ``body`` (see ``crawler.extract.charset``) and parse it; ``report``, when given,
    receives the encoding used and the number of bytes that did not decode."""
    if isinstance(body, str):
        text = body
    else:
        decoded = decode_report(body, content_type)
        text = decoded.text
        if report is not None:
            report.encoding, report.replaced = decoded.encoding, decoded.replaced
    if not text.strip():
        raise NotATranscript("empty body: the response has no content")
    return parse_briefing(Selector(text=text), url, source)


def page_url(selector: Selector) -> str | None:
    """The URL a saved page says it was served from, or None (then ``MISSING_URL_REASON``
    says why a caller must be given one: the 2016-2020 pages never print their address)."""
    return page_url_hint(selector)


def parse_list(selector: Selector, url: str) -> ListPage:
    """Delegates to ``crawler.extract.listing`` (list layouts live there)."""
    from crawler.extract.listing import parse_list as _parse_list

    return _parse_list(selector, url)
