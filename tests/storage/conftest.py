"""Fixtures of the storage tests (the shared ones live in tests/dbfixtures.py)."""

from __future__ import annotations

from tests.dbfixtures import fresh_db_url  # noqa: F401  (re-exported fixture)
