"""Edge values get clean errors, not tracebacks (issue 14, item 9).

``nan`` / ``inf`` for a timeout or an interval (a NaN deadline never fires, an infinite one
overflows), Scrapy settings of the wrong type in the config, on the command line ids beyond
64 bits, output that cannot be written (``/dev/full``), deeply nested markup for ``parse``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.config import ConfigError
from tests.conftest import REPO_ROOT
from tests.scheduler.helpers import config_from

CLI = [sys.executable, "-m", "scheduler.cli"]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300"])
@pytest.mark.parametrize(
    "where",
    [
        "[sources.mfa-en]\ntimeout = {v}\n",
        "[sources.mfa-en]\ndiscovery = {{ every = {v} }}\n",
        "[sources.mfa-en.revisit_policy]\nfresh_every = {v}\n",
        "[[notify.webhooks]]\nurl = 'http://127.0.0.1:9/'\ntimeout = {v}\n",
    ],
    ids=["timeout", "every", "revisit-policy", "webhook-timeout"],
)
def test_non_finite_durations_are_refused(tmp_path: Path, where: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from(tmp_path, where.format(v=value))
    message = str(caught.value)
    assert "\n" not in message
    assert "finite" in message or "at most" in message or "positive" in message, message


@pytest.mark.parametrize("value", ["[1, 2]", "{ a = 1 }", "nan", "2026-01-01T00:00:00Z"], ids=str)
def test_scrapy_settings_of_the_wrong_type_are_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from(tmp_path, f"[sources.mfa-en]\nsettings = {{ DOWNLOAD_DELAY = {value} }}\n")
    assert "sources.mfa-en.settings.DOWNLOAD_DELAY" in str(caught.value)


def test_scalar_settings_still_work(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        '[sources.mfa-en]\nsettings = { DOWNLOAD_DELAY = 2, ROBOTSTXT_OBEY = true, X = "y" }\n',
    )
    assert config.sources["mfa-en"].settings == {
        "DOWNLOAD_DELAY": "2",
        "ROBOTSTXT_OBEY": "True",
        "X": "y",
    }


def cli(args: list[str], tmp_path: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [*CLI, *args], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True, timeout=120,
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e300"])
def test_crawl_timeout_must_be_finite(tmp_path: Path, value: str) -> None:
    done = cli(
        ["crawl", "mfa-en", "--timeout", value, "--db", f"sqlite:///{tmp_path}/a.db"], tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert "--timeout" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "a.db").exists()


@pytest.fixture
def filled_db(tmp_path: Path, db_url: str) -> str:
    from crawler.extract import parse_html
    from storage.api import Archive
    from tests.faultsite import EN_DIR, article_paths, site_page

    with Archive.open(db_url) as archive:
        for page in article_paths(EN_DIR)[:2]:
            body, url = site_page(page), "http://www.fmprc.gov.cn" + page
            archive.record_capture(
                None, url=url, status_code=200, body=body, briefing=parse_html(body, url)
            )
    return db_url


HUGE = str(2**70)


@pytest.mark.parametrize(
    "args",
    [["show", HUGE], ["history", HUGE], ["diff", HUGE], ["show", str(2**63)]],
    ids=["show", "history", "diff", "show-2^63"],
)
def test_ids_beyond_64_bits(tmp_path: Path, filled_db: str, args: list[str]) -> None:
    done = cli([*args, "--db", filled_db], tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "warc"])
def test_output_to_a_full_device(tmp_path: Path, filled_db: str, fmt: str) -> None:
    to_file = cli(["export", "--format", fmt, "--out", "/dev/full", "--db", filled_db], tmp_path)
    with open("/dev/full", "w") as full:
        to_stdout = cli(["export", "--format", fmt, "--db", filled_db], tmp_path, stdout=full)
    for done in (to_file, to_stdout):
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
        assert done.stderr.startswith("error: cannot write the output"), done.stderr
        assert done.stderr.count("\n") == 1, done.stderr


def test_tables_to_a_full_device(tmp_path: Path, filled_db: str) -> None:
    with open("/dev/full", "w") as full:
        done = cli(["list", "--db", filled_db], tmp_path, stdout=full)
    assert done.returncode == 1 and done.stderr.startswith("error: cannot write"), done.stderr


def test_parse_deeply_nested_markup(tmp_path: Path) -> None:
    page = tmp_path / "deep.html"
    depth = 50_000
    page.write_text(
        "<html><head><title>t</title></head><body>"
        + "<div><span>" * depth
        + "Q: a question? A: an answer."
        + "</span></div>" * depth
        + "</body></html>"
    )
    done = cli(["parse", str(page), "--url", "http://www.fmprc.gov.cn/x/t1.shtml"], tmp_path)
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr, done.stderr[
        -500:
    ]
    assert done.returncode in (0, 1, 2)
    if done.returncode:
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
