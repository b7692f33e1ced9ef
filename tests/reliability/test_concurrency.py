"""Four processes on one archive at once: two crawls, a reparse, a reader running searches.

The Chinese briefings are archived first and their versions made stale (as after a parser
upgrade), so that all four processes really write or read at the same time:

- ``briefings crawl mfa-en`` archives 40 new briefings;
- ``briefings crawl mfa-zh --revisit all`` refetches the 13 Chinese ones;
- ``briefings reparse`` writes a parser version for each Chinese briefing;
- a reader runs ``briefings search`` in a loop (English and Chinese queries).

Afterwards: no "database is locked" anywhere, every process succeeded, no duplicate version
number, every fetch the site served to a crawl has its capture, the reader never failed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from tests.faultsite import EN_DIR, EN_LIST, ZH_DIR, ZH_LIST, FaultSite, article_paths
from tests.reliability.helpers import (
    CLI,
    archive_problems,
    crawl,
    crawl_args,
    query,
    runs,
    scalar,
    spawn,
)
from tests.reliability.test_kill import with_stale_hashes

READER = """
import json, sys, time
from pathlib import Path
from click.testing import CliRunner
from scheduler.cli import main
stop, done = Path(sys.argv[1]), {"searches": 0, "errors": []}
queries = ["Taiwan", "COVID-19", "美国", "香港", "外交部"]
runner = CliRunner()
while not stop.exists():
    for q in queries:
        r = runner.invoke(main, ["search", q, "--json", "--limit", "20"])
        done["searches"] += 1
        if r.exit_code != 0:
            done["errors"].append((q, r.output[-300:], repr(r.exception)))
print(json.dumps(done))
"""


def wait_all(procs: dict[str, object], timeout: float) -> dict[str, tuple[int, str, str]]:
    results = {}
    deadline = time.monotonic() + timeout
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        results[name] = (proc.returncode, out, err)
    return results


@pytest.mark.timeout(240)
def test_four_processes_at_once(db_url: str, site: FaultSite, tmp_path: Path) -> None:
    first = crawl(db_url, "mfa-zh", [site.url(ZH_LIST)])
    assert first.stdout == "succeeded", first.stderr[-2000:]
    with_stale_hashes(db_url)
    site.log.clear()
    stop = tmp_path / "stop"
    reader = spawn([sys.executable, "-c", READER, str(stop)], db_url)
    en_log, zh_log = tmp_path / "en.log", tmp_path / "zh.log"
    writers = {
        "crawl-en": spawn(
            [
                *crawl_args("mfa-en", [site.url(EN_LIST)]),
                "--max-pages",
                "1",
                "--log-file",
                str(en_log),
            ],
            db_url,
        ),
        "crawl-zh": spawn(
            [*crawl_args("mfa-zh", revisit="all"), "--log-file", str(zh_log)], db_url
        ),
        "reparse": spawn([*CLI, "reparse", "--source", "mfa-zh"], db_url),
    }
    results = wait_all(writers, 180)
    stop.touch()
    results["reader"] = wait_all({"reader": reader}, 60)["reader"]

    logs = "".join(p.read_text(errors="replace") for p in (en_log, zh_log) if p.exists())
    everything = logs + "".join(out + err for _, out, err in results.values())
    assert "database is locked" not in everything
    for name, (code, out, err) in results.items():
        assert code == 0, (name, out[-2000:], err[-2000:])
    read = json.loads(results["reader"][1].strip().splitlines()[-1])
    assert read["searches"] >= 5 and read["errors"] == [], read

    statuses = {(r["source"], r["kind"]): r["status"] for r in runs(db_url)}
    assert statuses[("mfa-en", "discovery")] == "succeeded", statuses
    assert statuses[("mfa-zh", "revisit")] == "succeeded", statuses
    assert archive_problems(db_url, allow_running=False) == []
    # No duplicate version numbers; the reparse wrote one parser version per Chinese briefing.
    assert scalar(db_url, "SELECT COUNT(*) FROM version WHERE cause = 'parser'") == 13
    # No lost capture: every article the site served to a crawl has its capture row.
    for folder in (EN_DIR, ZH_DIR):
        for path in article_paths(folder):
            served = site.hits(path)
            stored = query(
                db_url,
                "SELECT COUNT(*) AS n FROM capture c JOIN crawl_run r ON r.id = c.run_id "
                "WHERE c.url LIKE :p AND r.kind <> 'reparse' AND c.id > :after",
                p=f"%{path}",
                after=first_capture_watermark(db_url, folder),
            )[0]["n"]
            assert stored == served, (path, served, stored)


def first_capture_watermark(db_url: str, folder: str) -> int:
    """Captures of the first (setup) crawl are not part of the race."""
    rows = runs(db_url, "mfa-zh")
    setup_run = rows[0]["id"]
    return scalar(db_url, "SELECT COALESCE(MAX(id), 0) FROM capture WHERE run_id = :r", r=setup_run)
