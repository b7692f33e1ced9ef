"""Import contracts: who may import what (an AST read of every module, no import side effects).

- The CLI, the scheduler, the notifier, the renderers, the web app, the crawl pipeline, its
  extension and the spiders reach the archive only through ``storage.api``: no
  ``storage.models``, no other ``storage`` module, no SQLAlchemy, no engine of their own.
- ``storage`` and ``scheduler`` never import Scrapy or Twisted (a crawl is a subprocess).
- ``crawler.extract`` and the rules beside it (``crawler.meaning``, ``gone``, ``sources``) are
  pure: no Scrapy, Twisted, storage or database.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

API = "storage.api"
CALLERS = ("scheduler", "crawler/pipelines.py", "crawler/extensions.py", "crawler/spiders")
NO_REACTOR = ("storage", "scheduler")
PURE = ("crawler/extract", "crawler/meaning.py", "crawler/gone.py", "crawler/sources.py")
REACTOR_MODULES = ("scrapy", "twisted")
DATABASE_MODULES = ("sqlalchemy", "psycopg", "sqlite3", "alembic")


def modules(*roots: str) -> list[Path]:
    paths: list[Path] = []
    for root in roots:
        path = REPO_ROOT / root
        paths += [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    return [p for p in paths if "migrations" not in p.parts]


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield node.lineno, base
            for alias in node.names:  # "from storage import models" imports storage.models
                yield node.lineno, f"{base}.{alias.name}"


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(roots: tuple[str, ...], allowed: str | None, banned: tuple[str, ...]) -> list[str]:
    found = []
    for path in modules(*roots):
        for line, module in imported(path):
            if allowed and (module == allowed or module.startswith(f"{allowed}.")):
                continue
            if within(module, banned):
                found.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {module}")
    return sorted(set(found))


def test_callers_use_only_the_archive_api() -> None:
    bad = violations(CALLERS, API, ("storage", *DATABASE_MODULES))
    assert bad == [], "go through storage.api.Archive instead:\n" + "\n".join(bad)


def test_no_reactor_in_storage_or_scheduler() -> None:
    bad = violations(NO_REACTOR, None, REACTOR_MODULES)
    assert bad == [], "a crawl is a subprocess; no Scrapy/Twisted here:\n" + "\n".join(bad)


def test_parsing_is_pure() -> None:
    bad = violations(PURE, None, (*REACTOR_MODULES, "storage", *DATABASE_MODULES))
    assert bad == [], "crawler.extract parses a Selector, nothing else:\n" + "\n".join(bad)


@pytest.mark.parametrize("snippet", ["from storage.models import Briefing", "import sqlalchemy"])
def test_the_contract_catches_a_violation(tmp_path, monkeypatch, snippet: str) -> None:
    """The checks above would fail on a caller that reached past the API."""
    import tests.test_contracts as contracts

    fake_root = tmp_path / "repo"
    (fake_root / "scheduler").mkdir(parents=True)
    (fake_root / "scheduler" / "bad.py").write_text(snippet + "\n", encoding="utf-8")
    monkeypatch.setattr(contracts, "REPO_ROOT", fake_root)
    assert contracts.violations(("scheduler",), API, ("storage", *DATABASE_MODULES))
