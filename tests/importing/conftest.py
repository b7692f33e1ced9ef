"""``workers``: a test taking it runs twice, with the parse worker (1) and inline (0).

Tests that do not take it run with the default (a worker on two CPUs or more)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dbfixtures import backend, copy_sqlite_template, own_pg_schema


@pytest.fixture(params=[1, 0], ids=["worker", "inline"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    # The CLI reads it (``--workers``' envvar); so do the CLI children test_kill spawns.
    monkeypatch.setenv("BRIEFINGS_IMPORT_WORKERS", str(request.param))
    return int(request.param)


@pytest.fixture
def other_db_url(tmp_path: Path) -> Iterator[str]:
    """A second empty database beside ``db_url`` (for comparing two imports)."""
    if backend() == "postgresql":
        with own_pg_schema() as url:
            yield url
        return
    (tmp_path / "other").mkdir()
    yield copy_sqlite_template(tmp_path / "other")
