"""Web app benchmark: page latency under a load generator on loopback (not a test).

Builds an archive of N exchanges with ``benchmarks/search.py``'s builder (replicated fixture
transcripts), revises every 20th briefing through the real write path (an edit, a removal
and an addition each, so diffs, exchanges and the ledger have content), starts
``briefings serve`` on it in a subprocess, then drives it with a small threaded HTTP client
(keep-alive connections, C concurrent) and prints p50/p95 per page type: briefing, diff,
exchange, changes, search (English and Chinese terms, repeated as users repeat them; the
first, uncached request of each term is reported on its own). Then does the same on an
archive G times larger (built on its own), to show how cost grows.

Building is most of the time (about 2 minutes per 100,000 exchanges on SQLite): ``--keep``
keeps the archives (SQLite: files in a directory; PostgreSQL: schemas named after it) and
``--reuse`` measures kept archives again without building; ``--build-only`` stops after
building.

    python benchmarks/web.py                                  # SQLite, 100,000 then 300,000
    python benchmarks/web.py --keep /tmp/webbench --build-only
    python benchmarks/web.py --keep /tmp/webbench --reuse --concurrency 4
    python benchmarks/web.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --keep webbench                                       # schemas webbench_1x, webbench_3x
    python benchmarks/web.py --exchanges 20000 --growth 2 --requests 100
"""

from __future__ import annotations

import argparse
import copy
import http.client
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import Builder, _admin, _schema_url, new_builder, percentiles
from sqlalchemy import Connection

from storage.api import Archive
from storage.db import make_engine
from storage.migrate import upgrade

TERMS = [
    "Taiwan",
    "South China Sea",
    "sanctions",
    "human rights",
    "Belt and Road",
    "台湾问题",
    "一带一路",
    "台湾",
]
REVISE_EVERY = 20
PAGE_TYPES = ("briefing", "diff", "exchange", "changes", "search")


def revise(url: str, builder: Builder, start: int) -> int:
    """Version 2 of every REVISE_EVERY-th briefing from ``start`` on (real write path)."""
    archive = Archive.open(url, confirm_after=0)
    revised = 0
    try:
        for bid in range(start, builder.briefings + 1, REVISE_EVERY):
            data = copy.deepcopy(archive.show(bid).data)
            exchanges = data["exchanges"]
            if len(exchanges) < 3:
                continue
            exchanges[1]["answer"] = (
                exchanges[1]["answer"] or ""
            ) + " We will keep a close eye on it."
            for turn in exchanges[1]["turns"]:
                if turn["role"] == "official":
                    turn["text"] = exchanges[1]["answer"]
                    break
            del exchanges[2]
            exchanges.append({**copy.deepcopy(exchanges[0]), "question": f"New question {bid}?"})
            for i, ex in enumerate(exchanges):
                ex["index"] = i
            archive.record_capture(
                None,
                url=data["url"],
                status_code=200,
                body=f"<html>{bid} v2</html>".encode(),
                headers={"ETag": f'"{bid}-2"'},
                briefing=data,
                parser_version="bench",
            )
            revised += 1
    finally:
        archive.close()
    return revised


class Server:
    def __init__(self, url: str, port: int) -> None:
        env = {**os.environ, "BRIEFINGS_DB_URL": url}
        self.port = port
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scheduler.cli",
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/static/style.css")
                conn.getresponse().read()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)


def fetch(conn: http.client.HTTPConnection, path: str) -> float:
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    return (time.perf_counter() - start) * 1000


def load(port: int, paths: list[str], concurrency: int) -> list[float]:
    """Every path once, spread over ``concurrency`` keep-alive connections."""
    samples: list[float] = []
    lock = threading.Lock()
    queue = list(paths)

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            took = fetch(conn, path)
            with lock:
                samples.append(took)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


@dataclass(frozen=True)
class Built:
    """What the load generator needs to know of an archive (read back from it on reuse)."""

    exchanges: int
    briefings: int
    revised: list[int]  # briefings with a second version


def built_of(url: str) -> Built:
    engine = make_engine(url, immediate=False)
    try:
        with engine.connect() as conn:
            exchanges = conn.exec_driver_sql("SELECT count(*) FROM exchange").scalar()
            briefings = conn.exec_driver_sql("SELECT max(id) FROM briefing").scalar()
            revised = conn.exec_driver_sql(
                "SELECT briefing_id FROM version WHERE number = 2 ORDER BY briefing_id"
            ).scalars()
            return Built(int(exchanges or 0), int(briefings or 0), list(revised))
    finally:
        engine.dispose()


