"""``briefings diff --format html``: one self-contained side-by-side page.

No scripts, no external resources; every scraped string goes through ``html.escape``.
"""

from __future__ import annotations

import html

from scheduler.render.text import change_headline, event_ops
from storage.api import ChangeEvent, ChangeType, Comparison

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;table-layout:fixed}
td,th{border:1px solid #ccc;padding:.5em;vertical-align:top;white-space:pre-wrap;
word-wrap:break-word}
th{background:#f3f3f3;text-align:left}
del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}
.added{background:#f4fff4}.removed{background:#fff4f4}.moved{background:#f4f4ff}
"""


def render_diff_html(comparison: Comparison, *, hidden: int = 0, fold: bool = True) -> str:
    """One self-contained side-by-side page (no scripts, no external resources);
    ``hidden``: how many typography-only edits the caller left out; ``fold``: show the
    typography-only pieces of other edits as kept text."""
    esc = html.escape
    ref = comparison.briefing
    heading = (
        f"{ref.title or 'Briefing'}: version {comparison.from_version} → {comparison.to_version}"
    )
    rows = "\n".join(_html_row(event, fold) for event in comparison.changes)
    # Only web links are made clickable: a stored URL is scraped data too.
    shown = esc(ref.url)
    link = (
        f'<p><a href="{shown}">{shown}</a></p>'
        if ref.url.startswith(("http://", "https://"))
        else f"<p>{shown}</p>"
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{esc(heading)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{esc(heading)}</h1>{link}<p>{esc(comparison.summary())}</p>"
        + (f"<p>{hidden} edit(s) of typography only not shown.</p>" if hidden else "")
        + '<table><colgroup><col style="width:50%"><col style="width:50%"></colgroup>'
        f"<tr><th>version {esc(str(comparison.from_version))}</th>"
        f"<th>version {esc(str(comparison.to_version))}</th></tr>\n{rows}</table></body></html>\n"
    )


def _html_row(event: ChangeEvent, fold: bool) -> str:
    esc = html.escape
    kind = esc(str(event.type))
    head = f'<tr class="{kind}"><th colspan="2">{esc(change_headline(event))}</th></tr>'
    if event.type == ChangeType.MOVED or event.exchange is None:
        return head
    ops = event_ops(event.exchange, fold=fold and not event.cosmetic)
    left = "".join(_html_op(tag, text) for tag, text in ops if tag != "+")
    right = "".join(_html_op(tag, text) for tag, text in ops if tag != "-")
    return f'{head}<tr class="{kind}"><td>{left}</td><td>{right}</td></tr>'


def _html_op(tag: str, text: str) -> str:
    if tag == "=":
        return html.escape(text)
    element = "del" if tag == "-" else "ins"
    return f"<{element}>{html.escape(text)}</{element}>"
