"""``python -m scheduler.cli``: the ``briefings`` command."""

from __future__ import annotations

from scheduler.cli import main

main()
