"""Fixtures of the ledger tests: the crawl tests' module-wide database."""

from __future__ import annotations

from tests.crawl.conftest import mfa_server, module_db_url  # noqa: F401  (fixtures)
