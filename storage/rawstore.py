"""Raw response bodies, stored once per sha256 and zlib-compressed.

Two processes storing the same body at once is normal (a page fetched by a crawl and a
revisit): the insert is ``ON CONFLICT DO NOTHING`` on both backends, so neither fails.
"""

from __future__ import annotations

import hashlib
import zlib

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import RawBody
from storage.types import utcnow

COMPRESSION = "zlib"


def sha256_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def put(session: Session, body: bytes) -> str:
    """Store ``body`` unless already stored; returns its sha256."""
    sha = sha256_of(body)
    if session.scalar(select(RawBody.sha256).where(RawBody.sha256 == sha)) is not None:
        return sha
    values = {
        "sha256": sha,
        "size": len(body),
        "compression": COMPRESSION,
        "data": zlib.compress(body, 6),
        "created_at": utcnow(),
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(RawBody).values(**values).on_conflict_do_nothing()
    session.execute(stmt)
    return sha


def get(session: Session, sha: str) -> bytes:
    """The original bytes of a stored body; KeyError when there is none."""
    row = session.execute(
        select(RawBody.compression, RawBody.data).where(RawBody.sha256 == sha)
    ).one_or_none()
    if row is None:
        raise KeyError(sha)
    compression, data = row
    if compression == "zlib":
        return zlib.decompress(data)
    if compression in ("none", "", None):
        return bytes(data)
    raise ValueError(f"unknown compression {compression!r} for body {sha}")
