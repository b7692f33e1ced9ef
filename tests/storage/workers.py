"""Functions run in child processes (multiprocessing "spawn" imports them by name)."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from storage.db import make_engine


def wait_for_siblings(barrier: Any) -> None:
    """Start together; on a very loaded machine a late sibling must not fail the test."""
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=180)


def race_for_lease(db_url: str, source: str, holder: str, barrier: Any, results: Any) -> None:
    from storage import lease

    engine = make_engine(db_url)
    try:
        wait_for_siblings(barrier)
        try:
            results.put((holder, lease.acquire(engine, source, holder, ttl_seconds=600)))
        except Exception as exc:  # report it: a silent death would leave the test waiting
            results.put((holder, f"raised {exc!r}"))
    finally:
        engine.dispose()


def record_alternating(
    db_url: str, worker: int, briefings: int, rounds: int, barrier: Any, batch: int = 1
) -> None:
    """Record ``rounds`` captures of each of ``briefings`` briefings, alternating contents
    so that most captures make a new version; ``batch`` > 1: that many per transaction."""
    from storage.api import Archive
    from storage.fetch import make_fetch
    from tests.storage.factories import html_of, make_briefing
    from tests.storage.helpers import record

    engine = make_engine(db_url)
    try:
        archive = Archive(engine, confirm_after=0)
        run_id = archive.start_run("mfa-en")
        wait_for_siblings(barrier)
        pending = []
        for r in range(rounds):
            for b in range(briefings):
                held_on = f"2024-03-{b + 1:02d}"
                variant = (r + worker) % 2
                data = make_briefing(6, held_on=held_on, answers={0: f"Variant {variant} answer."})
                if batch == 1:
                    record(archive, run_id, data)
                    continue
                body = html_of(data)
                pending.append(
                    make_fetch(run_id, url=data["url"], status_code=200, body=body, briefing=data)
                )
                if len(pending) == batch:
                    results = archive.record_fetches(pending)
                    assert not [x for x in results if isinstance(x, Exception)], results
                    pending = []
        assert not pending
        archive.finish_run(run_id, stats={}, finish_reason="finished")
    finally:
        engine.dispose()


def open_and_write(db_url: str, name: str, barrier: Any, results: Any) -> None:
    """Open the database (its first connection switches it to WAL) and write one row."""
    from sqlalchemy import text

    wait_for_siblings(barrier)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO opener (name) VALUES (:n)"), {"n": name})
        results.put((name, "ok"))
    except Exception as exc:  # report it: a silent death would leave the test waiting
        results.put((name, f"raised {exc!r}"))
    finally:
        engine.dispose()


def record_republications(
    db_url: str, found_at: list[tuple[str, str]], barrier: Any, results: Any
) -> None:
    """For each (held_on, url): together with the sibling, record the briefing of that date
    (same source, language, date and title in every process) as found at ``url``."""
    from storage.api import Archive
    from tests.storage.factories import make_briefing
    from tests.storage.helpers import record

    engine = make_engine(db_url)
    try:
        archive = Archive(engine)
        for held_on, url in found_at:
            data = make_briefing(4, url=url, held_on=held_on, title=f"Press Conference {held_on}")
            wait_for_siblings(barrier)
            try:
                results.put((url, record(archive, None, data).outcome))
            except Exception as exc:  # report it: a silent death would leave the test waiting
                results.put((url, f"raised {exc!r}"))
    finally:
        engine.dispose()
