"""Raw response bodies, stored once per sha256 and compressed (zstd; zlib before 2026-12).

Two processes storing the same body at once is normal (a page fetched by a crawl and a
revisit): the insert is ``ON CONFLICT DO NOTHING`` on both backends, so neither fails.
"""

from __future__ import annotations

import hashlib
import threading
import zlib

import zstandard
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import RawBody, table_of
from storage.types import utcnow

COMPRESSION = "zstd"
# zstd level 3 compresses an MFA page (~45 kB of HTML) in a third of zlib level 1's time, to
# a smaller output (measured on the 93 fixture pages, side by side: 0.086 vs 0.284 ms,
# 29.1% vs 30.1% of the page). A page's CPU is what an import is short of (issue 18).
# Bodies stored before keep their "zlib" and read back as they are: no migration.
COMPRESSION_LEVEL = 3
RAW_BODY = table_of(RawBody)
IS_STORED = select(RAW_BODY.c.sha256).where(RAW_BODY.c.sha256 == bindparam("sha"))
INSERT_NEW = {
    "postgresql": postgresql.insert(RAW_BODY).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(RAW_BODY).on_conflict_do_nothing(),
}


def sha256_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class UnreadableBody(ValueError):
    """A stored body that does not decompress (corrupt data, an unknown compression)."""


# A compressor holds state and is not safe to share between threads (a crawl compresses in
# its own thread while the archive's writer thread may too): one per thread, made once.
_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    compressor: zstandard.ZstdCompressor | None = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=COMPRESSION_LEVEL)
    return compressor


def pack(body: bytes) -> bytes:
    """``body`` as stored (compressed with ``COMPRESSION``; the frame records its size)."""
    return _compressor().compress(body)


def unpack(compression: str | None, data: bytes) -> bytes:
    """The original bytes of ``data`` stored with ``compression``; ``UnreadableBody`` when
    they cannot be had."""
    try:
        if compression == "zstd":
            return zstandard.ZstdDecompressor().decompress(data)
        if compression == "zlib":
            return zlib.decompress(data)
    except (zstandard.ZstdError, zlib.error) as exc:
        raise UnreadableBody(f"corrupt {compression} data: {exc}") from exc
    if compression in ("none", "", None):
        return bytes(data)
    raise UnreadableBody(f"unknown compression {compression!r}")


def put(
    db: Session | Connection, body: bytes, *, sha: str | None = None, packed: bytes | None = None
) -> str:
    """Store ``body`` unless already stored; returns its sha256. ``sha`` and ``packed``:
    ``sha256_of(body)`` and ``pack(body)``, if the caller computed them already."""
    conn = db.connection() if isinstance(db, Session) else db
    sha = sha or sha256_of(body)
    # Compressed already (a prepared fetch): one INSERT that does nothing for a body stored
    # before. Otherwise ask first: a revisit of an unchanged page need not be compressed.
    if packed is None and conn.scalar(IS_STORED, {"sha": sha}) is not None:
        return sha
    row = {
        "sha256": sha,
        "size": len(body),
        "compression": COMPRESSION,
        "data": packed if packed is not None else pack(body),
        "created_at": utcnow(),
    }
    conn.execute(INSERT_NEW[conn.dialect.name], row)
    return sha


def get(db: Session | Connection, sha: str) -> bytes:
    """The original bytes of a stored body; KeyError when there is none."""
    row = db.execute(
        select(RAW_BODY.c.compression, RAW_BODY.c.data).where(RAW_BODY.c.sha256 == sha)
    ).one_or_none()
    if row is None:
        raise KeyError(sha)
    compression, data = row
    try:
        return unpack(compression, data)
    except UnreadableBody as exc:
        raise UnreadableBody(f"body {sha}: {exc}") from None
