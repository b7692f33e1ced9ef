"""Stopping the command stops the crawl (issue 14, item 4).

The crawl is a ``scrapy crawl`` child in its own session, so a signal to ``briefings crawl``
or ``briefings schedule run`` alone never reaches it. Whatever ends the parent — SIGTERM
(``timeout 60 briefings crawl``, systemd), or SIGKILL (the OOM killer) — the child must end
too, its run must be finished (never left "running") and its lease released. A SIGTERM
ends the run "stopped"; a dead parent, "parent_gone".

The crawl is made slow by a drip on every article (a few seconds each), so every signal
lands in the middle of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from storage.runs import pid_alive
from tests.faultsite import EN_DIR, EN_LIST, Drip, FaultSite, article_paths
from tests.reliability.helpers import CLI, crawl_args, run_cli, runs, scalar, spawn

SLOW = {"DOWNLOAD_TIMEOUT": "60", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "DOWNLOAD_DELAY": "0.2"}
PATIENCE = 120.0  # seconds: bounded waits, never timed assertions


def slow_articles(site: FaultSite) -> None:
    for path in article_paths(EN_DIR):
        site.set(path, Drip(chunk=4096, interval=0.5))


def running_crawl(proc: subprocess.Popen, db_url: str) -> tuple[int, int]:
    """Wait until the command's crawl has started its run; (run id, crawl pid)."""
    deadline = time.monotonic() + PATIENCE
    while True:
        assert proc.poll() is None, proc.communicate()[1]
        running = [r for r in runs(db_url, "mfa-en") if r["status"] == "running"]
        if running:
            run_id = running[0]["id"]
            pid = scalar(db_url, "SELECT pid FROM crawl_run WHERE id = :i", i=run_id)
            if scalar(db_url, "SELECT COUNT(*) FROM capture WHERE run_id = :i", i=run_id):
                return run_id, pid
        assert time.monotonic() < deadline, "no crawl got going"
        time.sleep(0.2)


def wait_dead(pid: int) -> None:
    deadline = time.monotonic() + PATIENCE
    while pid_alive(pid):
        assert time.monotonic() < deadline, f"crawl process {pid} outlived its parent"
        time.sleep(0.1)


def finished_run(db_url: str, run_id: int) -> dict:
    deadline = time.monotonic() + PATIENCE
    while True:
        [run] = [r for r in runs(db_url, "mfa-en") if r["id"] == run_id]
        if run["status"] != "running":
            return run
        assert time.monotonic() < deadline, f"run {run_id} left running"
        time.sleep(0.2)


def settled_after_sigkill(db_url: str, run_id: int) -> None:
    """The crawl of a SIGKILLed scheduler dies with it (asserted by the caller) and records
    its run as ``parent_gone`` and frees the lease. It used to get two SIGTERMs at that
    moment (the parent-death signal and another), and Scrapy's second-SIGTERM rule then
    stopped it uncleanly, its run left "running" (seen in most runs once the crawl logs were
    read; crawler/stopsignal.py is the fix). Should a crawl still die without writing, the
    run must be what the next start settles, a dead process's run ("killed") and a dead
    holder's lease (the next crawl takes it over), never a run left "running" for good."""
    from crawler.extensions import holder_is_dead
    from storage.api import Archive

    archive = Archive.open(db_url)
    try:
        archive.mark_stale_runs()  # what the next scheduler start or crawl does
    finally:
        archive.close()
    run = finished_run(db_url, run_id)
    assert run["status"] == "failed" and run["finish_reason"] in ("parent_gone", "killed"), run
    if run["finish_reason"] == "parent_gone":
        assert lease_holders(db_url) == 0
    else:
        holders = scalar(db_url, "SELECT holder FROM crawl_lease WHERE source = 'mfa-en'")
        assert holders is None or holder_is_dead(holders)


def lease_holders(db_url: str) -> int:
    return scalar(db_url, "SELECT COUNT(*) FROM crawl_lease WHERE source = 'mfa-en'")


def crawl_command(site: FaultSite) -> list[str]:
    return [*crawl_args("mfa-en", [site.url(EN_LIST)], settings=SLOW), "--max-pages", "1"]


