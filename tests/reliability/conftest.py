"""Fixtures and helpers of the reliability tests: the fault site, real crawls, archive checks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faultsite import FaultSite, other_host
from tests.reliability.helpers import module_database


@pytest.fixture
def site() -> Iterator[FaultSite]:
    with FaultSite() as s:
        yield s


@pytest.fixture
def offsite() -> Iterator[FaultSite]:
    """A second host (127.0.0.2) that must never be asked anything."""
    with other_host() as s:
        yield s


@pytest.fixture(scope="module")
def module_db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database shared by the tests of one module (they only read it)."""
    with module_database(tmp_path_factory.mktemp("reliab-db")) as url:
        yield url


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy in the environment would send loopback requests elsewhere (and Scrapy honours it).
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Processes and sockets: never let one of these hang CI.
    for item in items:
        if Path(str(item.fspath)).parent.name == "reliability" and not item.get_closest_marker(
            "timeout"
        ):
            item.add_marker(pytest.mark.timeout(int(os.environ.get("RELIAB_TIMEOUT", "240"))))
