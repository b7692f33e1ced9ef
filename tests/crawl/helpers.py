"""Running ``briefings crawl`` in tests and reading what it stored."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select

from scheduler.cli import main
from storage.db import is_sqlite, make_engine
from storage.models import Base, Briefing, Capture, CrawlRun, Exchange, Version
from tests.sitemock import EN_DIR, EN_LIST, ZH_DIR, ZH_LIST, SiteMock

# Politeness off for a loopback server; robots.txt stays obeyed (it redirects to /error.htm).
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_TIMES=1")
LISTS = {"mfa-en": EN_LIST, "mfa-zh": ZH_LIST}
DIRS = {"mfa-en": EN_DIR, "mfa-zh": ZH_DIR}


def crawl(db_url: str, *args: str) -> tuple[Result, list[dict[str, Any]]]:
    """``briefings crawl ARGS --json --db URL`` with politeness off; (result, parsed summary)."""
    result = CliRunner().invoke(main, ["crawl", *args, *FAST, "--json", "--db", db_url])
    try:
        summary = json.loads(result.stdout)
    except ValueError:
        summary = []
    return result, summary


def crawl_sources(
    db_url: str, site: SiteMock, sources: Sequence[str] = ("mfa-en",), *extra: str
) -> tuple[Result, list[dict[str, Any]]]:
    """Crawl each source from its mirrored first list page."""
    urls = [arg for s in sources for arg in ("--start-url", site.url(LISTS[s]))]
    return crawl(db_url, *sources, *urls, *extra)


@contextmanager
def opened(db_url: str) -> Iterator[Engine]:
    """A reader engine (plain BEGIN: a test's reads never queue behind each other)."""
    engine = make_engine(db_url, immediate=False)
    try:
        yield engine
    finally:
        engine.dispose()


def count(engine: Engine, model: type[Base], *where: Any) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model).where(*where))


def run_rows(engine: Engine, source: str | None = None) -> list[CrawlRun]:
    stmt = select(CrawlRun).order_by(CrawlRun.id)
    if source:
        stmt = stmt.where(CrawlRun.source == source)
    return _runs(engine, stmt)


def _runs(engine: Engine, stmt: Any) -> list[CrawlRun]:
    from sqlalchemy.orm import Session

    with Session(engine, expire_on_commit=False) as session:
        runs = list(session.scalars(stmt))
        session.expunge_all()
        return runs


def briefing_urls(engine: Engine, source: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(Briefing.url).where(Briefing.source == source)))


def version_counts(engine: Engine) -> dict[str, int]:
    """Briefing URL -> number of versions."""
    stmt = (
        select(Briefing.url, func.count(Version.id))
        .join(Version, Version.briefing_id == Briefing.id)
        .group_by(Briefing.url)
    )
    with engine.connect() as conn:
        return {url: n for url, n in conn.execute(stmt)}


def outcomes(engine: Engine, run_id: int) -> dict[str, int]:
    stmt = (
        select(Capture.outcome, func.count())
        .where(Capture.run_id == run_id)
        .group_by(Capture.outcome)
    )
    with engine.connect() as conn:
        return {outcome: n for outcome, n in conn.execute(stmt)}


def article_paths(site: SiteMock, source: str) -> list[str]:
    """Paths of the article pages the mirror holds for ``source``."""
    folder = site.root / DIRS[source].lstrip("/")
    return sorted(
        DIRS[source] + p.name for p in folder.iterdir() if p.name.startswith("t") and p.is_file()
    )


def assert_consistent(engine: Engine) -> None:
    """No half-written version: exchange rows match, one latest version per briefing."""
    if is_sqlite(engine):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    with engine.connect() as conn:
        per_version = dict(
            conn.execute(
                select(Exchange.version_id, func.count()).group_by(Exchange.version_id)
            ).all()
        )
        for version_id, expected in conn.execute(select(Version.id, Version.exchange_count)):
            assert per_version.get(version_id, 0) == expected, f"version {version_id}"
        latest = conn.execute(
            select(Version.briefing_id, func.count())
            .where(Version.is_latest.is_(True))
            .group_by(Version.briefing_id)
        ).all()
        assert all(n == 1 for _, n in latest)
        assert len(latest) == conn.scalar(select(func.count()).select_from(Briefing))
        stored = conn.execute(
            select(func.count())
            .select_from(Capture)
            .where(Capture.outcome.in_(("new", "revised")), Capture.version_id.is_(None))
        ).scalar()
        assert stored == 0
