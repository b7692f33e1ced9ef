"""``briefings check-parse``: exchanges the parser may have segmented wrongly."""

from __future__ import annotations

from datetime import datetime

import click

from scheduler.cli.options import (
    day,
    db_option,
    echo_json,
    json_option,
    open_archive,
    since_option,
    source_option,
    until_option,
)
from scheduler.render.terminal import terminal_safe


@click.command("check-parse")
@source_option
@since_option
@until_option
@click.option("--top", type=click.IntRange(1), default=20, show_default=True, help="Worst N.")
@click.option("--strict", is_flag=True, help="Exit 1 when anything is flagged.")
@json_option
@db_option
def check_parse_command(
    source: str | None,
    since: datetime | None,
    until: datetime | None,
    top: int,
    strict: bool,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Check every archived briefing's current text for exchanges that look mis-segmented.

    Flags: a question without an answer (or the reverse), an asker that reads like a
    sentence, a question label inside an answer, an after-conference exchange that is not
    at the end, and a briefing whose question count is far from its other-language twin's.
    Prints the counts per flag, then the worst briefings (see them with `briefings show ID`).

    \b
    Examples:
      briefings check-parse
      briefings check-parse --source mfa-zh --since 2020-01-01 --top 50
      briefings check-parse --json | jq '.counts'
    """
    with open_archive(db_url) as archive:
        result = archive.check_parse(source=source, since=day(since), until=day(until))
    if as_json:
        echo_json(result.to_json(top))
    else:
        summary = terminal_safe(result.summary)  # messages quote scraped text
        click.echo(f"{summary.flagged} of {summary.briefings} briefings flagged")
        for kind, count in sorted(summary.counts.items(), key=lambda kc: (-kc[1], kc[0])):
            click.echo(f"  {kind}: {count}")
        for name, score, flags in summary.worst[:top]:
            click.echo(f"\nbriefing {name} (score {score:.1f}): briefings show {name}")
            for flag in flags[:5]:
                where = f"exchange {flag.exchange}" if flag.exchange is not None else "briefing"
                click.echo(f"  {flag.kind} at {where}: {flag.message}")
    if strict and result.summary.flagged:
        raise SystemExit(1)


COMMANDS = [check_parse_command]
