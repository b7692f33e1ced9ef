"""The parse worker: a file import's read → decide → ``Fetch.prepared()`` in a child process.

On two cores, parsing a WARC (warcio, ``parse_html``, hashes, zlib) takes about as much CPU as
storing it. ``Importer`` (``storage.importing.importer``) hands each WARC (a file, or a WACZ
member) to ``ParseWorker``, which runs ``settle`` on every record in a child process and
sends the results back in file order, ``CHUNK`` per message; the importer stores one batch
while the worker parses the next. (A thread was tried first: GIL contention ate the gain.)

- ``settle``: what one item becomes (``Settled``). The inline path (``workers=0``, and the
  Wayback import) runs the very same function in the importer's process, so both paths
  count and store identically.
- The child is started with **spawn** (never fork: the parent holds an open SQLite
  connection), gets paths rather than open files (a WACZ member is opened by the child),
  and the offsets already imported, so it skips them without asking the database.
- Memory stays bounded: the child parses at most ``OUTBOX`` chunks ahead of what the
  parent has received, then blocks on the pipe (1 MB, ``_widen``).
- The parent is never left waiting long: what the child reads while the parent has taken
  everything it sent goes unparsed, and the parent settles it (``_chunks``, ``resolve``).
- The child ignores SIGINT (Ctrl-C hits the whole process group; the parent stops it) and
  dies with its parent, even a SIGKILLed one (``PR_SET_PDEATHSIG``). An exception in it
  becomes one ``Failed`` result (file, and offset when known) after the results already
  sent; a dead child (killed, out of memory) is one too, seen as the pipe's end.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
import types
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import IO

from storage.fetch import Fetch
from storage.importing.decide import decide, is_wanted_url
from storage.importing.gcpace import IMPORT_THRESHOLD
from storage.importing.records import ArchivedResponse, Item, RecordProblem, RecordSkip, read_warc
from storage.importing.wacz import open_member

__all__ = [
    "Already",
    "Decided",
    "Failed",
    "ParseWorker",
    "Settled",
    "Unsettled",
    "WarcJob",
    "resolve",
    "settle",
]

CHUNK = 32  # results per message: one pickle and one pipe write for 32 pages
OUTBOX = 2  # chunks parsed ahead of the pipe (about 3 MB each for transcripts)
PIPE_BYTES = 1 << 20  # the results pipe's buffer: Linux's default pipe-max-size
STOP_SECONDS = 5.0  # for the child to exit once told, before it is killed
PR_SET_PDEATHSIG = 1  # linux/prctl.h


# -- what one item becomes ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Already:
    """A response imported before (its provenance is in the archive)."""

    where: str


@dataclass(frozen=True, slots=True)
class Decided:
    """A response ``decide`` made a fetch of, or the reason it skipped it."""

    result: Fetch | str
    where: str


@dataclass(frozen=True, slots=True)
class Failed:
    """The worker could not go on with this WARC: not a record, one problem line."""

    where: str
    message: str


@dataclass(frozen=True, slots=True)
class Unsettled:
    """A response the worker read but left for the parent to settle (see ``_chunks``)."""

    item: ArchivedResponse


Settled = RecordProblem | RecordSkip | Already | Decided | Failed
Sent = Settled | Unsettled  # what a chunk from the child holds


def settle(
    item: Item,
    done: Callable[[ArchivedResponse], bool],
    run_id: int | None,
    *,
    prepare: bool = False,
) -> Settled:
    """``item`` as the importer counts it; ``prepare``: hash and compress the fetch now (the
    worker does, so that the storing process does not)."""
    if not isinstance(item, ArchivedResponse):
        return item
    if done(item):
        return Already(item.where)
    decided = decide(item, run_id)
    if prepare and isinstance(decided, Fetch):
        decided = decided.prepared()
    return Decided(decided, item.where)


# -- a job: one WARC ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WarcJob:
    """One WARC to read: the file at ``path``, or its zip member ``member`` (a WACZ's)."""

    path: str
    member: str | None
    name: str  # in messages and provenance: the path, or "x.wacz#archive/y.warc.gz"
    sha256: str  # verified by the parent
    done: frozenset[int]  # offsets imported already
    run_id: int | None

    @contextlib.contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        with contextlib.ExitStack() as stack:
            if self.member is None:
                yield stack.enter_context(open(self.path, "rb"))
            else:
                archive = stack.enter_context(zipfile.ZipFile(self.path))
                yield stack.enter_context(open_member(archive, self.member))

    def items(self, stream: IO[bytes]) -> Iterator[Item]:
        return read_warc(stream, name=self.name, sha256=self.sha256, wanted=is_wanted_url)

    def is_done(self, response: ArchivedResponse) -> bool:
        return response.provenance.offset in self.done


# -- the parent's side ----------------------------------------------------------------------


class ParseWorker:
    """One child process for an import run; ``results(job)`` per WARC, ``close()`` at the end.

    The child is started by ``start()`` or at the first job, and kept for the next ones
    (starting one costs about 0.4 s of CPU, most of it imports); stopped, it is started
    again at the next job."""

    def __init__(self) -> None:
        self.process: multiprocessing.process.BaseProcess | None = None
        self.jobs: Connection | None = None
        self.inbox: Connection | None = None

    def start(self) -> None:
        """Start the child now, so that it gets ready while this process does other work
        (the run's rows, the first file's sha256) instead of before the first result."""
        self._running()

    def results(self, job: WarcJob) -> Iterator[Settled]:
        """The job's results in file order. Leaving early (``limit``, an error, Ctrl-C)
        stops the child: it would go on sending this WARC's results."""
        jobs, inbox = self._running()
        finished = False
        try:
            self._send(jobs, job)
            while (chunk := self._receive(inbox)) is not None:
                yield from resolve(chunk, job)
            finished = True
        except _Died as died:
            yield Failed(job.name, f"the parse worker died ({_exit_text(died.code)})")
        finally:
            if not finished:
                self.close()

    def _send(self, jobs: Connection, job: WarcJob) -> None:
        try:
            jobs.send(job)
        except OSError as exc:  # a child that died since its last job
            raise _Died(self._reap()) from exc

    def _receive(self, inbox: Connection) -> list[Sent] | None:
        """The next chunk; None at the job's end; ``_Died`` when the child is gone.

        The child's exit is watched besides the pipe: one that died before it took its end
        of the pipe (while spawn started it) leaves a copy of it open in this process
        (``multiprocessing.resource_sharer``), and the pipe would never say EOF."""
        sentinel = self.process.sentinel if self.process is not None else None
        try:
            # What the child sent before it exited is still read first.
            if sentinel is None or inbox in wait([inbox, sentinel]):
                chunk: list[Sent] | None = inbox.recv()
                return chunk
        except (EOFError, OSError):
            pass
        raise _Died(self._reap())

    def _running(self) -> tuple[Connection, Connection]:
        if self.process is None or self.jobs is None or self.inbox is None:
            context = multiprocessing.get_context("spawn")
            child_jobs, jobs = context.Pipe(duplex=False)  # (reading end, writing end)
            inbox, child_results = context.Pipe(duplex=False)
            _widen(inbox)
            process = context.Process(
                target=serve,
                args=(child_jobs, child_results, os.getpid()),
                name="briefings-import-parse",
                daemon=True,  # never outlives a parent that exits without close()
            )
            # Born with SIGINT blocked (the mask survives fork and exec): a Ctrl-C while
            # the child is still starting, before it can ignore SIGINT, would print its
            # KeyboardInterrupt traceback. One that comes now is this process's, not lost.
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                with _main_module_hidden():
                    process.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            # Only the child's copies stay open: its death is then the inbox's end (EOF).
            child_jobs.close()
            child_results.close()
            self.process, self.jobs, self.inbox = process, jobs, inbox
        return self.jobs, self.inbox

    def close(self) -> None:
        """Stop the child and reap it (also when it is dead already, or mid-job)."""
        process, jobs, inbox = self.process, self.jobs, self.inbox
        self.process = self.jobs = self.inbox = None
        if process is None:
            return
        for conn in (jobs, inbox):  # EOF on its jobs pipe tells an idle child to exit
            if conn is not None:
                conn.close()
        # A child mid-job would finish its WARC first: stop it instead (what it parsed
        # and the parent did not take is not stored anyway).
        process.terminate()
        process.join(STOP_SECONDS)
        if process.is_alive():  # pragma: no cover - SIGTERM is not ignored by the child
            process.kill()
            process.join()
        process.close()

    def _reap(self) -> int | None:
        process = self.process
        if process is not None:
            process.join(STOP_SECONDS)
        return process.exitcode if process is not None else None


def _widen(conn: Connection) -> None:
    """The results pipe's buffer raised from 64 kB to ``PIPE_BYTES`` (Linux).

    A chunk is about 2.5 MB: through 64 kB it takes some 40 wake-ups of each side, and the
    child's sending thread takes the GIL back from the parsing one each time. Measured with
    nothing else running: the child's CPU 2.62 → 2.35 ms a page, its pace 383 → 430 pages/s.
    Where the kernel refuses (another OS, a lower ``pipe-max-size``), the default stays."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setpipe is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(conn.fileno(), setpipe, PIPE_BYTES)


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start the child without the parent's ``__main__``.

    spawn runs the parent's main script again in the child (as ``__mp_main__``, to find
    what is defined there). The worker needs nothing of it, and it can hurt: a script
    without an ``if __name__ == "__main__":`` guard would start its import again in the
    child, and a program read from stdin (``python -``) cannot be found at all; either way
    the child died and nothing was imported. spawn reads ``sys.modules["__main__"]`` while
    ``start()`` prepares the child: a module with neither a file nor a spec tells it there
    is nothing to run."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Died(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(code)
        self.code = code


def _exit_text(code: int | None) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


# -- the child's side -----------------------------------------------------------------------


def serve(jobs: Connection, results: Connection, parent_pid: int) -> None:
    """The child's main: jobs until the parent closes the pipe (or dies)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C, and stops us
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked since birth
    if not die_with_parent(parent_pid):
        return
    gc.set_threshold(IMPORT_THRESHOLD, *gc.get_threshold()[1:])  # (see gcpace) for its life
    outbox = _Outbox(results)
    while True:
        try:
            job: WarcJob = jobs.recv()
        except (EOFError, OSError):
            break
        for chunk in _chunks(job, outbox.drained):
            outbox.put(chunk)
        outbox.put(None)  # the job's end
    outbox.close()


def _chunks(job: WarcJob, drained: Callable[[], bool] = lambda: False) -> Iterator[list[Sent]]:
    """The job's results, ``CHUNK`` at a time; an exception is the last one, ``Failed``.

    Sharing the parsing: a response read while the parent has taken everything sent
    (``drained()``: it is storing the last chunk, and will wait for the next) is sent read
    but not parsed (``Unsettled``), and the parent parses it itself. Which side is slower
    depends on the machine and the pages; the share settles by itself (a parent busy
    parsing leaves chunks queued here, and what is read meanwhile is parsed here). A
    file's first responses are left so: the parent would otherwise wait for them."""
    chunk: list[Sent] = []
    where = job.name  # the record's offset once one is read
    try:
        with job.open() as stream:
            for item in job.items(stream):
                where = item.where
                chunk.append(_sent(item, job, drained()))
                if len(chunk) >= CHUNK:
                    yield chunk
                    chunk = []
                where = job.name
    except OSError as exc:  # as the inline path says it
        chunk.append(Failed(where, f"cannot read: {exc}"))
    except Exception as exc:  # one line for the user, never a traceback
        chunk.append(Failed(where, f"parse worker failed: {type(exc).__name__}: {exc}"))
    if chunk:
        yield chunk


def _sent(item: Item, job: WarcJob, leave: bool) -> Sent:
    """``item`` settled here, or left to the parent (a response still to import)."""
    if leave and isinstance(item, ArchivedResponse) and not job.is_done(item):
        return Unsettled(item)
    return settle(item, job.is_done, job.run_id, prepare=True)


def resolve(chunk: list[Sent], job: WarcJob) -> Iterator[Settled]:
    """A chunk from the child as the importer counts it: what the child left, settled here
    (the same ``settle`` as the inline path)."""
    for sent in chunk:
        if isinstance(sent, Unsettled):
            yield settle(sent.item, job.is_done, job.run_id)
        else:
            yield sent


class _Outbox:
    """Sends chunks from a thread, so the child parses the next while one is written; a
    bounded queue stops it ``OUTBOX`` chunks ahead (memory stays bounded)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.queue: queue.Queue[list[Sent] | _Quit | None] = queue.Queue(maxsize=OUTBOX)
        self.idle = True  # the sending thread waits for a chunk: the parent took them all
        self.thread = threading.Thread(target=self._send, name="outbox", daemon=True)
        self.thread.start()

    def put(self, chunk: list[Sent] | None) -> None:
        self.queue.put(chunk)

    def drained(self) -> bool:
        """Everything put so far was taken by the parent (a guess: it reads at once)."""
        return self.idle and self.queue.empty()

    def close(self) -> None:
        self.queue.put(_QUIT)
        self.thread.join()
        self.conn.close()

    def _send(self) -> None:
        while not isinstance(chunk := self._next(), _Quit):
            try:
                self.conn.send(chunk)
            except OSError:  # the parent is gone or stopped us: nobody to parse for
                os._exit(0)

    def _next(self) -> list[Sent] | _Quit | None:
        self.idle = True
        chunk = self.queue.get()
        self.idle = False
        return chunk


class _Quit:
    pass


_QUIT = _Quit()


def die_with_parent(parent_pid: int) -> bool:
    """Ask the kernel for SIGTERM when our parent dies (even SIGKILLed); False when it is
    gone already. (``crawler.extensions`` does the same, but importing it pulls Scrapy.)
    The check after ``prctl`` closes the race of a parent that died before we asked."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: a dead parent is still the pipe's end
            pass
    return os.getppid() == parent_pid
