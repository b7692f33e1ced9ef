"""Moved to ``crawler.sources`` (the source registry); re-exported for the parser's imports."""

from __future__ import annotations

from crawler.sources import (
    ALLOWED_HOSTS,
    ARTICLE_URL_PATTERNS,
    LIST_URL_PATTERNS,
    SOURCES,
    SourceSite,
    article_era,
    is_allowed_host,
    is_article_url,
    is_list_url,
    language_of_url,
    list_era,
    source_of_url,
    start_urls,
)

__all__ = [
    "ALLOWED_HOSTS",
    "ARTICLE_URL_PATTERNS",
    "LIST_URL_PATTERNS",
    "SOURCES",
    "SourceSite",
    "article_era",
    "is_allowed_host",
    "is_article_url",
    "is_list_url",
    "language_of_url",
    "list_era",
    "source_of_url",
    "start_urls",
]
