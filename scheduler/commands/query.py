"""``briefings search | show | list | export | stats``: reading the archive."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.text import Text
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from scheduler.commands.common import db_option, echo_json, fail, json_option, print_table
from storage import export as export_lib
from storage.db import is_sqlite, make_engine, resolve_db_url
from storage.query import STATS_KEYS, NotFound, list_briefings, show, stats
from storage.search import DEFAULT_LIMIT, SearchError, SearchHit, SearchOptions, search

source_option = click.option("--source", metavar="SOURCE", help="Only this source (mfa-en, ...).")
since_option = click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Held on or after (YYYY-MM-DD)."
)
until_option = click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), help="Held on or before (YYYY-MM-DD)."
)


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@contextmanager
def reading(db_url: str | None) -> Iterator[Connection]:
    """A read-only style connection (plain BEGIN: never blocks a crawl's writes)."""
    url = resolve_db_url(db_url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).exists():
            fail(f"no archive at {database}; run `briefings crawl` first or pass --db")
    engine = make_engine(url, immediate=False)
    try:
        with engine.connect() as conn:
            yield conn
    except SQLAlchemyError as exc:
        fail(_db_error(exc))
    finally:
        engine.dispose()


def _db_error(exc: SQLAlchemyError) -> str:
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if "no such table" in first or "does not exist" in first:
        return f"database is not set up for this ({first}); run `briefings db upgrade`"
    return f"database error: {first}"


def _console() -> Console:
    return Console(soft_wrap=False, highlight=False)


# ---------------------------------------------------------------------------- search


@click.command("search")
@click.argument("query")
@source_option
@click.option("--lang", "language", metavar="LANG", help="Only this language (en, zh).")
@click.option("--asker", metavar="TEXT", help="Asker (outlet) contains TEXT.")
@click.option("--answerer", metavar="TEXT", help="Answerer (spokesperson) contains TEXT.")
@since_option
@until_option
@click.option(
    "--include-removed",
    is_flag=True,
    help="Also search exchanges later removed or edited away (marked).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="At most N hits.",
)
@json_option
@db_option
def search_command(
    query: str,
    source: str | None,
    language: str | None,
    asker: str | None,
    answerer: str | None,
    since: datetime | None,
    until: datetime | None,
    include_removed: bool,
    limit: int,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Full-text search of questions and answers, best matches first.

    Every word must occur, in any case, at the start of a word: sanction finds sanctions,
    sea finds seas but not ASEAN. "Quote a phrase" to keep it whole. Chinese has no spaces
    between words, so 台湾问题 or 台湾 match anywhere. A query starting with "-" goes after "--".

    \b
    Examples:
      briefings search "South China Sea" --lang en --since 2024-01-01
      briefings search 台湾 --source mfa-zh --limit 50
      briefings search sanctions --asker Reuters --include-removed --json
    """
    options = SearchOptions(
        source=source,
        language=language,
        asker=asker,
        answerer=answerer,
        since=_day(since),
        until=_day(until),
        include_removed=include_removed,
        limit=limit,
    )
    with reading(db_url) as conn:
        try:
            hits = search(conn, query, options)
        except SearchError as exc:
            fail(str(exc))
    if as_json:
        echo_json([hit.to_dict() for hit in hits])
        return
    if not hits:
        click.echo("no matches", err=True)
        return
    _print_hits(hits)


def _print_hits(hits: list[SearchHit]) -> None:
    """One block per hit: a header line, then the snippet wrapped to the terminal.

    Snippets are prose, which a table column squeezes into a few letters a line. Matches
    are bold on a terminal and ``[bracketed]`` elsewhere (pipes, files).
    """
    console = _console()
    console.soft_wrap = False
    marked = not console.is_terminal
    for hit in hits:
        header = Text(f"{hit.rank}. ", style="bold")
        header.append(f"briefing {hit.briefing_id} v{hit.version}", style="cyan")
        held = hit.held_on.isoformat() if hit.held_on else "undated"
        header.append(f" · {held} · {hit.source} · exchange {hit.index}")
        speakers = " → ".join(x for x in (hit.asker, hit.answerer) if x)
        if speakers:
            header.append(f" · {speakers}")
        if hit.removed or hit.edited_away:
            header.append(" [REMOVED]" if hit.removed else " [EDITED AWAY]", style="red")
        snippet = Text("   ")
        for piece, hot in hit.segments:
            if hot and marked:
                piece = f"[{piece}]"
            snippet.append(piece, style="bold" if hot else None)
        console.print(header)
        console.print(snippet)
        console.print()


# ---------------------------------------------------------------------------- show


@click.command("show")
@click.argument("ref")
@click.option(
    "--version", "version", type=click.IntRange(1), help="Version number (default: latest)."
)
@json_option
@db_option
def show_command(ref: str, version: int | None, as_json: bool, db_url: str | None) -> None:
    """A transcript as it was at a version. REF is a briefing id or any URL it lived at.

    \b
    Examples:
      briefings show 42
      briefings show http://www.mfa.gov.cn/eng/xwfw_665399/.../t20240227_11250193.html
      briefings show 42 --version 1 --json     # the stored schema-v1 object
    """
    with reading(db_url) as conn:
        try:
            shown = show(conn, ref, version)
        except NotFound as exc:
            fail(str(exc))
    if as_json:
        echo_json(shown.data)
        return
    click.echo(_transcript_text(shown))


def _transcript_text(shown: Any) -> str:
    data = shown.data
    lines = [
        data.get("title", ""),
        f"{data.get('held_on')}  {data.get('source')}  {data.get('url')}",
        f"briefing {shown.briefing_id}, version {shown.version} of {shown.versions} "
        f"({shown.cause}; seen {shown.first_seen:%Y-%m-%d} to {shown.last_seen:%Y-%m-%d})"
        + ("" if shown.status == "active" else f"  [{shown.status.upper()}]"),
        "",
    ]
    for exchange in data.get("exchanges", []):
        marks = [m for m in ("follow_up", "after_conference") if exchange.get(m)]
        lines.append(
            f"[{exchange['index']}] {exchange['kind']}" + "".join(f" ({m})" for m in marks)
        )
        for turn in exchange.get("turns", []):
            label = turn.get("speaker") or turn.get("role")
            lines.append(f"{label}: {turn['text']}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------- list


@click.command("list")
@source_option
@since_option
@until_option
@click.option(
    "--status", type=click.Choice(["active", "suspect", "removed"]), help="Only this status."
)
@click.option("--limit", type=click.IntRange(1), help="At most N briefings (newest first).")
@json_option
@db_option
def list_command(
    source: str | None,
    since: datetime | None,
    until: datetime | None,
    status: str | None,
    limit: int | None,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Briefings in the archive, newest first, with version counts and status.

    \b
    Examples:
      briefings list --source mfa-en --since 2024-01-01
      briefings list --status removed --json
    """
    with reading(db_url) as conn:
        rows = list_briefings(
            conn, source=source, since=_day(since), until=_day(until), status=status, limit=limit
        )
    if as_json:
        echo_json(rows)
        return
    columns = {"id": "right", "held on": "left", "source": "left", "title": "left"}
    columns |= {"versions": "right", "exchanges": "right", "status": "left"}
    cells = [
        [
            str(row["id"]),
            row["held_on"] or "",
            row["source"],
            row["title"] or "",
            str(row["versions"]),
            str(row["exchanges"] if row["exchanges"] is not None else ""),
            row["status"],
        ]
        for row in rows
    ]
    print_table(columns, cells, flex="title", console=_console())


# ---------------------------------------------------------------------------- export


@click.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(export_lib.FORMATS), default="jsonl", show_default=True
)
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), help="File (default stdout)."
)
@source_option
@since_option
@until_option
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest.")
@db_option
def export_command(
    fmt: str,
    out: str | None,
    source: str | None,
    since: datetime | None,
    until: datetime | None,
    all_versions: bool,
    db_url: str | None,
) -> None:
    """Export the archive, streamed (memory stays flat).

    jsonl: one schema-v1 object per briefing (latest version); with --all-versions one
    {"briefing_id", "version", "first_seen", "last_seen", "cause", "briefing": {...}}
    per version. csv / parquet: one row per exchange with the briefing's fields.

    \b
    Examples:
      briefings export --format jsonl --out briefings.jsonl
      briefings export --format csv --source mfa-zh --since 2024-01-01 > zh.csv
      briefings export --format parquet --all-versions --out archive.parquet
    """
    flt = export_lib.ExportFilter(
        source=source, since=_day(since), until=_day(until), all_versions=all_versions
    )
    with reading(db_url) as conn:
        try:
            count = _export(conn, fmt, out, flt)
        except export_lib.ExportError as exc:
            fail(str(exc))
    if out:
        unit = "briefings" if fmt == "jsonl" else "exchanges"
        click.echo(f"wrote {count} {unit} to {out}", err=True)


