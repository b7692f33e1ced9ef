"""Options and helpers shared by the commands: the one way a command opens the archive,
the one way it fails, and the one way it prints JSON."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import IO, Any, NoReturn

import click

from storage.api import Archive, ArchiveError

db_option = click.option(
    "--db",
    "db_url",
    envvar="BRIEFINGS_DB_URL",
    default=None,
    metavar="URL",
    help="Database URL (default: sqlite:///briefings.db; env BRIEFINGS_DB_URL).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
source_option = click.option("--source", metavar="SOURCE", help="Only this source (mfa-en, ...).")
since_option = click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Held on or after (YYYY-MM-DD)."
)
until_option = click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), help="Held on or before (YYYY-MM-DD)."
)


MAX_SECONDS = (
    1000 * 366 * 86400
)  # far beyond any real use; a timedelta or a date overflows near 10^4 years


class Seconds(click.ParamType[float]):
    """A duration in seconds on the command line: finite and positive (``nan`` would be a
    deadline that never fires, ``inf`` one that overflows); ``allow_zero``: 0 means none."""

    name = "seconds"

    def __init__(self, *, allow_zero: bool = False) -> None:
        self.allow_zero = allow_zero

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value)
        else:
            try:
                seconds = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a finite number of seconds", param, ctx)
        if seconds < 0 or (seconds == 0 and not self.allow_zero):
            self.fail(
                f"{value!r} must be {'0 or more' if self.allow_zero else 'positive'}", param, ctx
            )
        if seconds > MAX_SECONDS:
            self.fail(f"{value!r} is more than 1000 years", param, ctx)
        return seconds


class CommandError(click.ClickException):
    """One line on stderr, ``error: ...``, and the exit code; never a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        # click declares exit_code a class variable; this error's code is per instance.
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


def fail(message: str, code: int = 1) -> NoReturn:
    """Stop the command with one line on stderr and a non-zero exit."""
    raise CommandError(message, code)


@contextmanager
def archive_errors() -> Iterator[None]:
    """Library errors become one-line command errors with the library's exit code."""
    try:
        yield
    except ArchiveError as exc:
        raise CommandError(str(exc), exc.exit_code) from exc


@contextmanager
def open_archive(
    db_url: str | None,
    *,
    must_exist: bool = True,
    read_only: bool | None = None,
    migrate: bool = True,
) -> Iterator[Archive]:
    """The archive a command works on, with every library error as a command error.

    Read commands pass ``must_exist=True`` (the default): a missing SQLite file is an
    error, never a new empty archive. ``read_only=None`` (the default): an archive that
    cannot be written (read-only mount, file or directory) is opened for reading, so every
    read works and a write fails with "the archive at X is read-only" (exit 2).
    """
    with archive_errors():
        archive = Archive.open(
            db_url,
            must_exist=must_exist,
            read_only=read_only,
            migrate=migrate,
            on_upgrade=_say_upgrading,
        )
        try:
            yield archive
        finally:
            archive.close()


def _say_upgrading(current: str, head: str) -> None:
    # A migration can rebuild an index (0011: about 30 s per 100,000 exchanges): not a hang.
    click.echo(
        f"upgrading the archive's schema from {current} to {head} "
        "(once; a large archive takes a minute or so)",
        err=True,
    )


def day(value: datetime | None) -> date | None:
    """A ``click.DateTime`` option value as a date."""
    return value.date() if value else None


# json.dumps escapes C0 controls but passes DEL and the C1 controls (U+0080-U+009F, e.g. the
# 8-bit CSI) through; a terminal obeys them. As \u escapes they stay the same JSON value.
_JSON_CONTROLS = {c: f"\\u{c:04x}" for c in range(0x7F, 0xA0)}


def echo_json(data: Any) -> None:
    """JSON on stdout, UTF-8, never ASCII-escaped, but no raw terminal control in it."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    click.echo(text.translate(_JSON_CONTROLS))


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
