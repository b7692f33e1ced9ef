"""Pure page parsing: a ``parsel.Selector`` + URL in, schema objects out.

No Scrapy engine, no network. The spiders, the ``briefings parse`` command, ``reparse``
and the tests all go through the functions exported here.

Public API (stable; other packages import only these names):

- ``PARSER_VERSION``: bump when the extraction output changes for the same bytes.
- ``NotATranscript(reason)``: the page is not a transcript (error page, system page, list
  page, non-briefing item, empty body). ``str(exc)`` is a one-line reason.
- ``parse_briefing(selector, url, source=None) -> Briefing``: ``source`` is ``mfa-en`` or
  ``mfa-zh``; inferred from the URL/page when ``None``.
- ``parse_html(body, url, source=None, content_type=None, report=None) -> Briefing``: decode
  bytes (header charset, BOM, meta charset, UTF-8, GB18030: see ``crawler.extract.charset``)
  and call ``parse_briefing``; a ``ParseReport`` passed as ``report`` receives the encoding
  and how many invalid byte sequences became U+FFFD (the Briefing never carries them).
- ``page_url(selector) -> str | None``: the URL a saved page says it was served from (see
  ``crawler.extract.templates.page_url_hint``), for parsing a file without ``--url``; when it
  is None, ``MISSING_URL_REASON`` says why the caller must give the URL.
- ``parse_list(selector, url) -> ListPage``: briefing items on a list page and the other
  list pages it announces (bounded), with the links it had to reject and why.
- ``source_for_url(url) -> str | None``.
"""

from __future__ import annotations

from crawler.extract.api import (
    MISSING_URL_REASON,
    PARSER_VERSION,
    ListItem,
    ListPage,
    NotATranscript,
    ParseReport,
    decode_body,
    page_url,
    parse_briefing,
    parse_html,
    parse_list,
    source_for_url,
)

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
