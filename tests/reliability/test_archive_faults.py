"""Where the archive cannot be used (issue 14, items 6 and 7).

Item 6: each case is one line naming the cause, exit 2, and NOTHING changed (the file's bytes
are the same, no -wal appears, no file is left behind): a directory that does not exist or
cannot be written, a full disk before the schema exists, a file that is not SQLite, another
program's SQLite database (told from ours by ``PRAGMA application_id`` and Alembic's table).
A disk that fills up mid-crawl says "disk full" in the command's output.

Item 7: an archive on a read-only mount answers ``list``, ``search``, ``show``, ``export``
and ``changes``; writers say "the archive at X is read-only" (exit 2).

SQLite files only (PostgreSQL has no file to be foreign or read-only; its outage is
``test_outage.py``). Full and read-only file systems are small tmpfs mounts, which needs
root; as another user the read-only cases use file modes instead and the disk-full cases
are skipped.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from crawler.extract import parse_html
from storage.api import Archive
from storage.db import APPLICATION_ID
from storage.migrate import head_revision
from tests import dbfixtures
from tests.faultsite import EN_DIR, EN_LIST, FaultSite, article_paths, site_page
from tests.reliability.helpers import CLI, crawl_args, run_cli

pytestmark = pytest.mark.skipif(
    dbfixtures.backend() != "sqlite", reason="SQLite files: PostgreSQL has none"
)
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="mounts a small tmpfs (root only)")
HOST = "http://www.fmprc.gov.cn"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill_archive(path: Path, count: int = 3) -> None:
    with Archive.open(sqlite_url(path), must_exist=False) as archive:
        for page in article_paths(EN_DIR)[:count]:
            body, url = site_page(page), HOST + page
            archive.record_capture(
                None, url=url, status_code=200, body=body, briefing=parse_html(body, url)
            )


# --------------------------------------------------------------------------- item 6


WRITERS = [["db", "upgrade"], ["crawl", "mfa-en", "--start-url", "http://127.0.0.1:9/"]]
READERS = [["list"], ["runs"]]


def test_directory_that_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "archive.db"
    done = run_cli([*CLI, "crawl", "mfa-en"], sqlite_url(path))
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert "does not exist" in line and str(path.parent) in line
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("command", WRITERS + READERS, ids=lambda c: c[0])
def test_file_that_is_not_sqlite(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "notes.db"
    path.write_text("my notes, not a database\n" * 50)
    before = digest(path)
    done = run_cli([*CLI, *command], sqlite_url(path))
    assert done.returncode == 2, done.stderr
    assert "not an SQLite database" in one_error_line(done.stderr)
    assert digest(path) == before


def other_programs_database(path: Path, app_id: int = 0) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('A', '1')")
        if app_id:
            conn.execute(f"PRAGMA application_id = {app_id}")
        conn.commit()


@pytest.mark.parametrize("app_id", [0, 0x4D504246], ids=["no-app-id", "their-app-id"])
@pytest.mark.parametrize("command", WRITERS + READERS, ids=lambda c: c[0])
def test_another_programs_sqlite_database(tmp_path: Path, command: list[str], app_id: int) -> None:
    path = tmp_path / "contacts.db"
    other_programs_database(path, app_id)
    before = digest(path)
    done = run_cli([*CLI, *command], sqlite_url(path))
    assert done.returncode == 2, done.stderr
    line = one_error_line(done.stderr)
    assert "not a briefings archive" in line and "another program" in line, line
    assert digest(path) == before  # not switched to WAL, no table added
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts.db"]


def test_new_archive_carries_the_app_id_and_an_old_one_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    assert run_cli([*CLI, "db", "upgrade"], sqlite_url(path)).returncode == 0
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    # An archive from before 0008: Alembic at 0007, no application id. It is ours.
    old = tmp_path / "old.db"
    made = run_cli([*CLI, "db", "upgrade", "--revision", "0007_alignment"], sqlite_url(old))
    assert made.returncode == 0, made.stderr
    with closing(sqlite3.connect(old)) as conn:
        conn.execute("PRAGMA application_id = 0")
        conn.commit()
    done = run_cli([*CLI, "list"], sqlite_url(old))
    assert done.returncode == 0, done.stderr
    with closing(sqlite3.connect(old)) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert version == head_revision()


@needs_root
def test_disk_full_before_the_schema_exists(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "128k") as small:
        path = small / "archive.db"
        done = run_cli([*CLI, "crawl", "mfa-en"], sqlite_url(path))
        assert done.returncode == 2
        assert "disk full" in one_error_line(done.stderr)
        assert list(small.iterdir()) == []  # the half-made archive is gone


@needs_root
def test_disk_full_mid_crawl_says_disk_full(tmp_path: Path, site: FaultSite) -> None:
    with tmpfs(tmp_path / "small", "1m") as small:
        path = small / "archive.db"
        path.write_bytes(dbfixtures.sqlite_template().read_bytes())
        args = [*crawl_args("mfa-en", [site.url(EN_LIST)]), "--max-pages", "1"]
        done = run_cli(args, sqlite_url(path), timeout=300)
        shown = run_cli([*CLI, "runs"], sqlite_url(path))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "disk full" in done.stderr, done.stderr
    # The run's own reason (its row fits: the refused pages freed their space again).
    assert "disk full: " in shown.stdout and "could not be stored" in shown.stdout, shown.stdout


# --------------------------------------------------------------------------- item 7


@contextmanager
def read_only_archive(tmp_path: Path) -> Iterator[Path]:
    """A filled archive that this process cannot write: on a tmpfs remounted read-only
    (root), else a file and directory without write permission."""
    if ROOT:
        with tmpfs(tmp_path / "ro", "20m") as mount:
            path = mount / "archive.db"
            fill_archive(path)
            subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
            yield path
        return
    directory = tmp_path / "ro"
    directory.mkdir()
    path = directory / "archive.db"
    fill_archive(path)
    path.chmod(0o444)
    directory.chmod(0o555)
    try:
        yield path
    finally:
        directory.chmod(0o755)


READS = [
    ["list"],
    ["search", "China"],
    ["show", "1"],
    ["export", "--format", "jsonl"],
    ["changes"],
    ["history", "1"],
    ["runs"],
]


def test_read_only_archive_is_queryable_and_writers_say_so(tmp_path: Path) -> None:
    with read_only_archive(tmp_path) as path:
        assert not (path.parent / "archive.db-wal").exists()
        url = sqlite_url(path)
        for command in READS:
            done = run_cli([*CLI, *command], url)
            assert done.returncode == 0, (command, done.stderr)
            assert "Traceback" not in done.stderr
        listed = run_cli([*CLI, "list", "--json"], url)
        assert listed.stdout.count('"id"') == 3, listed.stdout[:500]
        exported = run_cli([*CLI, "export", "--format", "jsonl"], url)
        assert len(exported.stdout.splitlines()) >= 3
        for command in (["reparse"], ["crawl", "mfa-en"], ["db", "upgrade"]):
            done = run_cli([*CLI, *command], url)
            assert done.returncode == 2, (command, done.stderr)
            line = one_error_line(done.stderr)
            assert f"the archive at {path}" in line and "is read-only" in line, line
