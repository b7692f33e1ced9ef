"""One import run: archived responses → captures, resumable, judged like a crawl.

``Importer`` takes a stream of items (``records.read_warc`` for files, ``wayback.captures``
for the Wayback Machine), turns each response into a ``Fetch`` (``decide``) and stores them
through ``Archive.record_fetches`` (the crawl's own write path: capture → version → diff),
``BATCH`` per transaction. A file's records are read and decided (parsed, hashed,
compressed) by a child process (``storage.importing.worker``) while this one stores the
previous batch; ``workers=0`` does it all inline, as the Wayback import always does. Each fetch carries its provenance, written in the same
transaction as its capture (``storage.capture``), and the provenance is the resume key:
a record already imported (same WARC sha256 and offset, or same Wayback timestamp, digest
and URL) is skipped and counted, so a re-run, or a run after a SIGKILL (which loses at most
the uncommitted batch), imports nothing twice.

The run is a ``crawl_run`` row of kind ``import`` (source ``warc`` or ``wayback:<source>``:
an import's failures are not a crawl's failure streak), finished with its stats and judged
by ``storage.runs.judge_run``.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from storage.enums import RunKind
from storage.fetch import Fetch
from storage.importing.gcpace import fewer_collections
from storage.importing.records import ArchivedResponse, Item, RecordProblem, RecordSkip
from storage.importing.summary import ImportSummary, Progress
from storage.importing.wacz import BadWacz, wacz_members
from storage.importing.wayback import wayback_items
from storage.importing.worker import Already, Failed, ParseWorker, Settled, WarcJob, settle
from storage.wayback import CdxCapture, WaybackClient

if TYPE_CHECKING:
    from storage.api import Archive

# Captures per transaction. More than a crawl's writer takes (16): an import has its pages
# at hand, and each commit costs (the WAL's pages written, the search index's segment
# merged): measured 6.9 → 5.8 ms of CPU a page for 16 → 64. SQLite's write lock is then held
# for about half a second at a time, far inside a concurrent writer's busy timeout. (A writer
# thread storing one batch while this one parses the next was measured too, and dropped: no
# faster on this 2-core machine, and 2–4 ms more CPU a page in GIL contention.)
BATCH = 64
FILE_SOURCE = "warc"
ALREADY = "already imported"


class Importer:
    """Imports item streams into ``archive`` under one run; ``run()`` once."""

    def __init__(
        self,
        archive: Archive,
        *,
        source: str = FILE_SOURCE,
        progress: Progress | None = None,
        batch: int = BATCH,
        limit: int | None = None,
        workers: int | None = None,
    ) -> None:
        self.archive = archive
        self.source = source
        self.progress = progress
        self.batch_size = max(1, batch)
        self.limit = limit
        self.summary = ImportSummary()
        self.pending: list[tuple[Fetch, str]] = []
        self.run_id: int | None = None
        # Files are read and parsed in a child process while this one stores (0: inline).
        self.worker = ParseWorker() if _worker_count(workers) else None

    def run(self, work: Callable[[Importer], None]) -> ImportSummary:
        """Start the run, do ``work(self)``, store what is pending, judge the run."""
        self.archive.mark_stale_runs()  # a killed import's run, failed ("killed")
        self.run_id = self.archive.start_run(self.source, RunKind.IMPORT)
        self.summary.run_id = self.run_id
        reason = "finished"
        try:
            if self.worker is not None:
                self.worker.start()  # it gets ready while the first file is hashed
            with fewer_collections():
                work(self)
                self.flush()
        except KeyboardInterrupt:
            reason = "shutdown"
            raise
        except BaseException:
            reason = "error"
            raise
        finally:
            if self.worker is not None:  # also on limit, errors and Ctrl-C
                self.worker.close()
            record = self.archive.finish_run(
                self.run_id, stats=self.summary.stats(), finish_reason=reason
            )
            self.summary.status = record.status
        return self.summary

    @property
    def full(self) -> bool:
        """``limit`` responses handed to the archive already."""
        return self.limit is not None and self.summary.imported + len(self.pending) >= self.limit

    # -- items ----------------------------------------------------------------------------

    def take(self, items: Iterable[Item], done: Callable[[ArchivedResponse], bool]) -> None:
        """Import ``items``; ``done(response)``: it is imported already."""
        self.consume(settle(item, done, self.run_id) for item in items)

    def consume(self, results: Iterable[Settled]) -> None:
        """Count and store settled items (``storage.importing.worker.settle``), in order."""
        for settled in results:
            self._count(settled)
            self._report()
            if self.full:  # before asking for the next item: a Wayback one costs a request
                break
        self.flush()

    def _count(self, settled: Settled) -> None:
        if isinstance(settled, Failed):  # no record: the worker could not go on
            self.summary.problem(settled.where, settled.message)
            return
        self.summary.records += 1
        if isinstance(settled, RecordProblem):
            self.summary.problem(settled.where, settled.message)
        elif isinstance(settled, RecordSkip):
            self.summary.skipped[settled.reason] += 1
        elif isinstance(settled, Already):
            self.summary.skipped[ALREADY] += 1
        elif isinstance(settled.result, str):
            self.summary.skipped[settled.result] += 1
        else:
            self.pending.append((settled.result, settled.where))
            if len(self.pending) >= self.batch_size:
                self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        results = self.archive.record_fetches([fetch for fetch, _ in batch])
        for (fetch, where), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                self.summary.problem(where, f"could not store: {type(result).__name__}: {result}")
                continue
            self.summary.outcomes[result.outcome] += 1
            if fetch.error:
                self.summary.problem(where, fetch.error)
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.summary)

    # -- files ----------------------------------------------------------------------------

    def import_file(self, path: str) -> None:
        """One WARC (.warc, .warc.gz) or WACZ, as given on the command line."""
        file = Path(path)
        if not file.is_file():
            self.summary.problem(path, "no such file")
            return
        try:
            if zipfile.is_zipfile(file):
                self._wacz(path, file)
            else:
                self._warc(path, None, name=path, sha256=_sha256_of_file(file))
        except OSError as exc:
            self.summary.problem(path, f"cannot read: {exc}")

    def _warc(self, path: str, member: str | None, *, name: str, sha256: str) -> None:
        """One WARC: the file at ``path``, or its zip member ``member``."""
        done = frozenset(self.archive.imported_offsets(sha256))
        job = WarcJob(path, member, name, sha256, done, self.run_id)
        if self.worker is not None:
            self.consume(self.worker.results(job))
            return
        with job.open() as stream:
            self.take(job.items(stream), job.is_done)

    def _wacz(self, path: str, file: Path) -> None:
        try:
            with zipfile.ZipFile(file) as archive:
                for member in wacz_members(archive):
                    where = f"{path}#{member.path}"
                    if member.problem is not None or member.sha256 is None:
                        self.summary.problem(where, member.problem or "not verified")
                        continue
                    self._warc(path, member.path, name=where, sha256=member.sha256)
        except (BadWacz, zipfile.BadZipFile) as exc:
            self.summary.problem(path, f"not a readable WACZ: {exc}")


def import_files(
    archive: Archive,
    paths: Sequence[str],
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ImportSummary:
    """Import WARC and WACZ files, in the order given, under one run. ``workers``: parse
    worker processes, 0 (inline) or 1; None: 1 when there are two CPUs or more."""

    def work(importer: Importer) -> None:
        for path in paths:
            importer.import_file(path)

    return Importer(archive, progress=progress, workers=workers).run(work)


def _worker_count(workers: int | None) -> int:
    """0 or 1: more would reorder the results (and the versions are made in file order).
    On one CPU a worker only adds its pickling to the same core."""
    if workers is None:
        return 1 if (os.cpu_count() or 1) >= 2 else 0
    if workers not in (0, 1):
        raise ValueError(f"workers must be 0 or 1, not {workers}")
    return workers


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_wayback(
    archive: Archive,
    client: WaybackClient,
    source: str,
    *,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import the source's Wayback captures (``storage.importing.wayback``) under one run."""

    def done(captures: list[CdxCapture]) -> set[tuple[str, str, str]]:
        return archive.imported_wayback({c.original for c in captures})

    def work(importer: Importer) -> None:
        items = wayback_items(client, source, since=since, until=until, done=done)
        importer.take(items, lambda response: False)  # done() answered before any request

    # Inline: network- and rate-bound, and its items come from this process's client.
    importer = Importer(
        archive, source=f"wayback:{source}", progress=progress, limit=limit, workers=0
    )
    return importer.run(work)
