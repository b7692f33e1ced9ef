"""Pieces of the crawl's progress bar (``briefings crawl`` on a terminal)."""

from __future__ import annotations

from typing import Any

from rich.progress import ProgressColumn
from rich.text import Text


class BriefingCountColumn(ProgressColumn):
    """``12/40 briefings`` once the list pages have said how many there are; before the
    first list page is read, ``12 briefings (counting…)``, never ``0/None``."""

    def render(self, task: Any) -> Text:
        done = int(task.completed)
        if task.total is None:
            return Text(f"{done} briefings (counting…)")
        return Text(f"{done}/{int(task.total)} briefings")
