"""Options and helpers shared by the commands."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

db_option = click.option(
    "--db",
    "db_url",
    envvar="BRIEFINGS_DB_URL",
    default=None,
    metavar="URL",
    help="Database URL (default: sqlite:///briefings.db; env BRIEFINGS_DB_URL).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")


def echo_json(data: Any) -> None:
    """JSON on stdout, UTF-8, never ASCII-escaped."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def fail(message: str, code: int = 1) -> None:
    """One line on stderr and a non-zero exit; never a traceback."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
