"""Import benchmark (issue 18, item 5): ``briefings import`` of a WARC against a bare loop
over the same WARC, side by side in one run.

    python benchmarks/import_warc.py --count 5000

1. builds ``count`` distinct transcripts from the 40 real fixture pages
   (``benchmarks/mirror.py``: each a real page with its date moved) and writes them as
   response records of one ``.warc.gz`` (warcio's writer, digests included);
2. **bare**: a process that reads the WARC with warcio's ``ArchiveIterator`` and parses
   each response with ``crawler.extract.parse_html`` (no storage);
3. **import**: a process that runs ``Archive.import_files`` on the same WARC into a fresh
   SQLite file, with its default parse worker (``storage.importing.worker``: read, parse
   and prepare in a child process while the importer stores; its CPU and peak RSS are
   printed too; ``--inline`` also times ``workers=0``); and a **profile** process: the same
   stages run one by one in one thread with their CPU time counted (read: warcio + HTTP
   checks; parse: ``decide`` → ``parse_html``; prepare: hashes, JSON and compression; IPC:
   pickling the worker's results and back; store: ``Archive.record_fetches``).

Prints pages/s of each, the ratio import/bare (target >= 0.7), CPU ms per page by stage,
and the peak RSS of each process (target < 250 MB). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.mirror import EN_DIR, build  # noqa: E402

HOST = "https://www.fmprc.gov.cn"


def write_warc(mirror: Path, paths: list[str], target: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with target.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for n, path in enumerate(paths):
            body = (mirror / path.lstrip("/")).read_bytes()
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            second = n % 60
            record = writer.create_warc_record(
                HOST + path,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": f"2026-01-01T00:{n // 60 % 60:02d}:{second:02d}Z"},
            )
            writer.write_record(record)
            record.raw_stream.close()


# -- the child processes --------------------------------------------------------------------


def child_bare(warc: str) -> dict[str, Any]:
    from warcio.archiveiterator import ArchiveIterator

    from crawler.extract import NotATranscript, parse_html

    pages = 0
    start, cpu = time.perf_counter(), time.process_time()
    with open(warc, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            body = record.content_stream().read()
            with contextlib.suppress(NotATranscript):  # every page is a transcript here
                parse_html(body, record.rec_headers.get_header("WARC-Target-URI"))
            pages += 1
    return {
        "pages": pages,
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
    }


def child_import(warc: str, db: str, workers: str = "default") -> dict[str, Any]:
    """``Archive.import_files``: by default with its parse worker (``storage.importing.worker``)
    reading and parsing while this process stores; ``workers`` "0": all inline."""
    from storage.api import Archive

    workers_arg = None if workers == "default" else int(workers)

    archive = Archive.open(f"sqlite:///{db}", must_exist=False)
    start, cpu = time.perf_counter(), time.process_time()
    summary = archive.import_files([warc], workers=workers_arg)  # None: the default
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    archive.close()
    worker = resource.getrusage(resource.RUSAGE_CHILDREN)  # the parse worker, joined
    return {
        "pages": summary.imported,
        "seconds": seconds,
        "cpu": cpu,
        "worker_cpu": worker.ru_utime + worker.ru_stime,
        "worker_peak_rss_kb": worker.ru_maxrss,
        "outcomes": dict(summary.outcomes),
        "failed": summary.failed,
    }


def child_profile(warc: str, db: str) -> dict[str, Any]:
    """The import's stages one after another (as ``Importer`` runs them, one thread), with
    the CPU time of each: read (warcio + HTTP checks), parse (``decide``), hashing (body
    sha256, content hash, exchange fingerprints), compression (zlib), JSON (``to_dict``),
    IPC (what the parse worker's results cost to pickle and unpickle, ``CHUNK`` at a time: in
    the worker path the worker pays the first and the storing process the second),
    then the store split into SQL statements (time inside the DBAPI's ``execute``), the
    search index (``storage.ftsindex``, at commit; 0 where a trigger does it), commit, and
    the rest of it (capture rules, SQLAlchemy, building rows)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from crawler.schema import Briefing
    from storage import fetch as fetch_module
    from storage import ftsindex, rawstore
    from storage.api import Archive
    from storage.importing.decide import decide, is_wanted_url
    from storage.importing.importer import BATCH
    from storage.importing.records import ArchivedResponse, read_warc
    from storage.importing.worker import CHUNK, Decided

    cpu = dict.fromkeys(
        (
            "read",
            "parse",
            "hashing",
            "compression",
            "JSON",
            "IPC (pickle)",
            "IPC (unpickle)",
            "store: SQL statements",
            "store: search index",
            "store: commit",
            "store: capture rules + ORM",
        ),
        0.0,
    )

    def timed(stage: str, work: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.process_time()
            try:
                return work(*args, **kwargs)
            finally:
                cpu[stage] += time.process_time() - t

        return wrapper

    rawstore.sha256_of = timed("hashing", rawstore.sha256_of)  # type: ignore[method-assign]
    rawstore.pack = timed("compression", rawstore.pack)  # type: ignore[method-assign]
    fetch_module.content_hash = timed("hashing", fetch_module.content_hash)  # type: ignore[attr-defined]
    fetch_module.exchange_fingerprint = timed("hashing", fetch_module.exchange_fingerprint)  # type: ignore[attr-defined]
    Briefing.to_dict = timed("JSON", Briefing.to_dict)  # type: ignore[method-assign]
    indexing = [False]  # its statement counts as the index's, not as a statement
    if hasattr(ftsindex, "index_pending"):  # (the code before migration 0009 has none)
        index = timed("store: search index", ftsindex.index_pending)

        def index_pending(session: Any) -> int:
            indexing[0] = True
            try:
                return int(index(session))
            finally:
                indexing[0] = False

        ftsindex.index_pending = index_pending

    archive = Archive.open(f"sqlite:///{db}", must_exist=False)
    engine = archive.engine if hasattr(archive, "engine") else None
    started: list[float] = []
    committing: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.process_time())

    def after(*_: Any) -> None:
        spent = time.process_time() - started.pop()
        if not indexing[0]:
            cpu["store: SQL statements"] += spent

    def before_commit(_: Any) -> None:
        committing.append(time.process_time())

    def after_commit(_: Any) -> None:
        if committing:
            cpu["store: commit"] += time.process_time() - committing.pop()

    if engine is not None:
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        event.listen(engine, "commit", before_commit)
        event.listen(Session, "after_commit", after_commit)
    pages, batch, store = 0, [], 0.0

    def ipc(chunk: list[Any]) -> list[Any]:
        """The chunk through pickle as the worker sends it (``Decided`` results)."""
        t = time.process_time()
        data = pickle.dumps([Decided(f, "x") for f in chunk], pickle.HIGHEST_PROTOCOL)
        cpu["IPC (pickle)"] += time.process_time() - t
        t = time.process_time()
        back = [d.result for d in pickle.loads(data)]
        cpu["IPC (unpickle)"] += time.process_time() - t
        return back

    def flush() -> float:
        t = time.process_time()
        archive.record_fetches(batch)
        return time.process_time() - t

    with open(warc, "rb") as stream:
        items = read_warc(stream, name=warc, sha256="0" * 64, wanted=is_wanted_url)
        while True:
            t = time.process_time()
            item = next(items, None)
            cpu["read"] += time.process_time() - t
            if item is None:
                break
            if not isinstance(item, ArchivedResponse):
                continue
            t = time.process_time()
            fetch = decide(item, None)
            cpu["parse"] += time.process_time() - t
            if isinstance(fetch, str):
                continue
            batch.append(fetch.prepared())
            pages += 1
            if len(batch) % CHUNK == 0:
                batch[-CHUNK:] = ipc(batch[-CHUNK:])
            if len(batch) == BATCH:
                store += flush()
                batch = []
    if batch:
        if tail := len(batch) % CHUNK:  # the last chunk, short
            batch[-tail:] = ipc(batch[-tail:])
        store += flush()
    archive.close()
    others = sum(v for k, v in cpu.items() if k.startswith("store:"))
    cpu["store: capture rules + ORM"] = store - others
    return {"pages": pages, "cpu_ms_per_page": {k: 1000 * v / pages for k, v in cpu.items()}}


def run_child(*args: str) -> tuple[dict[str, Any], float]:
    """A child process's JSON answer and its own peak RSS in MiB."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True
    )
    answer = json.loads(done.stdout)
    return answer, answer.pop("peak_rss_kb") / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument(
        "--inline", action="store_true", help="also time the import without its parse worker"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        work = {"bare": child_bare, "import": child_import, "profile": child_profile}[kind]
        answer = work(*rest)
        answer["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(answer))
        return
    with tempfile.TemporaryDirectory(prefix="briefings-import-bench-") as tmp:
        root = Path(tmp)
        paths = build(root / "mirror", args.count)
        warc = root / "bench.warc.gz"
        write_warc(root / "mirror", [p for p in paths if EN_DIR in p], warc)
        size = warc.stat().st_size / 1e6
        print(f"WARC: {len(paths)} transcript responses, {size:.1f} MB gzipped")
        bare, bare_rss = run_child("bare", str(warc))
        full, full_rss = run_child("import", str(warc), str(root / "import.db"))
        inline, inline_rss = (
            run_child("import", str(warc), str(root / "inline.db"), "0")
            if args.inline
            else ({}, 0.0)
        )
        profile, _ = run_child("profile", str(warc), str(root / "profile.db"))
    bare_rate = bare["pages"] / bare["seconds"]
    full_rate = full["pages"] / full["seconds"]
    print(
        f"bare   (warcio + parse_html): {bare_rate:7.1f} pages/s  "
        f"CPU {1000 * bare['cpu'] / bare['pages']:.1f} ms/page  peak RSS {bare_rss:.0f} MiB"
    )
    print(
        f"import (briefings import):    {full_rate:7.1f} pages/s  "
        f"CPU {1000 * full['cpu'] / full['pages']:.1f} ms/page  peak RSS {full_rss:.0f} MiB"
    )
    print(
        f"  its parse worker:                          "
        f"CPU {1000 * full['worker_cpu'] / full['pages']:.1f} ms/page  "
        f"peak RSS {full['worker_peak_rss_kb'] / 1024:.0f} MiB"
    )
    if inline:
        inline_rate = inline["pages"] / inline["seconds"]
        print(
            f"import --workers 0 (inline):  {inline_rate:7.1f} pages/s  "
            f"CPU {1000 * inline['cpu'] / inline['pages']:.1f} ms/page  "
            f"peak RSS {inline_rss:.0f} MiB"
        )
    print(f"ratio import/bare: {full_rate / bare_rate:.2f} (target >= 0.7)")
    print(f"import outcomes: {full['outcomes']}, failed {full['failed']}")
    print("CPU ms per page by stage (profile run, one thread; the worker path runs read")
    print("to IPC (pickle) in the worker, IPC (unpickle) and the store in the importer):")
    for stage, ms in profile["cpu_ms_per_page"].items():
        print(f"  {stage:28s} {ms:6.2f}")
    print(f"  {'total':28s} {sum(profile['cpu_ms_per_page'].values()):6.2f}")


if __name__ == "__main__":
    main()
