"""``briefings schedule run|show`` (the background service) and ``briefings runs``."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from typing import Any

import click

from scheduler.commands.common import db_option, echo_json, fail, json_option, print_table

config_option = click.option(
    "--config",
    "config_path",
    envvar="BRIEFINGS_CONFIG",
    default=None,
    metavar="FILE",
    help="TOML configuration merged over the built-in defaults (env BRIEFINGS_CONFIG).",
)


def register(group: click.Group) -> None:
    group.add_command(schedule)
    group.add_command(runs)


@click.group()
def schedule() -> None:
    """Run crawls on a schedule, in the foreground, under a process manager.

    \b
    Examples:
      briefings schedule show                         # jobs, next runs, configuration
      briefings schedule run --config /etc/briefings/scheduler.toml
    """


def _load(config_path: str | None) -> Any:
    from scheduler.config import ConfigError, load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        fail(f"configuration: {exc}", 2)


@schedule.command("run")
@config_option
@db_option
def run_command(config_path: str | None, db_url: str | None) -> None:
    """Run the scheduler until SIGTERM or Ctrl-C; logs every run on stderr.

    A stop lets the crawl in flight close its run cleanly, then exits 0.

    \b
    Examples:
      briefings schedule run
      briefings schedule run --config scheduler.toml --db postgresql+psycopg://localhost/briefings
    """
    from scheduler.service import SchedulerService

    config = _load(config_path)
    _setup_logging()
    try:
        service = SchedulerService(config, db_url=db_url)
        service.run()
    except Exception as exc:  # startup problems (database, schedule): one line, no traceback
        fail(f"scheduler: {str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)}")


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # APScheduler's own "Running job ..." lines repeat ours; keep its warnings.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


@schedule.command("show")
@config_option
@db_option
@json_option
def show_command(config_path: str | None, db_url: str | None, as_json: bool) -> None:
    """Print the jobs with their next run times and the effective configuration.

    \b
    Examples:
      briefings schedule show
      briefings schedule show --config scheduler.toml --json
    """
    from scheduler.config import build_trigger
    from scheduler.jobs import job_defs
    from scheduler.service import next_fire_times
    from storage.db import resolve_db_url
    from storage.types import utcnow

    config = _load(config_path)
    now = utcnow()
    jobs = [
        {
            "id": job.id,
            "source": job.source,
            "kind": job.kind,
            "schedule": [spec.describe() for spec in job.triggers],
            "next_runs": [t.isoformat() for t in next_fire_times(build_trigger(job.triggers), now)],
        }
        for job in job_defs(config)
    ]
    db = resolve_db_url(db_url or config.db)
    if as_json:
        echo_json({"db": db, "jobs": jobs, "config": config.to_json()})
        return
    _print_show(config, jobs, db)


def _print_show(config: Any, jobs: list[dict[str, Any]], db: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from scheduler.config import policy_json

    console = Console()
    table = Table(title="jobs")
    for column in ("job", "schedule", "next runs"):
        table.add_column(column)
    for job in jobs:
        nexts = [_local(t, config.timezone) for t in job["next_runs"]]
        table.add_row(job["id"], "\n".join(job["schedule"]), "\n".join(nexts))
    console.print(table)

    def say(line: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    say(f"configuration: {config.path or 'built-in defaults'}")
    say(f"  db = {db}")
    for key in ("timezone", "missed_runs", "misfire_grace_time", "failure_threshold"):
        say(f"  {key} = {getattr(config, key)}")
    say(f"  expected_by = {config.expected_by:%H:%M} on {config.working_days}")
    say(f"  holidays = {[d.isoformat() for d in config.holidays]}")
    for source in config.sources.values():
        state = "enabled" if source.enabled else "disabled"
        say(f"  [sources.{source.name}] {state}, timeout {source.timeout:g}s")
        say(f"    start_urls = {list(source.start_urls)}")
        say(f"    settings = {source.settings}")
        policy = ", ".join(f"{k}={v}" for k, v in policy_json(source.revisit_policy).items())
        say(f"    revisit_policy = {policy}")
    notify = config.notify
    say(f"  [notify] atom_file = {notify.atom_file or '(none)'}")
    for hook in notify.webhooks:
        say(f"    webhook {hook.url} on {', '.join(hook.on)}")
    for target in notify.emails:
        say(f"    email {', '.join(target.to)} on {', '.join(target.on)}")
    if notify.smtp.host:
        say(f"    smtp {notify.smtp.host}:{notify.smtp.port} from {notify.smtp.sender}")


def _local(iso: str, timezone: str) -> str:
    from zoneinfo import ZoneInfo

    return (
        datetime.fromisoformat(iso).astimezone(ZoneInfo(timezone)).strftime("%a %Y-%m-%d %H:%M %Z")
    )


@click.command()
@click.option("--source", default=None, help="Only runs of this source (e.g. mfa-en).")
@click.option("--failed", is_flag=True, help="Only failed runs.")
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many."
)
@json_option
@db_option
def runs(source: str | None, failed: bool, limit: int, as_json: bool, db_url: str | None) -> None:
    """The crawl run history, newest first: status, duration and what each run found.

    \b
    Examples:
      briefings runs
      briefings runs --source mfa-zh --failed --limit 5
      briefings runs --json | jq '.[0].status'
    """
    rows = _recent_runs(db_url, source=source, failed=failed, limit=limit)
    if as_json:
        echo_json(rows)
        return
    _print_runs(rows)


def _recent_runs(db_url: str | None, **filters: Any) -> list[dict[str, Any]]:
    from sqlalchemy.exc import SQLAlchemyError

    from scheduler.jobs import recent_runs
    from storage.db import make_engine, resolve_db_url, session_scope

    url = resolve_db_url(db_url)
    _require_sqlite_file(url)
    engine = make_engine(url, immediate=False)
    try:
        with session_scope(engine) as session:
            return recent_runs(session, **filters)
    except SQLAlchemyError as exc:
        fail(
            f"cannot read runs from {url}: {str(exc.orig if hasattr(exc, 'orig') else exc).strip()}"
        )
    finally:
        engine.dispose()
    return []


def _require_sqlite_file(url: str) -> None:
    """Reading must not create an empty SQLite file where the archive was expected."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    on_disk = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    if on_disk and not Path(parsed.database).exists():
        fail(f"no archive at {parsed.database} (crawl first, or pass --db)")


def _print_runs(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    if not rows:
        console.print("no runs")
        return
    columns = {"id": "right", "source": "left", "kind": "left", "started": "left"}
    columns |= {"took": "right", "status": "left", "reason": "left", "req": "right"}
    columns |= {"new": "right", "rev": "right", "same": "right", "err": "right"}
    cells = [
        [
            str(row["id"]),
            row["source"],
            row["kind"],
            (row["started_at"] or "")[5:16].replace("T", " "),
            _took(row["duration_seconds"]),
            row["status"],
            row["finish_reason"] or "",
            *(str(row[k]) for k in ("requests", "new", "revised", "unchanged", "errors")),
        ]
        for row in rows
    ]
    styles = ["red" if row["status"] == "failed" else None for row in rows]
    print_table(columns, cells, title="crawl runs (UTC)", styles=styles, console=console)
    for row in rows:  # the judged reason of each failure, in full, under the table
        if row["status"] == "failed" and row["error"]:
            console.print(f"run {row['id']} failed: {row['error']}", style="red", highlight=False)


def _took(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.0f}s" if seconds < 100 else f"{seconds / 60:.0f}m"
