"""WARC recording cost: the pipeline + archive path with WARC records on and off, side by side.

    python benchmarks/warc.py [--captures 1000] [--rounds 3]

Each round archives ``captures`` fetches of the fixture transcripts (each body made unique,
as a crawl of new pages) into a fresh SQLite file twice, WARC recording on and off, in
alternating order: per fetch, the Scrapy request/response → ``crawler.warc`` parts (on
only), ``Fetch.prepared()`` (hashes, compression, and with WARC the record ids, digests and
serialized-record sums) and ``Archive.record_fetches`` in batches of 16, as the pipeline does.
Parsing is done once beforehand: it is the same on both sides.

Prints the median ms per page of each side, the difference (the WARC cost per page) and the
ratio; the database growth per 1,000 captures (file size, and the ``warc_record`` bytes);
and the size of a typical removal bundle (before, after and confirming pages of a real
transcript). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extract import PARSER_VERSION, NotATranscript, parse_html  # noqa: E402
from storage.api import Archive, EvidenceTarget, make_fetch  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.conftest import MFA_SITE  # noqa: E402
from tests.evidence.scenarios import parts_for, removed_exchange  # noqa: E402

BATCH = 16
SITE = MFA_SITE / "www.fmprc.gov.cn"


def pages() -> list[tuple[str, bytes, Any]]:
    """(url, body, parsed briefing) of every mirrored English transcript."""
    found = []
    for path in sorted(SITE.glob("mfa_eng/**/t*.shtml")):
        url = "https://www.fmprc.gov.cn/" + str(path.relative_to(SITE))
        body = path.read_bytes()
        try:
            briefing = parse_html(body, url, source="mfa-en", content_type="text/html")
        except NotATranscript:
            continue
        found.append((url, body, briefing))
    return found


def run(
    corpus: list[tuple[str, bytes, Any]], count: int, *, warc: bool, directory: Path
) -> dict[str, float]:
    path = directory / f"{'on' if warc else 'off'}-{time.monotonic_ns()}.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    archive = Archive(engine)
    start = time.perf_counter()
    batch = []
    for i in range(count):
        page_url, body, briefing = corpus[i % len(corpus)]
        page_url = f"{page_url}?copy={i}"
        body = body + f"<!-- {i} -->".encode()
        parts = parts_for(page_url, body) if warc else None
        fetch = make_fetch(
            None,
            url=page_url,
            final_url=page_url,
            status_code=200,
            headers={"Content-Type": "text/html"},
            body=body,
            briefing=briefing,
            parser_version=PARSER_VERSION,
            warc=parts,
        ).prepared()
        batch.append(fetch)
        if len(batch) == BATCH:
            archive.record_fetches(batch)
            batch = []
    if batch:
        archive.record_fetches(batch)
    elapsed = time.perf_counter() - start
    with engine.connect() as conn:
        from sqlalchemy import text

        warc_bytes = conn.execute(
            text(
                "SELECT coalesce(sum(length(request_head) + length(response_head) + "
                "length(response_id) + coalesce(length(request_id), 0) + length(warc_date) + "
                "length(target_uri) + length(payload_digest) + length(block_digest) + "
                "coalesce(length(request_block_digest), 0) + 128 + coalesce(length(note), 0)), 0) "
                "FROM warc_record"
            )
        ).scalar_one()
    engine.dispose()
    with closing(sqlite3.connect(path)) as raw:  # fold the WAL in: the file holds everything
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    return {"ms": elapsed * 1000 / count, "bytes": size, "warc_bytes": float(warc_bytes)}


def bundle_size(directory: Path) -> int:
    url = f"sqlite:///{directory / 'bundle.db'}"
    upgrade(url)
    engine = make_engine(url)
    archive = Archive(engine, confirm_after=0)
    scenario = removed_exchange(archive)
    summary = archive.evidence_bundle(EvidenceTarget.event(scenario.event_id), directory / "b.wacz")
    engine.dispose()
    return summary.bytes


def components(corpus: list[tuple[str, bytes, Any]], repeat: int = 200) -> tuple[float, float]:
    """Best-of-5 ms per page of the two WARC steps alone: parts, then ids/digests/sums."""
    from datetime import UTC, datetime

    from storage.warc import record_meta

    url, body, _ = corpus[0]
    parts = parts_for(url, body)
    assert parts is not None
    best_parts = best_meta = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            parts_for(url, body)
        best_parts = min(best_parts, (time.perf_counter() - start) * 1000 / repeat)
        start = time.perf_counter()
        for _ in range(repeat):
            record_meta(parts, body, datetime.now(UTC))
        best_meta = min(best_meta, (time.perf_counter() - start) * 1000 / repeat)
    return best_parts, best_meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    corpus = pages()
    print(
        f"{len(corpus)} fixture transcripts, {args.captures} captures a run, {args.rounds} rounds"
    )
    results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="bench-warc-") as tmp:
        directory = Path(tmp)
        for round_ in range(args.rounds):
            order = (True, False) if round_ % 2 == 0 else (False, True)
            for warc in order:
                results[warc].append(run(corpus, args.captures, warc=warc, directory=directory))
        size = bundle_size(directory)
    on = statistics.median(r["ms"] for r in results[True])
    off = statistics.median(r["ms"] for r in results[False])
    per_k = 1000 / args.captures
    grow_on = statistics.median(r["bytes"] for r in results[True]) * per_k
    grow_off = statistics.median(r["bytes"] for r in results[False]) * per_k
    rows = statistics.median(r["warc_bytes"] for r in results[True]) * per_k
    print(f"ms per page: WARC on {on:.3f}, off {off:.3f}; cost {on - off:.3f} ms ({on / off:.3f}x)")
    print(
        f"database per 1,000 captures: on {grow_on / 1e6:.2f} MB, off {grow_off / 1e6:.2f} MB, "
        f"growth {(grow_on - grow_off) / 1e6:.3f} MB; warc_record data ≈ {rows / 1e3:.0f} kB"
    )
    parts_ms, meta_ms = components(corpus)
    print(
        f"the WARC steps alone (best of 5): parts from Scrapy objects {parts_ms:.3f} ms, "
        f"ids + digests + record sums {meta_ms:.3f} ms per page"
    )
    print(f"typical removal bundle (before, after, confirming): {size / 1e3:.1f} kB")


if __name__ == "__main__":
    main()
