"""The ``briefings`` command: a thin click layer over the archive API (``storage.api``).

One module per group of commands; each exposes ``COMMANDS``, the click commands it adds.
The list below is explicit: a command module that fails to import is an error at start,
never a command silently missing.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

import click

from scheduler.cli import (
    align,
    changes,
    checkparse,
    crawl,
    db,
    evidence,
    importing,
    parse,
    query,
    reparse,
    runs,
    schedule,
    serve,
)
from scheduler.cli.options import CommandError

COMMAND_MODULES = (
    parse,
    db,
    crawl,
    reparse,
    changes,
    query,
    checkparse,
    runs,
    schedule,
    evidence,
    importing,
    align,
    serve,
)


# Output that cannot be written: a full disk (``export --out``, ``> file``), /dev/full, a
# device error. A closed pipe (``| head``) is no error: the reader has what it wanted.
OUTPUT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS)


class BriefingsGroup(click.Group):
    """The command group; output that cannot be written is one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # inside the try: a full disk shows here, not at exit
            return result
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                _discard_stdout()
                ctx.exit(1)
            if exc.errno not in OUTPUT_ERRNOS:
                raise
            _discard_stdout()
            where = f" {exc.filename}" if exc.filename else ""
            raise CommandError(f"cannot write the output{where}: {exc.strerror}", 1) from exc


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush fails no more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


@click.group(
    cls=BriefingsGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="briefings")
def main() -> None:
    """Archive government press-briefing transcripts exchange by exchange.

    \b
    Examples:
      briefings crawl mfa-en mfa-zh          # fetch new briefings into ./briefings.db
      briefings search "Taiwan" --lang en     # full-text search of the archive
      briefings changes --since 2026-01-01    # what the ministry edited or removed
    """


for _module in COMMAND_MODULES:
    for _command in _module.COMMANDS:
        main.add_command(_command)
