"""Encodings: a Chinese page must never become a version full of replacement characters.

One real crawl of the Chinese list page in which briefings are served re-encoded: GBK bytes
labelled UTF-8 (header and meta), correctly labelled GB18030 and GBK pages, pages with no
charset anywhere (UTF-8 and GBK bytes). Correctly labelled pages must decode to exactly the
transcript of the UTF-8 original; mislabelled or unlabelled ones must either decode correctly
or be recorded as an error/not-a-transcript, never stored with U+FFFD in them.

One page holds two bytes that are no text in any candidate encoding (``\xff`` inside two
answers): it is archived with U+FFFD where they were, and flagged: the version counts the
replacements (``replaced_chars``), the run's stats count them, ``show`` and ``history``
warn, and the raw bytes are stored as served so a later parser can do better.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import zstandard
from click.testing import CliRunner

from scheduler.cli import main
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
    runs,
    versions_of,
)

GBK_AS_UTF8 = ZH_DIR + "t1794584.shtml"
GB18030 = ZH_DIR + "t1794237.shtml"
GBK_META_ONLY = ZH_DIR + "t1793857.shtml"
UTF8_NO_CHARSET = ZH_DIR + "t1793409.shtml"
GBK_NO_CHARSET = ZH_DIR + "t1793110.shtml"
INVALID_BYTES = ZH_DIR + "t1788865.shtml"

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
        site.set(INVALID_BYTES, Body(invalid_bytes_page(), content_type="text/html"))
        done = crawl(module_db_url, "mfa-zh", [site.url(ZH_LIST)])
        yield EncodedCrawl(module_db_url, site, done.stderr)


def invalid_bytes_page() -> bytes:
    """The UTF-8 page with a ``\xff`` byte (never valid in UTF-8 or GB18030) after two
    full stops in the middle of the transcript."""
    page = site_page(INVALID_BYTES)
    stops = [m.end() for m in re.finditer("。".encode(), page)]
    for at in sorted((stops[len(stops) // 2], stops[len(stops) // 2 + 3]), reverse=True):
        page = page[:at] + b"\xff" + page[at:]
    return page


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


def test_no_version_holds_replacement_characters_unflagged(encoded: EncodedCrawl) -> None:
    texts = query(
        encoded.db_url,
        "SELECT e.id, e.question, e.answer, v.replaced_chars FROM exchange e"
        " JOIN version v ON v.id = e.version_id",
    )
    assert texts, "nothing archived"
    garbled = [
        row["id"]
        for row in texts
        if "\ufffd" in (row["question"] or "") + (row["answer"] or "") and not row["replaced_chars"]
    ]
    assert garbled == []
    for row in query(encoded.db_url, "SELECT id, title FROM briefing"):
        assert "\ufffd" not in (row["title"] or ""), row
    assert archive_problems(encoded.db_url, allow_running=False) == []


def test_invalid_bytes_are_kept_flagged_and_counted(encoded: EncodedCrawl) -> None:
    briefing = briefing_of(encoded.db_url, INVALID_BYTES)
    assert briefing is not None, captures_of(encoded.db_url, INVALID_BYTES)
    (version,) = query(
        encoded.db_url,
        "SELECT id, replaced_chars FROM version WHERE briefing_id = :b",
        b=briefing["id"],
    )
    assert version["replaced_chars"] == 2
    answers = query(
        encoded.db_url, "SELECT answer FROM exchange WHERE version_id = :v", v=version["id"]
    )
    assert sum((row["answer"] or "").count("\ufffd") for row in answers) == 2
    # The raw bytes, as served, stay stored: a later parser can read them better.
    (capture,) = [c for c in captures_of(encoded.db_url, INVALID_BYTES) if c["version_id"]]
    (raw,) = query(
        encoded.db_url,
        "SELECT r.data, r.compression FROM raw_body r JOIN capture c ON c.body_sha256 = r.sha256"
        " WHERE c.id = :c",
        c=capture["id"],
    )
    assert raw["compression"] == "zstd"
    assert zstandard.ZstdDecompressor().decompress(bytes(raw["data"])) == invalid_bytes_page()
    # The crawl's stats count them, and show and history warn.
    (run,) = [r for r in runs(encoded.db_url, "mfa-zh")]
    stats = run["stats"] if isinstance(run["stats"], dict) else json.loads(run["stats"])
    assert stats["briefings/replaced_chars"] == 2
    assert stats["briefings/pages_with_replaced_chars"] == 1
    for command in ("show", "history"):
        out = CliRunner().invoke(main, [command, str(briefing["id"]), "--db", encoded.db_url])
        assert out.exit_code == 0, out.output
        assert "2 byte sequence(s)" in out.output and "raw page is stored" in out.output, out.output
