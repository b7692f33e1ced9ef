"""The fixture cases of the extraction tests: which page, fetched from which URL.

Every real page in ``shared/fixtures/mfa/pages`` that is an article, an error page or a list
page is a case, plus the three reconstructed pages and the hard pages of
``shared/fixtures/mfa/hard`` (real pages the parser once got wrong; their expected files were
written by reading the pages). The URL comes from each folder's ``manifest.json``; pages the
manifest gives no URL for get one here (``held_on`` never depends on it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import MFA_DIR, MFA_PAGES, MFA_RECONSTRUCTED

MFA_HARD = MFA_DIR / "hard"

EXPECTED_DIR = Path(__file__).resolve().parent / "expected"

# Pages without a manifest URL. The reconstructed Feb 27, 2024 page's real URL is the
# schema README's example; the embassy mirror and raw617 get a test host (kept as is).
EXTRA_URLS = {
    "en_2024-02-27_trs_content_mod.html": (
        "https://www.fmprc.gov.cn/eng/xwfw_665399/s2510_665401/2511_665403/202402/"
        "t20240227_11250193.html"
    ),
    "en_2024-02-27_lxjzh_current_template.html": (
        "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202405/t20240530_11347990.html"
    ),
    "embassy_2024-02-27_press_release.html": "http://embassy.fixtures.test/eng/fyrth/t2024.htm",
    "zh_mfa2024crawl_raw617_2022-01-14_newtemplate.html": (
        "http://fixtures.test/web/wjdt_674879/fyrbt_674889/raw617.shtml"
    ),
}
_CASE_FILE = re.compile(r"article|mfa2024crawl|error|list")


@dataclass(frozen=True)
class Case:
    name: str  # fixture file name, also the expected file's stem
    path: Path
    url: str

    @property
    def expected_path(self) -> Path:
        return EXPECTED_DIR / f"{self.name}.json"

    def expected(self) -> dict:
        return json.loads(self.expected_path.read_text(encoding="utf-8"))


def _manifest_urls(folder: Path) -> dict[str, str]:
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return {}
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    return {e["file"]: e["url"] for e in entries if e.get("url")}


def all_cases() -> list[Case]:
    urls = {**_manifest_urls(MFA_PAGES), **_manifest_urls(MFA_HARD), **EXTRA_URLS}
    pages = [p for p in sorted(MFA_PAGES.glob("*.html")) if _CASE_FILE.search(p.name)]
    pages += sorted(MFA_RECONSTRUCTED.glob("*.html"))
    pages += sorted(MFA_HARD.glob("*.html"))
    return [Case(p.name, p, urls[p.name]) for p in pages]


def hard_cases() -> list[Case]:
    return [c for c in all_cases() if c.path.parent == MFA_HARD]
