"""Scraped text made harmless for a terminal: the one helper every text renderer uses.

The parser drops control characters from text (``crawler.extract.text``), but text stored
earlier (older parser versions, imported archives, a future parser bug) can still hold terminal escape
sequences: an OSC window title, a screen clear, SGR colours, an OSC 8 hyperlink, a bare
C1 CSI. Printed raw, they take over the user's terminal. Every text renderer (``show``,
``history``, ``changes``, ``diff``, ``search``, ``list``, ``runs``, ``stats``, the align
views, the tables) passes what it prints through :func:`terminal_safe`, which makes each
control character *visible* instead of dropping it, so a journalist sees that the page
carried one:

- C0 controls other than newline and tab, and DEL, become their Unicode Control Pictures
  (``\\x1b`` → ``␛``, ``\\x07`` → ``␇``, ``\\r`` → ``␍``, ``\\x7f`` → ``␡``): one column each,
  so tables keep their width;
- C1 controls (U+0080–U+009F, e.g. the 8-bit CSI U+009B) have no picture and become the
  four characters ``\\x9b``.

Our own styling (click.style, rich styles) is added after this, so it is unaffected.
JSON output (``--json``) is not touched: JSON escapes C0 itself and is for machines.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from typing import Any, TypeVar

T = TypeVar("T")

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}"


def terminal_text(text: str) -> str:
    """``text`` with every control but newline and tab made visible (see the module)."""
    return _CONTROLS.sub(_visible, text) if _CONTROLS.search(text) else text


def terminal_safe(value: T) -> T:
    """``value`` with :func:`terminal_text` applied to every string in it: strings, lists,
    tuples, dicts (keys and values) and dataclasses (the archive API's result types), nested
    to any depth; anything else (numbers, dates, enums) is returned as it is."""
    return _safe(value)  # type: ignore[no-any-return]


def _safe(value: Any) -> Any:
    if isinstance(value, enum.Enum):  # StrEnum members are str: keep the member
        return value
    if isinstance(value, str):
        return terminal_text(value)
    if isinstance(value, list):
        return [_safe(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_safe(v) for v in value)
    if isinstance(value, dict):
        return {_safe(k): _safe(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _safe(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    return value
