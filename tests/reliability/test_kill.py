"""SIGKILL at random moments: a crawl, a reparse, the scheduler; again and again.

Each round starts the real command as a subprocess, waits a random time (seeded), then
SIGKILLs the command and every process it started (a power cut or the OOM killer: no
handler runs). After every kill the archive must be consistent (``archive_problems``:
``PRAGMA integrity_check``, no half-written version, contiguous version numbers, exactly one
latest version). After the rounds, one normal run must complete the work, with no
duplicate and nothing left "running".

Rounds: ``RELIAB_KILLS`` (default 20, split 8 crawl / 6 reparse / 6 scheduler) and
``RELIAB_KILL_SEED`` for the random moments.
"""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import pytest

from tests.faultsite import (
    EN_DIR,
    EN_LIST,
    ZH_LIST,
    Body,
    Drip,
    FaultSite,
    article_paths,
    site_page,
)
from tests.reliability.helpers import (
    CLI,
    FAST_SETTINGS,
    archive_problems,
    crawl,
    crawl_args,
    expected_hash,
    kill_tree,
    query,
    run_cli,
    runs,
    scalar,
    spawn,
)

TOTAL_KILLS = int(os.environ.get("RELIAB_KILLS", "20"))
CRAWL_KILLS = max(1, TOTAL_KILLS * 8 // 20)
REPARSE_KILLS = max(1, TOTAL_KILLS * 6 // 20)
SCHEDULER_KILLS = max(1, TOTAL_KILLS - CRAWL_KILLS - REPARSE_KILLS)
SEED = int(os.environ.get("RELIAB_KILL_SEED", "20261128"))
EN_PATHS = article_paths(EN_DIR)
EN_ARTICLES = len(EN_PATHS)
ZH_BRIEFINGS = 13  # the Chinese list's 15 items hold 13 briefings


def kill_after(args: list[str], db_url: str, seconds: float, cwd: Path | None = None) -> bool:
    """Run ``args``, SIGKILL its whole process tree after ``seconds``; True if it was still
    running (the kill really interrupted it)."""
    proc = spawn(args, db_url, cwd=cwd)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    alive = proc.poll() is None
    kill_tree(proc)
    return alive


def versions_per_briefing(db_url: str) -> list[int]:
    rows = query(
        db_url,
        "SELECT b.id, COUNT(v.id) AS n FROM briefing b LEFT JOIN version v "
        "ON v.briefing_id = b.id GROUP BY b.id",
    )
    return [r["n"] for r in rows]


LABEL = re.compile(rb"(Zhao Lijian|Hua Chunying|Geng Shuang|Wang Wenbin): ")


def round_body(path: str, round_no: int) -> bytes:
    """The page as the ministry edits it in round ``round_no`` (0: the real page)."""
    page = site_page(path)
    if round_no == 0:
        return page
    m = LABEL.search(page)
    assert m, path
    return page[: m.end()] + f"Round {round_no}. ".encode() + page[m.end() :]


def serve_round(site: FaultSite, round_no: int, drip: bool = True) -> None:
    # Dripped, so that every killed round has seconds of writes for the kill to interrupt.
    for path in EN_PATHS:
        body = round_body(path, round_no)
        site.set(path, Drip(chunk=8192, interval=0.1, body=body) if drip else Body(body))


@pytest.mark.timeout(300)
def test_sigkill_crawl_repeatedly_then_complete(db_url: str, site: FaultSite) -> None:
    """Round 0 discovers the 40 briefings; every later round revisits them all while the
    site serves a new edit of each page, so each round writes versions, exchanges and
    change events when it is killed."""
    rng = random.Random(SEED)
    discover = [*crawl_args("mfa-en", [site.url(EN_LIST)]), "--max-pages", "1"]
    revisit = crawl_args("mfa-en", revisit="all")
    interrupted = 0
    for round_no in range(CRAWL_KILLS):
        serve_round(site, round_no)
        args = discover if round_no == 0 else revisit
        interrupted += kill_after(args, db_url, rng.uniform(1.0, 3.5))
        assert archive_problems(db_url) == [], round_no
        if round_no == 0:  # the next discovery completes the killed one
            serve_round(site, 0, drip=False)
            done = crawl(db_url, "mfa-en", [site.url(EN_LIST)])
            assert done.stdout == "succeeded", done.stderr[-3000:]
            assert versions_per_briefing(db_url) == [1] * EN_ARTICLES
    assert interrupted >= CRAWL_KILLS // 2, "the kills came too late to interrupt anything"
    final = CRAWL_KILLS
    serve_round(site, final, drip=False)
    for done in (
        crawl(db_url, "mfa-en", [site.url(EN_LIST)]),
        crawl(db_url, "mfa-en", revisit="all", max_pages=None),
    ):
        assert done.stdout == "succeeded", done.stderr[-3000:]
    # Every briefing once, its latest version the last edit, no version half-written.
    latest = query(
        db_url,
        "SELECT l.url, v.content_hash FROM version v JOIN briefing_location l "
        "ON l.briefing_id = v.briefing_id WHERE v.is_latest = :t",
        t=True,
    )
    assert len(latest) == EN_ARTICLES == scalar(db_url, "SELECT COUNT(*) FROM briefing")
    for row in latest:
        path = "/" + row["url"].split("/", 3)[3]
        assert row["content_hash"] == expected_hash(round_body(path, final), row["url"]), path
    assert archive_problems(db_url, allow_running=False) == []
    killed = [r for r in runs(db_url) if r["status"] == "failed"]
    assert all(r["finish_reason"] in ("killed", "shutdown", "parent_gone", None) for r in killed), (
        killed
    )


@pytest.mark.timeout(300)
def test_sigkill_reparse_repeatedly_then_complete(db_url: str, site: FaultSite) -> None:
    done = crawl(db_url, "mfa-en", [site.url(EN_LIST)])
    assert done.stdout == "succeeded", done.stderr[-3000:]
    # A "parser upgrade": every latest version now differs from what the parser makes of
    # its stored page, so reparse has a new version to write for each briefing.
    with_stale_hashes(db_url)
    rng = random.Random(SEED + 1)
    interrupted = 0
    for _ in range(REPARSE_KILLS):
        interrupted += kill_after([*CLI, "reparse"], db_url, rng.uniform(0.6, 2.5))
        assert archive_problems(db_url) == []
    assert interrupted >= 1
    finished = run_cli([*CLI, "reparse"], db_url, timeout=180)
    assert finished.returncode == 0, finished.stderr
    # Every briefing got exactly one parser version, whichever round wrote it.
    assert versions_per_briefing(db_url) == [2] * EN_ARTICLES
    assert scalar(db_url, "SELECT COUNT(*) FROM version WHERE cause = 'parser'") == EN_ARTICLES
    again = run_cli([*CLI, "reparse"], db_url, timeout=180)
    assert again.returncode == 0
    assert versions_per_briefing(db_url) == [2] * EN_ARTICLES  # idempotent
    assert scalar(db_url, "SELECT COUNT(*) FROM change_event") == 0  # same content
    assert archive_problems(db_url, allow_running=False) == []


def with_stale_hashes(db_url: str) -> None:
    from sqlalchemy import text

    from tests.reliability.helpers import engine_for

    with engine_for(db_url) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE version SET content_hash = 'stale-' || id"))


def scheduler_config(path: Path, site: FaultSite) -> Path:
    settings = ", ".join(f'{k} = "{v}"' for k, v in FAST_SETTINGS.items())
    path.write_text(
        f"""
timezone = "UTC"
missed_runs = "skip"
[defaults]
timeout = 60
settings = {{ {settings} }}
discovery = [{{ every = "2s" }}]
revisit = [{{ every = "3s" }}]
[sources.mfa-en]
start_urls = ["{site.url(EN_LIST)}"]
[sources.mfa-zh]
start_urls = ["{site.url(ZH_LIST)}"]
""",
        encoding="utf-8",
    )
    return path


@pytest.mark.timeout(300)
def test_sigkill_scheduler_repeatedly_then_complete(
    db_url: str, site: FaultSite, tmp_path: Path
) -> None:
    config = scheduler_config(tmp_path / "kill.toml", site)
    args = [*CLI, "schedule", "run", "--config", str(config)]
    rng = random.Random(SEED + 2)
    interrupted = 0
    for _ in range(SCHEDULER_KILLS):
        interrupted += kill_after(args, db_url, rng.uniform(1.5, 5.0), cwd=tmp_path)
        assert archive_problems(db_url) == []
    assert interrupted == SCHEDULER_KILLS  # a service never ends by itself
    # The next run completes the work: let the scheduler run until both sources are in.
    before = scalar(db_url, "SELECT COALESCE(MAX(id), 0) FROM crawl_run")
    proc = spawn(args, db_url, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            n = scalar(db_url, "SELECT COUNT(*) FROM briefing")
            fresh = scalar(
                db_url,
                "SELECT COUNT(DISTINCT source) FROM crawl_run WHERE id > :b "
                "AND kind = 'discovery' AND status = 'succeeded'",
                b=before,
            )
            if n == EN_ARTICLES + ZH_BRIEFINGS and fresh == 2:
                break
            time.sleep(0.5)
    finally:
        import signal

        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert scalar(db_url, "SELECT COUNT(*) FROM briefing") == EN_ARTICLES + ZH_BRIEFINGS
    assert set(versions_per_briefing(db_url)) == {1}
    assert archive_problems(db_url, allow_running=False) == []
