"""The soak: the real scheduler against the fault site, random faults and scripted edits.

``briefings schedule run --config FILE`` runs as a subprocess with second-level intervals
(discovery and revisit of mfa-en and mfa-zh) against a fault site that serves the real
mirror through a seeded ``Chaos`` of transient faults (5xx, 429, hangs, dropped and truncated
bodies, error-page redirects, empty bodies, 404s, pages cut in half). Once the first
versions are in, the driver makes real edits at known times (an exchange removed, an answer
sentence edited, an exchange added; the long soak also reverts the edit), then turns the
chaos off and lets the scheduler settle. Afterwards the change ledger
(``briefings changes --format json``) must hold exactly the scripted edits: faults never
become edits, and no edit is lost.

Used by ``tests/reliability/test_soak.py`` (short CI version and the long ``slow`` one) and
``scripts/soak.py`` (on demand, any length).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.faultsite import (
    EN_DIR,
    EN_LIST,
    ZH_DIR,
    ZH_LIST,
    Body,
    Chaos,
    DropMidBody,
    Fault,
    FaultSite,
    Hang,
    Redirect,
    Status,
    TooManyRequests,
    Truncate,
    Versions,
    site_page,
)
from tests.reliability.edits import Edit, add_exchange, edit_answer, remove_exchange
from tests.reliability.helpers import (
    CLI,
    archive_problems,
    kill_tree,
    query,
    run_cli,
    runs,
    spawn,
)

PAGE_REMOVE = EN_DIR + "t1793427.shtml"  # loses its Reuters exchange
PAGE_EDIT = EN_DIR + "t1794629.shtml"  # an answer sentence is reworded (and, long: reverted)
PAGE_ADD = EN_DIR + "t1794266.shtml"  # gains a Bloomberg exchange
OLD_SENTENCE = "Several Western countries' attempt to smear China will never succeed."
NEW_SENTENCE = "Several Western countries' attempt to smear China is doomed to fail."

# (type, briefing path, asker, fields when edited): one change the ledger must hold.
Entry = tuple[str, str, str | None, tuple[str, ...]]

SOAK_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "DOWNLOAD_TIMEOUT": "2",
    "RETRY_TIMES": "1",
    "LOG_LEVEL": "INFO",
}


def chaos_faults(page: Callable[[], bytes] | None = None) -> list[Callable[[], Fault]]:
    """Transient faults that must never change what the archive holds."""
    return [
        lambda: Status(503),
        lambda: Status(500),
        lambda: TooManyRequests(retry_after=1),
        lambda: Hang(4),
        lambda: DropMidBody(0.5),
        lambda: Truncate(0.4),
        lambda: Redirect("/error.htm"),
        lambda: Body(b""),
        lambda: Status(404),
    ]


class HalfPage(Fault):
    """The real page cut to its first 30% with a *matching* Content-Length: valid HTTP, a
    transcript that lost most of its exchanges (the archive must call it suspect, not edit)."""

    name = "half-page"

    def answer(self, req: Any) -> None:
        body = req.page_body()
        req.send_whole(200, body[: int(len(body) * 0.3)])


@dataclass
class Step:
    """At ``at`` seconds after the baseline, page ``path`` switches to body ``version``."""

    at: float
    path: str
    version: int


@dataclass
class SoakPlan:
    edit_times: tuple[float, ...] = (3.0, 6.0, 9.0)  # remove, edit, add (+ revert if 4)
    chaos_p: float = 0.25
    chaos_after_edits: float = 4.0  # chaos keeps going this long after the last edit
    quiet_after: float = 6.0  # run on this long once everything expected is stored
    settle_timeout: float = 40.0  # give up waiting for the expected state after this
    baseline_timeout: float = 40.0
    discovery_every: str = "4s"
    revisit_every: str = "3s"
    seed: int = 7
    revert: bool = False  # also put the edited sentence back (a fourth event)


@dataclass
class SoakReport:
    expected: list[Entry]
    ledger: list[Entry]
    ledger_raw: list[dict[str, Any]]
    problems: list[str]
    runs: list[dict[str, Any]]
    faults_drawn: dict[str, int]
    edits_served: dict[str, list[int]]
    scheduler_exit: int | None
    versions_per_briefing: dict[str, int]
    statuses: dict[str, int]
    timeline: list[tuple[float, str]] = field(default_factory=list)
    log_tail: str = ""

    def summary(self) -> dict[str, Any]:
        failed = sum(1 for r in self.runs if r["status"] == "failed")
        return {
            "runs": len(self.runs),
            "failed_runs": failed,
            "faults_drawn": self.faults_drawn,
            "expected": self.expected,
            "ledger": self.ledger,
            "problems": self.problems,
            "scheduler_exit": self.scheduler_exit,
            "briefing_statuses": self.statuses,
            "timeline": self.timeline,
        }


def build_edits(site: FaultSite) -> dict[str, Edit]:
    def url(path: str) -> str:
        return site.url(path)

    removal = remove_exchange(site_page(PAGE_REMOVE), url(PAGE_REMOVE), 3)
    rewording = edit_answer(site_page(PAGE_EDIT), url(PAGE_EDIT), OLD_SENTENCE, NEW_SENTENCE)
    addition = add_exchange(site_page(PAGE_ADD), url(PAGE_ADD), 2)
    return {PAGE_REMOVE: removal, PAGE_EDIT: rewording, PAGE_ADD: addition}


def write_config(path: Path, site: FaultSite, plan: SoakPlan, atom: Path) -> None:
    settings = ", ".join(f'{k} = "{v}"' for k, v in SOAK_SETTINGS.items())
    path.write_text(
        f"""
