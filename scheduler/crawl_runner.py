"""Run one crawl as a ``scrapy crawl`` subprocess and judge it from the archive.

    result = run_crawl("mfa-en", db_url="sqlite:///briefings.db", timeout=3600)
    result.status  # succeeded | failed | busy | timeout | stopped

The child is ``python -m scrapy crawl SOURCE`` with ``SCRAPY_SETTINGS_MODULE=crawler.settings``
(so any working directory works); it writes JSON progress lines to a temporary file that
this process tails (``on_progress``). ``scrapy crawl`` exits 0 even when every request
failed, so the result comes from the crawl_run row the child's ``RunBookkeeping`` extension
wrote, never from the exit code. A child that dies without finishing its row (killed,
crashed) has the row finished here as failed, and its lease released.

No Twisted here: the scheduler service imports this module.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import crawler
from crawler.sources import SOURCES, RevisitMode, known_sources
from storage.api import Archive, ArchiveError, RunRecord, absolute_db_url

PACKAGE_ROOT = Path(crawler.__file__).resolve().parent.parent
SETTINGS_MODULE = "crawler.settings"
TERMINATE_GRACE = 20.0  # seconds between SIGTERM (Scrapy closes cleanly) and SIGKILL
POLL_INTERVAL = 0.1
WAIT_INTERVAL = 5.0  # --wait: how often to look at a busy lease

ProgressCallback = Callable[[dict[str, Any]], None]


class CrawlError(ValueError):
    """A crawl that cannot be started as asked (unknown source, bad option)."""


@dataclass(slots=True)
class CrawlResult:
    source: str
    run_id: int | None
    status: str  # succeeded | failed | busy | timeout | stopped
    returncode: int | None
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    log_file: str | None = None  # the child's Scrapy log, when kept

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


# --- building the command --------------------------------------------------------------------


def build_command(
    source: str,
    *,
    start_urls: Iterable[str] = (),
    full: bool = False,
    max_pages: int | None = None,
    revisit: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> list[str]:
    """``python -m scrapy crawl SOURCE -a ... -s ...`` for these options."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", source]
    urls = [u for u in start_urls if u]
    if urls:
        cmd += ["-a", "start_urls=" + " ".join(urls)]
    if full:
        cmd += ["-a", "full=1"]
    if max_pages is not None:
        cmd += ["-a", f"max_pages={int(max_pages)}"]
    if revisit:
        cmd += ["-a", f"revisit={revisit}"]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def check_options(
    source: str, revisit: str | None, max_pages: int | None, urls: Iterable[str]
) -> None:
    if source not in SOURCES:
        raise CrawlError(f"unknown source {source!r} (known: {', '.join(known_sources())})")
    if revisit is not None and revisit not in tuple(RevisitMode):
        choices = ", ".join(RevisitMode)
        raise CrawlError(f"--revisit must be one of {choices}, not {revisit!r}")
    if max_pages is not None and max_pages < 1:
        raise CrawlError(f"--max-pages must be at least 1, not {max_pages}")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise CrawlError(f"start URL must be http(s): {url!r}")


# --- running ---------------------------------------------------------------------------------


def run_crawl(
    source: str,
    *,
    db_url: str | None = None,
    start_urls: Iterable[str] = (),
    full: bool = False,
    max_pages: int | None = None,
    revisit: str | None = None,
    settings: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    wait: bool = False,
    on_progress: ProgressCallback | None = None,
    stop_event: threading.Event | None = None,
    log_file: str | os.PathLike[str] | None = None,
    grace: float = TERMINATE_GRACE,
) -> CrawlResult:
    """Crawl ``source`` in a subprocess; see the module docstring. Raises ``CrawlError`` for
    options that cannot work (before starting anything)."""
    urls = tuple(start_urls or ())
    check_options(source, revisit, max_pages, urls)
    crawl = _Crawl(
        source=source,
        db_url=absolute_db_url(db_url),
        command_args={
            "start_urls": urls,
            "full": full,
            "max_pages": max_pages,
            "revisit": revisit,
        },
        settings=dict(settings or {}),
        timeout=timeout,
        on_progress=on_progress,
        stop_event=stop_event or threading.Event(),
        log_file=Path(log_file).resolve() if log_file else None,
        grace=grace,
    )
    while True:
        result = crawl.run_once()
        if result.status != "busy" or not wait or crawl.stop_event.is_set():
            return result
        if on_progress:
            on_progress({"event": "waiting", "source": source})
        crawl.stop_event.wait(WAIT_INTERVAL)


