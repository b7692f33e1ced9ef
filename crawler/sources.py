"""The source registry: every source's slug, language, hosts, list folders and URL shapes.

The one place that knows which URL belongs to which source; the spiders, the parser, the
crawl runner, the CLI and the archive all ask it. Where each source's briefings live:

data first (``SOURCES``, ``LIST_URL_PATTERNS``, ``ARTICLE_URL_PATTERNS``), then small
predicates that say what a URL is. Facts come from ``shared/fixtures/mfa/README.md``:

- English, to 2020: list ``/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default[_N].shtml``,
  articles ``t1794629.shtml`` in the same folder.
- English, 2021 to mid-2024: the same folder under ``/mfa_eng/`` then ``/eng/``, list pages
  ``index[_N].html``, articles ``YYYYMM/tYYYYMMDD_N.html``. These URLs now answer a Chinese
  maintenance page; kept so old URLs in the archive are still recognised.
- English, mid-2024 on: list ``/eng/xw/fyrbt/lxjzh/index[_N].html``, articles
  ``lxjzh/YYYYMM/tYYYYMMDD_N.html``; some briefings are filed in ``/eng/xw/fyrbt/YYYYMM/``.
- Chinese, to 2020: ``/web/wjdt_674879/fyrbt_674889/default[_N].shtml``, articles ``t1794584.shtml``.
- Chinese, 2021 on: same folder, ``index[_N].shtml``, articles ``YYYYMM/tYYYYMMDD_N.shtml``. The same
  briefings also sit in ``/web/fyrbt_673021/[jzhsl_673025/]`` under other ids, the form English
  pages link (recognised, not crawled, so one briefing is not archived twice).

The shape predicates look at the URL *path* only and accept any prefix before the known folder, so
a loopback test server or a mirror laid out by path is recognised like the real site; whether a
host may be fetched at all is ``is_allowed_host``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from crawler.urls import MINISTRY_HOSTS

# Hosts the spiders may fetch: the ministry serves the same pages on all of them.
ALLOWED_HOSTS: tuple[str, ...] = MINISTRY_HOSTS


@dataclass(frozen=True, slots=True)
class SourceSite:
    """One source: its language and where its list pages are."""

    slug: str
    language: str  # the schema's ``language`` value
    start_urls: tuple[str, ...]  # current list pages: a routine crawl starts here
    secondary_urls: tuple[str, ...]  # other list folders worth walking on a back-fill
    list_folders: tuple[str, ...]  # path folders whose list and article URLs belong to the source


SOURCES: dict[str, SourceSite] = {
    "mfa-en": SourceSite(
        slug="mfa-en",
        language="en",
        start_urls=("https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/",),
        # The parent column holds the briefings filed outside lxjzh/ (``/eng/xw/fyrbt/YYYYMM/``);
        # its other items are filtered by title. The legacy folder answers old pages (to 2020).
        secondary_urls=(
            "https://www.fmprc.gov.cn/eng/xw/fyrbt/",
            "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/",
        ),
        list_folders=(
            "/eng/xw/fyrbt/lxjzh/",
            "/eng/xw/fyrbt/",
            "/mfa_eng/xwfw_665399/s2510_665401/2511_665403/",
            "/eng/xwfw_665399/s2510_665401/2511_665403/",
        ),
    ),
    "mfa-zh": SourceSite(
        slug="mfa-zh",
        language="zh",
        start_urls=("https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/",),
        secondary_urls=(),
        list_folders=(
            "/web/wjdt_674879/fyrbt_674889/",
            "/web/fyrbt_673021/jzhsl_673025/",
            "/web/fyrbt_673021/",
        ),
    ),
}

_EN_LEGACY = r"/(?:mfa_eng|eng)/xwfw_665399/s2510_665401/2511_665403/"
_EN_CURRENT = r"/eng/xw/fyrbt/(?:lxjzh/)?"
# The Chinese twins linked from English pages also sit under ``fyrbt_673021/`` (with or without
# ``jzhsl_673025/``), and recent links drop the ``/web`` prefix.
_ZH = r"/(?:web/)?(?:wjdt_674879/fyrbt_674889|fyrbt_673021(?:/jzhsl_673025)?)/"

# List pages per era. A bare folder URL (``.../lxjzh/``) is page 0 of its list.
LIST_URL_PATTERNS: dict[str, re.Pattern[str]] = {
    "en-legacy": re.compile(_EN_LEGACY + r"(?:default(?:_\d+)?\.shtml)?$"),
    "en-2021": re.compile(_EN_LEGACY + r"index(?:_\d+)?\.html$"),
    "en-current": re.compile(_EN_CURRENT + r"(?:index(?:_\d+)?\.html)?$"),
    "zh": re.compile(_ZH + r"(?:(?:default|index)(?:_\d+)?\.shtml)?$"),
}

# Transcript (article) pages per era.
ARTICLE_URL_PATTERNS: dict[str, re.Pattern[str]] = {
    "en-legacy": re.compile(_EN_LEGACY + r"t\d+\.shtml$"),
    "en-2021": re.compile(_EN_LEGACY + r"\d{6}/t\d{8}_\d+\.html$"),
    "en-current": re.compile(_EN_CURRENT + r"\d{6}/t\d{8}_\d+\.html$"),
    "zh-legacy": re.compile(_ZH + r"t\d+\.shtml$"),
    "zh": re.compile(_ZH + r"\d{6}/t\d{8}_\d+\.shtml$"),
}

# Era key prefix -> source slug.
_ERA_SOURCE = {"en": "mfa-en", "zh": "mfa-zh"}


def _path(url: str) -> str:
    return urlsplit(url.strip()).path or "/"


def list_era(url: str) -> str | None:
    """The era key of ``LIST_URL_PATTERNS`` a list URL matches, or ``None``."""
    path = _path(url)
    return next((era for era, rx in LIST_URL_PATTERNS.items() if rx.search(path)), None)


def article_era(url: str) -> str | None:
    """The era key of ``ARTICLE_URL_PATTERNS`` an article URL matches, or ``None``."""
    path = _path(url)
    return next((era for era, rx in ARTICLE_URL_PATTERNS.items() if rx.search(path)), None)


def is_list_url(url: str) -> bool:
    """A list page of a briefing column, in any era (path shape only)."""
    return list_era(url) is not None


def is_article_url(url: str) -> bool:
    """A transcript page in a briefing column, in any era (path shape only)."""
    return article_era(url) is not None


def source_of_url(url: str) -> str | None:
    """``mfa-en`` / ``mfa-zh`` for a list or article URL of a known column, else ``None``."""
    era = list_era(url) or article_era(url)
    return _ERA_SOURCE[era.split("-")[0]] if era else None


def language_of_url(url: str) -> str | None:
    slug = source_of_url(url)
    return SOURCES[slug].language if slug else None


def is_allowed_host(url: str) -> bool:
    host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    return host in ALLOWED_HOSTS


def start_urls(slug: str, *, backfill: bool = False) -> list[str]:
    """List pages to start a crawl of ``slug``; ``backfill`` adds the secondary folders."""
    site = SOURCES[slug]
    return list(site.start_urls + (site.secondary_urls if backfill else ()))


def known_sources() -> list[str]:
    """The source slugs, sorted (for CLI choices and messages)."""
    return sorted(SOURCES)


def language_of(slug: str) -> str | None:
    site = SOURCES.get(slug)
    return site.language if site else None


# The language sections of the ministry's sites (and its embassies' mirrors), by path prefix:
# looser than the column shapes above, for pages the parser is given outside any column.
_LANGUAGE_PATHS = (
    ("mfa-en", re.compile(r"^/(?:eng|mfa_eng|ce/\w+/eng)/")),
    (
        "mfa-zh",
        re.compile(r"^/(?:web|chn|zyxw|wjdt_674879|fyrbt_673021|ce/\w+/chn)/|^/(?:wjdt|fyrbt)"),
    ),
)


def source_of_path(url: str) -> str | None:
    """The source whose language section ``url``'s path is in (any host: mirrors keep the
    paths), whether or not it is a briefing column: ``source_of_url`` first, then this."""
    shaped = source_of_url(url)
    if shaped is not None:
        return shaped
    path = _path(url)
    return next((slug for slug, rx in _LANGUAGE_PATHS if rx.match(path)), None)


class RevisitMode(StrEnum):
    """Which archived briefings a revisit crawl fetches again."""

    DUE = "due"  # those the revisit policy says are due (and suspects ready to confirm)
    SUSPECT = "suspect"  # only the suspect ones ready to be confirmed or cleared
    ALL = "all"  # every briefing of the source
