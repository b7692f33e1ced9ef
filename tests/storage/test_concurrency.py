"""Several writer processes on one database: no lost capture, no duplicate version."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import text

from storage.db import is_sqlite
from storage.models import Briefing, Capture, CrawlRun, Exchange, Version
from tests.storage import workers
from tests.storage.helpers import count, rows

PROCESSES, BRIEFINGS, ROUNDS = 4, 3, 6


def test_four_writer_processes(db_url: str, engine) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    procs = [
        ctx.Process(
            target=workers.record_alternating,
            # Half the writers record three captures per transaction, as the crawl's writer does.
            args=(db_url, w, BRIEFINGS, ROUNDS, barrier, 1 if w % 2 else BRIEFINGS),
        )
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    assert count(engine, Capture) == PROCESSES * BRIEFINGS * ROUNDS
    assert count(engine, Briefing) == BRIEFINGS
    assert count(engine, CrawlRun, CrawlRun.status == "running") == 0
    versions: dict[int, list[int]] = {}
    for briefing_id, number in rows(
        engine, Version.briefing_id, Version.number, order_by=Version.number
    ):
        versions.setdefault(briefing_id, []).append(number)
    for numbers in versions.values():
        assert numbers == list(range(1, len(numbers) + 1))
        assert len(numbers) > 1  # alternating contents made revisions
    assert count(engine, Version, Version.is_latest) == BRIEFINGS
    assert count(engine, Exchange) == 6 * count(engine, Version)
    outcomes = {o for (o,) in rows(engine, Capture.outcome)}
    assert outcomes <= {"new", "unchanged", "revised"}
    assert sorted(o for (o,) in rows(engine, Capture.outcome) if o == "new") == ["new"] * 3
    if is_sqlite(engine):
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
