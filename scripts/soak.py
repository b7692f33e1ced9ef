"""The full soak on demand: the scheduler against the fault site, any length, a JSON report.

    python scripts/soak.py --minutes 30 --seed 3
    python scripts/soak.py --minutes 10 --db postgresql+psycopg://postgres@127.0.0.1/test

It runs ``tests/reliability/soak.py`` (the same code as ``pytest -m slow``) with the edits
spread over the run and prints the report; exit 1 when the change ledger differs from the
scripted edits or the archive fails its checks. Needs the fixtures (``BRIEFINGS_FIXTURES``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--chaos", type=float, default=0.35, help="fault probability")
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    from storage.migrate import upgrade
    from tests.reliability.soak import SoakPlan, run_soak
    from tests.reliability.test_soak import check

    workdir = Path(tempfile.mkdtemp(prefix="briefings-soak-"))
    db_url = args.db or f"sqlite:///{workdir / 'soak.db'}"
    upgrade(db_url)
    step = args.minutes * 60 / 6
    plan = SoakPlan(
        edit_times=(step, 2 * step, 3 * step, 4 * step),
        chaos_p=args.chaos,
        chaos_after_edits=step,
        quiet_after=20.0,
        settle_timeout=120.0,
        baseline_timeout=120.0,
        seed=args.seed,
        revert=True,
    )
    report = run_soak(workdir, db_url, plan)
    print(json.dumps(report.summary(), indent=2, default=str))
    try:
        check(report)
    except AssertionError as exc:
        print(f"SOAK FAILED: {str(exc)[:500]}", file=sys.stderr)
        print(f"work directory kept: {workdir}", file=sys.stderr)
        return 1
    print("soak passed: the change ledger holds exactly the scripted edits", file=sys.stderr)
    if not args.keep and args.db is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
