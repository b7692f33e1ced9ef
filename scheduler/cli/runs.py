"""``briefings runs``: the crawl run history, judged from crawl stats."""

from __future__ import annotations

from typing import Any

import click

from scheduler.cli.options import db_option, echo_json, json_option, open_archive
from scheduler.render.tables import print_table
from scheduler.render.terminal import terminal_safe


@click.command("runs")
@click.option("--source", default=None, help="Only runs of this source (e.g. mfa-en).")
@click.option("--failed", is_flag=True, help="Only failed runs.")
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many."
)
@json_option
@db_option
def runs(source: str | None, failed: bool, limit: int, as_json: bool, db_url: str | None) -> None:
    """The crawl run history, newest first: status, duration and what each run found.

    \b
    Examples:
      briefings runs
      briefings runs --source mfa-zh --failed --limit 5
      briefings runs --json | jq '.[0].status'
    """
    with open_archive(db_url) as archive:
        records = archive.runs(source=source, failed=failed, limit=limit)
    rows = [record.to_json() for record in records]
    if as_json:
        echo_json(rows)
        return
    _print_runs(terminal_safe(rows))


def _print_runs(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    if not rows:
        console.print("no runs")
        return
    columns = {"id": "right", "source": "left", "kind": "left", "started": "left"}
    columns |= {"took": "right", "status": "left", "reason": "left", "req": "right"}
    columns |= {"new": "right", "rev": "right", "same": "right", "err": "right"}
    cells = [
        [
            str(row["id"]),
            row["source"],
            row["kind"],
            (row["started_at"] or "")[5:16].replace("T", " "),
            _took(row["duration_seconds"]),
            row["status"],
            row["finish_reason"] or "",
            *(str(row[k]) for k in ("requests", "new", "revised", "unchanged", "errors")),
        ]
        for row in rows
    ]
    styles = ["red" if row["status"] == "failed" else None for row in rows]
    print_table(columns, cells, title="crawl runs (UTC)", styles=styles, console=console)
    for row in rows:  # the judged reason of each failure, in full, under the table
        if row["status"] == "failed" and row["error"]:
            # Text, not markup: a failure reason can quote a scraped URL or page.
            console.print(Text(f"run {row['id']} failed: {row['error']}", style="red"))
    for row in rows:  # what each run left alone (80 columns leave no room in the table)
        left_alone = _left_alone(row)
        if left_alone:
            line = Text(f"run {row['id']} {row['source']}: {left_alone}")
            console.print(line, soft_wrap=True)


def _left_alone(row: dict[str, Any]) -> str:
    """``2 suspect; 173 list items not crawled: not a regular press conference ...``."""
    parts = [f"{row['suspect']} suspect"] if row.get("suspect") else []
    reasons = row.get("skip_reasons") or {}
    if reasons:
        total = sum(reasons.values())
        why = "; ".join(f"{n} {reason}" for reason, n in reasons.items())
        parts.append(f"{total} list item(s) not crawled ({why})")
    return "; ".join(parts)


def _took(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.0f}s" if seconds < 100 else f"{seconds / 60:.0f}m"


COMMANDS = [runs]
