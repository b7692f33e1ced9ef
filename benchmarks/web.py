"""Web app benchmark: page latency under a load generator on loopback (not a test).

Builds an archive of N exchanges with ``benchmarks/search.py``'s builder (replicated fixture
transcripts), revises every 20th briefing through the real write path (an edit, a removal
and an addition each, so diffs, exchanges and the ledger have content), starts
``briefings serve`` on it in a subprocess, then drives it with a small threaded HTTP client
(keep-alive connections, C concurrent) and prints p50/p95 per page type: briefing, diff,
exchange, changes, search (English and Chinese terms, repeated as users repeat them; the
first, uncached request of each term is reported on its own). Then grows the archive to
3x and measures again.

    python benchmarks/web.py                                  # SQLite, 100,000 then 300,000
    python benchmarks/web.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test
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
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search as search_bench
from search import Builder, _admin, _schema_url, new_builder, percentiles

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
# The builder gives briefing N's version the id N; revisions written between two growth
# steps take the next ids, so each growth step starts its versions above them.
OFFSET = {"version_id": 0}
_version_row, _exchange_rows = search_bench._version_row, search_bench._exchange_rows
search_bench._version_row = lambda bid, data, now: {
    **_version_row(bid, data, now),
    "id": bid + OFFSET["version_id"],
}
search_bench._exchange_rows = lambda bid, data: [
    {**row, "version_id": bid + OFFSET["version_id"]} for row in _exchange_rows(bid, data)
]


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


def page_paths(builder: Builder, requests: int, rng: random.Random) -> dict[str, list[str]]:
    revised = list(range(1, builder.briefings + 1, REVISE_EVERY))
    return {
        "briefing": [f"/b/{rng.randint(1, builder.briefings)}" for _ in range(requests)],
        "diff": [f"/b/{rng.choice(revised)}/diff" for _ in range(requests)],
        "exchange": [
            f"/x/{rng.randint(1, builder.briefings)}-{rng.randint(0, 3)}" for _ in range(requests)
        ],
        "changes": [f"/?page={rng.randint(1, 20)}" for _ in range(requests)],
        "search": [f"/search?q={quote(rng.choice(TERMS))}" for _ in range(requests)],
    }


def measure(url: str, builder: Builder, args: argparse.Namespace, label: str) -> None:
    port = args.port
    server = Server(url, port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        cold = [fetch(conn, f"/search?q={quote(t)}") for t in TERMS]  # first time: uncached
        conn.close()
        rng = random.Random(7)
        paths = page_paths(builder, args.requests, rng)
        load(port, [p for ps in paths.values() for p in ps[:10]], args.concurrency)  # warm up
        print(
            f"{label}: {builder.exchanges:,} exchanges, {builder.briefings:,} briefings; "
            f"{args.requests} requests per page type, {args.concurrency} connections"
        )
        for kind in PAGE_TYPES:
            p50, p95 = percentiles(load(port, paths[kind], args.concurrency))
            print(f"  {kind:>9}: p50 {p50:7.2f} ms  p95 {p95:7.2f} ms")
        c50, c95 = percentiles(cold)
        print(
            f"  search, first request of each term (uncached): p50 {c50:.2f} ms  p95 {c95:.2f} ms  "
            f"max {max(cold):.2f} ms"
        )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=100_000)
    parser.add_argument(
        "--growth", type=int, default=3, help="then grow the archive this many times"
    )
    parser.add_argument("--requests", type=int, default=100, help="per page type")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", help="a PostgreSQL server URL (the archive goes into a new schema)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="briefings-web-bench-"))
    schema = None
    if args.db:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        _admin(args.db, f'CREATE SCHEMA "{schema}"')
        url = _schema_url(args.db, schema)
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        builder = new_builder(engine)
        done = 0
        for size, label in (
            (args.exchanges, "1x"),
            (args.exchanges * args.growth, f"{args.growth}x"),
        ):
            start = time.perf_counter()
            with engine.connect() as conn:
                top = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM version").scalar()
            OFFSET["version_id"] = int(top or 0) - builder.briefings
            builder.grow_to(size)
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            revised = revise(url, builder, done + 1)
            done = builder.briefings
            print(
                f"built to {builder.exchanges:,} exchanges (+{revised} revisions) in "
                f"{time.perf_counter() - start:.0f} s"
            )
            measure(url, builder, args, f"{'PostgreSQL' if args.db else 'SQLite'} {label}")
        engine.dispose()
    finally:
        if schema:
            _admin(args.db, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
