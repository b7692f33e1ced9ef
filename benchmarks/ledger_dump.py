"""Ledger identity check for write-path changes (issue 18, item 5): import WARCs into a
fresh archive and dump every ledger row, so two code versions can be compared row for row.

    python benchmarks/ledger_dump.py --count 1000 --out before.json   # on the old code
    python benchmarks/ledger_dump.py --count 1000 --out after.json    # on the new code
    python benchmarks/ledger_dump.py --compare before.json after.json

The import is of two WARCs built from the fixture pages (``benchmarks/mirror.py``): the
first has ``count`` new transcripts; the second, dated a month later, serves every third
page again unchanged, every fifth with one word edited, and every eleventh with the second
half of its paragraphs missing (a truncation: suspect); the third, dated a month before
the first, every seventh page with a word changed (old captures arriving late: renumbering). Rows are dumped in id order with
times that the write path stamps itself (``created_at``) left out and exchange uids (random)
replaced by the order of their first appearance, and raw bodies by the sha256 of their
original bytes (the compression may change between versions). The FTS5 indexes are checked with their own
``integrity-check`` and what search finds for a few terms is part of the dump.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.import_warc import HOST  # noqa: E402
from benchmarks.mirror import EN_DIR, build  # noqa: E402

TABLES = (
    "briefing",
    "briefing_location",
    "capture",
    "capture_provenance",
    "version",
    "exchange",
    "change_event",
    "raw_body",
)
# Stamped by the write path itself, or different in every run (temporary paths, record ids).
SKIP = {"created_at", "file", "file_sha256", "record_id", "record_offset"}
TERMS = ("Taiwan", "sanctions", "South China Sea", "human rights", "spokesperson")
_PARAGRAPH = re.compile(rb"<p[ >].*?</p>", re.S | re.I)


def variant(body: bytes, n: int) -> bytes | None:
    """The page as the second WARC serves it (None: not served again)."""
    if n % 11 == 0:
        paragraphs = list(_PARAGRAPH.finditer(body))
        cut = paragraphs[len(paragraphs) // 2].start() if len(paragraphs) > 4 else None
        return body[:cut] + b"</div></body></html>" if cut else body
    if n % 5 == 0:
        middle = body.find(b" the ", len(body) // 2)  # in the transcript's text
        return body[:middle] + b" a " + body[middle + 5 :] if middle > 0 else body
    if n % 3 == 0:
        return body
    return None


def earlier(body: bytes, n: int) -> bytes | None:
    """The page as the third WARC (dated before the first) serves it: every seventh page,
    one word different, so an older version arrives late and goes first in its line."""
    if n % 7:
        return None
    middle = body.find(b" and ", len(body) // 3)
    return body[:middle] + b" or " + body[middle + 5 :] if middle > 0 else body


def write_warcs(mirror: Path, paths: list[str], *targets: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    for target, month in zip(targets, (1, 2, 0), strict=True):
        with target.open("wb") as stream:
            writer = WARCWriter(stream, gzip=True)
            for n, path in enumerate(paths):
                body: bytes | None = (mirror / path.lstrip("/")).read_bytes()
                if month == 2:
                    body = variant(body, n)  # type: ignore[arg-type]
                elif month == 0:
                    body = earlier(body, n)  # type: ignore[arg-type]
                if body is None:
                    continue
                http = StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"
                )
                year, month_ = (2025, 12) if month == 0 else (2026, month)
                date = f"{year}-{month_:02d}-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
                record = writer.create_warc_record(
                    HOST + path,
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": date},
                )
                writer.write_record(record)


def dump(db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    uids: dict[str, int] = {}

    def canon(key: str, value: Any) -> Any:
        if key in ("uid", "exchange_uid") and value is not None:
            return uids.setdefault(value, len(uids))
        if isinstance(value, bytes):
            import hashlib

            return hashlib.sha256(value).hexdigest()
        return value

    out: dict[str, Any] = {}
    for table in TABLES:
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        # (a sqlite3.Row iterates over its values: the names are its keys())
        names = [k for k in rows[0].keys() if k not in SKIP] if rows else []  # noqa: SIM118
        out[table] = [{k: canon(k, row[k]) for k in names} for row in rows]
        if table == "raw_body":  # the bodies themselves, however they were compressed
            out[table] = [
                {**dumped, "compression": None, "data": body_sha256(row)}
                for dumped, row in zip(out[table], rows, strict=True)
            ]
    indexes = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE name IN ('exchange_fts', 'exchange_words')"
        )
    ]
    for name in indexes:  # with two indexes each holds part of the rows: the index's own check
        rank = 1 if indexes == ["exchange_fts"] else 0
        conn.execute(f"INSERT INTO {name}({name}, rank) VALUES ('integrity-check', {rank})")
    out["fts_hits"] = search_hits(db)
    out["fts_rows"] = sum(
        conn.execute(f"SELECT count(*) FROM {name}_docsize").fetchone()[0] for name in indexes
    )
    return out


def body_sha256(row: sqlite3.Row) -> str:
    """sha256 of a stored body's original bytes (zlib before 2026-12, zstd since)."""
    import hashlib
    import zlib

    import zstandard

    data = bytes(row["data"])
    if row["compression"] == "zstd":
        data = zstandard.ZstdDecompressor().decompress(data)
    elif row["compression"] == "zlib":
        data = zlib.decompress(data)
    return hashlib.sha256(data).hexdigest()


