"""``briefings align | pair | pairs | asymmetries | outlets``: the English↔Chinese alignment.

Each briefing is published twice, in Chinese and in English; these commands pair the two,
show their exchanges row by row, and list where one says what the other does not
(docs/alignment.md).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from scheduler.cli.options import (
    day,
    db_option,
    echo_json,
    fail,
    json_option,
    open_archive,
    since_option,
    until_option,
)
from scheduler.render.tables import print_table
from scheduler.render.terminal import terminal_safe
from storage.api import (
    ASYMMETRY_TYPES,
    FINDING_STATUSES,
    AlignSummary,
    Archive,
    Asymmetry,
    AsymmetryFilter,
    OutletSuggestion,
    OutletTable,
    PairView,
)

ASYMMETRY_CHOICES = tuple(sorted(str(t) for t in ASYMMETRY_TYPES))
COMMANDS: list[click.Command] = []

config_option = click.option(
    "--config",
    "config_path",
    envvar="BRIEFINGS_CONFIG",
    default=None,
    metavar="FILE",
    help="Scheduler TOML whose [outlets] extends the outlet table (env BRIEFINGS_CONFIG).",
)


def _console() -> Console:
    return Console(soft_wrap=False, highlight=False)


def _sync_outlets(archive: Archive, config_path: str | None) -> bool:
    """Store the config's ``[outlets]`` in the archive; True when the table changed."""
    if not config_path:
        return False
    from scheduler.config import ConfigError, load_config

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        fail(f"configuration: {exc}", 2)
    return archive.use_outlets(config.outlets)


# ---------------------------------------------------------------------------- align


