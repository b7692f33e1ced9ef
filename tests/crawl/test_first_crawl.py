"""End to end: ``briefings crawl`` of both sources against the loopback mirror, twice.

The module crawls once (both sources), then again; the tests only read what was stored.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from storage.models import Briefing, Capture, Version
from tests.crawl.helpers import (
    DIRS,
    article_paths,
    assert_consistent,
    briefing_urls,
    count,
    crawl_sources,
    opened,
    outcomes,
    run_rows,
    version_counts,
)
from tests.sitemock import SiteMock

SOURCES = ("mfa-en", "mfa-zh")
EXPECTED = {"mfa-en": 40, "mfa-zh": 13}  # briefings on the mirrored first list pages
ZH_NOT_BRIEFINGS = ("t1793459.shtml", "t1789773.shtml")  # a statement, an answer to a question
LIST_PAGE = re.compile(r"/(default|index)(_\d+)?\.shtml$")


def list_requests(requests: list[Any], source: str) -> list[str]:
    return [
        r.path for r in requests if r.path.startswith(DIRS[source]) and LIST_PAGE.search(r.path)
    ]


@pytest.fixture(scope="module")
def first(module_db_url: str, module_server: SiteMock) -> dict[str, Any]:
    result, summary = crawl_sources(module_db_url, module_server, SOURCES)
    requests = list(module_server.requests)
    module_server.clear_log()
    return {"result": result, "summary": summary, "requests": requests}


@pytest.fixture(scope="module")
def second(first: dict[str, Any], module_db_url: str, module_server: SiteMock) -> dict[str, Any]:
    with opened(module_db_url) as engine:
        before = {"versions": count(engine, Version), "captures": count(engine, Capture)}
    result, summary = crawl_sources(module_db_url, module_server, SOURCES)
    requests = list(module_server.requests)
    module_server.clear_log()
    return {"result": result, "summary": summary, "requests": requests, "before": before}


def test_first_crawl_succeeds(first: dict[str, Any]) -> None:
    result = first["result"]
    assert result.exit_code == 0, result.output
    assert [s["source"] for s in first["summary"]] == list(SOURCES)
    for line in first["summary"]:
        assert line["status"] == "succeeded", line
        assert line["new"] == EXPECTED[line["source"]]
        assert line["errors"] == 0


def test_every_briefing_archived_once(
    first: dict[str, Any], module_db_url: str, module_server: SiteMock
) -> None:
    with opened(module_db_url) as engine:
        for source in SOURCES:
            urls = set(briefing_urls(engine, source))
            assert len(urls) == EXPECTED[source]
            mirrored = {module_server.url(p) for p in article_paths(module_server, source)}
            assert urls <= mirrored
        versions = version_counts(engine)
        assert len(versions) == sum(EXPECTED.values())
        assert set(versions.values()) == {1}
        run_ids = [run.id for run in run_rows(engine)]
        assert sum(outcomes(engine, rid).get("new", 0) for rid in run_ids) == 53
        assert_consistent(engine)


def test_non_briefing_items_are_neither_fetched_nor_stored(
    first: dict[str, Any], module_db_url: str, module_server: SiteMock
) -> None:
    fetched = {r.path for r in first["requests"]}
    with opened(module_db_url) as engine:
        stored = set(briefing_urls(engine, "mfa-zh"))
    for name in ZH_NOT_BRIEFINGS:
        path = DIRS["mfa-zh"] + name
        assert path not in fetched
        assert module_server.url(path) not in stored
    # every briefing article was fetched exactly once
    articles = [r.path for r in first["requests"] if "/t1" in r.path]
    assert len(articles) == len(set(articles)) == sum(EXPECTED.values())


def test_missing_list_pages_are_recorded_and_do_not_fail_the_run(
    first: dict[str, Any], module_db_url: str
) -> None:
    with opened(module_db_url) as engine:
        runs = run_rows(engine)
    assert [r.source for r in runs[:2]] == list(SOURCES)
    for run in runs[:2]:
        assert run.status == "succeeded", run.error
        assert run.finish_reason == "finished"
        assert run.kind == "discovery"
        assert run.stats["briefings/list_pages"] == 1
        assert run.stats["briefings/list_missing"] >= 1  # default_1.shtml -> 302 /error.htm
        assert run.finished_at is not None
    missing = [p for p in list_requests(first["requests"], "mfa-en") if p.endswith("_1.shtml")]
    assert missing, "the walk tried the second list page"


def test_second_crawl_adds_nothing_and_reads_at_most_two_list_pages(
    second: dict[str, Any], module_db_url: str
) -> None:
    assert second["result"].exit_code == 0, second["result"].output
    for line in second["summary"]:
        assert line["status"] == "succeeded"
        assert line["new"] == line["revised"] == 0
    with opened(module_db_url) as engine:
        assert count(engine, Version) == second["before"]["versions"]
        assert count(engine, Capture) == second["before"]["captures"]
        assert count(engine, Briefing) == sum(EXPECTED.values())
        runs = run_rows(engine)
    assert len(runs) == 4 and all(r.status == "succeeded" for r in runs)
    for source in SOURCES:
        assert 1 <= len(list_requests(second["requests"], source)) <= 2
    assert not [r.path for r in second["requests"] if "/t1" in r.path]  # no article refetched


def test_skipped_list_items_are_counted_with_their_reason(
    first: dict[str, Any], module_db_url: str
) -> None:
    from click.testing import CliRunner

    from scheduler.cli import main
    from storage.runs import SKIP_REASON

    zh = next(line for line in first["summary"] if line["source"] == "mfa-zh")
    assert zh["skipped"] == len(ZH_NOT_BRIEFINGS) and zh["rejected"] == 0
    assert zh["skip_reasons"] == {SKIP_REASON: len(ZH_NOT_BRIEFINGS)}
    listed = CliRunner().invoke(main, ["runs", "--db", module_db_url, "--json"])
    run = next(r for r in json.loads(listed.stdout) if r["source"] == "mfa-zh")
    assert run["skipped"] == len(ZH_NOT_BRIEFINGS)
    assert run["skip_reasons"] == {SKIP_REASON: len(ZH_NOT_BRIEFINGS)}
    table = CliRunner().invoke(main, ["runs", "--db", module_db_url]).output
    assert f"mfa-zh: 2 list item(s) not crawled (2 {SKIP_REASON})" in table
