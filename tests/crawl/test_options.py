"""`briefings crawl` refuses options that cannot work, before it starts anything."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import main
from scheduler.crawl_runner import CrawlResult
from tests.sitemock import EN_LIST, ZH_LIST

MIRROR = "http://127.0.0.1:9"  # nothing listens: a crawl that started would fail, not pass


def crawl(tmp_path: Path, *args: str):
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(main, ["crawl", *args, "--db", f"sqlite:///{db}"])
    return result, db


def test_a_source_left_without_a_start_url_is_refused(tmp_path: Path) -> None:
    # mfa-zh would otherwise crawl the ministry's real site next to an English mirror.
    result, db = crawl(tmp_path, "mfa-en", "mfa-zh", "--start-url", MIRROR + EN_LIST)
    assert result.exit_code == 2, result.output
    assert "no --start-url is a mfa-zh list page" in result.stderr
    assert not db.exists()


def test_a_start_url_of_no_source_is_refused(tmp_path: Path) -> None:
    result, db = crawl(
        tmp_path, "mfa-en", "mfa-zh", "--start-url", MIRROR + EN_LIST, "--start-url", MIRROR + "/x"
    )
    assert result.exit_code == 2, result.output
    assert "cannot tell which source" in result.stderr
    assert not db.exists()


def test_each_source_gets_its_own_start_url(tmp_path: Path, monkeypatch) -> None:
    planned: list[tuple[str, tuple[str, ...]]] = []

    def fake_run_crawl(source: str, *, start_urls: tuple[str, ...], **_: object) -> CrawlResult:
        planned.append((source, start_urls))  # what would have been crawled, and from where
        return CrawlResult(source, 1, "succeeded", 0)

    monkeypatch.setattr("scheduler.crawl_runner.run_crawl", fake_run_crawl)
    urls = ("--start-url", MIRROR + ZH_LIST, "--start-url", MIRROR + EN_LIST)
    result, _ = crawl(tmp_path, "mfa-en", "mfa-zh", *urls, "--json")
    assert result.exit_code == 0, result.output
    assert planned == [("mfa-en", (MIRROR + EN_LIST,)), ("mfa-zh", (MIRROR + ZH_LIST,))]


def test_a_malformed_setting_is_refused(tmp_path: Path) -> None:
    result, db = crawl(tmp_path, "mfa-en", "-s", "DOWNLOAD_DELAY")
    assert result.exit_code == 2
    assert "-s takes NAME=VALUE" in result.stderr
    assert not db.exists()
