"""``briefings import --wayback``: a local fake CDX + replay server (the real service is
never contacted), the client's politeness with a fake clock, and the Wayback's quirks."""

from __future__ import annotations

import json

import pytest

from storage.wayback import USER_AGENT, WaybackClient, WaybackError, retry_after_seconds
from tests.importing.fakewayback import Capture, FakeWayback, serving
from tests.importing.helpers import cli, counts
from tests.importing.warcs import EN_FOLDER, site_pages
from tests.reliability.edits import remove_exchange

EN = site_pages(EN_FOLDER, limit=3)
URL, BODY = EN[0]
EDITED = remove_exchange(BODY, URL, 3).after
EDITED_OTHERWISE = remove_exchange(BODY, URL, 4).after
OTHER = "https://www.fmprc.gov.cn/mfa_eng/wjdt_665385/zyjh_665391/t1.shtml"


def run_import(db_url: str, fake: FakeWayback, *args: str) -> tuple[int, dict]:
    result = cli(
        db_url,
        "import",
        "--wayback",
        "mfa-en",
        "--wayback-url",
        fake.base_url,
        "--rate",
        "1000",
        "--json",
        *args,
    )
    return result.exit_code, json.loads(result.output)


def test_captures_become_versions_at_their_timestamps(db_url) -> None:
    fake = FakeWayback(
        [
            Capture("20200301080000", URL, BODY),
            Capture("20200305080000", URL, EDITED),
            *[Capture("20200302080000", url, body) for url, body in EN[1:]],
            Capture("20200302080000", OTHER, b"<html>other</html>"),
        ]
    )
    with serving(fake):
        code, summary = run_import(db_url, fake)
    assert code == 0, summary
    assert summary["outcomes"] == {"new": 3, "revised": 1}
    assert summary["skipped"] == {}  # OTHER is outside the source's folders: never listed
    assert fake.user_agents == {USER_AGENT}
    assert len(fake.replays()) == 4
    history = json.loads(cli(db_url, "history", URL, "--json").output)
    assert [v["first_seen"][:10] for v in history["versions"]] == ["2020-03-01", "2020-03-05"]
    assert history["captures"][1]["provenance"] == {
        "kind": "wayback",
        "timestamp": "20200305080000",
        "digest": fake.captures[1].digest,
        "original_url": URL,
    }
    assert history["versions"][1]["origin"] == f"Wayback 20200305080000 {URL}"


def test_a_rerun_imports_nothing_and_fetches_no_capture(db_url) -> None:
    fake = FakeWayback(
        [Capture("20200301080000", URL, BODY), Capture("20200305080000", URL, EDITED)]
    )
    with serving(fake):
        run_import(db_url, fake)
        before, replays = counts(db_url), len(fake.replays())
        code, summary = run_import(db_url, fake)
    assert code == 0
    assert summary["skipped"] == {"already imported": 2} and summary["outcomes"] == {}
    assert len(fake.replays()) == replays and counts(db_url) == before


def test_digest_duplicates_are_not_fetched_but_a_revert_is(db_url) -> None:
    fake = FakeWayback(
        [
            Capture("20200301080000", URL, BODY),
            Capture("20200302080000", URL, BODY),  # same digest: skipped, no request
            Capture("20200305080000", URL, EDITED),
            Capture("20200309080000", URL, BODY),  # back to the first digest: a revert
        ]
    )
    with serving(fake):
        code, summary = run_import(db_url, fake)
    assert code == 0
    assert summary["skipped"] == {"digest duplicate": 1}
    assert summary["outcomes"] == {"new": 1, "revised": 2}
    assert [r.split("id_")[0] for r in fake.replays()] == [
        "/web/20200301080000",
        "/web/20200305080000",
        "/web/20200309080000",
    ]


def test_wayback_error_pages_and_wrong_bytes_never_become_versions(db_url) -> None:
    fake = FakeWayback(
        [
            Capture("20200301080000", URL, BODY),
            Capture("20200305080000", URL, EDITED, quirk="error-page"),
            Capture("20200307080000", URL, EDITED_OTHERWISE, quirk="wrong-digest"),
        ]
    )
    with serving(fake):
        result = cli(
            db_url,
            "import",
            "--wayback",
            "mfa-en",
            "--wayback-url",
            fake.base_url,
            "--rate",
            "1000",
        )
    assert result.exit_code == 1
    assert "/web/20200305080000id_/" in result.output and "Wayback error page" in result.output
    assert "does not match the CDX digest" in result.output
    assert counts(db_url)["versions"] == 1
    history = json.loads(cli(db_url, "history", URL, "--json").output)
    assert history["status"] == "active"  # the Wayback's errors are no evidence of anything


