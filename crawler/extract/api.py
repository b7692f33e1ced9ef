"""Entry points of the extraction package (see ``crawler.extract`` for the contract)."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector

from crawler.schema import Briefing

PARSER_VERSION = "0"


class NotATranscript(Exception):
    """The page holds no briefing transcript; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    raise NotImplementedError


def decode_body(body: bytes, content_type: str | None = None) -> str:
    raise NotImplementedError


def parse_briefing(selector: Selector, url: str, source: str | None = None) -> Briefing:
    raise NotImplementedError


def parse_html(
    body: bytes | str, url: str, source: str | None = None, content_type: str | None = None
) -> Briefing:
    raise NotImplementedError


def parse_list(selector: Selector, url: str) -> ListPage:
    """Delegates to ``crawler.extract.listing`` (list layouts live there)."""
    from crawler.extract.listing import parse_list as _parse_list

    return _parse_list(selector, url)
