"""The parse worker (``storage.importing.worker``): a file import parsed in a child process
stores exactly what the inline path stores; its failures are problem lines, not tracebacks."""

from __future__ import annotations

import multiprocessing
import os
import signal
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.api import Archive
from storage.db import make_engine
from storage.importing.summary import ImportSummary
from storage.importing.worker import CHUNK
from storage.models import Capture, CaptureProvenance, ChangeEvent, Version
from tests.importing.helpers import cli, cli_json, counts
from tests.importing.warcs import EN_FOLDER, ZH_FOLDER, Rec, site_pages, warc_bytes, write

PAGES = site_pages(EN_FOLDER) + site_pages(ZH_FOLDER)
# The imported records are of 2020: a later time is the import's own clock (a translation
# check's detected_at, a row's created_at), which differs between two runs.
CLOCK = datetime(2021, 1, 1, tzinfo=UTC)
RANDOM = {"exchange_uid"}  # storage.diff.new_uid: random by design


def history_warc(tmp_path, rounds: int = 3) -> str:
    """Every page ``rounds`` times, a day apart, with one edit and a 404 among them."""
    records = [
        Rec(url, body, date=f"2020-07-{10 + day:02d}T08:00:00Z")
        for day in range(rounds)
        for url, body in PAGES
    ]
    records.insert(5, Rec(PAGES[0][0], status=404, date="2020-07-10T09:00:00Z"))
    records.insert(7, Rec(PAGES[1][0], kind="revisit"))
    data, _ = warc_bytes(records)
    return write(tmp_path / "history.warc.gz", data)


