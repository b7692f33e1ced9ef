"""The ledger's invariant on real data, end to end: nothing changed on the site means nothing
in the ledger, however often it is revisited; noise stays silent; each edit is reported once.

A loopback copy of the ministry's site serves every real fixture page the tests use: the
mirror (the first English list page with its 40 transcripts, the first Chinese list page)
and the 2019-04-29 briefing published twice (``hard/``), linked from the English list. The
site sends no validators, so every revisit fetches whole pages and compares their content.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.enums import PAGE_CHANGE_TYPES
from storage.models import ChangeEvent, Version
from tests.crawl.edits import remove_exchange, with_antibot_cookie, with_more_related_news
from tests.crawl.helpers import EN_DIR, EN_LIST, assert_consistent, crawl, crawl_sources, opened
from tests.ledger.helpers import FIRST, HARD, SECOND
from tests.sitemock import SiteMock

PAIR = {EN_DIR + "t1659619.shtml": FIRST, EN_DIR + "t1660057.shtml": SECOND}
COOKIES = EN_DIR + "t1794266.shtml"
RELATED = EN_DIR + "t1793861.shtml"
TYPOGRAPHY = EN_DIR + "t1793427.shtml"
EDITED = EN_DIR + "t1794629.shtml"
REMOVED_ASKER = "Beijing Youth Daily"
EDITED_TOO = EN_DIR + "t1793120.shtml"


def html(site: SiteMock, path: str) -> str:
    body = site.page(path)
    assert body is not None, path
    return body.decode("utf-8")


def list_with_the_pair(site: SiteMock) -> str:
    """The English list page with the two copies of 2019-04-29 linked, as the site did."""
    page = html(site, EN_LIST)
    anchor = '<li><a href="./t1794629.shtml"'
    links = "".join(
        f'<li><a href="./{path.rsplit("/", 1)[1]}" target="_blank">Foreign Ministry '
        "Spokesperson Geng Shuang's Regular Press Conference on April 29, 2019</a></li>\n"
        for path in PAIR
    )
    assert anchor in page
    return page.replace(anchor, links + anchor, 1)


def ledger(db_url: str) -> tuple[int, list[tuple[str, str, bool, str | None]]]:
    """(versions, events as (type, briefing url, cosmetic, suppressed)) in the archive: the
    ministry's edits of its pages, not the English/Chinese asymmetry findings."""
    from storage.models import Briefing

    with opened(db_url) as engine, engine.connect() as conn:
        versions = conn.scalar(select(func.count()).select_from(Version))
        events = conn.execute(
            select(ChangeEvent.type, Briefing.url, ChangeEvent.cosmetic, ChangeEvent.suppressed)
            .join(Briefing, Briefing.id == ChangeEvent.briefing_id)
            .where(ChangeEvent.cause == "page", ChangeEvent.type.in_(PAGE_CHANGE_TYPES))
            .order_by(ChangeEvent.id)
        ).all()
    return versions or 0, [(str(t), u, bool(c), s) for t, u, c, s in events]


def revisit(db_url: str) -> None:
    result, summary = crawl(db_url, "mfa-en", "mfa-zh", "--revisit", "all")
    assert result.exit_code == 0, result.output
    assert all(line["status"] == "succeeded" for line in summary), summary


@pytest.fixture(scope="module")
def site() -> Iterator[SiteMock]:
    with SiteMock() as server:
        for path, name in PAIR.items():
            server.serve(path, (HARD / name).read_bytes())
        server.serve(EN_LIST, list_with_the_pair(server))
        yield server


@pytest.fixture(scope="module")
def archived(site: SiteMock, module_db_url: str) -> dict[str, Any]:
    result, summary = crawl_sources(module_db_url, site, ("mfa-en", "mfa-zh"))
    assert result.exit_code == 0, result.output
    return {"summary": summary, "after_crawl": ledger(module_db_url)}


def test_a_first_crawl_reports_the_second_copy_once(archived, site: SiteMock) -> None:
    versions, events = archived["after_crawl"]
    assert versions == 40 + 2 + 13  # each mirrored transcript once, the pair twice
    # One event, filed under the briefing's current copy: the later publication, t1660057.
    current = site.url(EN_DIR + "t1660057.shtml")
    assert [(t, u) for t, u, _, _ in events] == [("republished", current)]


def test_revisits_with_nothing_changed_record_nothing(archived, module_db_url: str) -> None:
    for _ in range(3):
        revisit(module_db_url)
    assert ledger(module_db_url) == archived["after_crawl"]
    with opened(module_db_url) as engine:
        assert_consistent(engine)


def test_noise_stays_silent(archived, site: SiteMock, module_db_url: str) -> None:
    before = ledger(module_db_url)
    for value in ("a1b2c3", "d4e5f6"):
        site.serve(COOKIES, with_antibot_cookie(html(site, COOKIES), value))
        site.serve(RELATED, with_more_related_news(html(site, RELATED), extra=int(value[-1])))
        revisit(module_db_url)
    # Curly apostrophes and a non-breaking space: a version is kept (nothing is lost), the
    # edit is cosmetic and stays out of the ledger and its figures.
    typeset = html(site, TYPOGRAPHY).replace("China's", "China’s").replace(" the ", " the\u00a0", 1)
    assert typeset != html(site, TYPOGRAPHY)
    site.serve(TYPOGRAPHY, typeset)
    revisit(module_db_url)
    revisit(module_db_url)
    versions, events = ledger(module_db_url)
    new = events[len(before[1]) :]
    assert new and all(cosmetic for _, _, cosmetic, _ in new), new
    assert versions == before[0] + 1


def test_each_edit_is_reported_once(archived, site: SiteMock, module_db_url: str) -> None:
    before_versions, before_events = ledger(module_db_url)
    site.serve(EDITED, remove_exchange(html(site, EDITED), REMOVED_ASKER))
    page = html(site, EDITED_TOO)
    sentence = "will be held on July 1 through video link"
    assert sentence in page
    site.serve(EDITED_TOO, page.replace(sentence, "will be held on July 2 in Beijing", 1))
    for _ in range(3):
        revisit(module_db_url)
    versions, events = ledger(module_db_url)
    new = [(t, u) for t, u, cosmetic, held in events[len(before_events) :] if not cosmetic]
    assert versions == before_versions + 2
    assert sorted(new) == sorted(
        [("removed", site.url(EDITED)), ("edited", site.url(EDITED_TOO))]
    ), new
