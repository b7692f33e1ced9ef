"""``briefings crawl --revisit suspect --confirm-now``: a user who does not want to wait an
hour for a suspicion to be confirmed (still by a real second fetch), end to end."""

from __future__ import annotations

from storage.api import Archive
from tests.crawl.helpers import EN_DIR, crawl, crawl_sources
from tests.sitemock import SiteMock

GONE = EN_DIR + "t1794629.shtml"


def test_confirm_now_confirms_with_a_second_fetch(mfa_server: SiteMock, db_url: str) -> None:
    first, _ = crawl_sources(db_url, mfa_server, ("mfa-en",))
    assert first.exit_code == 0, first.output
    mfa_server.serve(GONE, "<html><body>Not Found</body></html>", status=404)
    suspect, _ = crawl(db_url, "mfa-en", "--revisit", "all")  # a first 404: suspect
    assert suspect.exit_code == 0, suspect.output
    with Archive.open(db_url) as archive:
        shown = archive.show(mfa_server.url(GONE))
        assert shown.status == "suspect" and shown.confirm_due is not None
        assert [t.url for t in archive.revisit_candidates("mfa-en", mode="suspect")] == []
    settled, summary = crawl(db_url, "mfa-en", "--revisit", "suspect", "--confirm-now")
    assert settled.exit_code == 0, settled.output
    assert summary[0]["requests"] >= 1  # a real fetch, of the suspect page only
    with Archive.open(db_url) as archive:
        assert archive.show(mfa_server.url(GONE)).status == "removed"
        assert [str(e.type) for e in archive.changes()] == ["briefing-removed"]
