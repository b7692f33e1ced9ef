"""A database outage at the end of a crawl (issue 14, item 5).

The crawl runs; then the database goes away while the run is judged (PostgreSQL: a proxy in
front of the server resets every connection and refuses new ones; SQLite: the file is
swapped for one that is not a database). The command must say what happened in one line
and exit non-zero, never a traceback; once the database is back, the next crawl works and
leaves no run "running" (a run the outage left open is marked failed, its lease taken over).
The scheduler's job survives the same outage and runs again at its next slot.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scheduler import crawl_runner
from scheduler.jobs import JobDef, Jobs
from storage.db import sqlite_path
from tests import dbfixtures
from tests.faultsite import EN_LIST, FaultSite
from tests.reliability.dbproxy import DbProxy
from tests.reliability.helpers import crawl, crawl_args, runs, spawn
from tests.scheduler.helpers import config_from

QUICK = {"DOWNLOAD_DELAY": "0.05", "LOG_LEVEL": "INFO"}


@dataclass
class Outage:
    url: str  # the database as the code under test reaches it
    cut: Any
    restore: Any


@pytest.fixture
def outage(db_url: str) -> Iterator[Outage]:
    if dbfixtures.backend() == "postgresql":
        with DbProxy.for_url(db_url) as proxy:
            yield Outage(proxy.url_for(db_url), proxy.cut, proxy.restore)
        return
    path = sqlite_path(db_url)
    assert path is not None
    away = path.with_name(path.name + ".away")

    def cut() -> None:
        os.replace(path, away)
        path.write_bytes(b"this is not a database\n" * 200)

    def restore() -> None:
        os.replace(away, path)

    yield Outage(db_url, cut, restore)
    if away.exists():
        restore()


@pytest.fixture
def outage_after_crawl(monkeypatch: pytest.MonkeyPatch, outage: Outage) -> Outage:
    """The outage starts the moment the crawl process ends (before its run is judged)."""
    supervise = crawl_runner._Crawl._supervise
    armed = [True]

    def then_cut(self: Any, *args: Any) -> Any:
        ending = supervise(self, *args)
        if armed.pop() if armed else False:  # the first crawl only
            outage.cut()
        return ending

    monkeypatch.setattr(crawl_runner._Crawl, "_supervise", then_cut)
    return outage


def test_outage_while_the_run_is_judged(outage_after_crawl: Outage, site: FaultSite) -> None:
    outage = outage_after_crawl
    result = crawl_runner.run_crawl(
        "mfa-en", db_url=outage.url, start_urls=[site.url(EN_LIST)], max_pages=1,
        settings=QUICK, timeout=120,
    )  # fmt: skip
    assert result.status == "failed"
    assert result.error and result.error.startswith("could not judge the run:"), result.error
    assert "\n" not in result.error
    outage.restore()
    [run] = runs(outage.url, "mfa-en")
    assert run["status"] == "succeeded"  # the crawl itself had finished its run


def test_outage_mid_crawl_then_recovery(outage: Outage, site: FaultSite, tmp_path: Path) -> None:
    """The command during the outage: one line, exit 1; afterwards the next crawl works."""
    args = [*crawl_args("mfa-en", [site.url(EN_LIST)], settings=QUICK), "--max-pages", "1"]
    proc = spawn(args, outage.url)
    deadline = time.monotonic() + 120
    while not any(r["status"] == "running" for r in runs(outage.url, "mfa-en")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(1.0)  # pages are being stored
    outage.cut()
    _, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    outage.restore()
    again = crawl(outage.url, "mfa-en", [site.url(EN_LIST)], settings=QUICK)
    assert again.stdout == "succeeded", again.stderr[-2000:]
    assert all(r["status"] != "running" for r in runs(outage.url, "mfa-en"))


def test_scheduler_job_survives_the_outage(
    outage_after_crawl: Outage, site: FaultSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outage = outage_after_crawl
    settings = ", ".join(f'{k} = "{v}"' for k, v in QUICK.items())
    config = config_from(
        tmp_path,
        "[sources.mfa-en]\n"
        'discovery = { every = "1h" }\nrevisit = []\ntimeout = 120\n'
        f'start_urls = ["{site.url(EN_LIST)}"]\nsettings = {{ {settings} }}\n'
        "[sources.mfa-zh]\nenabled = false\n",
    )
    jobs = Jobs(config, outage.url)
    job = JobDef("mfa-en", "discovery", config.sources["mfa-en"].discovery)
    with caplog.at_level(logging.INFO, logger="briefings"):
        assert jobs.run(job) is None  # the job ends, it does not raise
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
    assert any("could not judge the run" in r.getMessage() for r in caplog.records)
    outage.restore()
    # the next slot, with the database back: a normal run
    outcome = jobs.run(job)
    assert outcome is not None and outcome.status == "succeeded", outcome
