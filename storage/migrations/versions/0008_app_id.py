"""Mark a SQLite archive as a briefings archive: ``PRAGMA application_id``.

``Archive.open`` refuses any SQLite file that is not ours before it changes anything (no WAL
switch, no tables in another program's database); this id is how it knows, and an archive
made before this revision (Alembic's table at one of our revisions) gets it here. Nothing on
PostgreSQL.

Revision ID: 0008_app_id
Revises: 0007_alignment
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from storage.db import APPLICATION_ID

revision: str = "0008_app_id"
down_revision: str | None = "0007_alignment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA application_id = 0")
