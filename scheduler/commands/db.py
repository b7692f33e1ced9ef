"""``briefings db upgrade|check|current``: the archive's schema migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from scheduler.commands.common import db_option, echo_json, fail, json_option


def register(group: click.Group) -> None:
    group.add_command(db_group)


@click.group("db")
def db_group() -> None:
    """Create and upgrade the archive's database schema.

    \b
    Examples:
      briefings db upgrade                     # create or upgrade ./briefings.db
      briefings db upgrade --db postgresql+psycopg://user@host/briefings
      briefings db check                       # exit 1 when the schema differs
    """


@contextmanager
def _engine(db_url: str | None) -> Iterator[Engine]:
    from storage.db import make_engine

    engine = make_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _run(db_url: str | None, work: Callable[[Engine], Any]) -> Any:
    """Run ``work``; database errors become one line on stderr."""
    try:
        with _engine(db_url) as engine:
            return work(engine)
    except SQLAlchemyError as exc:
        fail(f"database error: {str(exc).splitlines()[0]}")
    except Exception as exc:  # alembic raises its own (CommandError, ...): one line too
        fail(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


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
    from storage.migrate import current_revision, upgrade

    def work(engine: Engine) -> tuple[str | None, str | None]:
        before = current_revision(engine)
        return before, upgrade(engine, revision)

    before, after = _run(db_url, work)
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
    from storage.migrate import check

    problems = _run(db_url, check)
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
    from storage.migrate import current_revision, head_revision

    current = _run(db_url, current_revision)
    head = head_revision()
    if as_json:
        echo_json({"current": current, "head": head, "up_to_date": current == head})
        return
    state = "up to date" if current == head else f"behind (head is {head})"
    click.echo(f"{current or 'empty'} ({state})")
