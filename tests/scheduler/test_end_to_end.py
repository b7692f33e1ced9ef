"""The service with the real crawl runner against the loopback fixture site.

Each crawl is a ``scrapy crawl`` subprocess (1-3 s here), so these tests are few and short.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from itertools import pairwise

import pytest
from sqlalchemy import select, text

from scheduler.service import SchedulerService
from storage.db import is_sqlite, session_scope
from storage.models import Briefing, CrawlRun
from tests import sitemock
from tests.conftest import REPO_ROOT
from tests.scheduler.helpers import config_from

FAST = '{ DOWNLOAD_DELAY = "0", AUTOTHROTTLE_ENABLED = "0", LOG_LEVEL = "WARNING" }'


@pytest.fixture
def site():
    with sitemock.SiteMock() as site:
        yield site


def config_text(site, *, discovery: str, revisit: str = "[]", delay: str = "0") -> str:
    settings = FAST.replace('DOWNLOAD_DELAY = "0"', f'DOWNLOAD_DELAY = "{delay}"')
    return (
        "[sources.mfa-en]\n"
        f"discovery = {discovery}\nrevisit = {revisit}\ntimeout = 120\n"
        f'start_urls = ["{site.url(sitemock.EN_LIST)}"]\nsettings = {settings}\n'
        "[sources.mfa-zh]\nenabled = false\n"
    )


def crawl_runs(engine) -> list[CrawlRun]:
    with session_scope(engine) as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.started_at)))


def test_sigterm_stops_the_service_cleanly(tmp_path, db_url, engine, site) -> None:
    # A slow crawl (0.3 s between requests) so SIGTERM lands in the middle of it.
    config = tmp_path / "scheduler.toml"
    config.write_text(config_text(site, discovery='{ every = "1h" }', delay="0.3"))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "schedule", "run", "--config", str(config),
         "--db", db_url],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not any(r.status == "running" for r in crawl_runs(engine)):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "no crawl started"
            time.sleep(0.2)
        time.sleep(1.0)  # the crawl is storing pages now
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    log = stderr.decode()
    assert proc.returncode == 0, log
    assert "run start: mfa-en:discovery" in log and "run end: mfa-en:discovery" in log
    assert "scheduler stopped" in log and "Traceback" not in log
    [run] = crawl_runs(engine)
    assert run.status != "running" and run.finished_at is not None
    with session_scope(engine) as session:
        stored = session.scalars(select(Briefing)).all()
        assert len(stored) < 40  # it was stopped half-way, and what is stored is whole
        if is_sqlite(engine):
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_two_schedulers_never_overlap_a_crawl(tmp_path, db_url, engine, site) -> None:
    config = config_from(
        tmp_path, config_text(site, discovery='{ every = "2s" }', revisit='{ every = "3s" }')
    )
    services = [SchedulerService(config, db_url=db_url) for _ in range(2)]
    threads = [threading.Thread(target=s.run, daemon=True) for s in services]
    for thread in threads:
        thread.start()
    # Let both services run until two crawls have finished (bounded, never a timed assertion:
    # a loaded machine only makes it take longer).
    deadline = time.monotonic() + 180
    while sum(r.finished_at is not None for r in crawl_runs(engine)) < 2:
        assert time.monotonic() < deadline, [(r.kind, r.status) for r in crawl_runs(engine)]
        time.sleep(0.5)
    for service in services:
        service.stop()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()
    runs = crawl_runs(engine)
    kinds = {r.kind for r in runs}
    assert len(runs) >= 2 and "discovery" in kinds, [(r.kind, r.status) for r in runs]
    assert all(r.finished_at is not None for r in runs)
    for before, after in pairwise(runs):
        assert before.finished_at <= after.started_at, "two crawls of mfa-en overlapped"
    first = runs[0]
    assert first.kind == "discovery" and first.status == "succeeded"
    assert first.stats.get("briefings/new") == 40
    with session_scope(engine) as session:
        assert len(session.scalars(select(Briefing)).all()) == 40  # each archived once
