"""``briefings schedule run|show``: the background service."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from typing import Any

import click

from scheduler.cli.options import db_option, echo_json, fail, json_option

config_option = click.option(
    "--config",
    "config_path",
    envvar="BRIEFINGS_CONFIG",
    default=None,
    metavar="FILE",
    help="TOML configuration merged over the built-in defaults (env BRIEFINGS_CONFIG).",
)


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
        raise


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
    from datetime import UTC

    from scheduler.config import build_trigger
    from scheduler.jobs import job_defs
    from scheduler.service import next_fire_times
    from storage.api import resolve_db_url

    config = _load(config_path)
    now = datetime.now(UTC)
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


COMMANDS = [schedule]
