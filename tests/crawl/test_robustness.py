"""End to end: a killed crawl, a busy source, a timeout, an unreachable host, bad redirects."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable

from click.testing import CliRunner
from sqlalchemy import select

from scheduler.cli import main
from scheduler.crawl_runner import SETTINGS_MODULE, absolute_db_url, build_command, run_crawl
from storage import lease
from storage.db import make_engine
from storage.models import Briefing, Capture, CrawlRun
from tests.crawl.helpers import (
    EN_DIR,
    EN_LIST,
    assert_consistent,
    count,
    crawl_sources,
    opened,
    outcomes,
    run_rows,
    version_counts,
)
from tests.sitemock import Reply, Request, SiteMock

FAST_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "RETRY_TIMES": "0"}
# CONCURRENT_REQUESTS_PER_DOMAIN = 1 (crawler.settings) only holds with a download delay: with
# DOWNLOAD_DELAY = 0, Scrapy 2.19 on the asyncio reactor starts every queued request of a
# slot at once (its tasks are created before any of them counts as transferring).
ONE_AT_A_TIME = {**FAST_SETTINGS, "DOWNLOAD_DELAY": "0.01"}


def slow_articles(seconds: float, *, fast_first: int = 0) -> Callable[[Request], Reply | None]:
    """Delay every transcript page (not list pages) after the first ``fast_first`` ones.

    With ``ONE_AT_A_TIME`` the crawl fetches one page at a time, so the 40 transcripts then
    take at least ``(40 - fast_first) * seconds``: a lower bound that a slow machine only
    lengthens.
    """
    served = itertools.count()

    def hook(request: Request) -> Reply | None:
        name = request.path.rsplit("/", 1)[-1]
        if not name.startswith(("default", "index")) and next(served) >= fast_first:
            time.sleep(seconds)
        return None  # then serve the page as usual

    return hook


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.1)


def test_sigkill_mid_crawl_leaves_a_consistent_archive_and_the_next_crawl_completes(
    mfa_server: SiteMock, db_url: str
) -> None:
    hook = mfa_server.add_hook(slow_articles(0.2, fast_first=5))
    settings = {**ONE_AT_A_TIME, "BRIEFINGS_DB_URL": absolute_db_url(db_url)}
    cmd = build_command("mfa-en", start_urls=[mfa_server.url(EN_LIST)], settings=settings)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE}
    child = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        with opened(db_url) as engine:
            wait_for(lambda: count(engine, Capture) >= 5)
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            killed_captures = count(engine, Capture)
            assert 5 <= killed_captures < 40
            assert_consistent(engine)
            (killed,) = run_rows(engine)
            assert killed.status == "running"  # nobody could finish it
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    mfa_server.hooks.remove(hook)

    result, summary = crawl_sources(db_url, mfa_server)  # the lease of the dead crawl is taken over
    assert result.exit_code == 0, result.output
    assert summary[0]["status"] == "succeeded"
    with opened(db_url) as engine:
        versions = version_counts(engine)
        assert len(versions) == 40 and set(versions.values()) == {1}
        killed, resumed = run_rows(engine)
        assert killed.status == "failed" and killed.finish_reason == "killed"
        assert outcomes(engine, resumed.id).get("new", 0) == 40 - killed_captures
        assert_consistent(engine)


def test_busy_source_says_so_and_exits_3(mfa_server: SiteMock, db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert lease.acquire(engine, "mfa-en", "elsewhere.example:4242", 300)
    finally:
        engine.dispose()
    result, summary = crawl_sources(db_url, mfa_server)
    assert result.exit_code == 3
    assert summary[0]["status"] == "busy"
    assert "being crawled by another process" in result.stderr
    with opened(db_url) as engine:
        assert count(engine, CrawlRun) == 0  # no other effect
    assert not [r for r in mfa_server.requests if r.path.startswith(EN_DIR)]


def test_wait_runs_the_crawl_once_the_source_is_free(
    mfa_server: SiteMock, db_url: str, monkeypatch
) -> None:
    monkeypatch.setattr("scheduler.crawl_runner.WAIT_INTERVAL", 0.2)
    engine = make_engine(db_url)
    try:
        assert lease.acquire(engine, "mfa-en", "elsewhere.example:4242", 300)
        waited = threading.Timer(1.5, lease.release, [engine, "mfa-en", "elsewhere.example:4242"])
        waited.start()
        started = time.monotonic()
        result, summary = crawl_sources(db_url, mfa_server, ("mfa-en",), "--wait")
        waited.join()
    finally:
        engine.dispose()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 1.5  # it did not run while the lease was held
    assert summary[0]["status"] == "succeeded"
    with opened(db_url) as engine:
        (run,) = run_rows(engine)  # the busy attempts left no run behind
        assert run.status == "succeeded"
        assert count(engine, Briefing) == 40
        assert lease.current(engine, "mfa-en") is None


def test_timeout_stops_the_crawl_cleanly(mfa_server: SiteMock, db_url: str) -> None:
    # 3 transcripts at once, then 0.5 s each, one at a time: the crawl needs 18.5 s or more
    # and is stopped at 8 s (its queued requests still finish during the clean close).
    mfa_server.add_hook(slow_articles(0.5, fast_first=3))
    result = run_crawl(
        "mfa-en",
        db_url=db_url,
        start_urls=[mfa_server.url(EN_LIST)],
        settings=ONE_AT_A_TIME,
        timeout=8,
    )
    assert result.status == "timeout"
    with opened(db_url) as engine:
        (run,) = run_rows(engine)
        assert (
            run.status == "failed" and run.finish_reason == "timeout"
        )  # SIGTERM: clean close, our reason
        assert 0 < count(engine, Briefing) < 40
        assert_consistent(engine)
        assert lease.current(engine, "mfa-en") is None  # released


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_host_is_a_failed_run_and_one_line_error(db_url: str) -> None:
    url = f"http://127.0.0.1:{free_port()}{EN_LIST}"
    args = ["crawl", "mfa-en", "--start-url", url, "--db", db_url]
    for name, value in FAST_SETTINGS.items():
        args += ["-s", f"{name}={value}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("error: mfa-en: failed")
    assert "refused" in errors[0].lower()
    with opened(db_url) as engine:
        (run,) = run_rows(engine)
        assert run.status == "failed"
        assert outcomes(engine, run.id) == {"error": 1}


def test_redirects_off_host_or_to_file_are_not_followed(mfa_server: SiteMock, db_url: str) -> None:
    to_file = EN_DIR + "t1794629.shtml"
    off_host = EN_DIR + "t1794266.shtml"
    mfa_server.serve(to_file, reply=Reply(302, {"Location": "file:///etc/passwd"}))
    mfa_server.serve(off_host, reply=Reply(302, {"Location": "http://198.51.100.7/steal.html"}))
    result, summary = crawl_sources(db_url, mfa_server)
    assert result.exit_code == 1
    assert summary[0]["status"] == "failed", result.stderr  # two pages could not be fetched
    assert summary[0]["new"] == 38, summary
    with opened(db_url) as engine, engine.connect() as conn:
        rows = conn.execute(
            select(Capture.url, Capture.reason).where(Capture.outcome == "error")
        ).all()
        reasons = {url: reason for url, reason in rows}
        assert set(reasons) == {mfa_server.url(to_file), mfa_server.url(off_host)}
        assert "file:///etc/passwd" in reasons[mfa_server.url(to_file)]
        assert "198.51.100.7" in reasons[mfa_server.url(off_host)]
        assert all("refused" in reason for reason in reasons.values())