timezone = "UTC"
missed_runs = "skip"

[defaults]
timeout = 120
settings = {{ {settings} }}
discovery = [{{ every = "{plan.discovery_every}" }}]
revisit = [{{ every = "{plan.revisit_every}" }}]

[defaults.revisit_policy]
fresh_age = "1d"
fresh_every = "1s"
recent_age = "2d"
recent_every = "1s"
year_age = "36500d"
year_every = "1s"

[sources.mfa-en]
start_urls = ["{site.url(EN_LIST)}"]

[sources.mfa-zh]
start_urls = ["{site.url(ZH_LIST)}"]

[notify]
atom_file = "{atom}"
""",
        encoding="utf-8",
    )


def _archived(db_url: str, path: str) -> int:
    rows = query(
        db_url,
        "SELECT COUNT(v.id) AS n FROM version v JOIN briefing_location l "
        "ON l.briefing_id = v.briefing_id WHERE l.url LIKE :p",
        p=f"%{path}",
    )
    return rows[0]["n"] if rows else 0


def _suspects(db_url: str) -> int:
    rows = query(db_url, "SELECT COUNT(*) AS n FROM briefing WHERE status <> 'active'")
    return rows[0]["n"] if rows else 0


def _wait_for(check: Callable[[], bool], timeout: float, proc: subprocess.Popen) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if check():
                return True
        except Exception:  # the database may be mid-migration at the very start
            pass
        time.sleep(0.5)
    return False


def run_soak(workdir: Path, db_url: str, plan: SoakPlan) -> SoakReport:
    """Run one soak; see the module docstring. Never raises for what it measures."""
    t0 = time.monotonic()
    timeline: list[tuple[float, str]] = []

    def note(what: str) -> None:
        timeline.append((round(time.monotonic() - t0, 1), what))

    with FaultSite(validators=True) as site:
        edits = build_edits(site)
        bodies = {path: [e.before, e.after] for path, e in edits.items()}
        if plan.revert:
            bodies[PAGE_EDIT].append(edits[PAGE_EDIT].before)
        scripts = {path: Versions(b) for path, b in bodies.items()}
        chaoses: list[Chaos] = []

        def chaos(seed: int, after: Fault | None = None) -> Chaos:
            c = Chaos([*chaos_faults(), lambda: HalfPage()], p=plan.chaos_p, seed=seed, after=after)
            chaoses.append(c)
            return c

        for i, (path, script) in enumerate(scripts.items()):
            site.set(path, chaos(plan.seed * 100 + i, after=script))
        site.set(EN_DIR + "*", chaos(plan.seed * 100 + 10))
        site.set(ZH_DIR + "*", chaos(plan.seed * 100 + 11))

        config = workdir / "soak.toml"
        write_config(config, site, plan, workdir / "changes.atom")
        proc = spawn([*CLI, "schedule", "run", "--config", str(config)], db_url, cwd=workdir)
        note(f"scheduler started (pid {proc.pid})")
        exit_code: int | None = None
        try:
            baseline = _wait_for(
                lambda: all(_archived(db_url, p) >= 1 for p in scripts),
                plan.baseline_timeout,
                proc,
            )
            note("baseline archived" if baseline else "baseline NOT archived")
            steps = [
                Step(plan.edit_times[0], PAGE_REMOVE, 1),
                Step(plan.edit_times[1], PAGE_EDIT, 1),
                Step(plan.edit_times[2], PAGE_ADD, 1),
            ]
            if plan.revert:
                steps.append(Step(plan.edit_times[3], PAGE_EDIT, 2))
            base = time.monotonic()
            for step in steps:
                time.sleep(max(0.0, base + step.at - time.monotonic()))
                # Only switch once the previous version has been stored (else an edit and
                # its revert could fall between two fetches and rightly leave no trace).
                _wait_for(
                    lambda s=step: _archived(db_url, s.path) >= s.version,
                    plan.settle_timeout,
                    proc,
                )
                scripts[step.path].switch(step.version)
                note(f"{step.path.rsplit('/', 1)[1]} -> version {step.version + 1}")
            time.sleep(plan.chaos_after_edits)
            for c in chaoses:
                c.enabled = False
            note("chaos off")
            wanted = {PAGE_REMOVE: 2, PAGE_EDIT: 3 if plan.revert else 2, PAGE_ADD: 2}
            # Settled: every scripted version stored, and every suspicion a fault raised has
            # been cleared by a later good fetch (revisits keep suspect briefings due).
            settled = _wait_for(
                lambda: (
                    all(_archived(db_url, p) >= n for p, n in wanted.items())
                    and _suspects(db_url) == 0
                ),
                plan.settle_timeout,
                proc,
            )
            note("settled" if settled else "NOT settled")
            time.sleep(plan.quiet_after)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.communicate(timeout=60)
                except subprocess.TimeoutExpired:
                    kill_tree(proc)
                    note("scheduler did not stop on SIGTERM: killed")
            exit_code = proc.returncode
            note(f"scheduler exited {exit_code}")
        log_tail = (proc.stderr.read() if proc.stderr and not proc.stderr.closed else "") or ""

    done = run_cli([*CLI, "changes", "--format", "json"], db_url)
    ledger_raw = json.loads(done.stdout or "[]") if done.returncode == 0 else []
    expected: list[Entry] = [
        ("removed", PAGE_REMOVE, edits[PAGE_REMOVE].asker, ()),
        ("edited", PAGE_EDIT, edits[PAGE_EDIT].asker, ("answer",)),
        ("added", PAGE_ADD, edits[PAGE_ADD].asker, ()),
    ]
    if plan.revert:
        expected.append(("edited", PAGE_EDIT, edits[PAGE_EDIT].asker, ("answer",)))
    drawn: dict[str, int] = {}
    for c in chaoses:
        for name in c.drawn:
            drawn[name] = drawn.get(name, 0) + 1
    counts = query(
        db_url,
        "SELECT l.url AS url, COUNT(v.id) AS n FROM briefing_location l "
        "JOIN version v ON v.briefing_id = l.briefing_id GROUP BY l.url",
    )
    statuses = query(db_url, "SELECT status, COUNT(*) AS n FROM briefing GROUP BY status")
    return SoakReport(
        expected=sorted(expected, key=str),
        ledger=sorted((ledger_entry(e) for e in ledger_raw), key=str),
        ledger_raw=ledger_raw,
        problems=archive_problems(db_url, allow_running=False),
        runs=runs(db_url),
        faults_drawn=drawn,
        edits_served={p.rsplit("/", 1)[1]: sorted(set(s.served)) for p, s in scripts.items()},
        scheduler_exit=exit_code,
        versions_per_briefing={r["url"].split(":", 2)[-1]: r["n"] for r in counts},
        statuses={r["status"]: r["n"] for r in statuses},
        timeline=timeline,
        log_tail=(log_tail or done.stderr)[-4000:],
    )


def ledger_entry(event: dict[str, Any]) -> Entry:
    """(type, path of the briefing's URL, asker, fields if edited) of a ``changes`` event."""
    briefing = event.get("briefing") or {}
    url = briefing.get("url") or ""
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
    exchange = event.get("exchange") or {}
    fields = tuple(exchange.get("fields") or ()) if event.get("type") == "edited" else ()
    return (event.get("type", "?"), path, exchange.get("asker"), fields)
