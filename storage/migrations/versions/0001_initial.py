"""Initial schema: every table of storage/models.py.

version.capture_id and capture.version_id reference each other: the version -> capture
foreign key is created with the table on SQLite (which allows forward references and cannot
ALTER constraints) and added after both tables exist on PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:50:21.439170
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _version_capture_fk() -> list[sa.ForeignKeyConstraint]:
    if not _sqlite():
        return []
    return [
        sa.ForeignKeyConstraint(
            ["capture_id"], ["capture.id"], name=op.f("fk_version_capture_id_capture")
        )
    ]


def upgrade() -> None:
    op.create_table(
        "briefing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_checked", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefing")),
        sa.UniqueConstraint("url", name=op.f("uq_briefing_url")),
    )
    op.create_index(op.f("ix_briefing_held_on"), "briefing", ["held_on"], unique=False)
    op.create_index(
        "ix_briefing_identity", "briefing", ["source", "language", "held_on"], unique=False
    )
    op.create_index(op.f("ix_briefing_source"), "briefing", ["source"], unique=False)
    op.create_index(op.f("ix_briefing_status"), "briefing", ["status"], unique=False)

    op.create_table(
        "crawl_lease",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_crawl_lease")),
    )
    op.create_table(
        "crawl_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("finish_reason", sa.String(length=64), nullable=True),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("hostname", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_run")),
    )
    op.create_index(op.f("ix_crawl_run_source"), "crawl_run", ["source"], unique=False)
    op.create_index(op.f("ix_crawl_run_status"), "crawl_run", ["status"], unique=False)

    op.create_table(
        "raw_body",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compression", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_raw_body")),
    )
    op.create_table(
        "briefing_location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["briefing_id"],
            ["briefing.id"],
            name=op.f("fk_briefing_location_briefing_id_briefing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefing_location")),
        sa.UniqueConstraint("url", name=op.f("uq_briefing_location_url")),
    )
    op.create_index(
        op.f("ix_briefing_location_briefing_id"), "briefing_location", ["briefing_id"], unique=False
    )

    op.create_table(
        "version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("parser_version", sa.String(length=32), nullable=False),
        sa.Column("cause", sa.String(length=8), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("exchange_count", sa.Integer(), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["briefing_id"],
            ["briefing.id"],
            name=op.f("fk_version_briefing_id_briefing"),
            ondelete="CASCADE",
        ),
        *_version_capture_fk(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version")),
        sa.UniqueConstraint("briefing_id", "number", name=op.f("uq_version_briefing_id_number")),
    )
    op.create_index(op.f("ix_version_content_hash"), "version", ["content_hash"], unique=False)
    op.create_index(
        "uq_version_latest",
        "version",
        ["briefing_id"],
        unique=True,
        sqlite_where=sa.text("is_latest = 1"),
        postgresql_where=sa.text("is_latest"),
    )

    op.create_table(
        "capture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("final_url", sa.String(length=2000), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(length=512), nullable=True),
        sa.Column("last_modified", sa.String(length=128), nullable=True),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("briefing_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("parser_version", sa.String(length=32), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_sha256"], ["raw_body.sha256"], name=op.f("fk_capture_body_sha256_raw_body")
        ),
        sa.ForeignKeyConstraint(
            ["briefing_id"], ["briefing.id"], name=op.f("fk_capture_briefing_id_briefing")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_run.id"], name=op.f("fk_capture_run_id_crawl_run")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["version.id"], name=op.f("fk_capture_version_id_version")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture")),
    )
    op.create_index(op.f("ix_capture_body_sha256"), "capture", ["body_sha256"], unique=False)
    op.create_index(op.f("ix_capture_briefing_id"), "capture", ["briefing_id"], unique=False)
    op.create_index(op.f("ix_capture_fetched_at"), "capture", ["fetched_at"], unique=False)
    op.create_index(op.f("ix_capture_outcome"), "capture", ["outcome"], unique=False)
    op.create_index(op.f("ix_capture_run_id"), "capture", ["run_id"], unique=False)
    op.create_index(op.f("ix_capture_url"), "capture", ["url"], unique=False)

    if not _sqlite():
        op.create_foreign_key(
            op.f("fk_version_capture_id_capture"), "version", "capture", ["capture_id"], ["id"]
        )
    op.create_table(
        "exchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("asker", sa.String(length=255), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("answerer", sa.String(length=255), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("after_conference", sa.Boolean(), nullable=False),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["briefing_id"],
            ["briefing.id"],
            name=op.f("fk_exchange_briefing_id_briefing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["version.id"],
            name=op.f("fk_exchange_version_id_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange")),
        sa.UniqueConstraint("version_id", "position", name=op.f("uq_exchange_version_id_position")),
    )
    op.create_index(op.f("ix_exchange_answerer"), "exchange", ["answerer"], unique=False)
    op.create_index(op.f("ix_exchange_asker"), "exchange", ["asker"], unique=False)
    op.create_index(op.f("ix_exchange_briefing_id"), "exchange", ["briefing_id"], unique=False)
    op.create_index(op.f("ix_exchange_uid"), "exchange", ["uid"], unique=False)

    op.create_table(
        "change_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("cause", sa.String(length=8), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("exchange_uid", sa.String(length=32), nullable=True),
        sa.Column("index_before", sa.Integer(), nullable=True),
        sa.Column("index_after", sa.Integer(), nullable=True),
        sa.Column("asker", sa.String(length=255), nullable=True),
        sa.Column("answerer", sa.String(length=255), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["briefing_id"],
            ["briefing.id"],
            name=op.f("fk_change_event_briefing_id_briefing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["capture.id"], name=op.f("fk_change_event_capture_id_capture")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_event")),
    )
    op.create_index(
        op.f("ix_change_event_briefing_id"), "change_event", ["briefing_id"], unique=False
    )
    op.create_index(
        op.f("ix_change_event_detected_at"), "change_event", ["detected_at"], unique=False
    )
    op.create_index(
        op.f("ix_change_event_exchange_uid"), "change_event", ["exchange_uid"], unique=False
    )
    op.create_index(op.f("ix_change_event_type"), "change_event", ["type"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_change_event_type"), table_name="change_event")
    op.drop_index(op.f("ix_change_event_exchange_uid"), table_name="change_event")
    op.drop_index(op.f("ix_change_event_detected_at"), table_name="change_event")
    op.drop_index(op.f("ix_change_event_briefing_id"), table_name="change_event")

    op.drop_table("change_event")
    op.drop_index(op.f("ix_exchange_uid"), table_name="exchange")
    op.drop_index(op.f("ix_exchange_briefing_id"), table_name="exchange")
    op.drop_index(op.f("ix_exchange_asker"), table_name="exchange")
    op.drop_index(op.f("ix_exchange_answerer"), table_name="exchange")

    op.drop_table("exchange")
    op.drop_index(op.f("ix_capture_url"), table_name="capture")
    op.drop_index(op.f("ix_capture_run_id"), table_name="capture")
    op.drop_index(op.f("ix_capture_outcome"), table_name="capture")
    op.drop_index(op.f("ix_capture_fetched_at"), table_name="capture")
    op.drop_index(op.f("ix_capture_briefing_id"), table_name="capture")
    op.drop_index(op.f("ix_capture_body_sha256"), table_name="capture")

    if not _sqlite():
        op.drop_constraint(op.f("fk_version_capture_id_capture"), "version", type_="foreignkey")
    op.drop_table("capture")
    op.drop_index(
        "uq_version_latest",
        table_name="version",
        sqlite_where=sa.text("is_latest = 1"),
        postgresql_where=sa.text("is_latest"),
    )
    op.drop_index(op.f("ix_version_content_hash"), table_name="version")

    op.drop_table("version")
    op.drop_index(op.f("ix_briefing_location_briefing_id"), table_name="briefing_location")

    op.drop_table("briefing_location")
    op.drop_table("raw_body")
    op.drop_index(op.f("ix_crawl_run_status"), table_name="crawl_run")
    op.drop_index(op.f("ix_crawl_run_source"), table_name="crawl_run")

    op.drop_table("crawl_run")
    op.drop_table("crawl_lease")
    op.drop_index(op.f("ix_briefing_status"), table_name="briefing")
    op.drop_index(op.f("ix_briefing_source"), table_name="briefing")
    op.drop_index("ix_briefing_identity", table_name="briefing")
    op.drop_index(op.f("ix_briefing_held_on"), table_name="briefing")

    op.drop_table("briefing")