def _export(conn: Connection, fmt: str, out: str | None, flt: export_lib.ExportFilter) -> int:
    if fmt == "parquet":
        export_lib.parquet_schema()  # fail early and cleanly when pyarrow is missing
        if out:
            return export_lib.write_parquet(conn, out, flt)
        sys.stdout.flush()
        return export_lib.write_parquet(conn, sys.stdout.buffer, flt)
    writer = export_lib.write_jsonl if fmt == "jsonl" else export_lib.write_csv
    if out:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            return writer(conn, handle, flt)
    sys.stdout.flush()
    # UTF-8 whatever the locale; detached afterwards so stdout itself stays open.
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        return writer(conn, stream, flt)
    finally:
        stream.flush()
        stream.detach()


# ---------------------------------------------------------------------------- stats


@click.command("stats")
@click.option("--by", type=click.Choice(STATS_KEYS), default="asker", show_default=True)
@source_option
@since_option
@json_option
@db_option
def stats_command(
    by: str, source: str | None, since: datetime | None, as_json: bool, db_url: str | None
) -> None:
    """Exchanges and questions per outlet, spokesperson, month or source, and how many of
    them the ministry later edited or removed.

    \b
    Examples:
      briefings stats --by asker --since 2024-01-01
      briefings stats --by month --source mfa-zh --json
    """
    with reading(db_url) as conn:
        rows = stats(conn, by=by, since=_day(since), source=source)
    if as_json:
        echo_json(rows)
        return
    figures = ("exchanges", "questions", "edited", "removed")
    columns = {by: "left"} | dict.fromkeys(figures, "right")
    cells = [[str(row[k]) for k in (by, *figures)] for row in rows]
    print_table(columns, cells, flex=by, console=_console())


def register(group: click.Group) -> None:
    for command in (search_command, show_command, list_command, export_command, stats_command):
        group.add_command(command)
