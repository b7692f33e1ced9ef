"""A SIGKILLed import resumes without duplicates: the capture and its provenance (the resume
key) commit together, so a re-run imports exactly what the killed run had not committed.
Ctrl-C (SIGINT to the whole process group, parse worker included) stops it cleanly."""

from __future__ import annotations

import os
import signal
import time

from sqlalchemy import func, select

from storage.db import make_engine
from storage.models import CaptureProvenance, Version
from tests.importing.warcs import EN_FOLDER, ZH_FOLDER, Rec, site_pages, warc_bytes, write
from tests.reliability.helpers import (
    CLI,
    archive_problems,
    descendants,
    kill_tree,
    run_cli,
    spawn,
)

ROUNDS = 20  # each page once per round, a day apart: the first round makes the versions
# (20 rounds: the import must outlast the moment the test takes to interrupt it after its
# first commit; with 6, a faster import could finish before the signal landed)


def provenance_rows(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(CaptureProvenance)) or 0
    finally:
        engine.dispose()


def big_warc(tmp_path) -> tuple[str, list[tuple[str, bytes]], int]:
    pages = site_pages(EN_FOLDER) + site_pages(ZH_FOLDER)
    records = [
        Rec(url, body, date=f"2020-07-{10 + day:02d}T08:00:00Z")
        for day in range(ROUNDS)
        for url, body in pages
    ]
    data, _ = warc_bytes(records)
    return write(tmp_path / "big.warc.gz", data), pages, len(records)


def started(proc, db_url: str) -> None:
    """Until the import's first batch is committed."""
    deadline = time.monotonic() + 120
    while provenance_rows(db_url) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


def gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while os.path.exists(f"/proc/{pid}"):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_killed_import_resumes_without_duplicates(db_url, tmp_path, workers) -> None:
    path, pages, total = big_warc(tmp_path)
    args = [*CLI, "import", path, "--json"]

    proc = spawn(args, db_url)
    started(proc, db_url)
    kill_tree(proc)
    committed = provenance_rows(db_url)
    assert 0 < committed < total, "the kill must land mid-import"
    assert archive_problems(db_url) == []

    done = run_cli(args, db_url)
    assert done.returncode == 0, done.stderr
    assert provenance_rows(db_url) == total
    assert f'"already imported": {committed}' in done.stdout

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            versions = conn.scalar(select(func.count()).select_from(Version))
    finally:
        engine.dispose()
    assert versions == len({url for url, _ in pages}) - 2  # the Chinese list's twins: 13 of 15
    assert archive_problems(db_url, allow_running=False) == []  # the killed run: "killed"


def test_ctrl_c_stops_the_import_and_its_worker_without_a_traceback(db_url, tmp_path) -> None:
    path, _, total = big_warc(tmp_path)
    proc = spawn([*CLI, "import", path, "--workers", "1"], db_url)
    started(proc, db_url)
    children = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "Traceback" not in stderr, stderr
    assert "Aborted!" in stderr
    # The worker, and multiprocessing's resource tracker (it exits when we have).
    assert children and all(gone(pid) for pid in children)
    assert 0 < provenance_rows(db_url) < total, "the interrupt must land mid-import"
    assert archive_problems(db_url, allow_running=False) == []
    done = run_cli([*CLI, "import", path, "--json"], db_url)
    assert done.returncode == 0, done.stderr
    assert provenance_rows(db_url) == total
