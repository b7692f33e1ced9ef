"""The README's commands, run as written (a docs test, as sqlite-utils does for its docs).

Every fenced ``bash`` block of README.md is read and each command in it (lines split at
``&&``) is classified:

- set-up (``python3.11 -m venv``, ``. .venv/bin/activate``, ``pip``, ``apt-get``, ``export``,
  ``python -m pytest``): not run here (the suite is running);
- ``briefings crawl`` of the main job: run against a loopback mirror of the site (the fault
  site, with ``--start-url`` per source and a small delay); never against the ministry;
- commands that run forever or need the network (``serve``, ``schedule run``,
  ``import --wayback``, ``scrapy crawl``) and ``import`` of WARC files the reader has not
  got: ``--help`` only;
- everything else runs through ``bash`` exactly as written (redirections, comments),
  against a small archive (``BRIEFINGS_DB_URL``), with the README's placeholders replaced:
  briefing ``42``, event ``12`` and the elided URLs ``https://www.fmprc.gov.cn/...`` by
  ones of the archive; ``t1794629.shtml`` is a saved copy of that page.

Each must exit 0 without a traceback. A proxy that goes nowhere is set for every command
(loopback excepted), so a command that tried to reach the internet would fail here.
Also: the install command in the missing-pyarrow message is the README's, and the crawl
help's example never sets ``DOWNLOAD_DELAY=0``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.faultsite import EN_DIR, EN_LIST, ZH_LIST, FaultSite, replace_once, site_page

README = REPO_ROOT / "README.md"
EDITED = EN_DIR + "t1794629.shtml"
SETUP = ("python3.11 -m venv", ". .venv/bin/activate", "pip ", "apt-get ", "export ")
HELP_ONLY = ("briefings serve", "briefings schedule run", "briefings import", "scrapy crawl")
# Scrapy and httpx honour these: anything but loopback goes to a closed port.
NO_INTERNET = {
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "no_proxy": "127.0.0.1,localhost",
    "NO_PROXY": "127.0.0.1,localhost",
}


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            for command in line.split("&&"):
                if command.strip():
                    commands.append(command.strip())
    return commands


def test_the_readme_has_the_commands_this_test_knows() -> None:
    commands = readme_commands()
    assert any(c.startswith("briefings crawl mfa-en mfa-zh") for c in commands)
    assert any(c.startswith("briefings parse ") for c in commands)
    assert len(commands) > 25


@dataclass
class Archive:
    site: FaultSite
    db_url: str
    cwd: Path
    briefing_id: int = 0
    event_id: int = 0
    url: str = ""


def edited_page() -> bytes:
    page = site_page(EDITED)
    return replace_once(page, b"Zhao Lijian: </SPAN>", b"Zhao Lijian: </SPAN>Edited later. ")


@pytest.fixture(scope="module")
def readme_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """A loopback mirror and an archive holding one briefing edited once (v1 → v2, through
    the real writer); the README's main crawl fills the rest from the mirror."""
    from tests.reliability.helpers import module_database

    cwd = tmp_path_factory.mktemp("readme")
    with module_database(tmp_path_factory.mktemp("readme-db")) as db_url, FaultSite() as site:
        from crawler.extract import PARSER_VERSION, parse_html
        from storage.api import Archive as Store

        url = site.url(EDITED)
        with Store.open(db_url) as store:
            run = store.start_run("mfa-en")
            for body in (site_page(EDITED), edited_page()):
                store.record_capture(
                    run,
                    url=url,
                    final_url=url,
                    status_code=200,
                    headers={"Content-Type": "text/html"},
                    body=body,
                    briefing=parse_html(body, url).to_dict(),
                    parser_version=PARSER_VERSION,
                )
            store.finish_run(
                run,
                stats={"downloader/request_count": 2, "downloader/response_status_count/200": 2},
                finish_reason="finished",
            )
            (event,) = store.changes(limit=1)
        (cwd / "t1794629.shtml").write_bytes(site_page(EDITED))
        assert event.briefing.id and event.id
        yield Archive(site, db_url, cwd, event.briefing.id, event.id, url)


def as_run(command: str, archive: Archive) -> str | None:
    """The shell line to run for one README command, or None for set-up."""
    if command.startswith(SETUP) or command.startswith("python -m pytest"):
        return None
    if command.startswith(HELP_ONLY):
        words = shlex.split(command, comments=True)
        return shlex.join([*words[: 3 if words[1] == "schedule" else 2], "--help"])
    if command.startswith("briefings crawl") and "--revisit" not in command:
        # The main job, pointed at the loopback mirror (a small delay: never 0).
        starts = f"--start-url {archive.site.url(EN_LIST)} --start-url {archive.site.url(ZH_LIST)}"
        fast = "-s DOWNLOAD_DELAY=0.05 -s AUTOTHROTTLE_ENABLED=0 --max-pages 1"
        return command.split("#")[0].strip() + f" {starts} {fast}"
    line = command
    line = re.sub(r"https://www\.fmprc\.gov\.cn/\.\.\.", archive.url, line)
    line = re.sub(
        r"(briefings (?:diff|show|pair|history) )42\b", rf"\g<1>{archive.briefing_id}", line
    )
    line = re.sub(r"--event 12\b", f"--event {archive.event_id}", line)
    return line


def run_line(line: str, archive: Archive) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env |= NO_INTERNET
    env["BRIEFINGS_DB_URL"] = archive.db_url
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "80"
    return subprocess.run(
        ["bash", "-c", line],
        cwd=archive.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.timeout(900)
def test_every_readme_command_runs_as_written(readme_archive: Archive) -> None:
    failures: list[str] = []
    ran = 0
    for command in readme_commands():
        line = as_run(command, readme_archive)
        if line is None:
            continue
        done = run_line(line, readme_archive)
        ran += 1
        if done.returncode != 0 or "Traceback" in done.stderr + done.stdout:
            failures.append(f"{line}\n  exit {done.returncode}: {done.stderr.strip()[-600:]}")
    assert failures == [], "\n".join(failures)
    assert ran > 20
    # The redirections and --out files the README promises were written.
    for name in ("diff.html", "exchanges.csv", "removal.wacz"):
        assert (readme_archive.cwd / name).stat().st_size > 0, name
    # Nothing left the machine: every request reached the loopback mirror.
    assert readme_archive.site.requests(), "the main crawl did not reach the mirror"


def test_missing_pyarrow_message_names_the_readme_install_command() -> None:
    from storage.export import PYARROW_MISSING

    command = PYARROW_MISSING.split(": ", 1)[1].split(" (")[0]
    assert command == "pip install -e '.[parquet]'"
    assert command in README.read_text(encoding="utf-8")


def test_crawl_help_never_shows_a_zero_delay() -> None:
    from click.testing import CliRunner

    from scheduler.cli import main

    result = CliRunner().invoke(main, ["crawl", "--help"])
    assert result.exit_code == 0
    assert "DOWNLOAD_DELAY=0 " not in result.output + " "
    assert not re.search(r"DOWNLOAD_DELAY=0(?![.\d])", result.output)
