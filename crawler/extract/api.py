"""Entry points of the extraction package (see ``crawler.extract`` for the contract)."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector

from crawler.extract import mfa
from crawler.extract.charset import decode_body
from crawler.extract.errors import NotATranscript
from crawler.schema import Briefing

# 4: segmentation fixes of issue 13 (bold beats "unlabelled continues", clause-shaped heads
#    are no labels, after-conference lead-ins kept as their own exchange, interjections do not
#    merge the next question, later remarks and schedule notices leave the last answer, labels
#    naming two outlets) and control characters dropped from all text (issue 14);
# 3: canonical translation URLs; 2: English translations, editorial notes.
PARSER_VERSION = "4"

__all__ = [
    "PARSER_VERSION",
    "ListItem",
    "ListPage",
    "NotATranscript",
    "decode_body",
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
    pages: list[str] = field(default_factory=list)  # absolute URLs of all list pages announced
    skipped: list[ListItem] = field(default_factory=list)  # non-briefing items filtered out


def source_for_url(url: str) -> str | None:
    """``mfa-en`` or ``mfa-zh`` from the URL path, None when the path does not say."""
    return mfa.source_for_url(url)


def parse_briefing(selector: Selector, url: str, source: str | None = None) -> Briefing:
    """The briefing on the page; raises :class:`NotATranscript` when there is none."""
    return mfa.parse_page(selector, url, source)


def parse_html(
    body: bytes | str, url: str, source: str | None = None, content_type: str | None = None
) -> Briefing:
    """Decode ``body`` (see ``crawler.extract.charset``) and parse it."""
    text = body if isinstance(body, str) else decode_body(body, content_type)
    if not text.strip():
        raise NotATranscript("empty body: the response has no content")
    return parse_briefing(Selector(text=text), url, source)


def parse_list(selector: Selector, url: str) -> ListPage:
    """Delegates to ``crawler.extract.listing`` (list layouts live there)."""
    from crawler.extract.listing import parse_list as _parse_list

    return _parse_list(selector, url)
