"""English↔Chinese alignment (issue 17): pairs, aligned rows, asymmetry findings, and the
archive's additions to the shipped outlet table.

- ``briefing_pair``: an English and a Chinese briefing that are one briefing (each briefing in
  at most one pair), with the versions aligned and the alignment's status and score;
- ``aligned_row``: the rows of each pair's alignment (schema ``index`` lists per side);
- ``alignment_finding``: each asymmetry once (unique per pair and key), open or resolved,
  with the ledger events that reported it;
- ``outlet_entry``: outlets a config's ``[outlets]`` section adds to the shipped table.

Plain tables on both backends; nothing outside the models. See docs/alignment.md.

Revision ID: 0007_alignment
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_alignment"
down_revision: str | None = "0006_provenance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outlet_entry",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_entry")),
    )
    op.create_table(
        "briefing_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("en_briefing_id", sa.Integer(), nullable=False),
        sa.Column("zh_briefing_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("pair_score", sa.Double(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("en_version_id", sa.Integer(), nullable=True),
        sa.Column("zh_version_id", sa.Integer(), nullable=True),
        sa.Column("input_key", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("one_to_one", sa.Boolean(), nullable=False),
        sa.Column("aligned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["en_briefing_id"],
            ["briefing.id"],
            name=op.f("fk_briefing_pair_en_briefing_id_briefing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["en_version_id"],
            ["version.id"],
            name=op.f("fk_briefing_pair_en_version_id_version"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["zh_briefing_id"],
            ["briefing.id"],
            name=op.f("fk_briefing_pair_zh_briefing_id_briefing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["zh_version_id"],
            ["version.id"],
            name=op.f("fk_briefing_pair_zh_version_id_version"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefing_pair")),
        sa.UniqueConstraint("en_briefing_id", name=op.f("uq_briefing_pair_en_briefing_id")),
        sa.UniqueConstraint("zh_briefing_id", name=op.f("uq_briefing_pair_zh_briefing_id")),
    )
    with op.batch_alter_table("briefing_pair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_briefing_pair_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_briefing_pair_status"), ["status"], unique=False)

    op.create_table(
        "aligned_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("en", sa.JSON(), nullable=False),
        sa.Column("zh", sa.JSON(), nullable=False),
        sa.Column("en_uids", sa.JSON(), nullable=False),
        sa.Column("zh_uids", sa.JSON(), nullable=False),
        sa.Column("bead", sa.String(length=3), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("outlet", sa.String(length=16), nullable=False),
        sa.Column("en_label", sa.String(length=255), nullable=True),
        sa.Column("zh_label", sa.String(length=255), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["briefing_pair.id"],
            name=op.f("fk_aligned_row_pair_id_briefing_pair"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aligned_row")),
        sa.UniqueConstraint("pair_id", "position", name=op.f("uq_aligned_row_pair_id_position")),
    )
    op.create_table(
        "alignment_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("en_briefing_id", sa.Integer(), nullable=False),
        sa.Column("zh_briefing_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("en", sa.JSON(), nullable=False),
        sa.Column("zh", sa.JSON(), nullable=False),
        sa.Column("en_uids", sa.JSON(), nullable=False),
        sa.Column("zh_uids", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("resolved_event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["en_briefing_id"],
            ["briefing.id"],
            name=op.f("fk_alignment_finding_en_briefing_id_briefing"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["change_event.id"],
            name=op.f("fk_alignment_finding_event_id_change_event"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_event_id"],
            ["change_event.id"],
            name=op.f("fk_alignment_finding_resolved_event_id_change_event"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["zh_briefing_id"],
            ["briefing.id"],
            name=op.f("fk_alignment_finding_zh_briefing_id_briefing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alignment_finding")),
        sa.UniqueConstraint(
            "en_briefing_id",
            "zh_briefing_id",
            "key",
            name=op.f("uq_alignment_finding_en_briefing_id_zh_briefing_id_key"),
        ),
    )
    with op.batch_alter_table("alignment_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alignment_finding_en_briefing_id"), ["en_briefing_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alignment_finding_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_alignment_finding_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_alignment_finding_type"), ["type"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alignment_finding_zh_briefing_id"), ["zh_briefing_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alignment_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alignment_finding_zh_briefing_id"))
        batch_op.drop_index(batch_op.f("ix_alignment_finding_type"))
        batch_op.drop_index(batch_op.f("ix_alignment_finding_status"))
        batch_op.drop_index(batch_op.f("ix_alignment_finding_held_on"))
        batch_op.drop_index(batch_op.f("ix_alignment_finding_en_briefing_id"))

    op.drop_table("alignment_finding")
    op.drop_table("aligned_row")
    with op.batch_alter_table("briefing_pair", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_briefing_pair_status"))
        batch_op.drop_index(batch_op.f("ix_briefing_pair_held_on"))

    op.drop_table("briefing_pair")
    op.drop_table("outlet_entry")