def rows(db_url: str) -> dict[str, list[dict[str, Any]]]:
    """The ledger's rows, without the columns the import's wall clock fills."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                model.__tablename__: [
                    {k: v for k, v in row._mapping.items() if k not in RANDOM and not _is_clock(v)}
                    for row in conn.execute(_ordered(model.__table__))
                ]
                for model in (Capture, Version, ChangeEvent, CaptureProvenance)
            }
    finally:
        engine.dispose()


def _is_clock(value: Any) -> bool:
    if not isinstance(value, datetime):
        return False
    return (value if value.tzinfo else value.replace(tzinfo=UTC)) > CLOCK


def _ordered(table: Any) -> Any:
    return select(table).order_by(*table.primary_key.columns)


def imported(db_url: str, paths: list[str], workers: int, **kwargs: Any) -> ImportSummary:
    archive = Archive.open(db_url, must_exist=False)
    try:
        return archive.import_files(paths, workers=workers, **kwargs)
    finally:
        archive.close()


def test_worker_and_inline_store_the_same_ledger(db_url, other_db_url, tmp_path) -> None:
    path = history_warc(tmp_path)
    by_worker = imported(db_url, [path], workers=1)
    inline = imported(other_db_url, [path], workers=0)
    assert by_worker.to_json() == inline.to_json()
    assert by_worker.imported == 3 * len(PAGES) + 1 and by_worker.skipped == {"revisit record": 1}
    assert rows(db_url) == rows(other_db_url)
    assert rows(db_url)["capture"], "something was stored"
    again = imported(db_url, [path], workers=1)  # and the worker skips what is there
    assert again.skipped["already imported"] == by_worker.imported
    assert again.imported == 0


def test_a_date_before_year_one_in_utc_is_a_record_problem(db_url, tmp_path, workers) -> None:
    # Read as a date, it overflows on its way to UTC: a bad record, counted, both paths alike.
    good = [Rec(url, body) for url, body in (PAGES * 2)[: CHUNK + 3]]
    data, _ = warc_bytes([*good, Rec(PAGES[0][0], PAGES[0][1], date="0001-01-01T00:00:00+01:00")])
    path = write(tmp_path / "odd.warc.gz", data)
    result = cli(db_url, "import", path, "--workers", str(workers))
    assert "Traceback" not in result.output
    assert "missing or invalid WARC-Date '0001-01-01T00:00:00+01:00'" in result.output
    assert counts(db_url)["provenance"] == CHUNK + 3


class _Breaks:
    """A job whose reading raises after ``after`` records: what no reader check expects."""

    name = "odd.warc.gz"
    run_id = None

    def __init__(self, path: str, after: int) -> None:
        self.path, self.after = path, after

    def open(self) -> Any:
        return open(self.path, "rb")  # the worker's ``with`` closes it

    def items(self, stream: Any) -> Any:
        from storage.importing.decide import is_wanted_url
        from storage.importing.records import read_warc

        records = read_warc(stream, name=self.name, sha256="0" * 64, wanted=is_wanted_url)
        for n, item in enumerate(records):
            if n == self.after:
                raise RuntimeError("something no reader check expects")
            yield item

    def is_done(self, response: Any) -> bool:
        return False


def test_an_exception_in_the_worker_is_its_last_result(tmp_path) -> None:
    from storage.importing.worker import Decided, Failed, _chunks

    good = [Rec(url, body) for url, body in (PAGES * 2)[: CHUNK + 3]]
    data, _ = warc_bytes(good)
    path = write(tmp_path / "odd.warc.gz", data)
    chunks = list(_chunks(_Breaks(path, after=CHUNK + 2)))  # type: ignore[arg-type]
    assert [len(c) for c in chunks] == [CHUNK, 3]
    *results, last = [result for chunk in chunks for result in chunk]
    assert all(isinstance(r, Decided) for r in results) and len(results) == CHUNK + 2
    assert isinstance(last, Failed)
    assert last.message == "parse worker failed: RuntimeError: something no reader check expects"
    assert last.where == "odd.warc.gz"


def test_a_killed_worker_is_one_problem_line_and_what_it_sent_is_stored(db_url, tmp_path) -> None:
    path = history_warc(tmp_path, rounds=6)
    killed: list[int] = []

    def kill_the_worker(summary: ImportSummary) -> None:
        if summary.records >= CHUNK and not killed:
            [child] = multiprocessing.active_children()
            assert child.pid is not None
            os.kill(child.pid, signal.SIGKILL)
            killed.append(child.pid)

    summary = imported(db_url, [path], workers=1, progress=kill_the_worker)
    assert killed
    [problem] = summary.problems
    assert (problem.where, problem.message) == (path, "the parse worker died (killed by SIGKILL)")
    assert summary.status == "failed"
    stored = counts(db_url)["provenance"]
    assert stored == summary.imported >= CHUNK - 1  # the 404's record is one of them
    assert multiprocessing.active_children() == []
    resumed = imported(db_url, [path], workers=1)  # the rest, nothing twice
    assert resumed.skipped["already imported"] == stored
    assert stored + resumed.imported == 6 * len(PAGES) + 1


def test_limit_stops_the_worker(db_url, tmp_path) -> None:
    from storage.importing.importer import Importer

    path = history_warc(tmp_path, rounds=6)
    archive = Archive.open(db_url, must_exist=False)
    try:
        importer = Importer(archive, limit=10, batch=4, workers=1)
        summary = importer.run(lambda imp: imp.import_file(path))
    finally:
        archive.close()
    assert summary.imported == 10 and summary.failed == 0
    assert importer.worker is not None and importer.worker.process is None
    assert multiprocessing.active_children() == []


def test_the_cli_takes_workers_0_and_1(db_url, tmp_path) -> None:
    path = history_warc(tmp_path, rounds=1)
    code, first = cli_json(db_url, "import", path, "--workers", "0")
    assert code == 0 and first["imported"] == len(PAGES) + 1
    code, second = cli_json(db_url, "import", path, "--workers", "1")
    assert code == 0 and second["skipped"] == {
        "already imported": len(PAGES) + 1,
        "revisit record": 1,
    }
    bad = cli(db_url, "import", path, "--workers", "2")
    assert bad.exit_code == 2 and "--workers" in bad.output
    wayback = cli(db_url, "import", "--wayback", "mfa-en", "--workers", "1")
    assert wayback.exit_code == 2 and "--workers goes with files" in wayback.output
    assert "--workers 0" in cli(db_url, "import", "--help").output


SCRIPT = """
from storage.api import Archive
archive = Archive.open({db_url!r}, must_exist=False)
summary = archive.import_files([{path!r}], workers=1)
archive.close()
print(summary.imported, len(summary.problems))
"""


def test_a_script_without_a_main_guard_or_from_stdin_imports_with_the_worker(
    db_url, tmp_path
) -> None:
    # spawn would run the parent's main script again in the worker: unguarded, it would
    # start a second import there; read from stdin, it cannot be found. Neither happens.
    import subprocess
    import sys

    data, _ = warc_bytes([Rec(url, body) for url, body in PAGES])
    path = write(tmp_path / "pages.warc.gz", data)
    script = tmp_path / "unguarded.py"
    script.write_text(SCRIPT.format(db_url=db_url, path=path))
    by_file = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert (by_file.returncode, by_file.stdout.split()) == (0, [str(len(PAGES)), "0"]), by_file
    assert "Traceback" not in by_file.stderr
    by_stdin = subprocess.run(
        [sys.executable, "-"], input=script.read_text(), capture_output=True, text=True, timeout=120
    )
    # (imported before: everything is "already imported" now, and nothing is a problem)
    assert (by_stdin.returncode, by_stdin.stdout.split()) == (0, ["0", "0"]), by_stdin
    assert "Traceback" not in by_stdin.stderr


def test_the_results_pipe_holds_a_megabyte(tmp_path) -> None:
    """The worker's results come through a 1 MB pipe, not Linux's 64 kB (fewer wake-ups of
    both processes for each 2.5 MB chunk)."""
    import fcntl

    from storage.importing.worker import PIPE_BYTES, ParseWorker, WarcJob

    path = write(tmp_path / "one.warc.gz", warc_bytes([Rec(*PAGES[0])])[0])
    worker = ParseWorker()
    try:
        job = WarcJob(path, None, path, "0" * 64, frozenset(), None)
        assert len(list(worker.results(job))) == 1
        assert worker.inbox is not None
        assert fcntl.fcntl(worker.inbox.fileno(), fcntl.F_GETPIPE_SZ) == PIPE_BYTES
    finally:
        worker.close()


def test_an_import_collects_garbage_less_often_and_restores_the_threshold(
    db_url, tmp_path, workers
) -> None:
    import gc

    from storage.importing.gcpace import IMPORT_THRESHOLD

    seen: list[int] = []
    before = gc.get_threshold()
    imported(
        db_url,
        [history_warc(tmp_path, rounds=1)],
        workers=workers,
        progress=lambda _summary: seen.append(gc.get_threshold()[0]),
    )
    assert seen and set(seen) == {IMPORT_THRESHOLD}
    assert gc.get_threshold() == before


def _job(path: str, done: frozenset[int] = frozenset()) -> Any:
    from storage.importing.worker import WarcJob

    return WarcJob(path, None, "history.warc.gz", "0" * 64, done, None)


def _as_imported(settled: list[Any]) -> list[Any]:
    """What the importer makes of each result (a fetch compared once prepared)."""
    from storage.fetch import Fetch
    from storage.importing.worker import Decided

    return [
        Decided(s.result.prepared(), s.where)
        if isinstance(s, Decided) and isinstance(s.result, Fetch)
        else s
        for s in settled
    ]


def test_what_the_worker_leaves_unparsed_the_importer_settles_alike(tmp_path) -> None:
    """Responses read while the importer has taken everything go unparsed; the importer
    settles them with the same ``settle``: the same results, in the same order."""
    from storage.importing.records import ArchivedResponse
    from storage.importing.worker import Already, Unsettled, _chunks, resolve

    path = history_warc(tmp_path, rounds=2)
    first = next(iter(_chunks(_job(path))))
    done = frozenset({first[0].result.provenance.offset})  # one imported already
    parsed = [s for chunk in _chunks(_job(path, done)) for s in chunk]
    left = [s for chunk in _chunks(_job(path, done), lambda: True) for s in chunk]
    assert len(left) == len(parsed) == 2 * len(PAGES) + 2
    unsettled = [s for s in left if isinstance(s, Unsettled)]
    assert len(unsettled) == len(left) - 2  # the done one and the revisit: settled there
    assert all(isinstance(s.item, ArchivedResponse) for s in unsettled)
    assert isinstance(left[0], Already)
    settled = list(resolve(left, _job(path, done)))
    assert _as_imported(settled) == _as_imported(parsed)


def test_the_worker_parses_while_the_importer_has_chunks_to_take(tmp_path) -> None:
    from storage.importing.worker import Decided, Unsettled, _chunks

    path = history_warc(tmp_path, rounds=1)
    turns = iter([True, False] * len(PAGES))  # drained, then not, then drained ...
    sent = [s for chunk in _chunks(_job(path), lambda: next(turns)) for s in chunk]
    kinds = [type(s) for s in sent if isinstance(s, Unsettled | Decided)]
    assert kinds[:4] == [Unsettled, Decided, Unsettled, Decided]
