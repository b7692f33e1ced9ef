"""``briefings db upgrade|check|current``: the archive's schema migrations."""

from __future__ import annotations

import click

from scheduler.cli.options import db_option, echo_json, json_option, open_archive


@click.group("db")
def db_group() -> None:
    """Create and upgrade the archive's database schema.

    \b
    Examples:
      briefings db upgrade                     # create or upgrade ./briefings.db
      briefings db upgrade --db postgresql+psycopg://user@host/briefings
      briefings db check                       # exit 1 when the schema differs
    """


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@db_option
def upgrade_command(revision: str, db_url: str | None) -> None:
    """Apply the migrations (creates the database when it does not exist).

    \b
    Examples:
      briefings db upgrade
      BRIEFINGS_DB_URL=postgresql+psycopg://postgres@127.0.0.1/briefings briefings db upgrade
    """
    with open_archive(db_url, must_exist=False, migrate=False) as archive:
        before, after = archive.upgrade(revision)
    if before == after:
        click.echo(f"already at revision {after}")
    else:
        click.echo(f"upgraded from {before or 'empty'} to {after}")


@db_group.command("check")
@json_option
@db_option
def check_command(as_json: bool, db_url: str | None) -> None:
    """Compare the live schema with the migrations; exit 1 when they differ.

    \b
    Examples:
      briefings db check
      briefings db check --json --db sqlite:///archive.db
    """
    with open_archive(db_url, migrate=False) as archive:
        problems = archive.schema_problems()
    if as_json:
        echo_json({"up_to_date": not problems, "differences": problems})
    elif problems:
        click.echo("schema differs from the migrations:")
        for problem in problems:
            click.echo(f"  {problem}")
    else:
        click.echo("schema up to date")
    if problems:
        raise SystemExit(1)


@db_group.command("current")
@json_option
@db_option
def current_command(as_json: bool, db_url: str | None) -> None:
    """The revision the database is at, and the latest the code knows.

    \b
    Examples:
      briefings db current
      briefings db current --json
    """
    with open_archive(db_url, migrate=False) as archive:
        current = archive.schema_revision()
        head = archive.head_revision()
    if as_json:
        echo_json({"current": current, "head": head, "up_to_date": current == head})
        return
    state = "up to date" if current == head else f"behind (head is {head})"
    click.echo(f"{current or 'empty'} ({state})")


COMMANDS = [db_group]
