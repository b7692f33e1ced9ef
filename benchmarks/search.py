"""Search and export benchmark on a large archive (SQLite, or PostgreSQL with --db).

Builds an archive of N exchanges (default 100,000) by replicating the fixture transcripts
(parsed with ``crawler.extract.parse_html``) under new URLs and dates, through the migrated
schema (indexed for search per chunk, as the write path does since migration 0009), then prints:

- search latency p50/p95 for English and Chinese queries through ``storage.search.search``,
  next to a plain ``LIKE`` scan of the same table (substring matches, no index; the ratio).
  ``matches`` counts the scan's substring matches and, for English, how many of those have
  every word of the query at the start of a word, as search needs (``sea`` not in ``ASEAN``);
- export rows/s and peak RSS of ``briefings export`` (a fresh process each time) at two
  archive sizes, to show memory stays flat as the archive grows.

    python benchmarks/search.py                      # 100,000 exchanges, temp directory
    python benchmarks/search.py --exchanges 20000 --small 5000 --keep /tmp/bench.db
    python benchmarks/search.py --keep /tmp/bench.db --reuse   # search only, no rebuild

PostgreSQL (``--db`` names the server; the archive goes into a new schema ``bench_<hex>``,
dropped at the end, or into ``--schema NAME``, kept; no export figures): search latency as
above, plus the same search SQL ranked with ``to_tsvector`` recomputed per row (as before
migration 0003) instead of the stored ``exchange.search_vector``, timed side by side::

    python benchmarks/search.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --exchanges 30000
    python benchmarks/search.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --schema bench_keep --reuse                # search the kept schema again
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from crawler.extract import parse_html
from storage import ftsindex
from storage import search as search_module
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Briefing, BriefingLocation, Exchange, Version
from storage.search import (
    SearchOptions,
    like_contains,
    parse_terms,
    register_sqlite_functions,
    search,
    starts_a_word,
    term_regex,
)
from storage.types import utcnow

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures" / "mfa"
ENGLISH = ["Taiwan", "South China Sea", "sanctions", "human rights", "Belt and Road"]
CHINESE = ["台湾问题", "一带一路", "人权理事会", "外交部发言人"]
CHINESE_SHORT = ["台湾", "制裁"]  # 1-2 characters: the LIKE fallback
# Word-start matching at its worst: the best-ranked substring matches of "sea" are mostly
# "ASEAN" (dropped), "sanction" is a prefix, "US" is short (LIKE scan) and a fragment of many words.
WORD_START = ["sea", "sanction", "US"]
RUNS = 15


# ---------------------------------------------------------------------------- build


def load_transcripts() -> list[dict[str, Any]]:
    """Every fixture page that parses as a transcript, once per URL."""
    found: dict[str, dict[str, Any]] = {}
    site = FIXTURES / "site"
    for path in sorted(site.rglob("*.*htm*")):
        url = "https://" + str(path.relative_to(site))
        _try_parse(path.read_bytes(), url, found)
    manifest = json.loads((FIXTURES / "pages" / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest:
        _try_parse((FIXTURES / "pages" / entry["file"]).read_bytes(), entry["url"], found)
    return [b for b in found.values() if b["exchanges"]]


def _try_parse(body: bytes, url: str, found: dict[str, dict[str, Any]]) -> None:
    try:
        briefing = parse_html(body, url).to_dict()
    except Exception:  # not a transcript, or a page the parser cannot read yet
        return
    found.setdefault(briefing["url"], briefing)


class Builder:
    """Appends copies of the transcripts with fresh ids, URLs and dates."""

    def __init__(self, engine: Engine, transcripts: list[dict[str, Any]]) -> None:
        self.engine = engine
        self.transcripts = transcripts
        self.copies = 0
        self.briefings = 0
        self.exchanges = 0

    def grow_to(self, exchanges: int) -> None:
        while self.exchanges < exchanges:
            self._add_copy()

    def _add_copy(self) -> None:
        now = utcnow()
        rows: dict[str, list[dict[str, Any]]] = {"b": [], "l": [], "v": [], "e": []}
        for original in self.transcripts:
            self.briefings += 1
            bid = self.briefings
            held_on = date(1990, 1, 1) + timedelta(days=bid)
            url = f"{original['url']}?copy={self.copies}"
            data = {**original, "url": url, "held_on": held_on.isoformat()}
            rows["b"].append(
                {
                    "id": bid,
                    "source": data["source"],
                    "language": data["language"],
                    "url": url,
                    "held_on": held_on,
                    "title": data["title"],
                    "status": "active",
                    "first_seen": now,
                    "last_seen": now,
                }
            )
            rows["l"].append(
                {"id": bid, "briefing_id": bid, "url": url, "first_seen": now, "last_seen": now}
            )
            rows["v"].append(_version_row(bid, data, now))
            rows["e"].extend(_exchange_rows(bid, data))
        with self.engine.begin() as conn:
            conn.execute(insert(Briefing), rows["b"])
            conn.execute(insert(BriefingLocation), rows["l"])
            conn.execute(insert(Version), rows["v"])
            conn.execute(insert(Exchange), rows["e"])
            ftsindex.index_newer(conn)  # the write path's search index (migration 0009)
        self.exchanges += len(rows["e"])
        self.copies += 1


def _version_row(bid: int, data: dict[str, Any], now: Any) -> dict[str, Any]:
    return {
        "id": bid,
        "briefing_id": bid,
        "number": 1,
        "content_hash": hashlib.sha256(json.dumps(data).encode()).hexdigest(),
        "parser_version": "bench",
        "cause": "page",
        "data": data,
        "exchange_count": len(data["exchanges"]),
        "location_id": bid,  # its line: a revision at the same URL is no move
        "is_latest": True,
        "first_seen": now,
        "last_seen": now,
    }


def _exchange_rows(bid: int, data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "version_id": bid,
            "briefing_id": bid,
            "position": e["index"],
            "uid": f"{bid}x{e['index']}",  # alphanumeric, like real ids (new_uid)
            "fingerprint": hashlib.sha256(f"{e['question']}{e['answer']}".encode()).hexdigest(),
            "kind": e["kind"],
            "asker": e["asker"],
            "question": e["question"],
            "answerer": e["answerer"],
            "answer": e["answer"],
            "follow_up": e["follow_up"],
            "after_conference": e["after_conference"],
            "turns": e["turns"],
        }
        for e in data["exchanges"]
    ]


# ---------------------------------------------------------------------------- measure


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def time_ms(fn: Any, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock samples in ms; CPU-time samples appended to ``cpu`` (the machine is
    shared: CPU time is what the query costs when it has a core to itself)."""
    fn()  # warm the page cache and statement cache
    samples = []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - start_cpu) * 1000)
    return samples


