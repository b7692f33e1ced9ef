"""Helpers of the reliability tests: run the real commands, read and check the archive.

Everything here judges by what is STORED: crawl_run rows, captures, versions, exchanges and
change events; never by an exit code alone (``scrapy crawl`` exits 0 when all failed).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from storage.db import is_sqlite, make_engine
from tests.conftest import REPO_ROOT

PYTHON = sys.executable
CLI = [PYTHON, "-m", "scheduler.cli"]

# Politeness off on loopback; short timeouts so hangs cost seconds, a couple of retries.
FAST_SETTINGS: dict[str, str] = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "2",
    "LOG_LEVEL": "INFO",
}


# --------------------------------------------------------------------------- databases


@contextmanager
def module_database(directory: Path) -> Iterator[str]:
    """A fresh migrated database (SQLite file or PostgreSQL schema) for a whole module."""
    from tests import dbfixtures

    if dbfixtures.backend() == "postgresql":
        dbfixtures.check_pg_server()
        schema, url = dbfixtures.create_pg_schema()
        try:
            yield url
        finally:
            dbfixtures.drop_pg_schema(schema)
        return
    path = directory / "archive.db"
    shutil.copyfile(dbfixtures.sqlite_template(), path)
    yield f"sqlite:///{path}"


@contextmanager
def engine_for(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url, immediate=False)
    try:
        yield engine
    finally:
        engine.dispose()


def query(db_url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    with engine_for(db_url) as engine, engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def scalar(db_url: str, sql: str, **params: Any) -> Any:
    with engine_for(db_url) as engine, engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def captures_of(db_url: str, path: str) -> list[dict[str, Any]]:
    """Captures of the URL(s) ending in ``path`` (any host, any query), oldest first."""
    return query(
        db_url,
        "SELECT id, run_id, url, final_url, status_code, outcome, reason, briefing_id, "
        "version_id FROM capture WHERE url LIKE :pat ORDER BY id",
        pat=f"%{path}",
    )


def briefing_of(db_url: str, path: str) -> dict[str, Any] | None:
    rows = query(
        db_url,
        "SELECT b.* FROM briefing b JOIN briefing_location l ON l.briefing_id = b.id "
        "WHERE l.url LIKE :pat",
        pat=f"%{path}",
    )
    return rows[0] if rows else None


def versions_of(db_url: str, briefing_id: int) -> list[dict[str, Any]]:
    rows = query(
        db_url,
        "SELECT id, number, content_hash, data, exchange_count, is_latest, cause FROM version "
        "WHERE briefing_id = :b ORDER BY number",
        b=briefing_id,
    )
    for row in rows:
        if isinstance(row["data"], str):
            row["data"] = json.loads(row["data"])
    return rows


def runs(db_url: str, source: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT id, source, kind, status, finish_reason, stats, error FROM crawl_run"
    rows = query(db_url, sql + (" WHERE source = :s" if source else "") + " ORDER BY id", s=source)
    for row in rows:
        if isinstance(row["stats"], str):
            row["stats"] = json.loads(row["stats"])
    return rows


def change_events(db_url: str) -> list[dict[str, Any]]:
    return query(db_url, "SELECT * FROM change_event ORDER BY id")


# --------------------------------------------------------------------------- invariants


def archive_problems(db_url: str, *, allow_running: bool = True) -> list[str]:
    """Everything that would make the archive untrustworthy, as readable lines (empty: ok).

    - SQLite ``PRAGMA integrity_check`` and ``foreign_key_check``;
    - every version has exactly ``exchange_count`` exchanges, at positions 0..n-1;
    - version numbers of a briefing are 1..n with no gap or duplicate;
    - exactly one ``is_latest`` version per briefing that has versions, and it is the highest;
    - every capture that names a version names one of its briefing;
    - every change event names versions that exist;
    - (``allow_running=False``) no crawl run is left "running".
    """
    problems: list[str] = []
    with engine_for(db_url) as engine, engine.connect() as conn:
        if is_sqlite(engine):
            result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems.append(f"integrity_check: {result[:5]}")
            fk = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
            if fk:
                problems.append(f"foreign_key_check: {fk[:5]}")

        def rows(sql: str) -> list[Any]:
            return list(conn.execute(text(sql)))

        for vid, expected, actual in rows(
            "SELECT v.id, v.exchange_count, COUNT(e.id) FROM version v "
            "LEFT JOIN exchange e ON e.version_id = v.id GROUP BY v.id, v.exchange_count "
            "HAVING COUNT(e.id) <> v.exchange_count"
        ):
            problems.append(f"version {vid}: exchange_count {expected} but {actual} exchanges")
        for vid, lo, hi, n in rows(
            "SELECT version_id, MIN(position), MAX(position), COUNT(*) FROM exchange "
            "GROUP BY version_id HAVING MIN(position) <> 0 OR MAX(position) <> COUNT(*) - 1"
        ):
            problems.append(f"version {vid}: exchange positions {lo}..{hi} for {n} exchanges")
        for bid, lo, hi, n, distinct in rows(
            "SELECT briefing_id, MIN(number), MAX(number), COUNT(*), COUNT(DISTINCT number) "
            "FROM version GROUP BY briefing_id"
        ):
            if lo != 1 or hi != n or distinct != n:
                problems.append(f"briefing {bid}: version numbers {lo}..{hi}, {n} rows")
        for bid, latest in rows(
            "SELECT b.id, (SELECT COUNT(*) FROM version v WHERE v.briefing_id = b.id "
            "AND v.is_latest = :t) FROM briefing b WHERE EXISTS "
            "(SELECT 1 FROM version v WHERE v.briefing_id = b.id)".replace(
                ":t", "TRUE" if not is_sqlite(engine) else "1"
            )
        ):
            if latest != 1:
                problems.append(f"briefing {bid}: {latest} latest versions")
        for (bid,) in rows(
            "SELECT v.briefing_id FROM version v WHERE v.is_latest = "
            + ("TRUE" if not is_sqlite(engine) else "1")
            + " AND v.number <> (SELECT MAX(number) FROM version w "
            "WHERE w.briefing_id = v.briefing_id)"
        ):
            problems.append(f"briefing {bid}: the latest version is not the highest number")
        for (cid,) in rows(
            "SELECT c.id FROM capture c JOIN version v ON v.id = c.version_id "
            "WHERE c.briefing_id IS NOT NULL AND c.briefing_id <> v.briefing_id"
        ):
            problems.append(f"capture {cid}: version of another briefing")
        for (eid,) in rows(
            "SELECT e.id FROM change_event e WHERE e.to_version IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM version v WHERE v.briefing_id = e.briefing_id "
            "AND v.number = e.to_version)"
        ):
            problems.append(f"change event {eid}: to_version missing")
        if not allow_running:
            for (rid,) in rows("SELECT id FROM crawl_run WHERE status = 'running'"):
                problems.append(f"run {rid} still 'running'")
    return problems


# --------------------------------------------------------------------------- commands


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def child_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and k != "NO_PROXY"
    }
    env["BRIEFINGS_DB_URL"] = db_url
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def settings_args(settings: dict[str, str] | None) -> list[str]:
    merged = {**FAST_SETTINGS, **(settings or {})}
    return [arg for name, value in merged.items() for arg in ("-s", f"{name}={value}")]


def crawl_args(
    source: str,
    start_urls: Sequence[str] = (),
    *,
    settings: dict[str, str] | None = None,
    full: bool = False,
    revisit: str | None = None,
) -> list[str]:
    args = [*CLI, "crawl", source]
    for url in start_urls:
        args += ["--start-url", url]
    if full:
        args.append("--full")
    if revisit:
        args += ["--revisit", revisit]
    return args + settings_args(settings)


def run_cli(
    args: Sequence[str], db_url: str, *, timeout: float = 120, cwd: Path | None = None
) -> Done:
    """Run a command to its end (no shell, own session, cwd off the repository)."""
    t0 = time.monotonic()
    proc = subprocess.run(
        list(args),
        env=child_env(db_url),
        cwd=cwd or Path(os.environ.get("TMPDIR", "/tmp")),
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,
    )
    return Done(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)


def crawl(
    db_url: str,
    source: str,
    start_urls: Sequence[str] = (),
    *,
    settings: dict[str, str] | None = None,
    full: bool = False,
    max_pages: int | None = 1,
    revisit: str | None = None,
    timeout: float = 120,
    log_dir: Path | None = None,
) -> Done:
    """One crawl through the real runner (``scheduler.crawl_runner.run_crawl``, which runs
    ``scrapy crawl`` as a subprocess and judges it from the crawl_run row), politeness off.

    ``max_pages=1``: only the given list page (the fixture mirror has no page 2).
    """
    from scheduler.crawl_runner import run_crawl

    t0 = time.monotonic()
    log_file = (log_dir or Path(os.environ.get("TMPDIR", "/tmp"))) / f"crawl-{os.getpid()}.log"
    log_file.unlink(missing_ok=True)
    result = run_crawl(
        source,
        db_url=db_url,
        start_urls=start_urls,
        full=full,
        max_pages=max_pages,
        revisit=revisit,
        settings={**FAST_SETTINGS, **(settings or {})},
        timeout=timeout,
        log_file=log_file,
    )
    log = log_file.read_text(errors="replace") if log_file.exists() else ""
    return Done(result.returncode or 0, result.status, log, time.monotonic() - t0)


def spawn(args: Sequence[str], db_url: str, *, cwd: Path | None = None) -> subprocess.Popen:
    """Start a command in its own session (so it and its children can be killed together)."""
    return subprocess.Popen(
        list(args),
        env=child_env(db_url),
        cwd=cwd or Path(os.environ.get("TMPDIR", "/tmp")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc; children first found, then theirs)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """``sig`` to the process and all its descendants at once (a power cut, the OOM killer)."""
    pids = [proc.pid, *descendants(proc.pid)]
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, sig)
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        proc.kill()
    for pid in pids[1:]:
        _wait_gone(pid)


def _wait_gone(pid: int, timeout: float = 10.0) -> None:
    """Until ``pid`` is reaped (a zombie still "exists" for ``kill(pid, 0)``, and a lease
    holder check would think it alive)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.02)


# --------------------------------------------------------------------------- expectations


def expected_briefing(page: bytes, url: str) -> dict[str, Any]:
    """What the current parser makes of ``page`` (the schema-v1 dict)."""
    from crawler.extract import parse_html

    return parse_html(page, url).to_dict()


def expected_hash(page: bytes, url: str) -> str:
    from crawler.schema import content_hash

    return content_hash(expected_briefing(page, url))


def exchanges_text(data: dict[str, Any]) -> str:
    """All question/answer text of a stored schema-v1 dict, for substring checks."""
    return json.dumps(data.get("exchanges", []), ensure_ascii=False)
