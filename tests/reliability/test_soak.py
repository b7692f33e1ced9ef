"""The soak (see ``tests/reliability/soak.py``): the scheduler, random faults, real edits.

The short version runs in CI (about 40 s); the long one (``-m slow``, several minutes,
more faults, an edit reverted) and ``scripts/soak.py`` run on demand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.reliability.soak import SoakPlan, SoakReport, run_soak


def check(report: SoakReport) -> None:
    summary = json.dumps(report.summary(), indent=1, default=str)
    assert report.scheduler_exit == 0, summary + report.log_tail
    assert report.problems == [], summary
    assert sum(report.faults_drawn.values()) > 0, summary  # the chaos really happened
    for page, served in report.edits_served.items():
        assert len(served) >= 2, (page, summary)  # every scripted version was served
    # Exactly the scripted edits: no fault became an edit, no edit was lost.
    assert report.ledger == report.expected, summary
    assert report.statuses.get("removed", 0) == 0, summary
    assert report.statuses.get("suspect", 0) == 0, summary
    edited = {p for _, p, _, _ in report.expected}
    for path, n in report.versions_per_briefing.items():
        expected_n = 1 + sum(1 for _, p, _, _ in report.expected if path.endswith(p))
        assert n == (expected_n if any(path.endswith(p) for p in edited) else 1), (path, n)


@pytest.mark.timeout(240)
def test_soak_short(tmp_path: Path, db_url: str) -> None:
    report = run_soak(tmp_path, db_url, SoakPlan())
    check(report)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_soak_long(tmp_path: Path, db_url: str) -> None:
    minutes = float(os.environ.get("SOAK_MINUTES", "5"))
    step = minutes * 60 / 6
    plan = SoakPlan(
        edit_times=(step, 2 * step, 3 * step, 4 * step),
        chaos_p=0.35,
        chaos_after_edits=step,
        quiet_after=20.0,
        settle_timeout=120.0,
        baseline_timeout=120.0,
        seed=int(os.environ.get("SOAK_SEED", "11")),
        revert=True,
    )
    check(run_soak(tmp_path, db_url, plan))
