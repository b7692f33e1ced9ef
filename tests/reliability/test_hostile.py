"""Faults that never recover and hostile answers: nothing false gets into the archive.

One real crawl of the English list page in which articles answer with permanent errors,
hangs, damaged bodies, redirect loops, redirects off the host and to ``file:``, a 40 MB body,
a gzip bomb, an empty body, 5,000 nested divs and script payloads; the list page itself links
one article on another host. Afterwards: each failure is an error (or not-a-transcript)
capture and never a version; the other host got no request; the crawl's memory stayed bounded;
the run is failed by its stats; and the healthy pages are archived as usual.
"""

from __future__ import annotations

import contextlib
import resource
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faultsite import (
    EN_DIR,
    EN_LIST,
    MIB,
    SCRIPT_PAYLOAD,
    BigBody,
    Body,
    DropMidBody,
    Fault,
    FaultSite,
    GzipBomb,
    Hang,
    Redirect,
    RedirectLoop,
    Status,
    Truncate,
    article_paths,
    deeply_nested,
    other_host,
    replace_once,
    site_page,
    with_script_payload,
)
from tests.reliability.helpers import (
    archive_problems,
    briefing_of,
    captures_of,
    crawl,
    exchanges_text,
    expected_hash,
    query,
    runs,
    scalar,
    versions_of,
)

ARTICLES = article_paths(EN_DIR)
PAYLOAD_PAGE = EN_DIR + "t1794629.shtml"
NESTED_PAGE = EN_DIR + "t1794266.shtml"
OFFSITE_LINKED = EN_DIR + "t1793861.shtml"  # the list links it on 127.0.0.2
BOMB_SIZE = 512 * MIB
MAX_RSS_MB = 250  # the crawl peaks near 125 MB here; inflating the 512 MB bomb would exceed it

# Paths whose every answer is a failure: an error (or not-a-transcript) capture, no version.
FAILING: dict[str, str] = {
    ARTICLES[0]: "status-500",
    ARTICLES[1]: "hang",
    ARTICLES[2]: "drop",
    ARTICLES[3]: "truncate",
    ARTICLES[4]: "redirect-loop",
    ARTICLES[5]: "redirect-offsite",
    ARTICLES[6]: "redirect-file",
    ARTICLES[7]: "big",
    ARTICLES[8]: "gzip-bomb",
    ARTICLES[9]: "empty",
    ARTICLES[10]: "status-404",
    ARTICLES[11]: "error-page",
}


@dataclass
class HostileCrawl:
    db_url: str
    site: FaultSite
    offsite: FaultSite
    returncode: int
    stderr: str
    max_rss_mb: float


def build_faults(offsite: FaultSite) -> dict[str, Fault]:
    victim = offsite.url(EN_DIR + "t1776657.shtml")
    by_name: dict[str, Fault] = {
        "status-500": Status(500, times=None),
        "hang": Hang(120),
        "drop": DropMidBody(0.5),
        "truncate": Truncate(0.5),
        "redirect-loop": RedirectLoop(),
        "redirect-offsite": Redirect(victim),
        "redirect-file": Redirect("file:///etc/passwd"),
        "big": BigBody(40 * MIB),
        "gzip-bomb": GzipBomb(BOMB_SIZE),
        "empty": Body(b""),
        "status-404": Status(404, times=None),
        "error-page": Redirect("/error.htm"),
    }
    faults = {path: by_name[name] for path, name in FAILING.items()}
    faults[PAYLOAD_PAGE] = Body(
        with_script_payload(site_page(PAYLOAD_PAGE), b"Zhao Lijian: </SPAN>")
    )
    faults[NESTED_PAGE] = Body(deeply_nested(site_page(NESTED_PAGE), depth=5000))
    faults[EN_LIST] = Body(
        replace_once(
            site_page(EN_LIST),
            f'"./{OFFSITE_LINKED.rsplit("/", 1)[1]}"',
            f'"{offsite.url(OFFSITE_LINKED)}"',
        )
    )
    return faults


@pytest.fixture(scope="module")
def hostile(module_db_url: str) -> Iterator[HostileCrawl]:
    with FaultSite() as site, other_host() as offsite:
        for path, fault in build_faults(offsite).items():
            site.set(path, fault)
        done = crawl(module_db_url, "mfa-en", [site.url(EN_LIST)], timeout=180)
        yield HostileCrawl(
            module_db_url, site, offsite, done.returncode, done.stderr, crawl_peak_mb(module_db_url)
        )


