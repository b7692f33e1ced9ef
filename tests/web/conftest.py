"""Fixtures of the web tests: one scenario archive per module (built through the real write
path, tests/web/scenario.py), the app over it opened read-only, and a TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scheduler.web import create_app
from storage.api import Archive
from tests.dbfixtures import backend, copy_sqlite_template, own_pg_schema
from tests.web.scenario import Scenario, build


@pytest.fixture(scope="module")
def scenario_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Scenario]]:
    if backend() == "postgresql":
        with own_pg_schema() as url:
            yield url, build(url)
        return
    url = copy_sqlite_template(Path(tmp_path_factory.mktemp("web")))
    yield url, build(url)


@pytest.fixture(scope="module")
def scenario(scenario_db: tuple[str, Scenario]) -> Scenario:
    return scenario_db[1]


@pytest.fixture(scope="module")
def web_archive(scenario_db: tuple[str, Scenario]) -> Iterator[Archive]:
    archive = Archive.open(scenario_db[0], read_only=True)
    yield archive
    archive.close()


@pytest.fixture(scope="module")
def client(web_archive: Archive) -> Iterator[TestClient]:
    with TestClient(create_app(web_archive), raise_server_exceptions=False) as test_client:
        yield test_client
