"""A SIGKILLed import resumes without duplicates: the capture and its provenance (the resume
key) commit together, so a re-run imports exactly what the killed run had not committed."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from storage.db import make_engine
from storage.models import CaptureProvenance, Version
from tests.importing.warcs import EN_FOLDER, ZH_FOLDER, Rec, site_pages, warc_bytes, write
from tests.reliability.helpers import CLI, archive_problems, kill_tree, run_cli, spawn

ROUNDS = 6  # each page once per round, a day apart: the first round makes the versions


def provenance_rows(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(CaptureProvenance)) or 0
    finally:
        engine.dispose()


def test_a_killed_import_resumes_without_duplicates(db_url, tmp_path, workers) -> None:
    pages = site_pages(EN_FOLDER) + site_pages(ZH_FOLDER)
    records = [
        Rec(url, body, date=f"2020-07-{10 + day:02d}T08:00:00Z")
        for day in range(ROUNDS)
        for url, body in pages
    ]
    data, _ = warc_bytes(records)
    path = write(tmp_path / "big.warc.gz", data)
    args = [*CLI, "import", path, "--json"]

    proc = spawn(args, db_url)
    deadline = time.monotonic() + 120
    while provenance_rows(db_url) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    kill_tree(proc)
    committed = provenance_rows(db_url)
    assert 0 < committed < len(records), "the kill must land mid-import"
    assert archive_problems(db_url) == []

    done = run_cli(args, db_url)
    assert done.returncode == 0, done.stderr
    assert provenance_rows(db_url) == len(records)
    assert f'"already imported": {committed}' in done.stdout

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            versions = conn.scalar(select(func.count()).select_from(Version))
    finally:
        engine.dispose()
    assert versions == len({url for url, _ in pages}) - 2  # the Chinese list's twins: 13 of 15
    assert archive_problems(db_url, allow_running=False) == []  # the killed run: "killed"
