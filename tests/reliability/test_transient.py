"""Transient faults are retried: the crawl ends with every briefing archived once.

One real crawl of the English list page (40 briefings) in which a dozen articles first fail
in a different way (503, 500, 429, a hang, a dropped or truncated body, a slow drip) and then
recover. What must be stored afterwards: one version per briefing, equal to what the parser
makes of the real page; the run succeeded by its stats; every faulty attempt was retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faultsite import (
    EN_DIR,
    EN_LIST,
    Drip,
    DropMidBody,
    Fault,
    FaultSite,
    Hang,
    Sequence,
    Status,
    TooManyRequests,
    Truncate,
    article_paths,
    site_page,
)
from tests.reliability.helpers import (
    archive_problems,
    briefing_of,
    captures_of,
    crawl,
    expected_hash,
    runs,
    versions_of,
)

ARTICLES = article_paths(EN_DIR)

# path -> (fault, requests the page must have cost: faulty attempts + the good one)
TRANSIENT: dict[str, tuple[Fault, int]] = {
    ARTICLES[0]: (Status(503, times=2), 3),
    ARTICLES[1]: (Status(500, times=1), 2),
    ARTICLES[2]: (TooManyRequests(retry_after=1, times=1), 2),
    ARTICLES[3]: (Hang(60, times=1), 2),
    ARTICLES[4]: (DropMidBody(0.3, times=1), 2),
    ARTICLES[5]: (Truncate(0.6, times=2), 3),
    ARTICLES[6]: (Drip(chunk=4096, interval=0.02), 1),
    ARTICLES[7]: (Sequence(Status(502, times=1), Status(504, times=1)), 3),
}


@dataclass
class TransientCrawl:
    db_url: str
    site: FaultSite
    returncode: int
    stderr: str


@pytest.fixture(scope="module")
def transient(module_db_url: str) -> Iterator[TransientCrawl]:
    with FaultSite() as site:
        for path, (fault, _) in TRANSIENT.items():
            site.set(path, fault)
        done = crawl(module_db_url, "mfa-en", [site.url(EN_LIST)], settings={"RETRY_TIMES": "3"})
        yield TransientCrawl(module_db_url, site, done.returncode, done.stderr)


def test_transient_faults_are_retried_until_the_page_comes(transient: TransientCrawl) -> None:
    for path, (_, cost) in TRANSIENT.items():
        assert transient.site.hits(path) == cost, path
        outcomes = [c["outcome"] for c in captures_of(transient.db_url, path)]
        assert outcomes == ["new"], (path, outcomes)


def test_every_briefing_archived_once_as_the_real_page(transient: TransientCrawl) -> None:
    for path in ARTICLES:
        briefing = briefing_of(transient.db_url, path)
        assert briefing is not None, path
        versions = versions_of(transient.db_url, briefing["id"])
        assert len(versions) == 1, path
        assert versions[0]["content_hash"] == expected_hash(
            site_page(path), transient.site.url(path)
        ), path


def test_run_succeeded_by_its_stats(transient: TransientCrawl) -> None:
    (run,) = runs(transient.db_url, "mfa-en")
    assert run["status"] == "succeeded", (run, transient.stderr[-3000:])
    stats = run["stats"]
    assert stats.get("briefings/new") == len(ARTICLES)
    assert not stats.get("briefings/error")
    assert stats.get("retry/count", 0) >= sum(cost - 1 for _, cost in TRANSIENT.values())
    assert transient.returncode == 0
    assert archive_problems(transient.db_url, allow_running=False) == []
