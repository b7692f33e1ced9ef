"""Crawl runs: their lifecycle (start, finish, stale, history, failure streaks) and the one
rule that judges them, for crawls, revisits and reparses alike.

A run is judged from its stats, never from an exit code (``scrapy crawl`` exits 0 even when
every request failed). Rules of ``judge_run(stats, finish_reason, kind)``, first match wins:

1. the finish reason is not ``"finished"`` (``shutdown``, ``closespider_*``, ``busy``,
   ``cancelled``, ...): failed, "finish reason X";
2. spider callbacks raised (``spider_exceptions/*`` > 0): failed;
3. the pipeline could not store or parse something (``briefings/error`` > 0): failed (for a
   reparse: a stored page the parser rejects or crashes on); "disk full: ..." when the
   archive refused writes for want of space (``briefings/disk_full``);
4. a reparse that got this far succeeded (it fetches nothing); an import (kind ``import``,
   history from WARC/WACZ files or the Wayback Machine) is judged by its own records:
   failed when any record could not be read, parsed or stored (``import/failed`` > 0) or
   when it read nothing at all (``import/records`` is 0), else succeeded;
5. nothing was requested (``downloader/request_count`` is 0 or missing): failed, unless the
   run was a revisit with nothing due (``briefings/revisit_targets`` is 0): succeeded;
6. requests but no successful response (no 2xx or 304 in
   ``downloader/response_status_count/*``): failed; when there were download exceptions
   and no response at all the reason says "every download failed";
7. errors were logged (``log_count/ERROR`` > 0: retries given up, pipeline errors): failed;
8. otherwise succeeded.

Missing list pages (the site's 302 to ``/error.htm``) are 200 responses and not errors, so
they do not fail a run; suspect or not-a-transcript pages do not either.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import RunKind, RunStatus
from storage.errors import NotFound
from storage.models import CrawlRun
from storage.types import utcnow

SUCCEEDED = RunStatus.SUCCEEDED
FAILED = RunStatus.FAILED
DISCOVERY_KINDS = (RunKind.DISCOVERY, RunKind.FULL)


def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return int(value) if isinstance(value, int | float) else 0


def _sum_prefix(stats: Mapping[str, Any], prefix: str) -> int:
    return sum(_count(stats, k) for k in stats if k.startswith(prefix))


def successful_responses(stats: Mapping[str, Any]) -> int:
    prefix = "downloader/response_status_count/"
    total = 0
    for key in stats:
        if key.startswith(prefix):
            code = key[len(prefix) :]
            if code.startswith("2") or code == "304":
                total += _count(stats, key)
    return total


def judge_run(
    stats: Mapping[str, Any], finish_reason: str | None, kind: str | None = None
) -> tuple[RunStatus, str | None]:
    """``(status, reason)``: ``("succeeded", None)`` or ``("failed", "why, in one line")``."""
    if finish_reason != "finished":
        return FAILED, f"finish reason {finish_reason or 'unknown'}"
    exceptions = _sum_prefix(stats, "spider_exceptions/")
    if exceptions:
        return FAILED, f"{exceptions} spider exception(s)"
    storage_errors = _count(stats, "briefings/error")
    if storage_errors:
        if stats.get("briefings/disk_full"):
            return FAILED, f"disk full: {storage_errors} page(s) could not be stored"
        return FAILED, f"{storage_errors} page(s) could not be processed"
    if kind == RunKind.REPARSE:
        return SUCCEEDED, None
    if kind == RunKind.IMPORT:
        return judge_import(stats)
    requests = _count(stats, "downloader/request_count")
    if requests == 0:
        if stats.get("briefings/revisit_targets") == 0:
            return SUCCEEDED, None  # a revisit with nothing due did its job
        return FAILED, "nothing was requested"
    if successful_responses(stats) == 0:
        responses = _count(stats, "downloader/response_count")
        if _count(stats, "downloader/exception_count") and responses == 0:
            return FAILED, f"every download failed ({requests} requests)"
        return FAILED, f"no successful response to {requests} requests"
    errors = _count(stats, "log_count/ERROR")
    if errors:
        return FAILED, f"{errors} error(s) logged"
    return SUCCEEDED, None


def judge_import(stats: Mapping[str, Any]) -> tuple[RunStatus, str | None]:
    """Rule 4 for an import run (history import, issue 18)."""
    failed = _count(stats, "import/failed")
    if failed:
        return FAILED, f"{failed} record(s) failed"
    if _count(stats, "import/records") == 0:
        return FAILED, "no records read"
    return SUCCEEDED, None


def summarize_stats(stats: Mapping[str, Any]) -> dict[str, int]:
    """The figures people look at, from Scrapy's and the pipeline's stats."""
    return {
        "requests": _count(stats, "downloader/request_count"),
        "new": _count(stats, "briefings/new"),
        "revised": _count(stats, "briefings/revised"),
        "unchanged": _count(stats, "briefings/unchanged"),
        "not_modified": _count(stats, "briefings/not_modified"),
        "suspect": _count(stats, "briefings/suspect"),
        "errors": _count(stats, "briefings/error"),
        # List items left alone: not a regular press conference (Remarks, 答记者问), and
        # article-shaped links that cannot be followed (javascript:, mailto:, malformed).
        "skipped": _count(stats, "briefings/list_skipped"),
        "rejected": _count(stats, "briefings/list_rejected"),
    }


SKIP_REASON = "not a regular press conference (remarks, statements, 答记者问)"
REJECTED_PREFIX = "briefings/list_rejected/"


def skip_reasons(stats: Mapping[str, Any]) -> dict[str, int]:
    """Why list items were not crawled, with counts, most first (the crawl's own stats)."""
    reasons = {SKIP_REASON: _count(stats, "briefings/list_skipped")}
    for key in stats:
        if key.startswith(REJECTED_PREFIX):
            reasons[f"link not followed: {key[len(REJECTED_PREFIX) :]}"] = _count(stats, key)
    return dict(sorted(((r, n) for r, n in reasons.items() if n), key=lambda rn: -rn[1]))


# --- the lifecycle --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One crawl_run row, as every caller sees it."""

    id: int
    source: str
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    finish_reason: str | None
    error: str | None
    pid: int | None
    hostname: str | None
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 1)

    @property
    def figures(self) -> dict[str, int]:
        return summarize_stats(self.stats)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "kind": self.kind,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration_seconds": self.duration_seconds,
            "status": self.status,
            "finish_reason": self.finish_reason,
            **self.figures,
            "skip_reasons": skip_reasons(self.stats),
            "error": self.error,
        }


