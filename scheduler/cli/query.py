"""``briefings search | show | list | export | stats``: reading the archive."""

from __future__ import annotations

import io
import sys
from datetime import datetime
from typing import IO, Any

import click
from rich.console import Console
from rich.text import Text

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
from scheduler.render.provenance import first_origins
from scheduler.render.tables import print_table
from scheduler.render.terminal import terminal_safe, terminal_text
from scheduler.render.titles import short_title
from storage.api import (
    EXPORT_FORMATS,
    SEARCH_LIMIT,
    STATS_KEYS,
    Archive,
    BriefingStatus,
    CaptureOrigin,
    ExportFilter,
    SearchHit,
    SearchOptions,
    ShownVersion,
    values,
)


def _console() -> Console:
    return Console(soft_wrap=False, highlight=False)


# ---------------------------------------------------------------------------- search


@click.command("search")
@click.argument("query")
@source_option
@click.option("--lang", "language", metavar="LANG", help="Only this language (en, zh).")
@click.option(
    "--asker",
    metavar="TEXT",
    help="Asker contains TEXT, or is printed as the outlet TEXT names, in either language.",
)
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
    default=SEARCH_LIMIT,
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
      briefings search 制裁 --asker Reuters     # 路透社记者 asked it in Chinese
    """
    options = SearchOptions(
        source=source,
        language=language,
        asker=asker,
        answerer=answerer,
        since=day(since),
        until=day(until),
        include_removed=include_removed,
        limit=limit,
    )
    with open_archive(db_url) as archive:
        hits = archive.search(query, options)
    if as_json:
        echo_json([hit.to_dict() for hit in hits])
        return
    if not hits:
        click.echo("no matches", err=True)
        return
    _print_hits(terminal_safe(hits))


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
@click.option(
    "--provenance",
    is_flag=True,
    help="Also say where the version was first captured (crawl run, WARC record, Wayback).",
)
@json_option
@db_option
def show_command(
    ref: str, version: int | None, provenance: bool, as_json: bool, db_url: str | None
) -> None:
    """A transcript as it was at a version. REF is a briefing id or any URL it lived at.

    \b
    Examples:
      briefings show 42
      briefings show http://www.mfa.gov.cn/eng/xwfw_665399/.../t20240227_11250193.html
      briefings show 42 --version 1 --json     # the stored schema-v1 object
      briefings show 42 --json --provenance    # {"briefing": ..., "provenance": ...}
    """
    with open_archive(db_url) as archive:
        shown = archive.show(ref, version)
        # History import (issue 18): where this version was first captured.
        origin = first_origins(archive.capture_origins(shown.briefing_id)).get(shown.version)
    if as_json and provenance:
        echo_json(_shown_with_origin(shown, origin))
    elif as_json:
        echo_json(shown.data)
    else:
        click.echo(_transcript_text(terminal_safe(shown)))
        if provenance:
            click.echo(f"first captured: {terminal_text(origin.origin) if origin else 'unknown'}")


def _shown_with_origin(shown: ShownVersion, origin: CaptureOrigin | None) -> dict[str, Any]:
    """The schema object stays whole (the schema allows no extra key): provenance beside it."""
    described = origin.to_json() if origin else None
    return {
        "briefing_id": shown.briefing_id,
        "version": shown.version,
        "briefing": shown.data,
        "origin": described["origin"] if described else None,
        "provenance": described["provenance"] if described else None,
        "capture": described,
    }


def _transcript_text(shown: ShownVersion) -> str:
    data = shown.data
    lines = [
        data.get("title", ""),
        f"{data.get('held_on')}  {data.get('source')}  {data.get('url')}",
        f"briefing {shown.briefing_id}, version {shown.version} of {shown.versions} "
        f"({shown.cause}; seen {shown.first_seen:%Y-%m-%d} to {shown.last_seen:%Y-%m-%d})"
        + ("" if shown.status == "active" else f"  [{shown.status.upper()}]"),
        *_status_lines(shown),
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


def _status_lines(shown: ShownVersion) -> list[str]:
    """Why a briefing is suspect or removed, when a suspicion can be confirmed, where it
    lives, and a warning for text decoded with replacement characters."""
    lines = []
    if shown.status != "active" and shown.status_reason:
        since = f" since {shown.status_since:%Y-%m-%d %H:%M} UTC" if shown.status_since else ""
        lines.append(f"{shown.status}{since}: {shown.status_reason}")
    if shown.confirm_due is not None:
        lines.append(
            f"a second fetch confirms or clears it from {shown.confirm_due:%Y-%m-%d %H:%M} UTC"
            f" (now: briefings crawl {shown.source} --revisit suspect --confirm-now)"
        )
    if len(shown.locations) > 1:
        for url, status, serves in shown.locations:
            lines.append(f"  at {url} ({status}, serves version {serves})")
    if shown.replaced_chars:
        lines.append(
            f"warning: {shown.replaced_chars} byte sequence(s) of this page could not be"
            " decoded (shown as U+FFFD); the raw page is stored"
        )
    return lines


# ---------------------------------------------------------------------------- list


@click.command("list")
@source_option
@since_option
@until_option
@click.option("--status", type=click.Choice(values(BriefingStatus)), help="Only this status.")
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
    with open_archive(db_url) as archive:
        rows = archive.list_briefings(
            source=source, since=day(since), until=day(until), status=status, limit=limit
        )
    if as_json:
        echo_json([row.to_json() for row in rows])
        return
    rows = terminal_safe(rows)
    columns = {"id": "right", "held on": "left", "source": "left", "title": "left"}
    columns |= {"versions": "right", "exchanges": "right", "status": "left"}
    cells = [
        [
            str(row.id),
            row.held_on.isoformat() if row.held_on else "",
            row.source,
            short_title(row.title or ""),  # the part that differs (scheduler/render/titles.py)
            str(row.versions),
            str(row.exchanges if row.exchanges is not None else ""),
            str(row.status),
        ]
        for row in rows
    ]
    print_table(columns, cells, flex="title", console=_console())
    for row in rows:  # what a suspect is waiting for, under the table
        if row.confirm_due is not None:
            click.echo(
                f"briefing {row.id} suspect ({row.status_reason}): confirmed or cleared by a "
                f"fetch from {row.confirm_due:%Y-%m-%d %H:%M} UTC"
            )


# ---------------------------------------------------------------------------- export


@click.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True
)
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), help="File (default stdout)."
)
@source_option
@since_option
@until_option
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest.")
@click.option(
    "--aligned",
    is_flag=True,
    help="The parallel corpus: one row per aligned English↔Chinese exchange pair.",
)
@db_option
def export_command(
    fmt: str,
    out: str | None,
    source: str | None,
    since: datetime | None,
    until: datetime | None,
    all_versions: bool,
    aligned: bool,
    db_url: str | None,
) -> None:
    """Export the archive, streamed (memory stays flat).

    jsonl: one schema-v1 object per briefing (latest version); with --all-versions one
    {"briefing_id", "version", "first_seen", "last_seen", "cause", "briefing": {...}}
    per version. csv / parquet: one row per exchange with the briefing's fields.
    warc: every stored capture as gzipped WARC records (request + response, or resource +
    provenance metadata for captures made before WARC recording).
    --aligned (any format): one row per aligned exchange pair of the English and Chinese
    versions, with both texts (see docs/alignment.md for its licence status).

    \b
    Examples:
      briefings export --format jsonl --out briefings.jsonl
      briefings export --format csv --source mfa-zh --since 2024-01-01 > zh.csv
      briefings export --format parquet --all-versions --out archive.parquet
      briefings export --format warc --out archive.warc.gz
      briefings export --aligned --format jsonl --out parallel.jsonl
    """
    flt = ExportFilter(
        source=source,
        since=day(since),
        until=day(until),
        all_versions=all_versions,
        aligned=aligned,
    )
    with open_archive(db_url) as archive:
        count = _export(archive, fmt, out, flt)
    if out:
        unit = {"jsonl": "briefings", "warc": "WARC records"}.get(fmt, "exchanges")
        unit = "aligned exchange pairs" if aligned else unit
        click.echo(f"wrote {count} {unit} to {out}", err=True)


def _export(archive: Archive, fmt: str, out: str | None, flt: ExportFilter) -> int:
    if out:
        return archive.export(fmt, out, flt)
    sys.stdout.flush()
    if fmt in ("parquet", "warc"):
        return archive.export(fmt, sys.stdout.buffer, flt)
    # UTF-8 whatever the locale; detached afterwards so stdout itself stays open.
    stream: IO[str] = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        return archive.export(fmt, stream, flt)
    finally:
        stream.flush()
        stream.detach()  # type: ignore[attr-defined]


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

    "exchanges" counts every exchange ever archived, once; "current" those still in their
    briefing's current text, which is what `export` writes (the difference: exchanges later
    removed or edited away). Edits of typography only are not counted as edits.

    \b
    Examples:
      briefings stats --by asker --since 2024-01-01
      briefings stats --by month --source mfa-zh --json
      briefings stats --by outlet      # Reuters and 路透社记者 as one outlet
    """
    with open_archive(db_url) as archive:
        rows = archive.stats(by=by, since=day(since), source=source)
    if as_json:
        echo_json([row.to_json(by) for row in rows])
        return
    rows = terminal_safe(rows)
    figures = ("exchanges", "current", "questions", "edited", "removed")
    columns = {by: "left"} | dict.fromkeys(figures, "right")
    cells = [[row.key, *(str(getattr(row, k)) for k in figures)] for row in rows]
    if by == "outlet":  # outlet id, then the labels as printed
        columns["printed as"] = "left"
        for cell, row in zip(cells, rows, strict=True):
            cell[0] = row.outlet or row.key
            cell.append(", ".join(f"{label} ({n})" for label, n in row.labels))
        print_table(columns, cells, flex="printed as", console=_console())
        return
    print_table(columns, cells, flex=by, console=_console())


COMMANDS = [search_command, show_command, list_command, export_command, stats_command]
