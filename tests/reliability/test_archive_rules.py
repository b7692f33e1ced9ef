"""Two archive rules the soak depends on (found by it), pinned with the real write path:

- a 304 answered to the validators of the last good capture clears a suspicion;
- a suspect briefing stays due for revisits under the ladder (a good fetch can clear it at
  any time; only *confirming* it waits for ``confirm_after``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from storage.api import Archive, RevisitPolicy
from tests.faultsite import EN_DIR, site_page

PAGE = EN_DIR + "t1794629.shtml"
URL = "http://127.0.0.1:9" + PAGE
SECONDS = timedelta(seconds=1)
EAGER = RevisitPolicy(
    fresh_every=SECONDS,
    recent_every=SECONDS,
    year_age=timedelta(days=36500),
    year_every=SECONDS,
)


def archive_page(archive: Archive, run: int) -> None:
    from crawler.extract import PARSER_VERSION, parse_html

    body = site_page(PAGE)
    archive.record_capture(
        run,
        url=URL,
        final_url=URL,
        status_code=200,
        headers={"ETag": '"v1"', "Content-Type": "text/html"},
        body=body,
        briefing=parse_html(body, URL).to_dict(),
        parser_version=PARSER_VERSION,
    )


def status_of(archive: Archive) -> str:
    (target,) = archive.revisit_candidates("mfa-en", mode="all")
    from storage.models import Briefing

    with archive.transaction() as session:
        return session.get(Briefing, target.briefing_id).status


def test_304_clears_a_suspicion(engine: Engine) -> None:
    archive = Archive(engine)  # the default confirm_after (1 hour)
    run = archive.start_run("mfa-en")
    archive_page(archive, run)
    glitch = archive.record_capture(
        run, url=URL, final_url=URL, status_code=200, body=b"", not_transcript="empty body"
    )
    assert glitch.outcome == "suspect" and status_of(archive) == "suspect"
    back = archive.record_capture(run, url=URL, final_url=URL, status_code=304, body=b"")
    assert back.outcome == "not_modified"
    assert status_of(archive) == "active"


def test_a_suspect_briefing_is_still_revisited_under_the_ladder(engine: Engine) -> None:
    archive = Archive(engine)
    run = archive.start_run("mfa-en")
    archive_page(archive, run)
    archive.record_capture(
        run, url=URL, final_url=URL, status_code=200, body=b"", not_transcript="empty body"
    )
    assert status_of(archive) == "suspect"
    from storage.types import utcnow

    later = utcnow() + timedelta(seconds=5)
    due = archive.revisit_candidates("mfa-en", mode="due", now=later, policy=EAGER)
    assert [t.url for t in due] == [URL]
