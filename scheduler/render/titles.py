"""Briefing titles shortened for a table cell (``briefings list``).

Every English title reads ``Foreign Ministry Spokesperson <name>'s Regular Press Conference
on <date>`` and every Chinese one ``<date>外交部发言人<name>主持例行记者会``: cut to 80
columns, each row showed the same boilerplate and nothing that tells them apart. The cell
keeps what differs, the spokesperson and the title's own date (``Zhao Lijian, July 3,
2020``; ``赵立坚 2020年7月3日``), and a word for anything unusual (``Hua Chunying: Daily
Briefing Online, February 6, 2020``; ``…（网上）``). A title of another shape is kept whole,
bar the ``Foreign Ministry Spokesperson`` prefix. ``--json`` keeps the full title.
"""

from __future__ import annotations

import re

_EN_PREFIX = re.compile(r"^\s*Foreign\s+Ministry\s+Spokespersons?\s+", re.IGNORECASE)
_EN_SHAPE = re.compile(r"^(?P<who>.+?)['’]s\s+(?P<what>.+?)\s+on\s+(?P<date>.+?)\s*$")
_EN_PLAIN = re.compile(r"^regular\s+press\s+conference$", re.IGNORECASE)
_ZH_SHAPE = re.compile(
    r"^\s*(?P<date>\d{4}年\d{1,2}月\d{1,2}日)?\s*外交部发言人(?P<who>.+?)"
    r"主持(?P<online>网上)?例行记者会\s*$"
)


def short_title(title: str) -> str:
    """What tells one briefing's title from the others' (see the module)."""
    zh = _ZH_SHAPE.match(title)
    if zh:
        who = zh["who"] + ("（网上）" if zh["online"] else "")
        return f"{who} {zh['date']}" if zh["date"] else who
    rest = _EN_PREFIX.sub("", title, count=1)
    if rest == title:
        return title
    en = _EN_SHAPE.match(rest)
    if en is None:
        return rest
    if _EN_PLAIN.match(en["what"]):
        return f"{en['who']}, {en['date']}"
    return f"{en['who']}: {en['what']}, {en['date']}"
