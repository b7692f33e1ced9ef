"""Fewer garbage collections while an import runs.

An import allocates a few hundred container objects a page (a parsed transcript, its dicts,
the ORM's states), nearly all freed by reference counting and almost none in cycles. At
CPython's default threshold (700 allocations) the cyclic collector runs about once every
three pages and scans them all the same: 0.12–0.14 ms of CPU a page in the storing process
(measured, 5,000 pages; 0.005 ms at 20,000). Cycles are still collected, only less often.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["IMPORT_THRESHOLD", "fewer_collections"]

IMPORT_THRESHOLD = 20_000  # allocations between two youngest-generation collections


@contextlib.contextmanager
def fewer_collections(threshold: int = IMPORT_THRESHOLD) -> Iterator[None]:
    """The youngest generation's threshold raised to ``threshold`` inside the block (never
    lowered), restored after it."""
    before = gc.get_threshold()
    gc.set_threshold(max(threshold, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