SCAN = text(
    """SELECT e.id FROM exchange e JOIN version v ON v.id = e.version_id
    WHERE v.is_latest AND (e.question LIKE :p ESCAPE '\\' OR e.answer LIKE :p ESCAPE '\\')"""
)


def word_start_count(conn: Connection, query: str) -> int | None:
    """How many latest exchanges have every word of ``query`` at a word start (not timed)."""
    terms = parse_terms(query)
    if not all(map(starts_a_word, terms)):
        return None
    params: dict[str, Any] = {"p": like_contains(query)}
    if conn.dialect.name == "sqlite":
        register_sqlite_functions(conn)
        test = "(word_match(e.question, :w{i}) OR word_match(e.answer, :w{i}))"
        params |= {f"w{i}": t.lower() for i, t in enumerate(terms)}
    else:
        test = "(e.question ~* :w{i} OR e.answer ~* :w{i})"
        params |= {f"w{i}": term_regex(t) for i, t in enumerate(terms)}
    tests = " AND ".join(test.format(i=i) for i in range(len(terms)))
    return len(conn.execute(text(f"{_scan(conn).text} AND {tests}"), params).all())


def _scan(conn: Connection) -> Any:
    """SQLite's LIKE is case-insensitive for ASCII; ILIKE counts the same matches on PostgreSQL
    (where the pg_trgm indexes answer it: no longer a scan, only a count)."""
    return SCAN if conn.dialect.name == "sqlite" else text(SCAN.text.replace(" LIKE ", " ILIKE "))


# What migration 0003 replaced: the English document parsed and stemmed again for every
# candidate row just to rank it (the expression of 0002's full-text index).
RECOMPUTED_VECTOR = (
    "to_tsvector('english', coalesce(e.question, '') || ' ' || coalesce(e.answer, ''))"
)


