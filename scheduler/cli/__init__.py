"""The ``briefings`` command: a thin click layer over the archive API (``storage.api``).

One module per group of commands; each exposes ``COMMANDS``, the click commands it adds.
The list below is explicit: a command module that fails to import is an error at start,
never a command silently missing.
"""

from __future__ import annotations

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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