def record_of(run: CrawlRun) -> RunRecord:
    return RunRecord(
        id=run.id,
        source=run.source,
        kind=run.kind,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        finish_reason=run.finish_reason,
        error=run.error,
        pid=run.pid,
        hostname=run.hostname,
        stats=dict(run.stats or {}),
    )


def start_run(session: Session, source: str, kind: str, *, pid: int | None = None) -> int:
    run = CrawlRun(
        source=source,
        kind=RunKind(kind),
        started_at=utcnow(),
        status=RunStatus.RUNNING,
        stats={},
        pid=os.getpid() if pid is None else pid,
        hostname=socket.gethostname(),
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    *,
    stats: Mapping[str, Any],
    finish_reason: str | None,
    only_if_running: bool = False,
) -> RunRecord:
    """Store the stats and judge the run from them. ``only_if_running``: leave a run that
    its own process finished already as it is (a supervisor finishing an abandoned run)."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise NotFound(f"no crawl run {run_id}")
    if only_if_running and run.status != RunStatus.RUNNING:
        return record_of(run)
    status, reason = judge_run(stats, finish_reason, run.kind)
    run.stats = json_safe(stats)
    run.finish_reason = finish_reason
    run.finished_at = utcnow()
    run.status = status
    run.error = reason
    return record_of(run)


def mark_stale_runs(session: Session) -> list[int]:
    """Mark this host's "running" runs whose process is gone as failed ("killed")."""
    host = socket.gethostname()
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.status == RunStatus.RUNNING, CrawlRun.hostname == host)
    ).all()
    stale = [run for run in runs if run.pid is None or not pid_alive(run.pid)]
    for run in stale:
        run.status = RunStatus.FAILED
        run.finish_reason = "killed"
        run.error = f"process {run.pid} on {host} ended without finishing the run"
        run.finished_at = utcnow()
    return [run.id for run in stale]


def get_run(session: Session, run_id: int) -> RunRecord:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise NotFound(f"no crawl run {run_id}")
    return record_of(run)


def run_of_pid(session: Session, source: str, pid: int) -> int | None:
    """The latest run of ``source`` started by process ``pid`` (on any host)."""
    return session.scalar(
        select(CrawlRun.id)
        .where(CrawlRun.source == source, CrawlRun.pid == pid)
        .order_by(CrawlRun.id.desc())
        .limit(1)
    )


def recent_runs(
    session: Session, *, source: str | None = None, failed: bool = False, limit: int = 20
) -> list[RunRecord]:
    """The latest runs, newest first."""
    query = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)
    if source:
        query = query.where(CrawlRun.source == source)
    if failed:
        query = query.where(CrawlRun.status == RunStatus.FAILED)
    return [record_of(run) for run in session.scalars(query)]


def failure_streak(session: Session, source: str, limit: int = 100) -> int:
    """How many of the source's latest finished runs failed in a row (busy ones ignored)."""
    rows = session.execute(
        select(CrawlRun.status, CrawlRun.finish_reason)
        .where(CrawlRun.source == source, CrawlRun.status != RunStatus.RUNNING)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(limit)
    )
    streak = 0
    for status, reason in rows:
        if reason == "busy":
            continue
        if status != RunStatus.FAILED:
            break
        streak += 1
    return streak


def last_success(session: Session, source: str, kind: str) -> datetime | None:
    """When the latest successful run of this source and kind started."""
    return session.scalar(
        select(CrawlRun.started_at)
        .where(
            CrawlRun.source == source,
            CrawlRun.kind == kind,
            CrawlRun.status == RunStatus.SUCCEEDED,
        )
        .order_by(CrawlRun.started_at.desc())
        .limit(1)
    )


def previous_discovery_finished(session: Session, source: str, run_id: int | None) -> bool:
    """Did the last discovery run (other than ``run_id``) walk its list pages to the end?

    Only then may an incremental crawl stop at the first page of known briefings: after a
    killed, stopped or list-failing run, items further down may never have been fetched.
    """
    query = select(CrawlRun).where(CrawlRun.source == source, CrawlRun.kind.in_(DISCOVERY_KINDS))
    if run_id is not None:
        query = query.where(CrawlRun.id != run_id)
    run = session.scalar(query.order_by(CrawlRun.id.desc()).limit(1))
    if run is None:
        return False
    stats = run.stats or {}
    return run.finish_reason == "finished" and not stats.get("briefings/list_error")


def json_safe(value: Any) -> Any:
    """Scrapy stats hold datetimes and the odd object: make them JSON."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def pid_alive(pid: int) -> bool:
    """Is process ``pid`` on this host still running? A zombie (killed, not yet reaped by
    its parent) is not: its lease and run can be taken over at once."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux) or it just vanished: trust kill(0)
    # The state is the field after the parenthesised command name, which may hold spaces.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
