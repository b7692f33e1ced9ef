"""WARC records at fetch time: the ``warc_record`` table (issue 16, docs/evidence.md).

One row per capture that was fetched with WARC recording on: everything its WARC request
and response records need beyond the body, which stays in ``raw_body`` (one copy, by
sha256). Captures made before this migration have no row; they are exported as ``resource``
records with a provenance note, never with invented request records.

Revision ID: 0005_warc
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_warc"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warc_record",
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("warc_date", sa.String(length=32), nullable=False),
        sa.Column("target_uri", sa.String(length=2000), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("request_head", sa.LargeBinary(), nullable=True),
        sa.Column("response_head", sa.LargeBinary(), nullable=False),
        sa.Column("payload_digest", sa.String(length=80), nullable=False),
        sa.Column("block_digest", sa.String(length=80), nullable=False),
        sa.Column("request_block_digest", sa.String(length=80), nullable=True),
        sa.Column("response_sha256", sa.String(length=64), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["capture.id"],
            name=op.f("fk_warc_record_capture_id_capture"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("capture_id", name=op.f("pk_warc_record")),
    )


def downgrade() -> None:
    op.drop_table("warc_record")
