"""Fakes for the scheduler tests: a crawl runner that writes runs like the real one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from scheduler.config import Config, load_config
from storage.db import make_engine, session_scope
from storage.models import Briefing, Capture, ChangeEvent, CrawlRun
from storage.types import utcnow

# No slot of this fires within a test: the service's jobs run only when a test says so.
NEVER = '[{ cron = "0 3 1 1 *" }]'


@dataclass
class FakeResult:
    source: str
    run_id: int | None
    status: str
    returncode: int | None = 0
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


STATS = {"downloader/request_count": 42, "briefings/new": 3, "briefings/unchanged": 37}


@dataclass
class FakeRunner:
    """Stands in for ``run_crawl``: records calls, writes a crawl_run row, returns a result.

    ``statuses``: status of each successive call (then ``"succeeded"``); ``seconds``: how long
    a crawl takes (it ends early, "stopped", when the stop event is set); ``on_run``: called
    with (engine, run_id, source) to add captures and change events to the run.
    """

    db_url: str
    statuses: list[str] = field(default_factory=list)
    seconds: float = 0.0
    on_run: Callable[[Engine, int, str], None] | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, source: str, **kwargs: Any) -> FakeResult:
        with self.lock:
            self.calls.append({"source": source, **kwargs})
            status = self.statuses.pop(0) if self.statuses else "succeeded"
        if status == "busy":
            return FakeResult(source, None, "busy", 3)
        engine = make_engine(self.db_url)
        try:
            kind = "revisit" if kwargs.get("revisit") else "discovery"
            run_id = add_run(engine, source, kind=kind, status="running")
            stop: threading.Event | None = kwargs.get("stop_event")
            if self.seconds and stop is not None and stop.wait(self.seconds):
                status = "stopped"
            elif self.seconds and stop is None:
                time.sleep(self.seconds)
            if self.on_run is not None:
                self.on_run(engine, run_id, source)
            finish_run(engine, run_id, "succeeded" if status == "succeeded" else "failed")
        finally:
            engine.dispose()
        return FakeResult(source, run_id, status, stats=dict(STATS))

    def sources(self, kind: str | None = None) -> list[str]:
        wanted = [
            c for c in self.calls if kind is None or bool(c.get("revisit")) == (kind == "revisit")
        ]
        return [c["source"] for c in wanted]


def add_run(
    engine: Engine,
    source: str,
    *,
    kind: str = "discovery",
    status: str = "succeeded",
    started: datetime | None = None,
    finish_reason: str | None = None,
    stats: dict[str, Any] | None = None,
) -> int:
    started = started or utcnow()
    with session_scope(engine) as session:
        run = CrawlRun(
            source=source, kind=kind, started_at=started, status=status, stats=stats or {}
        )
        if status != "running":
            run.finished_at = started + timedelta(seconds=12)
            run.finish_reason = finish_reason or (
                "finished" if status == "succeeded" else "shutdown"
            )
        session.add(run)
        session.flush()
        return run.id


def finish_run(engine: Engine, run_id: int, status: str) -> None:
    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.status, run.finished_at = status, utcnow()
        run.finish_reason = "finished" if status == "succeeded" else "shutdown"
        run.stats = dict(STATS)


def add_briefing(engine: Engine, source: str = "mfa-en", *, held_on: date | None = None) -> int:
    with session_scope(engine) as session:
        briefing = Briefing(
            source=source,
            language="en" if source.endswith("en") else "zh",
            url=f"https://www.fmprc.gov.cn/{source}/{held_on or 'x'}/t{time.monotonic_ns()}.html",
            held_on=held_on or date(2026, 11, 27),
            first_seen=datetime.combine(held_on or date(2026, 11, 27), datetime.min.time(), UTC),
            title="Foreign Ministry Spokesperson's Regular Press Conference",
        )
        session.add(briefing)
        session.flush()
        return briefing.id


def add_event(
    engine: Engine, run_id: int, briefing_id: int, *, type: str = "removed", asker: str = "Reuters",
    before: str = "Q: On Taiwan?\n\nA: No comment.", cause: str = "page",
) -> int:  # fmt: skip
    with session_scope(engine) as session:
        capture = Capture(run_id=run_id, url="https://www.fmprc.gov.cn/x.html", outcome="revised")
        capture.briefing_id = briefing_id
        session.add(capture)
        session.flush()
        event = ChangeEvent(
            type=type, cause=cause, briefing_id=briefing_id, from_version=1, to_version=2,
            exchange_uid="0123456789abcdef", index_before=4, asker=asker, answerer="Mao Ning",
            fields=None, before=before, after=None, capture_id=capture.id,
        )  # fmt: skip
        session.add(event)
        session.flush()
        return event.id


def events_adder(**event: Any) -> Callable[[Engine, int, str], None]:
    """An ``on_run`` that records one change event of a new briefing in the run."""

    def add(engine: Engine, run_id: int, source: str) -> None:
        add_event(engine, run_id, add_briefing(engine, source), **event)

    return add


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scheduler.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_from(tmp_path: Path, text: str) -> Config:
    return load_config(write_config(tmp_path, text))


def quiet_sources(*, en: str = NEVER, zh: str = NEVER, revisit: str = "[]") -> str:
    """Config text for both sources with the given discovery schedules, revisit off."""
    return (
        f"[sources.mfa-en]\ndiscovery = {en}\nrevisit = {revisit}\n"
        f"[sources.mfa-zh]\ndiscovery = {zh}\nrevisit = {revisit}\n"
    )