@click.command("align")
@since_option
@until_option
@config_option
@json_option
@db_option
def align_command(
    since: datetime | None,
    until: datetime | None,
    config_path: str | None,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Pair each English briefing with its Chinese twin and align their exchanges.

    Crawls do this for the dates they touch; run it for the whole archive (or a date
    range) after an upgrade, or after editing the config's [outlets] (then the whole
    archive is re-aligned, whatever the range). Running it again writes no duplicate
    finding: each asymmetry is reported once, and resolved when it no longer holds.

    \b
    Examples:
      briefings align
      briefings align --since 2024-01-01 --until 2024-12-31
      briefings align --config scheduler.toml --json
    """
    with open_archive(db_url) as archive:
        changed = _sync_outlets(archive, config_path)
        if changed and (since or until):
            click.echo("the outlet table changed: re-aligning the whole archive", err=True)
            since = until = None
        summary = archive.align(day(since), day(until))
    if as_json:
        echo_json({"outlet_table_changed": changed, **summary.to_json()})
        return
    click.echo(_summary_text(summary))


def _summary_text(s: AlignSummary) -> str:
    lines = [
        f"{s.pairs} pairs on {s.dates} dates: {s.complete} complete, {s.incomplete} incomplete"
        f" ({s.realigned} aligned, {s.unchanged} unchanged); {s.unpaired} briefings without "
        "a twin",
        f"{s.rows} rows, {s.one_to_one} pairs purely 1–1; findings: {s.findings_opened} new, "
        f"{s.findings_resolved} resolved"
        + (f"; {s.dissolved} pairs undone" if s.dissolved else ""),
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- pair


@click.command("pair")
@click.argument("ref")
@click.option("--texts", is_flag=True, help="Both texts of every row (side by side).")
@click.option("--features", is_flag=True, help="With --json: each row's scoring evidence.")
@json_option
@db_option
def pair_command(ref: str, texts: bool, features: bool, as_json: bool, db_url: str | None) -> None:
    """One briefing's English and Chinese versions, aligned row by row, with what one has
    and the other lacks. REF is a briefing id or any URL it lived at, in either language.

    In --json each row is {"en": INDEX, "zh": INDEX, "score": …}: INDEX is the schema
    exchange index, a list of two indices for a 2–1 or 1–2 row (two exchanges printed as
    one in the other language), null for the side a 1–0 / 0–1 row lacks.

    \b
    Examples:
      briefings pair 42
      briefings pair https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/t1788865.shtml
      briefings pair 42 --json | jq '.rows[] | select(.bead != "1-1")'
      briefings pair 42 --texts
    """
    with open_archive(db_url) as archive:
        view = archive.pair(ref, texts=texts)
    if as_json:
        echo_json(view.to_json(texts=texts, features=features))
        return
    _print_pair(terminal_safe(view), texts=texts)


def _print_pair(view: PairView, *, texts: bool) -> None:
    console = _console()
    held = view.held_on.isoformat() if view.held_on else "undated"
    console.print(Text(f"pair {view.id} · {view.family} · {held} · {view.status}", style="bold"))
    if view.reason:
        console.print(Text(f"  {view.reason}", style="yellow"), soft_wrap=True)
    for side, ref, status, version in (
        ("en", view.en, view.en_status, view.en_version),
        ("zh", view.zh, view.zh_status, view.zh_version),
    ):
        line = f"  {side}: briefing {ref.id} v{version} ({status}) {ref.url}"
        console.print(Text(line), soft_wrap=True)
    console.print(f"  paired by {view.method}; {len(view.rows)} rows")
    if texts:
        _print_side_by_side(view, console)
    else:
        columns = {"row": "right", "en": "right", "zh": "right", "bead": "left"}
        columns |= {"score": "right", "conf": "right", "outlet": "left", "asked by": "left"}
        cells = [
            [
                str(r.position),
                _indices(r.en),
                _indices(r.zh),
                r.bead,
                f"{r.score:.1f}",
                f"{r.confidence:.2f}",
                r.outlet,
                " / ".join(
                    x for x in (*r.features.get("en_labels", ()), *r.features.get("zh_labels", ()))
                ),
            ]
            for r in view.rows
        ]
        print_table(columns, cells, flex="asked by", console=console)
    if view.asymmetries:
        console.print(Text("asymmetries:", style="bold"))
        for a in view.asymmetries:
            line = f"  #{a.id} {a.type} [{a.status}] {a.description}"
            console.print(Text(line), soft_wrap=True)


def _print_side_by_side(view: PairView, console: Console) -> None:
    from rich.table import Table

    table = Table("row", "English", "中文", show_lines=True, expand=True)
    for r in view.rows:
        table.add_row(
            f"{r.position}\n{r.bead}",
            Text("\n".join(_exchange_text(x) for x in r.en_texts)),
            Text("\n".join(_exchange_text(x) for x in r.zh_texts)),
        )
    console.print(table)


def _exchange_text(x: Any) -> str:
    head = f"[{x.index}] {x.asker}: " if x.asker else f"[{x.index}] "
    parts = [p for p in (x.question, x.answer) if p]
    return head + "\n".join(parts)


def _indices(indices: tuple[int, ...]) -> str:
    return "+".join(str(i) for i in indices) or "–"


# ---------------------------------------------------------------------------- pairs


@click.command("pairs")
@since_option
@until_option
@click.option("--texts", is_flag=True, help="With --json: both texts of every row.")
@json_option
@db_option
def pairs_command(
    since: datetime | None,
    until: datetime | None,
    texts: bool,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Every English↔Chinese pair of the archive, oldest first.

    --json writes JSON Lines, one pair per line with its rows and findings (the shape of
    `briefings pair REF --json`), streamed: memory stays flat on any archive.

    \b
    Examples:
      briefings pairs --since 2024-01-01
      briefings pairs --json > pairs.jsonl
      briefings pairs --json | jq -c 'select(.status == "incomplete") | {id, reason}'
    """
    with open_archive(db_url) as archive:
        views = archive.pairs(since=day(since), until=day(until), texts=texts)
        if as_json:
            for view in views:
                sys.stdout.write(json.dumps(view.to_json(texts=texts), ensure_ascii=False))
                sys.stdout.write("\n")
            return
        _print_pairs(terminal_safe(list(views)))


def _print_pairs(views: list[PairView]) -> None:
    if not views:
        click.echo("no pairs (run `briefings align`)", err=True)
        return
    columns = {"pair": "right", "held on": "left", "en": "right", "zh": "right"}
    columns |= {"by": "left", "status": "left", "rows": "right", "1–1": "left"}
    columns |= {"findings": "right", "reason": "left"}
    cells = [
        [
            str(v.id),
            v.held_on.isoformat() if v.held_on else "",
            str(v.en.id),
            str(v.zh.id),
            v.method,
            v.status,
            str(len(v.rows)),
            "yes" if v.one_to_one else "no",
            str(sum(1 for a in v.asymmetries if a.status == "open")),
            v.reason or "",
        ]
        for v in views
    ]
    print_table(columns, cells, flex="reason", console=_console())