def page_paths(built: Built, requests: int, rng: random.Random) -> dict[str, list[str]]:
    # The builder's exchange ids are "<briefing>x<position>" (kept by the revisions).
    return {
        "briefing": [f"/b/{rng.randint(1, built.briefings)}" for _ in range(requests)],
        "diff": [f"/b/{rng.choice(built.revised)}/diff" for _ in range(requests)],
        "exchange": [
            f"/x/{rng.randint(1, built.briefings)}x{rng.randint(0, 1)}" for _ in range(requests)
        ],
        "changes": [f"/?page={rng.randint(1, 20)}" for _ in range(requests)],
        "search": [f"/search?q={quote(rng.choice(TERMS))}" for _ in range(requests)],
    }


def measure(url: str, args: argparse.Namespace, label: str) -> None:
    built = built_of(url)
    port = args.port
    server = Server(url, port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        cold = [fetch(conn, f"/search?q={quote(t)}") for t in TERMS]  # first time: uncached
        conn.close()
        rng = random.Random(7)
        paths = page_paths(built, args.requests, rng)
        load(port, [p for ps in paths.values() for p in ps[:10]], args.concurrency)  # warm up
        print(
            f"{label}: {built.exchanges:,} exchanges, {built.briefings:,} briefings, "
            f"{len(built.revised):,} revised; {args.requests} requests per page type, "
            f"{args.concurrency} connections; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        for kind in PAGE_TYPES:
            p50, p95 = percentiles(load(port, paths[kind], args.concurrency))
            print(f"  {kind:>9}: p50 {p50:7.2f} ms  p95 {p95:7.2f} ms", flush=True)
        c50, c95 = percentiles(cold)
        print(
            f"  search, first request of each term (uncached): p50 {c50:.2f} ms  p95 {c95:.2f} ms  "
            f"max {max(cold):.2f} ms",
            flush=True,
        )
    finally:
        server.stop()


def sync_sequences(conn: Connection) -> None:
    """PostgreSQL: the builder gives briefings, locations and versions their ids itself, so
    move their sequences past them (else the write path's next version collides)."""
    if conn.dialect.name == "sqlite":
        return
    for table in ("briefing", "briefing_location", "version"):
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )


def build(url: str, exchanges: int) -> None:
    """A fresh archive of ``exchanges`` at ``url``, every 20th briefing revised."""
    start = time.perf_counter()
    engine = make_engine(url)
    try:
        upgrade(engine)
        builder: Builder = new_builder(engine)
        builder.grow_to(exchanges)
        with engine.begin() as conn:
            sync_sequences(conn)
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    revised = revise(url, builder, 1)
    print(
        f"built {builder.exchanges:,} exchanges, {builder.briefings:,} briefings "
        f"(+{revised} revisions) in {time.perf_counter() - start:.0f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=100_000)
    parser.add_argument(
        "--growth", type=int, default=3, help="then an archive this many times larger"
    )
    parser.add_argument("--requests", type=int, default=100, help="per page type")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", help="a PostgreSQL server URL (the archives go into new schemas)")
    parser.add_argument(
        "--keep",
        help="keep the archives: SQLite, in this directory; PostgreSQL, in schemas KEEP_1x, ...",
    )
    parser.add_argument("--reuse", action="store_true", help="measure the archives --keep kept")
    parser.add_argument("--build-only", action="store_true", help="build, do not measure")
    args = parser.parse_args()
    if (args.reuse or args.build_only) and not args.keep:
        parser.error("--reuse and --build-only need --keep")
    workdir = Path(args.keep) if args.keep and not args.db else None
    tmp = None
    if workdir is None and not args.db:
        tmp = workdir = Path(tempfile.mkdtemp(prefix="briefings-web-bench-"))
    prefix = args.keep or f"bench_{uuid.uuid4().hex[:12]}"
    made: list[str] = []
    try:
        for factor in dict.fromkeys((1, args.growth)):  # --growth 1: one size
            label = f"{'PostgreSQL' if args.db else 'SQLite'} {factor}x"
            if args.db:
                schema = f"{prefix}_{factor}x"
                url = _schema_url(args.db, schema)
                if not args.reuse:
                    _admin(args.db, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                    _admin(args.db, f'CREATE SCHEMA "{schema}"')
                    made.append(schema)
            else:
                assert workdir is not None
                workdir.mkdir(parents=True, exist_ok=True)
                path = workdir / f"{factor}x.db"
                url = f"sqlite:///{path}"
                if not args.reuse:
                    for stale in workdir.glob(f"{factor}x.db*"):
                        stale.unlink()
            if not args.reuse:
                build(url, args.exchanges * factor)
            if not args.build_only:
                measure(url, args, label)
    finally:
        if args.db and not args.keep:
            for schema in made:
                _admin(args.db, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