def search_recomputed(conn: Connection, query: str, options: SearchOptions) -> list[Any]:
    """``search`` with the ranking of migration 0002 (``to_tsvector`` per row), PostgreSQL."""
    stored = search_module.PG_RANK_VECTOR
    search_module.PG_RANK_VECTOR = RECOMPUTED_VECTOR
    try:
        return search(conn, query, options)
    finally:
        search_module.PG_RANK_VECTOR = stored


def bench_queries(engine: Engine, label: str, queries: list[str]) -> None:
    """Per query: search p50/p95, next to a LIKE scan (SQLite) or to the same search ranked
    with ``to_tsvector`` recomputed per row (PostgreSQL: the cost 0003 removes)."""
    options = SearchOptions(limit=20)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            base_name = "LIKE scan"
            scan = _scan(conn)

            def baseline(q: str) -> Any:
                return conn.execute(scan, {"p": like_contains(q)}).all()
        else:
            base_name = "recomputed rank"

            def baseline(q: str) -> Any:
                return search_recomputed(conn, q, options)

        all_search, all_cpu, all_base = [], [], []
        for query in queries:
            hits = search(conn, query, options)
            if conn.dialect.name != "sqlite":
                _check_same_hits(hits, search_recomputed(conn, query, options), query)
            found = len(conn.execute(_scan(conn), {"p": like_contains(query)}).all())
            words = word_start_count(conn, query)
            matches = f"{found:>6}" + (f" ({words:>5} words)" if words is not None else " " * 14)
            cpu: list[float] = []
            s = time_ms(lambda q=query: search(conn, q, options), cpu)
            base = time_ms(lambda q=query: baseline(q))
            all_search += s
            all_cpu += cpu
            all_base += base
            p50, p95 = percentiles(s)
            bp50, bp95 = percentiles(base)
            print(
                f"  {query!r:>17}: matches {matches}, top {len(hits):>2}  "
                f"search p50 {p50:6.2f} ms (cpu {statistics.median(cpu):6.2f}) p95 {p95:6.2f} ms"
                f" | {base_name} p50 {bp50:7.2f} ms p95 {bp95:7.2f} ms | x{bp50 / p50:,.1f}"
            )
        p50, p95 = percentiles(all_search)
        bp50, bp95 = percentiles(all_base)
        print(
            f"  {label} overall: search p50 {p50:.2f} ms (cpu {statistics.median(all_cpu):.2f}), "
            f"p95 {p95:.2f} ms; {base_name} p50 {bp50:.2f} ms, p95 {bp95:.2f} ms; "
            f"ratio (p50) x{bp50 / p50:,.1f}"
        )


def _check_same_hits(stored: list[Any], recomputed: list[Any], query: str) -> None:
    """The stored vector must rank exactly as the recomputed one: same hits, order, scores."""

    def key(hits: list[Any]) -> list[tuple[Any, ...]]:
        return [(h.briefing_id, h.version, h.index, h.score) for h in hits]

    if key(stored) != key(recomputed):
        raise SystemExit(f"{query!r}: stored and recomputed ranking differ")


