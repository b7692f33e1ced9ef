"""Shared test fixtures.

Real pages are read where they live, in ``../shared/fixtures`` (override with
``BRIEFINGS_FIXTURES``); they are never copied into this repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = Path(
    os.environ.get("BRIEFINGS_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures")
).resolve()
MFA_DIR = FIXTURES_DIR / "mfa"
MFA_PAGES = MFA_DIR / "pages"
MFA_SITE = MFA_DIR / "site"
MFA_RECONSTRUCTED = MFA_DIR / "reconstructed"
SHARED_SCHEMA = Path(
    os.environ.get("BRIEFINGS_SHARED_SCHEMA", REPO_ROOT.parent / "shared" / "schema")
).resolve()


def pytest_configure(config: pytest.Config) -> None:
    if not MFA_PAGES.is_dir():
        raise pytest.UsageError(
            f"fixture pages not found at {MFA_PAGES}; set BRIEFINGS_FIXTURES to shared/fixtures"
        )


@pytest.fixture(scope="session")
def mfa_pages() -> Path:
    return MFA_PAGES


@pytest.fixture(scope="session")
def mfa_site() -> Path:
    return MFA_SITE


from tests.dbfixtures import archive, db_url, engine  # noqa: E402,F401  (database fixtures)
