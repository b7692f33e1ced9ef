"""Encodings: a Chinese page must never become a version full of replacement characters.

One real crawl of the Chinese list page in which briefings are served re-encoded: GBK bytes
labelled UTF-8 (header and meta), correctly labelled GB18030 and GBK pages, pages with no
charset anywhere (UTF-8 and GBK bytes). Correctly labelled pages must decode to exactly the
transcript of the UTF-8 original; mislabelled or unlabelled ones must either decode correctly
or be recorded as an error/not-a-transcript, never stored with U+FFFD in them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faultsite import (
    ZH_DIR,
    ZH_LIST,
    Body,
    FaultSite,
    gb18030_page,
    gbk_labelled_utf8,
    no_charset,
    reencode,
    site_page,
)
from tests.reliability.helpers import (
    archive_problems,
    briefing_of,
    captures_of,
    crawl,
    expected_hash,
    query,
    versions_of,
)

GBK_AS_UTF8 = ZH_DIR + "t1794584.shtml"
GB18030 = ZH_DIR + "t1794237.shtml"
GBK_META_ONLY = ZH_DIR + "t1793857.shtml"
UTF8_NO_CHARSET = ZH_DIR + "t1793409.shtml"
GBK_NO_CHARSET = ZH_DIR + "t1793110.shtml"

# Must decode to the original transcript.
CORRECTLY_LABELLED = (GB18030, GBK_META_ONLY)
# Must decode to the original transcript, or be refused; never garbled.
AMBIGUOUS = (GBK_AS_UTF8, UTF8_NO_CHARSET, GBK_NO_CHARSET)


@dataclass
class EncodedCrawl:
    db_url: str
    site: FaultSite
    stderr: str


@pytest.fixture(scope="module")
def encoded(module_db_url: str) -> Iterator[EncodedCrawl]:
    with FaultSite() as site:
        site.set(GBK_AS_UTF8, gbk_labelled_utf8(site_page(GBK_AS_UTF8)))
        site.set(GB18030, gb18030_page(site_page(GB18030), "gb18030"))
        site.set(GBK_META_ONLY, gb18030_page(site_page(GBK_META_ONLY), "gbk", header=False))
        site.set(UTF8_NO_CHARSET, no_charset(site_page(UTF8_NO_CHARSET)))
        site.set(
            GBK_NO_CHARSET,
            Body(reencode(site_page(GBK_NO_CHARSET), "gbk", None), content_type="text/html"),
        )
        done = crawl(module_db_url, "mfa-zh", [site.url(ZH_LIST)])
        yield EncodedCrawl(module_db_url, site, done.stderr)


def original_hash(encoded: EncodedCrawl, path: str) -> str:
    return expected_hash(site_page(path), encoded.site.url(path))


@pytest.mark.parametrize("path", CORRECTLY_LABELLED, ids=["gb18030", "gbk-meta-only"])
def test_labelled_gbk_pages_decode_to_the_original(encoded: EncodedCrawl, path: str) -> None:
    briefing = briefing_of(encoded.db_url, path)
    assert briefing is not None, [c["reason"] for c in captures_of(encoded.db_url, path)]
    (version,) = versions_of(encoded.db_url, briefing["id"])
    assert version["content_hash"] == original_hash(encoded, path)


@pytest.mark.parametrize(
    "path", AMBIGUOUS, ids=["gbk-labelled-utf8", "utf8-no-charset", "gbk-no-charset"]
)
def test_mislabelled_pages_decode_right_or_are_refused(encoded: EncodedCrawl, path: str) -> None:
    briefing = briefing_of(encoded.db_url, path)
    captures = captures_of(encoded.db_url, path)
    assert captures
    if briefing is None:
        assert all(c["outcome"] in ("error", "not_transcript") for c in captures), captures
        return
    (version,) = versions_of(encoded.db_url, briefing["id"])
    assert version["content_hash"] == original_hash(encoded, path)


def test_no_version_holds_replacement_characters(encoded: EncodedCrawl) -> None:
    texts = query(encoded.db_url, "SELECT id, question, answer FROM exchange")
    assert texts, "nothing archived"
    garbled = [
        row["id"] for row in texts if "\ufffd" in (row["question"] or "") + (row["answer"] or "")
    ]
    assert garbled == []
    for row in query(encoded.db_url, "SELECT id, title FROM briefing"):
        assert "\ufffd" not in (row["title"] or ""), row
    assert archive_problems(encoded.db_url, allow_running=False) == []
