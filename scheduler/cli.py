"""The ``briefings`` command: a thin click layer over the library.

Each group of commands lives in its own module under ``scheduler/commands`` and registers
itself here, so the entry point stays small and importing it stays cheap.
"""

from __future__ import annotations

import importlib

import click

# Modules under scheduler/commands, each exposing ``register(group)``.
COMMAND_MODULES = ("parse", "db", "crawl", "archive", "changes", "query", "schedule")


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


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"scheduler.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"scheduler.commands.{name}":
                continue  # not written yet
            raise
        module.register(main)


_register_all()

if __name__ == "__main__":  # pragma: no cover
    main()