# ---------------------------------------------------------------------------- asymmetries


@click.command("asymmetries")
@click.option(
    "--type", "types", type=click.Choice(ASYMMETRY_CHOICES), multiple=True, help="Repeatable."
)
@click.option(
    "--status",
    type=click.Choice(FINDING_STATUSES),
    default="open",
    show_default=True,
    help="open: still found; resolved: no longer found.",
)
@since_option
@until_option
@click.option("--briefing", "briefing", metavar="REF", help="Only this briefing's pair.")
@click.option("--outlet", metavar="NAME", help="Only exchanges asked by this outlet.")
@click.option(
    "--min-confidence", type=click.FloatRange(0, 1), default=0.0, help="At least this sure."
)
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N findings.")
@json_option
@db_option
def asymmetries_command(
    types: tuple[str, ...],
    status: str,
    since: datetime | None,
    until: datetime | None,
    briefing: str | None,
    outlet: str | None,
    min_confidence: float,
    limit: int | None,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Where a briefing's English and Chinese versions differ, newest first.

    only-in-en / only-in-zh: an exchange with no twin in the other language;
    translation-mismatch: twins with different outlets, or figures printed in one only;
    one-sided-edit: one language's exchange edited while its twin stayed as it was.
    A pair whose other side is missing, suspect, removed or misread reports nothing.

    \b
    Examples:
      briefings asymmetries --since 2024-01-01
      briefings asymmetries --type only-in-zh --outlet Reuters --json
      briefings asymmetries --briefing 42 --status all
    """
    flt = AsymmetryFilter(
        types=types,
        status=status,
        since=day(since),
        until=day(until),
        briefing=briefing,
        outlet=outlet,
        min_confidence=min_confidence,
        limit=limit,
    )
    with open_archive(db_url) as archive:
        found = archive.asymmetries(flt)
    if as_json:
        echo_json([a.to_json() for a in found])
        return
    _print_asymmetries(terminal_safe(found))


def _print_asymmetries(found: list[Asymmetry]) -> None:
    """One block per finding: a header line, then what differs (prose, never cut)."""
    if not found:
        click.echo("no asymmetries", err=True)
        return
    console = _console()
    for a in found:
        held = a.held_on.isoformat() if a.held_on else "undated"
        header = Text(f"#{a.id} ", style="bold")
        header.append(f"{held} {a.type}", style="cyan")
        header.append(f" · en {_indices(a.en)} / zh {_indices(a.zh)} · {a.confidence:.2f}")
        askers = " / ".join((*a.en_askers, *a.zh_askers))
        if askers:
            header.append(f" · {askers}")
        if a.status != "open":
            header.append(f" [{a.status.upper()}]", style="yellow")
        console.print(header, soft_wrap=True)
        console.print(Text(f"   {a.description}"), soft_wrap=True)
        line = f"   briefings {a.en_briefing.id} (en) / {a.zh_briefing.id} (zh)"
        if a.resolution:
            line += f"; {a.resolution}"
        console.print(Text(line), soft_wrap=True)


# ---------------------------------------------------------------------------- outlets


@click.command("outlets")
@click.option("--suggest", is_flag=True, help="Proposed mappings from aligned exchanges.")
@click.option("--all", "include_known", is_flag=True, help="With --suggest: known ones too.")
@click.option("--min-count", type=click.IntRange(1), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N rows.")
@click.option("--toml", "as_toml", is_flag=True, help="With --suggest: an [outlets] snippet.")
@config_option
@json_option
@db_option
def outlets_command(
    suggest: bool,
    include_known: bool,
    min_count: int,
    limit: int | None,
    as_toml: bool,
    config_path: str | None,
    as_json: bool,
    db_url: str | None,
) -> None:
    """The bilingual outlet table (Reuters ↔ 路透社记者 …) with the labels printed for each
    outlet, or, with --suggest, label pairs seen asking one aligned question (with
    evidence counts) for a person to accept into the config's [outlets].

    \b
    Examples:
      briefings outlets --limit 20
      briefings outlets --suggest --min-count 3
      briefings outlets --suggest --toml >> scheduler.toml   # then edit, then align
      briefings outlets --suggest --all --json | jq '.[:10]'
    """
    with open_archive(db_url) as archive:
        if _sync_outlets(archive, config_path):
            click.echo(
                "the outlet table changed: run `briefings align` to re-align the archive",
                err=True,
            )
        if suggest:
            proposals = archive.outlet_suggestions(
                include_known=include_known, min_count=min_count, limit=limit
            )
            table = archive.outlet_table() if as_toml else None
            _show_suggestions(proposals, as_json=as_json, as_toml=as_toml, table=table)
            return
        outlets = archive.outlets()
    outlets = outlets[:limit] if limit else outlets
    if as_json:
        echo_json([o.to_json() for o in outlets])
        return
    outlets = terminal_safe(outlets)
    columns = {"outlet": "left", "English": "left", "中文": "left", "exchanges": "right"}
    columns |= {"printed as": "left"}
    cells = [
        [
            o.id + ("*" if o.origin == "archive" else ""),
            o.name_en,
            o.name_zh,
            str(o.exchanges),
            ", ".join(f"{label} ({n})" for label, _, n in o.printed[:4]),
        ]
        for o in outlets
    ]
    print_table(columns, cells, flex="printed as", console=_console())
    if any(o.origin == "archive" for o in outlets):
        click.echo("* from the config's [outlets]", err=True)


def _show_suggestions(
    proposals: list[OutletSuggestion],
    *,
    as_json: bool,
    as_toml: bool,
    table: OutletTable | None,
) -> None:
    if as_json:
        echo_json([p.to_json() for p in proposals])
        return
    if as_toml and table is not None:
        click.echo(_toml_snippet(proposals, table), nl=False)
        return
    if not proposals:
        click.echo("no proposals (aligned pairs name no unknown outlet)", err=True)
        return
    columns = {"count": "right", "English label": "left", "Chinese label": "left"}
    columns |= {"table says": "left", "example": "left"}
    cells = [
        [
            str(p.count),
            p.label_en,
            p.label_zh,
            f"{p.outlet_en or '?'} / {p.outlet_zh or '?'}",
            _example(p),
        ]
        for p in proposals
    ]
    print_table(columns, cells, flex="example", console=_console())


def _example(p: OutletSuggestion) -> str:
    if not p.examples:
        return ""
    e = p.examples[0]
    held = e.held_on.isoformat() if e.held_on else ""
    return f"pair {e.pair_id} {held} en {_indices(e.en)} / zh {_indices(e.zh)}"


def _toml_snippet(proposals: list[OutletSuggestion], table: OutletTable) -> str:
    """Proposals as ``[outlets.ID]`` tables to review and paste into the config. A label
    joins the outlet the other label names (its labels kept: a config entry replaces the
    lists it gives); two unknown labels make a new outlet."""
    blocks = []
    for p in proposals:
        if p.known or "," in (p.outlet_en or "") + (p.outlet_zh or ""):
            continue  # known already, or a joint label naming several outlets
        oid = p.outlet_en or p.outlet_zh or _slug(p.label_en)
        outlet = table.get(oid)
        en = list(outlet.labels_en) if outlet else []
        zh = list(outlet.labels_zh) if outlet else []
        en += [p.label_en] if p.outlet_en is None else []
        zh += [p.label_zh] if p.outlet_zh is None else []
        key = oid if oid.replace("-", "").isalnum() and oid.isascii() else json.dumps(oid)
        lines = [
            f"# {p.label_en} / {p.label_zh}: seen {p.count}x asking one aligned question",
            f"[outlets.{key}]",
            f"en = {json.dumps(en, ensure_ascii=False)}",
            f"zh = {json.dumps(zh, ensure_ascii=False)}",
        ]
        if outlet is not None and outlet.parent:
            lines.append(f"parent = {json.dumps(outlet.parent)}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _slug(label: str) -> str:
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in label.lower()).strip("-")
    return "-".join(part for part in slug.split("-") if part) or "outlet"


COMMANDS.extend([align_command, pair_command, pairs_command, asymmetries_command, outlets_command])