def test_a_redirect_to_another_timestamp_is_skipped(db_url) -> None:
    fake = FakeWayback(
        [
            Capture("20200301080000", URL, BODY),
            Capture("20200305080000", URL, EDITED, quirk="redirect:20200301080000"),
        ]
    )
    with serving(fake):
        code, summary = run_import(db_url, fake)
    assert code == 0
    assert summary["skipped"] == {"redirect to another timestamp": 1}
    assert summary["outcomes"] == {"new": 1}


def test_gone_captures_are_evidence_by_the_crawl_rule(db_url) -> None:
    fake = FakeWayback(
        [
            Capture("20200301080000", URL, BODY),
            Capture(
                "20200305080000", URL, status=302, location="https://www.fmprc.gov.cn/error.htm"
            ),
            Capture("20200309080000", URL, b"not found", status=404),
            Capture("20200310080000", URL, status=503),
        ]
    )
    with serving(fake):
        code, summary = run_import(db_url, fake)
    assert code == 0
    assert summary["outcomes"] == {"new": 1, "suspect": 2}
    assert summary["skipped"] == {"HTTP 503": 1}
    assert len(fake.replays()) == 2  # the 404 and the 503 need no request
    history = json.loads(cli(db_url, "history", URL, "--json").output)
    assert history["status"] == "removed"


def test_from_to_and_limit(db_url) -> None:
    fake = FakeWayback(
        [Capture(f"2020030{d}080000", url, body) for d, (url, body) in enumerate(EN, 1)]
    )
    with serving(fake):
        _, summary = run_import(db_url, fake, "--from", "2020-03-02", "--to", "2020-03-03")
        assert summary["outcomes"] == {"new": 2}
        _, summary = run_import(db_url, fake, "--limit", "1")
    assert summary["outcomes"] == {"new": 1}
    assert counts(db_url)["versions"] == 3


def test_a_busy_service_is_retried_then_answers(db_url) -> None:
    fake = FakeWayback([Capture("20200301080000", URL, BODY)])
    fake.faults = [(429, {"Retry-After": "0"}), (503, {})]
    with serving(fake):
        code, summary = run_import(db_url, fake)
    assert code == 0 and summary["outcomes"] == {"new": 1}


def test_a_cdx_error_page_ends_the_import_with_one_line(db_url) -> None:
    fake = FakeWayback([Capture("20200301080000", URL, BODY)], cdx_error_page=True)
    with serving(fake):
        result = cli(
            db_url,
            "import",
            "--wayback",
            "mfa-en",
            "--wayback-url",
            fake.base_url,
            "--rate",
            "1000",
        )
    assert result.exit_code == 1
    assert result.output.startswith("error: CDX answer is not JSON")
    assert "Traceback" not in result.output
    assert json.loads(cli(db_url, "runs", "--json").output)[0]["status"] == "failed"


# -- the client's politeness, on a fake clock ------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def client(fake: FakeWayback, clock: Clock, **kwargs) -> WaybackClient:
    return WaybackClient(
        fake.base_url, sleep=clock.sleep, clock=clock.time, jitter=lambda: 1.0, **kwargs
    )


def test_requests_are_spaced_by_the_rate() -> None:
    fake = FakeWayback([Capture("20200301080000", URL, BODY)])
    clock = Clock()
    with serving(fake):
        wayback = client(fake, clock, rate=0.5)
        for _ in range(3):
            wayback.replay("20200301080000", URL)
        wayback.close()
    assert clock.sleeps == [2.0, 2.0]


def test_backoff_is_exponential_and_honours_retry_after() -> None:
    fake = FakeWayback([Capture("20200301080000", URL, BODY)])
    fake.faults = [(503, {}), (503, {}), (429, {"Retry-After": "30"})]
    clock = Clock()
    with serving(fake):
        wayback = client(fake, clock, rate=1000, backoff=1.0)
        replay = wayback.replay("20200301080000", URL)
        wayback.close()
    assert replay.status == 200
    backoffs = [s for s in clock.sleeps if s >= 0.5]
    assert backoffs == [1.0, 2.0, 30.0]


def test_the_client_gives_up_with_one_line() -> None:
    fake = FakeWayback([])
    fake.faults = [(503, {})] * 3
    clock = Clock()
    with serving(fake):
        wayback = client(fake, clock, rate=1000, max_attempts=3)
        with pytest.raises(WaybackError, match="answered HTTP 503 3 times"):
            wayback.replay("20200301080000", URL)
        wayback.close()


def test_retry_after_takes_seconds_or_a_date() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None
