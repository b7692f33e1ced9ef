"""``briefings history``, ``briefings diff`` and ``briefings changes``: what changed, when."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import click

from scheduler.cli.options import db_option, echo_json, fail, json_option, open_archive
from scheduler.render.provenance import first_origins, history_with_origins, short_origin
from scheduler.render.terminal import terminal_safe
from storage.api import CaptureOrigin, ChangeType, values

TYPE_CHOICES = values(ChangeType)
COMMANDS: list[click.Command] = []


def _color() -> bool:
    return sys.stdout.isatty()


# --- history --------------------------------------------------------------------------


@click.command("history")
@click.argument("ref")
@json_option
@db_option
def history_command(ref: str, as_json: bool, db_url: str | None) -> None:
    """Every version of one briefing, with what changed in each.

    REF is a briefing id or any URL the briefing was seen at (host aliases work).

    \b
    Examples:
      briefings history 42
      briefings history https://www.mfa.gov.cn/eng/xw/fyrbt/lxjzh/202504/t20250430_11614172.html
      briefings history 42 --json | jq '.versions[-1]'
    """
    with open_archive(db_url) as archive:
        result = archive.history(ref)
        origins = archive.capture_origins(result.id)  # history import (issue 18)
    if as_json:
        echo_json(history_with_origins(result.to_json(), origins))
        return
    _print_history(terminal_safe(result), first_origins(terminal_safe(origins)))


def _print_history(result: Any, origins: dict[int, CaptureOrigin]) -> None:
    from rich.console import Console
    from rich.table import Table

    # Piped output is not wrapped at rich's default 80 columns: keep summaries on one line.
    width = None if sys.stdout.isatty() else 160
    console = Console(file=sys.stdout, highlight=False, width=width)
    held = result.held_on.isoformat() if result.held_on else "date unknown"
    console.print(f"[bold]{_rich_escape(result.title or '(untitled)')}[/bold]")
    status = str(result.status)
    if result.status_reason:
        status += f" ({result.status_reason})"
    console.print(f"{result.source} · {held} · briefing {result.id} · {_rich_escape(status)}")
    for loc in result.locations:
        notes = [f"serves v{loc.serves}" if loc.serves else "no version yet", str(loc.status)]
        if loc.current:
            notes.append("current")
        if loc.unstable:
            notes.append("unstable")
        console.print(f"  {_rich_escape(loc.url)}  ({', '.join(notes)})", soft_wrap=True)
    table = Table("version", "first seen", "last seen", "cause", "exchanges", "changes", "from")
    for v in result.versions:
        origin = origins.get(v.number)
        table.add_row(
            str(v.number) + (" (current)" if v.is_latest else ""),
            _stamp(v.first_seen),
            _stamp(v.last_seen),
            v.cause,
            str(v.exchange_count),
            _rich_escape(v.summary),
            _rich_escape(short_origin(origin)) if origin else "",
        )
    console.print(table)
    for v in result.versions:  # the parser flagged bytes it could not decode (issue 14)
        if v.replaced_chars:
            console.print(
                f"version {v.number}: {v.replaced_chars} byte sequence(s) of the page could not"
                " be decoded (shown as U+FFFD); the raw page is stored",
                style="yellow",
                soft_wrap=True,
            )
    for event in result.events:
        from scheduler.render.text import change_headline

        line = f"{_stamp(event.happened)}  {event.type}: {change_headline(event)}"
        console.print(_rich_escape(line), soft_wrap=True)


def _rich_escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


# --- diff -----------------------------------------------------------------------------


@click.command("diff")
@click.argument("ref")
@click.option("--from", "from_n", type=int, default=None, help="Old version number.")
@click.option("--to", "to_n", type=int, default=None, help="New version number (default latest).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="text: coloured word diff; json: for machines; html: a side-by-side page.",
)
@click.option(
    "--include-cosmetic",
    is_flag=True,
    help="Also show edits of typography only (quotes, dashes, widths, spacing).",
)
@db_option
def diff_command(
    ref: str,
    from_n: int | None,
    to_n: int | None,
    fmt: str,
    include_cosmetic: bool,
    db_url: str | None,
) -> None:
    """What changed between two versions of a briefing, exchange by exchange.

    Without --from/--to, compares the latest version with the one before it. Edits of
    typography only are left out unless --include-cosmetic (the output says how many);
    --format json always lists every change, each with its "cosmetic" flag.

    \b
    Examples:
      briefings diff 42
      briefings diff 42 --from 1 --to 3 --format json
      briefings diff 42 --format html > diff.html
    """
    from scheduler.render.html import render_diff_html
    from scheduler.render.text import render_diff_text

    with open_archive(db_url) as archive:
        result = archive.diff(ref, from_n, to_n)
    if fmt == "json":
        echo_json(result.to_json())
        return
    shown = result if include_cosmetic else result.substantive()
    if fmt == "html":
        hidden = len(result.changes) - len(shown.changes)
        click.echo(render_diff_html(shown, hidden=hidden, fold=not include_cosmetic), nl=False)
    else:
        text = render_diff_text(result, color=_color(), include_cosmetic=include_cosmetic)
        click.echo(text, nl=False, color=_color())


# --- changes --------------------------------------------------------------------------


@click.command("changes")
@click.option("--since", metavar="DATE", default=None, help="Only changes since DATE.")
@click.option("--source", metavar="S", default=None, help="Only this source (mfa-en, mfa-zh).")
@click.option(
    "--type",
    "types",
    type=click.Choice(TYPE_CHOICES),
    multiple=True,
    help="Only events of this type (repeatable).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "atom"]),
    default="text",
    show_default=True,
    help="atom: an Atom 1.0 feed for feed readers.",
)
@click.option(
    "--include-parser", is_flag=True, help="Also show changes caused by a parser upgrade."
)
@click.option(
    "--include-cosmetic",
    is_flag=True,
    help="Also show edits of typography only (quotes, dashes, widths, spacing).",
)
@click.option(
    "--include-unstable",
    is_flag=True,
    help="Also show the switches of a page serving two contents in turn (held back).",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N events.")
@db_option
def changes_command(
    since: str | None,
    source: str | None,
    types: tuple[str, ...],
    fmt: str,
    include_parser: bool,
    include_cosmetic: bool,
    include_unstable: bool,
    limit: int | None,
    db_url: str | None,
) -> None:
    """The ledger of changes across the archive, newest first by when they happened.

    DATE is YYYY-MM-DD or an ISO 8601 time (UTC unless it carries an offset). A change
    seen in imported history says between which two observations it happened.

    \b
    Examples:
      briefings changes --since 2026-11-01
      briefings changes --source mfa-en --type removed --type edited
      briefings changes --format atom > changes.atom
    """
    from scheduler.render.atom import render_atom
    from scheduler.render.text import render_ledger_text

    since_at = _parse_since(since) if since else None
    with open_archive(db_url) as archive:
        events = archive.changes(
            since=since_at,
            source=source,
            types=types or None,
            include_parser=include_parser,
            include_cosmetic=include_cosmetic,
            include_suppressed=include_unstable,
            limit=limit,
        )
    if fmt == "json":
        echo_json([e.to_json() for e in events])
    elif fmt == "atom":
        title = "briefings: changes" + (f" ({source})" if source else "")
        feed_id = "tag:briefings,2026:changes" + (f"/{source}" if source else "")
        click.echo(render_atom(events, title=title, feed_id=feed_id), nl=False)
    elif not events:
        click.echo("no changes", err=True)
    else:
        text = render_ledger_text(events, color=_color(), include_cosmetic=include_cosmetic)
        click.echo(text, nl=False, color=_color())


def _parse_since(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"--since: not a date: {value!r} (use YYYY-MM-DD or an ISO 8601 time)")
        raise
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


COMMANDS.extend([history_command, diff_command, changes_command])
