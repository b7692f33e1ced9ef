"""Capture provenance: where an imported capture came from (issue 18, history import).

One row per imported capture (``storage.models.CaptureProvenance``): a WARC record (file as
given, its sha256, the record's offset and WARC-Record-ID) or a Wayback capture (timestamp,
digest, original URL). Crawled captures have no row: ``capture.run_id`` names their crawl.
The unique keys (file sha256, offset) and (timestamp, digest, URL) make a re-run import
nothing twice.

Revision ID: 0006_provenance
Revises: 0005_warc
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_provenance"
down_revision: str | None = "0005_warc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "capture_provenance",
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("record_offset", sa.BigInteger(), nullable=True),
        sa.Column("record_id", sa.String(length=255), nullable=True),
        sa.Column("wayback_timestamp", sa.String(length=14), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("original_url", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["capture.id"],
            name=op.f("fk_capture_provenance_capture_id_capture"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("capture_id", name=op.f("pk_capture_provenance")),
        sa.UniqueConstraint(
            "file_sha256",
            "record_offset",
            name=op.f("uq_capture_provenance_file_sha256_record_offset"),
        ),
        sa.UniqueConstraint(
            "wayback_timestamp",
            "digest",
            "original_url",
            name=op.f("uq_capture_provenance_wayback_timestamp_digest_original_url"),
        ),
    )


def downgrade() -> None:
    op.drop_table("capture_provenance")