EXPORT_CHILD = """
import resource, sys, time
from storage.db import make_engine
from storage import export
fmt, url, out = sys.argv[1:4]
engine = make_engine(url, immediate=False)
start = time.perf_counter()
with engine.connect() as conn:
    writer = {"jsonl": export.write_jsonl, "csv": export.write_csv}.get(fmt)
    if writer:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            n = writer(conn, handle, export.ExportFilter())
    else:
        n = export.write_parquet(conn, out, export.ExportFilter())
print(n, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_export(url: str, workdir: Path, label: str) -> None:
    for fmt in ("jsonl", "csv", "parquet"):
        out = workdir / f"export.{fmt}"
        done = subprocess.run(
            [sys.executable, "-c", EXPORT_CHILD, fmt, url, str(out)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        rows, seconds, rss_kb = done.stdout.split()
        unit = "briefings" if fmt == "jsonl" else "exchanges"
        print(
            f"  {label} {fmt:>7}: {int(rows):>7} {unit:<9} {float(seconds):6.2f} s  "
            f"{int(rows) / float(seconds):>9,.0f} rows/s  peak RSS {int(rss_kb) / 1024:6.1f} MB  "
            f"file {out.stat().st_size / 2**20:6.1f} MB"
        )
        out.unlink()


def bench_all(engine: Engine, exchanges: int) -> None:
    print(f"search over {exchanges:,} exchanges (latest versions), {RUNS} runs each:")
    bench_queries(engine, "English", ENGLISH)
    bench_queries(engine, "English word-start stress", WORD_START)
    bench_queries(engine, "Chinese 3+ chars", CHINESE)
    bench_queries(engine, "Chinese 1-2 chars", CHINESE_SHORT)
    engine.dispose()


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=25_000, help="first size for export memory")
    parser.add_argument("--keep", type=Path, help="build the archive at this path and keep it")
    parser.add_argument(
        "--reuse", action="store_true", help="search the archive --keep built; no build, no export"
    )
    parser.add_argument(
        "--db", help="a PostgreSQL server URL: build the archive there (in a new schema)"
    )
    parser.add_argument(
        "--schema", help="with --db: build into (or --reuse) this schema and keep it"
    )
    args = parser.parse_args()
    if args.db:
        if make_url(args.db).get_backend_name() != "postgresql":
            parser.error("--db takes a postgresql:// URL (SQLite: use --keep)")
        if args.reuse and not args.schema:
            parser.error("--reuse with --db needs --schema naming a schema built before")
        postgresql_main(args)
        return

    if args.reuse:
        if not args.keep or not args.keep.exists():
            parser.error("--reuse needs --keep naming an archive built before")
        engine = make_engine(f"sqlite:///{args.keep}", immediate=False)
        with engine.connect() as conn:
            exchanges = conn.scalar(text("SELECT count(*) FROM exchange"))
        bench_all(engine, exchanges)
        return

    workdir = Path(tempfile.mkdtemp(prefix="briefings-bench-"))
    path = args.keep or workdir / "bench.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    builder = new_builder(engine)

    start = time.perf_counter()
    builder.grow_to(args.small)
    print(f"built {builder.exchanges:,} exchanges in {time.perf_counter() - start:.1f} s")
    bench_export(url, workdir, f"{builder.exchanges:>7,}")

    start = time.perf_counter()
    builder.grow_to(args.exchanges)
    print(
        f"built {builder.exchanges:,} exchanges ({builder.briefings:,} briefings) "
        f"in {time.perf_counter() - start:.1f} s more; db {path.stat().st_size / 2**20:.0f} MB"
    )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    bench_export(url, workdir, f"{builder.exchanges:>7,}")
    bench_all(engine, builder.exchanges)
    shutil.rmtree(workdir, ignore_errors=True)  # the archive too, unless --keep put it elsewhere


def new_builder(engine: Engine) -> Builder:
    transcripts = load_transcripts()
    print(
        f"{len(transcripts)} fixture transcripts, "
        f"{sum(len(t['exchanges']) for t in transcripts)} exchanges per copy"
    )
    return Builder(engine, transcripts)


def postgresql_main(args: argparse.Namespace) -> None:
    """Build (or reuse) the archive in a schema of its own on the server; search figures only."""
    schema = args.schema or f"bench_{uuid.uuid4().hex[:12]}"
    if not args.reuse:
        _admin(args.db, f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    url = _schema_url(args.db, schema)
    engine = make_engine(url)
    try:
        if not args.reuse:
            start = time.perf_counter()
            upgrade(engine)
            builder = new_builder(engine)
            builder.grow_to(args.exchanges)
            print(
                f"built {builder.exchanges:,} exchanges ({builder.briefings:,} briefings) in "
                f"{time.perf_counter() - start:.1f} s in schema {schema}"
            )
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            exchanges = conn.scalar(text("SELECT count(*) FROM exchange"))
        bench_all(engine, exchanges)
    finally:
        engine.dispose()
        if not args.schema:
            _admin(args.db, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _schema_url(server_url: str, schema: str) -> str:
    """``server_url`` with ``schema`` first on the search_path (extensions stay in public)."""
    url = make_url(server_url)
    options = f"-csearch_path={schema},public -csynchronous_commit=off"
    return url.set(query={**url.query, "options": options}).render_as_string(hide_password=False)


def _admin(server_url: str, statement: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        admin.dispose()


if __name__ == "__main__":
    main()
