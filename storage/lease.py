"""At most one crawl per source at a time, across processes and hosts: a lease row.

``acquire`` is one atomic statement on both backends, an upsert that only overwrites an
expired lease (or the caller's own)::

    INSERT INTO crawl_lease ... ON CONFLICT (source) DO UPDATE SET ...
    WHERE crawl_lease.expires_at < :now OR crawl_lease.holder = :holder
    RETURNING holder

so two processes racing for the same source cannot both win. Holders renew the lease
while they work (``renew``) and ``release`` it at the end; a holder that dies simply lets
it expire. Times are the writers' UTC clocks: keep hosts' clocks in sync (NTP).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.db import session_scope
from storage.models import CrawlLease
from storage.types import utcnow


def default_holder() -> str:
    """``host:pid``, unique enough among the machines sharing one database."""
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire(
    engine: Engine,
    source: str,
    holder: str,
    ttl_seconds: float,
    run_id: int | None = None,
    *,
    now: datetime | None = None,
) -> bool:
    """Take the lease of ``source`` if it is free, expired or already ``holder``'s."""
    now = now or utcnow()
    values = {
        "source": source,
        "holder": holder,
        "run_id": run_id,
        "acquired_at": now,
        "expires_at": now + timedelta(seconds=ttl_seconds),
    }
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(CrawlLease).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CrawlLease.source],
        set_={k: stmt.excluded[k] for k in ("holder", "run_id", "acquired_at", "expires_at")},
        where=(CrawlLease.expires_at < now) | (CrawlLease.holder == holder),
    ).returning(CrawlLease.holder)
    with session_scope(engine) as session:
        won = session.execute(stmt).scalar_one_or_none()
    return won == holder


def renew(
    engine: Engine,
    source: str,
    holder: str,
    ttl_seconds: float,
    *,
    now: datetime | None = None,
) -> bool:
    """Extend ``holder``'s lease; False when someone else holds it now (stop working)."""
    now = now or utcnow()
    with session_scope(engine) as session:
        statement = (
            update(CrawlLease)
            .where(CrawlLease.source == source, CrawlLease.holder == holder)
            .values(expires_at=now + timedelta(seconds=ttl_seconds))
        )
        return _one_row(session.execute(statement))


def release(engine: Engine, source: str, holder: str) -> bool:
    """Give the lease back; False when ``holder`` did not hold it."""
    with session_scope(engine) as session:
        statement = delete(CrawlLease).where(
            CrawlLease.source == source, CrawlLease.holder == holder
        )
        return _one_row(session.execute(statement))


def current(engine: Engine, source: str, *, now: datetime | None = None) -> CrawlLease | None:
    """The live (unexpired) lease of ``source``, or None."""
    now = now or utcnow()
    with session_scope(engine) as session:
        lease = session.scalar(select(CrawlLease).where(CrawlLease.source == source))
        if lease is None or lease.expires_at <= now:
            return None
        session.expunge(lease)
        return lease


def _one_row(result: Result[Any]) -> bool:
    """Whether an UPDATE or DELETE touched exactly one row."""
    return cast("CursorResult[Any]", result).rowcount == 1
