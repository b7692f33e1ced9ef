"""Edits of mirrored pages, as the ministry's servers make them (for the loopback site)."""

from __future__ import annotations

import re

RELATED_LIST = '<ul id="id_RelNewsList_li">'


def remove_exchange(html: str, marker: str) -> str:
    """Drop the question paragraph containing ``marker`` and its answer paragraphs (up to the
    next bold question paragraph)."""
    lines = html.split("\n")
    start = next(i for i, line in enumerate(lines) if marker in line and "<P" in line)
    end = start + 1
    while end < len(lines) and "<B>" not in lines[end] and lines[end].lstrip().startswith("<P"):
        end += 1
    return "\n".join(lines[:start] + lines[end:])


def with_antibot_cookie(html: str, value: str) -> str:
    """The anti-bot script the site injects into every response, with a fresh cookie value."""
    script = (
        f'<script type="text/javascript">document.cookie="__jsl_clearance_s={value};'
        f'max-age=3600;path=/";</script>'
    )
    hidden = f'<input type="hidden" id="__jsluid_s" value="{value}">'
    html = re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + script, html, count=1, flags=re.I)
    return re.sub(r"(</body>)", lambda m: hidden + m.group(1), html, count=1, flags=re.I)


def with_more_related_news(html: str, extra: int = 3) -> str:
    """A longer "Related News" list, as when newer briefings are published."""
    items = "".join(
        f'<li><a href="./t99999{i}.shtml" target="_blank">Foreign Ministry Spokesperson\'s '
        f"Regular Press Conference on July {10 + i}, 2020</a></li>\n"
        for i in range(extra)
    )
    assert RELATED_LIST in html
    return html.replace(RELATED_LIST, RELATED_LIST + "\n" + items, 1)