def search_hits(db: Path) -> dict[str, list[Any]]:
    """What ``storage.search`` finds for each of TERMS (every version): one search index or
    two, the same exchanges."""
    from sqlalchemy import create_engine

    from storage.search import SearchOptions, search

    engine = create_engine(f"sqlite:///{db}")
    options = SearchOptions(include_removed=True, limit=100_000)
    with engine.connect() as conn:
        hits = {
            term: sorted([h.briefing_id, h.version, h.index] for h in search(conn, term, options))
            for term in TERMS
        }
    engine.dispose()
    return hits


def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
    problems = 0
    for side in (a, b):
        for key, rows in side.items():
            if isinstance(rows, list) and rows and isinstance(rows[0], dict):
                side[key] = [{k: v for k, v in row.items() if k not in SKIP} for row in rows]
    for key in sorted(a.keys() | b.keys()):
        if a.get(key) == b.get(key):
            continue
        problems += 1
        left, right = a.get(key) or [], b.get(key) or []
        print(f"DIFFERENT: {key} ({len(left)} vs {len(right)} rows)")
        if isinstance(left, list):
            for x, y in zip(left, right, strict=False):
                if x != y:
                    print("  first difference:", x, "\n                 vs", y)
                    break
    counts = {k: len(v) for k, v in a.items() if isinstance(v, list)}
    print("identical" if not problems else f"{problems} parts differ", counts)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--out")
    parser.add_argument("--compare", nargs=2)
    args = parser.parse_args()
    if args.compare:
        a, b = (json.loads(Path(p).read_text()) for p in args.compare)
        raise SystemExit(1 if compare(a, b) else 0)
    from storage.api import Archive

    with tempfile.TemporaryDirectory(prefix="briefings-ledger-") as tmp:
        root = Path(tmp)
        paths = [p for p in build(root / "mirror", args.count) if EN_DIR in p]
        warcs = [root / f"{name}.warc.gz" for name in ("first", "second", "earlier")]
        write_warcs(root / "mirror", paths, *warcs)
        db = root / "ledger.db"
        archive = Archive.open(f"sqlite:///{db}", must_exist=False)
        for warc in warcs:
            summary = archive.import_files([str(warc)])
            print(f"{warc.name}: {dict(summary.outcomes)}, failed {summary.failed}")
        archive.close()
        result = dump(db)
    Path(args.out).write_text(json.dumps(result, default=str))
    print({k: len(v) for k, v in result.items() if isinstance(v, list)})


if __name__ == "__main__":
    main()
