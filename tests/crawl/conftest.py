"""Fixtures of the crawl tests: the loopback ministry site and databases that outlive a test.

``mfa_server``: a fresh ``SiteMock`` per test. ``module_db_url``: a migrated database shared
by the tests of one module (they crawl once and then only read), on the backend the suite
runs on (``BRIEFINGS_TEST_BACKEND``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.dbfixtures import (
    backend,
    check_pg_server,
    create_pg_schema,
    drop_pg_schema,
    sqlite_template,
)
from tests.sitemock import SiteMock


@pytest.fixture
def mfa_server() -> Iterator[SiteMock]:
    with SiteMock() as site:
        yield site


@pytest.fixture(scope="module")
def module_server() -> Iterator[SiteMock]:
    with SiteMock() as site:
        yield site


@pytest.fixture(scope="module")
def module_db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend() == "postgresql":
        check_pg_server()
        schema, url = create_pg_schema()
        try:
            yield url
        finally:
            drop_pg_schema(schema)
        return
    path = tmp_path_factory.mktemp("crawl-db") / "archive.db"
    shutil.copyfile(sqlite_template(), path)
    yield f"sqlite:///{path}"
