"""The crawl lease: one holder per source, expiry, renewal, and a two-process race."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

from storage import lease
from storage.types import utcnow
from tests.storage import workers


def test_acquire_renew_release(engine) -> None:
    assert lease.current(engine, "mfa-en") is None
    assert lease.acquire(engine, "mfa-en", "a", ttl_seconds=60, run_id=7)
    assert not lease.acquire(engine, "mfa-en", "b", ttl_seconds=60)
    assert lease.acquire(engine, "mfa-zh", "b", ttl_seconds=60)  # another source is free
    held = lease.current(engine, "mfa-en")
    assert (held.holder, held.run_id) == ("a", 7)
    assert lease.acquire(engine, "mfa-en", "a", ttl_seconds=60)  # re-entrant for its holder
    assert lease.renew(engine, "mfa-en", "a", ttl_seconds=120)
    assert not lease.renew(engine, "mfa-en", "b", ttl_seconds=120)
    assert not lease.release(engine, "mfa-en", "b")
    assert lease.release(engine, "mfa-en", "a")
    assert lease.current(engine, "mfa-en") is None
    assert lease.acquire(engine, "mfa-en", "b", ttl_seconds=60)


def test_expired_lease_is_taken_over(engine) -> None:
    past = utcnow() - timedelta(hours=1)
    assert lease.acquire(engine, "mfa-en", "dead", ttl_seconds=60, now=past)
    assert lease.current(engine, "mfa-en") is None  # expired
    assert lease.acquire(engine, "mfa-en", "alive", ttl_seconds=60)
    assert lease.current(engine, "mfa-en").holder == "alive"
    assert not lease.renew(engine, "mfa-en", "dead", ttl_seconds=60)


def test_two_processes_race_one_wins(db_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    for round_ in range(2):
        source = f"race-{round_}"
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [
            ctx.Process(target=workers.race_for_lease, args=(db_url, source, h, barrier, results))
            for h in ("p1", "p2")
        ]
        for p in procs:
            p.start()
        outcome = dict(results.get(timeout=120) for _ in procs)
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
        assert all(isinstance(won, bool) for won in outcome.values()), outcome  # none raised
        assert sorted(outcome.values()) == [False, True], outcome
