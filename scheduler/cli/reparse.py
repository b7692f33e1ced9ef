"""``briefings reparse``: re-run the current parser over the stored pages."""

from __future__ import annotations

import click

from scheduler.cli.options import db_option, echo_json, json_option, open_archive
from scheduler.render.terminal import terminal_text


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
    with open_archive(db_url) as archive:
        summary = archive.reparse(source)
    if as_json:
        echo_json(summary.as_dict())
    else:
        click.echo(
            f"briefings checked: {summary.checked}, changed: {summary.changed}, "
            f"failed: {summary.failed}, without a stored page: {summary.skipped}"
        )
        for failure in summary.failures[:20]:
            click.echo(terminal_text(f"  {failure}"), err=True)
    if summary.failed:
        raise SystemExit(1)


COMMANDS = [reparse_command]