def crawl_peak_mb(db_url: str) -> float:
    """The crawl process's own peak RSS (the ``memusage/max`` stat in its run row, which
    crawler/memusage.py reads from VmHWM: ru_maxrss would be this test process's peak, as
    large as the suite before it made it, carried across the crawl's exec).

    Not ``getrusage(RUSAGE_CHILDREN)``: that is the largest of every child the test process
    ever had (a browser or an import of an earlier test included), not this crawl's."""
    import json

    raw = scalar(db_url, "SELECT stats FROM crawl_run ORDER BY id DESC LIMIT 1")
    stats = raw if isinstance(raw, dict) else json.loads(raw or "{}")
    peak = stats.get("memusage/max")
    if peak is None:  # no MemoryUsage extension (not on Linux): the process tree's peak
        return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return float(peak) / (1024 * 1024)


@pytest.mark.parametrize("path", list(FAILING), ids=list(FAILING.values()))
def test_permanent_failure_is_an_error_capture_never_a_version(
    hostile: HostileCrawl, path: str
) -> None:
    captures = captures_of(hostile.db_url, path)
    assert captures, f"no capture of {FAILING[path]} {path}"
    for capture in captures:
        assert capture["outcome"] in ("error", "not_transcript"), capture
        assert capture["version_id"] is None
    assert briefing_of(hostile.db_url, path) is None


def test_nothing_fetched_off_the_host(hostile: HostileCrawl) -> None:
    assert hostile.offsite.requests() == []
    assert hostile.site.hits(ARTICLES[5]) >= 1  # the redirect itself was fetched
    assert briefing_of(hostile.db_url, OFFSITE_LINKED) is None
    assert captures_of(hostile.db_url, OFFSITE_LINKED) == []


def test_file_redirect_not_followed(hostile: HostileCrawl) -> None:
    leaked = query(
        hostile.db_url,
        "SELECT sha256 FROM raw_body WHERE size < 100000",
    )
    for row in leaked:
        data = query(hostile.db_url, "SELECT data FROM raw_body WHERE sha256 = :s", s=row["sha256"])
        body = bytes(data[0]["data"])
        with contextlib.suppress(zlib.error):
            body = zlib.decompress(body)
        assert b"root:x:0:0" not in body
    (capture,) = captures_of(hostile.db_url, ARTICLES[6])[-1:]
    assert not (capture["final_url"] or "").startswith("file:")


def test_oversize_and_bomb_refused_with_bounded_memory(hostile: HostileCrawl) -> None:
    for path in (ARTICLES[7], ARTICLES[8]):
        for capture in captures_of(hostile.db_url, path):
            assert capture["outcome"] == "error" and capture["version_id"] is None
    sizes = query(hostile.db_url, "SELECT MAX(size) AS biggest FROM raw_body")
    assert (sizes[0]["biggest"] or 0) < 32 * MIB  # nothing over DOWNLOAD_MAXSIZE was stored
    assert hostile.max_rss_mb < MAX_RSS_MB, f"crawl peaked at {hostile.max_rss_mb:.0f} MB"


def test_script_payload_stored_as_text(hostile: HostileCrawl) -> None:
    briefing = briefing_of(hostile.db_url, PAYLOAD_PAGE)
    assert briefing is not None
    (version,) = versions_of(hostile.db_url, briefing["id"])
    text = exchanges_text(version["data"])
    assert SCRIPT_PAYLOAD.replace("'", "\\'") in text or SCRIPT_PAYLOAD in text
    assert "javascript:alert(document.cookie)" in text


def test_deeply_nested_markup_parses_like_the_real_page(hostile: HostileCrawl) -> None:
    briefing = briefing_of(hostile.db_url, NESTED_PAGE)
    assert briefing is not None
    (version,) = versions_of(hostile.db_url, briefing["id"])
    assert version["content_hash"] == expected_hash(
        site_page(NESTED_PAGE), hostile.site.url(NESTED_PAGE)
    )


def test_healthy_pages_archived_and_run_failed_by_stats(hostile: HostileCrawl) -> None:
    healthy = [p for p in ARTICLES if p not in FAILING and p != OFFSITE_LINKED]
    for path in healthy:
        briefing = briefing_of(hostile.db_url, path)
        assert briefing is not None, path
        assert len(versions_of(hostile.db_url, briefing["id"])) == 1
    (run,) = runs(hostile.db_url, "mfa-en")
    assert run["status"] == "failed", (run, hostile.stderr[-3000:])
    assert run["stats"].get("briefings/new") == len(healthy)
    assert query(hostile.db_url, "SELECT COUNT(*) AS n FROM change_event")[0]["n"] == 0
    assert archive_problems(hostile.db_url, allow_running=False) == []