def test_sigterm_of_crawl_command_stops_the_crawl(db_url: str, site: FaultSite) -> None:
    slow_articles(site)
    proc = spawn(crawl_command(site), db_url)
    try:
        run_id, pid = running_crawl(proc, db_url)
        proc.send_signal(signal.SIGTERM)  # the command only, as `timeout` does
        _, stderr = proc.communicate(timeout=PATIENCE)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "mfa-en: stopped" in stderr, stderr
    wait_dead(pid)
    run = finished_run(db_url, run_id)
    assert (run["status"], run["finish_reason"]) == ("failed", "stopped"), run
    assert lease_holders(db_url) == 0
    shown = run_cli([*CLI, "runs"], db_url)
    assert shown.returncode == 0 and "stopped" in shown.stdout, shown.stdout
    # The next crawl is not blocked by anything the stopped one left behind.
    site.clear()
    again = run_cli([*crawl_command(site), "--json"], db_url)
    assert again.returncode == 0, again.stderr


def test_sigkill_of_crawl_command_kills_the_crawl(db_url: str, site: FaultSite) -> None:
    slow_articles(site)
    proc = spawn(crawl_command(site), db_url)
    try:
        run_id, pid = running_crawl(proc, db_url)
        os.kill(proc.pid, signal.SIGKILL)  # the command only: the OOM killer's choice
        proc.communicate(timeout=PATIENCE)
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_dead(pid)
    run = finished_run(db_url, run_id)
    assert run["status"] == "failed" and run["finish_reason"] == "parent_gone", run
    assert lease_holders(db_url) == 0


def test_a_second_sigterm_to_the_crawl_still_lets_it_record_its_run(
    db_url: str, site: FaultSite
) -> None:
    # systemd stopping a service signals every process in it, and the crawl runner forwards
    # its own SIGTERM: the crawl gets two. Scrapy alone would stop at the second, uncleanly.
    slow_articles(site)
    proc = spawn(crawl_command(site), db_url)
    try:
        run_id, pid = running_crawl(proc, db_url)
        os.kill(pid, signal.SIGTERM)
        time.sleep(0.5)  # (a signal still pending when the same one comes again is one)
        os.kill(pid, signal.SIGTERM)
        _, stderr = proc.communicate(timeout=PATIENCE)
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_dead(pid)
    assert "Traceback" not in stderr
    [run] = [r for r in runs(db_url, "mfa-en") if r["id"] == run_id]  # written by the crawl
    assert (run["status"], run["finish_reason"]) == ("failed", "shutdown"), run
    assert lease_holders(db_url) == 0


def schedule_config(tmp_path: Path, site: FaultSite) -> Path:
    settings = ", ".join(f'{k} = "{v}"' for k, v in {**SLOW, "LOG_LEVEL": "INFO"}.items())
    config = tmp_path / "scheduler.toml"
    config.write_text(
        "[sources.mfa-en]\n"
        'discovery = { every = "1h" }\nrevisit = []\ntimeout = 600\n'
        f'start_urls = ["{site.url(EN_LIST)}"]\nsettings = {{ {settings} }}\n'
        "[sources.mfa-zh]\nenabled = false\n"
    )
    return config


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_stopping_the_scheduler_stops_its_crawl(
    db_url: str, site: FaultSite, tmp_path: Path, signum: int
) -> None:
    slow_articles(site)
    config = schedule_config(tmp_path, site)
    proc = spawn([*CLI, "schedule", "run", "--config", str(config)], db_url)
    try:
        run_id, pid = running_crawl(proc, db_url)
        os.kill(proc.pid, signum)
        _, stderr = proc.communicate(timeout=PATIENCE)
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_dead(pid)
    if signum == signal.SIGKILL:
        settled_after_sigkill(db_url, run_id)
        return
    run = finished_run(db_url, run_id)
    assert (run["status"], run["finish_reason"]) == ("failed", "stopped"), run
    assert lease_holders(db_url) == 0
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr


def test_absurd_list_page_count_finishes_with_a_warning(db_url: str, site: FaultSite) -> None:
    """``var countPage = 100000000`` (issue 14, item 3): the walk is bounded at 500 pages
    (and stops at the first missing pages), the run says what the page announced."""
    from tests.faultsite import Body, site_page
    from tests.reliability.helpers import crawl

    page = site_page(EN_LIST).replace(b"var countPage = 13", b"var countPage = 100000000")
    site.set(EN_LIST, Body(page))
    done = crawl(db_url, "mfa-en", [site.url(EN_LIST)], full=True, max_pages=None)
    assert done.stdout == "succeeded", done.stderr[-2000:]
    [run] = runs(db_url, "mfa-en")
    assert run["stats"]["briefings/list_pages_capped"] == 100_000_000
    list_requests = [r for r in site.log if "default" in r.path]
    assert len(list_requests) <= 500, len(list_requests)
