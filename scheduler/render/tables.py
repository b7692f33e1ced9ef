"""Compact tables for people: one line per row, within 80 columns."""

from __future__ import annotations

from typing import Any

from scheduler.render.terminal import terminal_text


def print_table(
    columns: dict[str, str],
    rows: list[list[Any]],
    *,
    flex: str | None = None,
    title: str | None = None,
    styles: list[str | None] | None = None,
    console: Any = None,
) -> None:
    """Rows as a compact rich table, one line per row: a rule under the headers, one space
    between columns, nothing wrapped, so the usual tables fit 80 columns. ``columns``:
    header → "left" or "right"; ``flex``: the one column (a title) cut with "…" to the room
    the others leave; ``styles``: a style per row or None. A cell is a ``str`` (plain text,
    never markup: titles are scraped) or a ``rich.text.Text`` (styled); control characters
    in either are made visible (``scheduler.render.terminal``)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    names = list(columns)
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [max([len(name), *(row[i].cell_len for row in cells)]) for i, name in enumerate(names)]
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=0, show_edge=False)
    for i, name in enumerate(names):
        room = None
        if name == flex:
            others = sum(w for j, w in enumerate(widths) if j != i) + len(names) - 1
            room = max(console.width - others, len(name), 12)
        table.add_column(
            name,
            justify=columns[name],  # type: ignore[arg-type]
            no_wrap=True,
            overflow="ellipsis",
            max_width=room,
        )
    for n, row in enumerate(cells):
        table.add_row(*row, style=styles[n] if styles else None)
    console.print(table)


def _cell(value: Any) -> Any:
    """A rich Text for one cell, its control characters made visible (a styled cell that
    holds one keeps its style but loses its spans: cells are short)."""
    from rich.text import Text

    if not isinstance(value, Text):
        return Text(terminal_text(value))
    plain = value.plain
    safe = terminal_text(plain)
    return value if safe == plain else Text(safe, style=value.style)
