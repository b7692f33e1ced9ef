"""A ledger you can publish from: location lines, observed times, cosmetic and unstable events.

- ``briefing_location``: a status of its own (``status``, ``status_reason``, ``status_since``)
  and the "unstable" bookkeeping of a page serving two contents in turn (``flap``).
- ``version.location_id``: the location whose line of versions a version is in (existing
  versions: the briefing's current location); ``version.replaced_chars``: characters the
  page's bytes could not be decoded to.
- ``change_event``: ``cosmetic`` (typography only), ``suppressed`` (kept out of the default
  ledger, e.g. "unstable"), ``location_id``, and the observed times that bound when a change
  happened (``observed_after`` < change <= ``observed_before``; existing events: detected).
- ``capture.location_id``.

SQLite gets plain ``ALTER TABLE ... ADD COLUMN`` (a column with a ``REFERENCES`` clause and a
NULL default is allowed there), not Alembic's batch mode: batch mode rebuilds the table,
which the views of migration 0002 and the FTS triggers of ``exchange`` would not survive.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (table, column, SQL type, default SQL or None, foreign key target or None)
NEW_COLUMNS = (
    ("briefing_location", "status", "VARCHAR(16)", "'active'", None),
    ("briefing_location", "status_reason", "TEXT", None, None),
    ("briefing_location", "status_since", "TIMESTAMP", None, None),
    ("briefing_location", "flap", "JSON", None, None),
    ("briefing_location", "base_version_id", "INTEGER", None, None),
    ("version", "location_id", "INTEGER", None, "briefing_location"),
    ("version", "replaced_chars", "INTEGER", "0", None),
    ("change_event", "cosmetic", "BOOLEAN", "false", None),
    ("change_event", "suppressed", "VARCHAR(16)", None, None),
    ("change_event", "location_id", "INTEGER", None, "briefing_location"),
    ("change_event", "observed_after", "TIMESTAMP", None, None),
    ("change_event", "observed_before", "TIMESTAMP", None, None),
    ("capture", "location_id", "INTEGER", None, "briefing_location"),
)
NOT_NULL = {("briefing_location", "status"), ("version", "replaced_chars"),
            ("change_event", "cosmetic")}  # fmt: skip

BACKFILL = (
    # Existing versions belong to the line of the location their page was fetched at, or
    # else of the briefing's current location.
    """UPDATE version SET location_id = (
        SELECT l.id FROM briefing_location l JOIN capture c ON c.url = l.url
        WHERE c.id = version.capture_id AND l.briefing_id = version.briefing_id)""",
    """UPDATE version SET location_id = (
        SELECT l.id FROM briefing_location l JOIN briefing b ON b.id = l.briefing_id
        WHERE b.id = version.briefing_id AND l.url = b.url) WHERE location_id IS NULL""",
    # A location with no version of its own starts from the briefing's current version.
    """UPDATE briefing_location SET base_version_id = (
        SELECT v.id FROM version v WHERE v.briefing_id = briefing_location.briefing_id
        AND v.is_latest) WHERE NOT EXISTS (
        SELECT 1 FROM version v WHERE v.location_id = briefing_location.id)""",
    "UPDATE change_event SET observed_before = detected_at",
    # A location is as gone as its briefing was, when the briefing is gone.
    """UPDATE briefing_location SET status = (
        SELECT b.status FROM briefing b WHERE b.id = briefing_location.briefing_id),
        status_reason = (
        SELECT b.status_reason FROM briefing b WHERE b.id = briefing_location.briefing_id),
        status_since = (
        SELECT b.status_since FROM briefing b WHERE b.id = briefing_location.briefing_id)
        WHERE briefing_location.url = (
        SELECT b.url FROM briefing b WHERE b.id = briefing_location.briefing_id)""",
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, sql_type, default, target in NEW_COLUMNS:
        if sqlite:
            op.execute(_sqlite_add(table, column, sql_type, default, target))
        else:
            _postgresql_add(table, column, sql_type, default, target)
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index("ix_version_location_id", "version", ["location_id"])
    op.create_index("ix_change_event_observed_before", "change_event", ["observed_before"])


def downgrade() -> None:
    op.drop_index("ix_change_event_observed_before", table_name="change_event")
    op.drop_index("ix_version_location_id", table_name="version")
    for table, column, _type, _default, target in reversed(NEW_COLUMNS):
        if target and op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(f"fk_{table}_{column}_{target}", table, type_="foreignkey")
        op.drop_column(table, column)


def _sqlite_add(
    table: str, column: str, sql_type: str, default: str | None, target: str | None
) -> str:
    sql_type = "DATETIME" if sql_type == "TIMESTAMP" else sql_type  # as 0001 spelled it
    parts = [f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"]
    if (table, column) in NOT_NULL:
        parts.append("NOT NULL")
    if default is not None:
        parts.append(f"DEFAULT {'0' if default == 'false' else default}")
    if target:
        name = f"fk_{table}_{column}_{target}"  # the models' naming convention
        parts.append(f"CONSTRAINT {name} REFERENCES {target} (id) ON DELETE SET NULL")
    return " ".join(parts)


def _postgresql_add(
    table: str, column: str, sql_type: str, default: str | None, target: str | None
) -> None:
    types = {"TIMESTAMP": sa.DateTime(timezone=True), "JSON": sa.JSON(), "TEXT": sa.Text(),
             "INTEGER": sa.Integer(), "BOOLEAN": sa.Boolean(), "VARCHAR(16)": sa.String(16)}  # fmt: skip
    op.add_column(
        table,
        sa.Column(
            column,
            types[sql_type],
            nullable=(table, column) not in NOT_NULL,
            server_default=sa.text(default) if default is not None else None,
        ),
    )
    if default is not None:  # the models give the default; the server default only backfills
        op.alter_column(table, column, server_default=None)
    if target:
        op.create_foreign_key(
            f"fk_{table}_{column}_{target}", table, target, [column], ["id"], ondelete="SET NULL"
        )
