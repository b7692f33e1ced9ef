"""``briefings reparse``: re-run the current parser over the stored pages."""

from __future__ import annotations

import click
from sqlalchemy.exc import SQLAlchemyError

from scheduler.commands.common import db_option, echo_json, fail, json_option


def register(group: click.Group) -> None:
    group.add_command(reparse_command)


@click.command("reparse")
@click.option("--source", "-s", default=None, metavar="SOURCE", help="Only this source.")
@json_option
@db_option
def reparse_command(source: str | None, as_json: bool, db_url: str | None) -> None:
    """Re-parse every archived briefing from its stored raw page.

    What the current parser reads differently becomes a new version with cause "parser",
    never reported as an edit by the ministry. Safe to interrupt and to run again.

    \b
    Examples:
      briefings reparse
      briefings reparse --source mfa-zh --json
    """
    from storage.db import make_engine
    from storage.migrate import ensure_schema
    from storage.reparse import reparse

    engine = make_engine(db_url)
    try:
        ensure_schema(engine)
        summary = reparse(engine, source)
    except SQLAlchemyError as exc:
        fail(f"database error: {str(exc).splitlines()[0]}")
        return
    finally:
        engine.dispose()
    if as_json:
        echo_json(summary.as_dict())
    else:
        click.echo(
            f"briefings checked: {summary.checked}, changed: {summary.changed}, "
            f"failed: {summary.failed}, without a stored page: {summary.skipped}"
        )
        for failure in summary.failures[:20]:
            click.echo(f"  {failure}", err=True)
    if summary.failed:
        raise SystemExit(1)
