"""End to end: a revisit (``--revisit all``) after the ministry edited some pages.

The site sends validators (ETag, Last-Modified) and answers matching conditional GETs with
304. Between the crawls it removes one exchange from one page, changes the anti-bot cookie
values injected into another, and lengthens the related-news list of a third: exactly one
new version, and 304s recorded as not modified.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Briefing, Capture, ChangeEvent, Version
from tests.crawl.edits import remove_exchange, with_antibot_cookie, with_more_related_news
from tests.crawl.helpers import (
    EN_DIR,
    assert_consistent,
    count,
    crawl,
    crawl_sources,
    opened,
    outcomes,
    run_rows,
    version_counts,
)
from tests.sitemock import SiteMock

EDITED = EN_DIR + "t1794629.shtml"  # Beijing Youth Daily's exchange removed
COOKIES = EN_DIR + "t1794266.shtml"  # anti-bot cookie values change
RELATED = EN_DIR + "t1793861.shtml"  # two more related-news items
REMOVED_ASKER = "Beijing Youth Daily"


def page(site: SiteMock, path: str) -> str:
    body = site.page(path)
    assert body is not None
    return body.decode("utf-8")


@pytest.fixture(scope="module")
def site() -> Iterator[SiteMock]:
    with SiteMock(validators=True) as server:
        yield server


@pytest.fixture(scope="module")
def revisit(site: SiteMock, module_db_url: str) -> dict[str, Any]:
    site.serve(COOKIES, with_antibot_cookie(page(site, COOKIES), "a1b2c3d4"))
    first, _ = crawl_sources(module_db_url, site, ("mfa-en",))
    assert first.exit_code == 0, first.output
    site.clear_log()
    site.serve(EDITED, remove_exchange(page(site, EDITED), REMOVED_ASKER))
    site.serve(COOKIES, with_antibot_cookie(page(site, COOKIES), "e5f6a7b8"))
    site.serve(RELATED, with_more_related_news(page(site, RELATED)))
    result, summary = crawl(module_db_url, "mfa-en", "--revisit", "all")
    return {"result": result, "summary": summary, "requests": list(site.requests)}


def test_revisit_succeeds_and_counts_outcomes(revisit: dict[str, Any], module_db_url: str) -> None:
    assert revisit["result"].exit_code == 0, revisit["result"].output
    (line,) = revisit["summary"]
    assert line["status"] == "succeeded"
    assert (line["new"], line["revised"], line["unchanged"], line["not_modified"]) == (0, 1, 2, 37)
    with opened(module_db_url) as engine:
        run = run_rows(engine)[-1]
        assert run.kind == "revisit" and run.status == "succeeded"
        assert outcomes(engine, run.id) == {"revised": 1, "unchanged": 2, "not_modified": 37}


def test_revisit_sends_validators_and_no_list_page(revisit: dict[str, Any]) -> None:
    articles = [r for r in revisit["requests"] if r.path.startswith(EN_DIR)]
    assert len(articles) == 40
    assert all(r.path.rsplit("/", 1)[1].startswith("t") for r in articles)  # no list page
    for request in articles:
        assert request.header("If-None-Match"), request.path
        assert request.header("If-Modified-Since"), request.path
    statuses = sorted(r.status for r in articles)
    assert statuses.count(304) == 37 and statuses.count(200) == 3


def test_only_the_removed_exchange_makes_a_new_version(
    revisit: dict[str, Any], module_db_url: str, site: SiteMock
) -> None:
    with opened(module_db_url) as engine:
        versions = version_counts(engine)
        assert len(versions) == 40
        assert versions[site.url(EDITED)] == 2
        assert versions[site.url(COOKIES)] == 1
        assert versions[site.url(RELATED)] == 1
        assert count(engine, Version) == 41
        with engine.connect() as conn:
            edited_id = conn.scalar(select(Briefing.id).where(Briefing.url == site.url(EDITED)))
            counts = conn.execute(
                select(Version.number, Version.exchange_count)
                .where(Version.briefing_id == edited_id)
                .order_by(Version.number)
            ).all()
            assert [tuple(c) for c in counts] == [(1, 11), (2, 10)]
            removed = conn.execute(
                select(ChangeEvent.type, ChangeEvent.asker).where(
                    ChangeEvent.briefing_id == edited_id
                )
            ).all()
            assert ("removed", REMOVED_ASKER) in [tuple(r) for r in removed]
            not_modified = conn.scalar(
                select(Capture.id).where(
                    Capture.outcome == "not_modified", Capture.status_code != 304
                )
            )
            assert not_modified is None
        assert_consistent(engine)
