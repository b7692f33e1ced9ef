"""Small helpers shared by the storage tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from storage.api import Archive, CaptureResult
from storage.models import Base
from tests.storage.factories import html_of


def record(
    archive: Archive, run_id: int | None, briefing: dict[str, Any], **kwargs: Any
) -> CaptureResult:
    """A 200 capture of ``briefing`` at its own URL."""
    kwargs.setdefault("url", briefing["url"])
    kwargs.setdefault("status_code", 200)
    kwargs.setdefault("body", html_of(briefing))
    kwargs.setdefault("parser_version", "test-1")
    return archive.record_capture(run_id, briefing=briefing, **kwargs)


def count(engine: Engine, model: type[Base], *where: Any) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model).where(*where))


def rows(engine: Engine, *columns: Any, where: tuple = (), order_by: Any = None) -> list[tuple]:
    stmt = select(*columns).where(*where)
    if order_by is not None:
        stmt = stmt.order_by(order_by)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]
