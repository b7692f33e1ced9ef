"""Raw response bodies, stored once per sha256 and zlib-compressed.

Two processes storing the same body at once is normal (a page fetched by a crawl and a
revisit): the insert is ``ON CONFLICT DO NOTHING`` on both backends, so neither fails.
"""

from __future__ import annotations

import hashlib
import zlib

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import RawBody, table_of
from storage.types import utcnow

COMPRESSION = "zlib"
# Level 1 compresses an MFA page (~45 kB of HTML) in 70% of the time of level 3 and a third
# of level 6's, to an output 5% larger than level 3's (measured on the fixture pages, side by
# side: 0.27 vs 0.38 ms, 30.5% vs 29.0%; level 6 earlier 0.72 ms, 27.2%). Bodies are a
# small part of an archive; a page's CPU is what an import is short of (issue 18). Any
# level reads back the same (``zlib.decompress``): changing it needs no migration.
COMPRESSION_LEVEL = 1
RAW_BODY = table_of(RawBody)
IS_STORED = select(RAW_BODY.c.sha256).where(RAW_BODY.c.sha256 == bindparam("sha"))
INSERT_NEW = {
    "postgresql": postgresql.insert(RAW_BODY).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(RAW_BODY).on_conflict_do_nothing(),
}


def sha256_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def pack(body: bytes) -> bytes:
    """``body`` as stored (compressed with ``COMPRESSION``)."""
    return zlib.compress(body, COMPRESSION_LEVEL)


def put(
    db: Session | Connection, body: bytes, *, sha: str | None = None, packed: bytes | None = None
) -> str:
    """Store ``body`` unless already stored; returns its sha256. ``sha`` and ``packed``:
    ``sha256_of(body)`` and ``pack(body)``, if the caller computed them already."""
    conn = db.connection() if isinstance(db, Session) else db
    sha = sha or sha256_of(body)
    if conn.scalar(IS_STORED, {"sha": sha}) is not None:
        return sha  # a revisit of an unchanged page: no need to compress it again
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
    if compression == "zlib":
        return zlib.decompress(data)
    if compression in ("none", "", None):
        return bytes(data)
    raise ValueError(f"unknown compression {compression!r} for body {sha}")