@dataclass
class _Crawl:
    source: str
    db_url: str
    command_args: dict[str, Any]
    settings: dict[str, Any]
    timeout: float | None
    on_progress: ProgressCallback | None
    stop_event: threading.Event
    log_file: Path | None
    grace: float

    def run_once(self) -> CrawlResult:
        with tempfile.TemporaryDirectory(prefix="briefings-crawl-") as tmp:
            progress_path = Path(tmp) / "progress.jsonl"
            progress_path.touch()
            log_path = self.log_file or Path(tmp) / "crawl.log"
            stop_path = Path(tmp) / "stop-reason"
            settings = {
                **self.settings,
                "BRIEFINGS_DB_URL": self.db_url,
                "BRIEFINGS_PROGRESS_FILE": str(progress_path),
                # The child dies with us (PR_SET_PDEATHSIG + a watch on our pid) and, when
                # we stop it, records why (timeout, stopped) instead of Scrapy's "shutdown".
                "BRIEFINGS_PARENT_PID": str(os.getpid()),
                "BRIEFINGS_STOP_REASON_FILE": str(stop_path),
            }
            cmd = build_command(self.source, settings=settings, **self.command_args)
            started = time.monotonic()
            with open(log_path, "ab") as log, open(progress_path, encoding="utf-8") as progress:
                watch = _Watch(progress, self.on_progress)
                ending = self._supervise(cmd, log, watch, stop_path)
            result = self._judge(watch, ending, log_path)
            result.seconds = time.monotonic() - started
            result.log_file = str(self.log_file) if self.log_file else None
            return result

    def _supervise(self, cmd: list[str], log: IO[bytes], watch: _Watch, stop_path: Path) -> _Ending:
        """Run the child to its end; stop it on timeout or stop_event (SIGTERM, then SIGKILL)."""
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE, "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")])
        )
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=PACKAGE_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our signals, not the terminal's, stop it
            )
        except OSError as exc:
            return _Ending(None, None, f"could not start the crawl: {exc}")
        deadline = time.monotonic() + self.timeout if self.timeout else None
        cut: str | None = None
        try:
            while proc.poll() is None:
                watch.read()
                if cut is None and deadline is not None and time.monotonic() > deadline:
                    cut = "timeout"
                    _terminate(proc, self.grace, watch, stop_path, cut)
                elif cut is None and self.stop_event.is_set():
                    cut = "stopped"
                    _terminate(proc, self.grace, watch, stop_path, cut)
                else:
                    time.sleep(POLL_INTERVAL)
        except KeyboardInterrupt:
            cut = "stopped"
            _terminate(proc, self.grace, watch, stop_path, cut)
        watch.read()
        return _Ending(proc.pid, proc.returncode, None, cut)

    def _judge(self, watch: _Watch, ending: _Ending, log_path: Path) -> CrawlResult:
        result = CrawlResult(self.source, watch.run_id, "failed", ending.returncode)
        if ending.error:
            result.error = ending.error
            return result
        if watch.busy:
            result.status = "busy"
            result.error = f"{self.source} is being crawled by another process"
            return result
        try:
            with Archive.open(self.db_url) as archive:
                return self._judge_run(archive, watch, ending, log_path, result)
        except ArchiveError as exc:
            # The database went away (or filled up) while the run was judged: say so in one
            # line. A run the child could not finish stays "running" with its lease; the next
            # crawl marks it failed ("killed") and takes the dead holder's lease over.
            result.status = "failed"
            result.error = watch.error or f"could not judge the run: {exc}"
            return result

    def _judge_run(
        self,
        archive: Archive,
        watch: _Watch,
        ending: _Ending,
        log_path: Path,
        result: CrawlResult,
    ) -> CrawlResult:
        run_id = watch.run_id
        if run_id is None and ending.pid is not None:
            run_id = archive.run_of_pid(self.source, ending.pid)
        result.run_id = run_id
        if run_id is None:  # the child never got as far as starting its run
            result.error = watch.error or _log_error(log_path) or _exit_text(ending)
            return result
        run = _finish_abandoned(archive, run_id, watch, ending, self.source)
        result.stats = dict(run.stats or {})
        result.status = ending.cut or run.status
        result.error = run.error if result.status != "succeeded" else None
        last_error = result.stats.get("briefings/last_error")
        if result.error and last_error:
            result.error = f"{result.error} (last: {last_error})"
        if result.status == "failed" and not result.error:
            result.error = _log_error(log_path) or _exit_text(ending)
        return result


@dataclass(slots=True)
class _Ending:
    pid: int | None
    returncode: int | None
    error: str | None = None  # could not even start
    cut: str | None = None  # timeout | stopped


class _Watch:
    """Tails the progress file; remembers what the child said about itself."""

    def __init__(self, stream: IO[str], callback: ProgressCallback | None) -> None:
        self.stream = stream
        self.callback = callback
        self.buffer = ""
        self.run_id: int | None = None
        self.busy = False
        self.error: str | None = None
        self.last: dict[str, Any] = {}

    def read(self) -> None:
        self.buffer += self.stream.read()
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self._note(event)
            if self.callback is not None:
                self.callback(event)

    def _note(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "started":
            self.run_id = event.get("run_id")
        elif kind == "busy":
            self.busy = True
        elif kind == "error":
            self.error = event.get("reason")
        self.last = event


def _terminate(
    proc: subprocess.Popen[bytes], grace: float, watch: _Watch, stop_path: Path, reason: str
) -> None:
    """SIGTERM (Scrapy finishes the items in flight and writes its run), then SIGKILL.

    The reason goes to the child first (a file it reads at close), so its run says
    "stopped" or "timeout", not Scrapy's "shutdown"."""
    with contextlib.suppress(OSError):
        stop_path.write_text(reason, encoding="utf-8")
    _signal(proc, signal.SIGTERM)
    end = time.monotonic() + grace
    while proc.poll() is None and time.monotonic() < end:
        watch.read()
        time.sleep(POLL_INTERVAL)
    if proc.poll() is None:
        _signal(proc, signal.SIGKILL)
        proc.wait()


def _signal(proc: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signum)  # the child's session: Scrapy and anything it started


def _finish_abandoned(
    archive: Archive, run_id: int, watch: _Watch, ending: _Ending, source: str
) -> RunRecord:
    """The run; finished here (failed) when the child died before finishing it."""
    run = archive.run(run_id)
    if run.status != "running":
        return run
    stats = {k: v for k, v in watch.last.items() if k != "event"}
    reason = ending.cut or f"killed (exit {ending.returncode})"
    run = archive.finish_run(run_id, stats=stats, finish_reason=reason, only_if_running=True)
    if ending.pid is not None:
        _release_lease_of(archive, source, ending.pid)
    return run


def _release_lease_of(archive: Archive, source: str, pid: int) -> None:
    """Release the lease a dead child held (its holder is ``host:pid:random``)."""
    try:
        holder = archive.lease_holder(source) or ""
        if holder.startswith(f"{socket.gethostname()}:{pid}:"):
            archive.release_lease(source, holder)
    except Exception:  # a busy database: the lease expires anyway
        pass


def _log_error(log_path: Path) -> str | None:
    """The last error line of the child's log (Scrapy prints tracebacks on bad arguments)."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines[-400:]):
        text = line.strip()
        if " ERROR: " in text:
            return text.split(" ERROR: ", 1)[1][:300]
        if (
            text
            and not text.startswith(("File ", "^", "Traceback"))
            and "Error" in text.split(":")[0]
        ):
            return text[:300]
    return None


def _exit_text(ending: _Ending) -> str:
    code = ending.returncode
    if code is not None and code < 0:
        return f"crawl process killed by signal {-code}"
    return f"crawl process exited with code {code} without recording a run"
