"""Renderers for diffs and change events: text (optionally coloured), HTML and Atom.

Everything scraped from a page is untrusted text: the HTML renderer passes every piece of
it through ``html.escape`` and the Atom renderer builds XML with ElementTree (which
escapes) after dropping characters XML 1.0 cannot carry.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime

import click

from storage.changes import ChangeEventView
from storage.diff import ExchangeChange, VersionDiff
from storage.types import utcnow
from storage.worddiff import Op, word_diff

ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- one-line descriptions ------------------------------------------------------------


def _who(asker: str | None, answerer: str | None) -> str:
    if asker and answerer:
        return f"{asker} → {answerer}"
    return asker or answerer or "unattributed"


def change_headline(change: ExchangeChange) -> str:
    """``edited #5 (was #4) Reuters → Mao Ning [answer]``."""
    where = _positions(change.type, change.index_before, change.index_after)
    fields = f" [{', '.join(change.fields)}]" if change.fields else ""
    return f"{change.type} {where} {_who(change.asker, change.answerer)}{fields}"


def _positions(kind: str, before: int | None, after: int | None) -> str:
    if after is None:
        return f"#{before}"
    if before is None or before == after:
        return f"#{after}"
    return f"#{after} (was #{before})" if kind != "moved" else f"#{before} → #{after}"


def event_headline(event: ChangeEventView) -> str:
    """One sentence naming what happened, to which exchange, in which briefing."""
    briefing = event.title or event.briefing_url
    held = f" ({event.held_on.isoformat()})" if event.held_on else ""
    if event.exchange_uid is None:
        label = {
            "briefing-removed": "Briefing removed",
            "restored": "Briefing restored",
            "briefing-moved": "Briefing moved",
        }.get(event.type, event.type)
        return f"{label}: {briefing}{held}"
    who = _who(event.asker, event.answerer)
    where = _positions(event.type, event.index_before, event.index_after)
    fields = f" [{', '.join(event.fields)}]" if event.fields else ""
    return f"Exchange {event.type} {where} {who}{fields} in {briefing}{held}"


# --- text -----------------------------------------------------------------------------


# Unchanged text kept around each change in text output; the rest is elided.
TEXT_CONTEXT = 160


def render_ops_text(ops: list[Op], *, color: bool, context: int | None = TEXT_CONTEXT) -> str:
    """A word diff as text: red/green when coloured, ``[-x-]``/``{+x+}`` markers when not.

    Long unchanged stretches are cut to ``context`` characters next to each change.
    """
    out = []
    for k, (tag, text) in enumerate(ops):
        if tag == "=":
            out.append(_elide(text, context, first=k == 0, last=k == len(ops) - 1))
        elif color:
            fg = "red" if tag == "-" else "green"
            out.append(click.style(text, fg=fg, strikethrough=tag == "-", bold=tag == "+"))
        else:
            out.append(f"[-{text}-]" if tag == "-" else f"{{+{text}+}}")
    return "".join(out)


def _elide(text: str, context: int | None, *, first: bool, last: bool) -> str:
    if context is None or len(text) <= 2 * context + 5:
        return text
    head = "" if first else text[:context]
    tail = "" if last else text[-context:]
    if first and last:
        return text
    return (
        f"{head} … {tail}".strip(" ") if head and tail else (f"{head} …" if head else f"… {tail}")
    )


def render_labels_text(values: dict[str, list], *, color: bool) -> list[str]:
    """``asker: [-AFP-]{+Reuters+}`` lines for changed labels and flags."""
    lines = []
    for name, (old, new) in values.items():
        ops = [["-", _label(old)], ["+", _label(new)]]
        lines.append(f"{name}: {render_ops_text(ops, color=color, context=None)}")
    return lines


def _label(value: object) -> str:
    return (
        "(none)" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    )


def render_diff_text(diff: VersionDiff, *, color: bool = False) -> str:
    """Each changed exchange: a headline, then its word diff (moves show no text)."""
    head = f"version {diff.from_version} → {diff.to_version}: {diff.summary()}"
    blocks = [click.style(head, bold=True) if color else head]
    for change in diff.changes:
        headline = change_headline(change)
        blocks.append(click.style(headline, fg="yellow") if color else headline)
        body = render_labels_text(change.label_changes(), color=color)
        text_changed = any(tag != "=" for tag, _ in change.word_diff)
        if change.type != "moved" and (text_changed or not body):
            body.append(render_ops_text(change.word_diff, color=color))
        if body:
            blocks.append(_indent("\n".join(body)))
    return "\n\n".join(blocks) + "\n"


def render_ledger_text(events: Iterable[ChangeEventView], *, color: bool = False) -> str:
    lines = []
    for event in events:
        stamp = event.detected_at.strftime("%Y-%m-%d %H:%M")
        cause = " (parser)" if event.cause == "parser" else ""
        head = f"{stamp}  #{event.id}  {event_headline(event)}{cause}"
        lines.append(click.style(head, bold=True) if color else head)
        lines.append(f"  briefing {event.briefing_id}: {event.briefing_url}")
        values = (event.detail or {}).get("values") or {}
        body = render_labels_text(values, color=color)
        ops = _event_ops(event)
        if event.type != "moved" and any(tag != "=" for tag, _ in ops):
            body.append(render_ops_text(ops, color=color))
        if body:
            lines.append(_indent("\n".join(body)))
        lines.append("")
    return "\n".join(lines)


def _event_ops(event: ChangeEventView) -> list[Op]:
    return event.word_diff or word_diff(event.before, event.after)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.split("\n"))


# --- html -----------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;table-layout:fixed}
td,th{border:1px solid #ccc;padding:.5em;vertical-align:top;white-space:pre-wrap;
word-wrap:break-word}
th{background:#f3f3f3;text-align:left}
del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}
.added{background:#f4fff4}.removed{background:#fff4f4}.moved{background:#f4f4ff}
"""


def render_diff_html(diff: VersionDiff, *, title: str | None = None, url: str | None = None) -> str:
    """One self-contained side-by-side page (no scripts, no external resources)."""
    esc = html.escape
    heading = f"{title or 'Briefing'}: version {diff.from_version} → {diff.to_version}"
    rows = "\n".join(_html_row(change) for change in diff.changes)
    link = ""
    if url:  # only web links are made clickable: a stored URL is scraped data too
        shown = esc(url)
        link = (
            f'<p><a href="{shown}">{shown}</a></p>'
            if url.startswith(("http://", "https://"))
            else f"<p>{shown}</p>"
        )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{esc(heading)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{esc(heading)}</h1>{link}<p>{esc(diff.summary())}</p>"
        '<table><colgroup><col style="width:50%"><col style="width:50%"></colgroup>'
        f"<tr><th>version {esc(str(diff.from_version))}</th>"
        f"<th>version {esc(str(diff.to_version))}</th></tr>\n{rows}</table></body></html>\n"
    )


def _html_row(change: ExchangeChange) -> str:
    esc = html.escape
    head = (
        f'<tr class="{esc(change.type)}"><th colspan="2">{esc(change_headline(change))}</th></tr>'
    )
    if change.type == "moved":
        return head
    left = "".join(_html_op(tag, text) for tag, text in change.word_diff if tag != "+")
    right = "".join(_html_op(tag, text) for tag, text in change.word_diff if tag != "-")
    return f'{head}<tr class="{esc(change.type)}"><td>{left}</td><td>{right}</td></tr>'


def _html_op(tag: str, text: str) -> str:
    if tag == "=":
        return html.escape(text)
    element = "del" if tag == "-" else "ins"
    return f"<{element}>{html.escape(text)}</{element}>"


# --- atom -----------------------------------------------------------------------------


def event_atom_id(event_id: int) -> str:
    return f"tag:briefings,2026:event/{event_id}"


def render_atom(
    events: Iterable[ChangeEventView],
    *,
    title: str,
    feed_id: str,
    updated: datetime | None = None,
    link: str | None = None,
) -> str:
    """An Atom 1.0 feed, one entry per change event, ids stable across runs."""
    events = list(events)
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    newest = max((e.detected_at for e in events), default=None)
    _sub(feed, "updated", _atom_time(updated or newest or utcnow()))
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _sub(author, "name", "briefings")
    _sub(feed, "generator", "briefings")
    if link:
        ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", href=_clean(link))
    for event in events:
        _atom_entry(feed, event)
    body = ET.tostring(feed, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


def _atom_entry(feed: ET.Element, event: ChangeEventView) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    _sub(entry, "id", event_atom_id(event.id))
    _sub(entry, "title", event_headline(event))
    _sub(entry, "updated", _atom_time(event.detected_at))
    ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", href=_clean(event.briefing_url))
    ET.SubElement(entry, f"{{{ATOM_NS}}}category", term=_clean(event.type))
    _sub(entry, "content", _atom_content(event), type="text")


def _atom_content(event: ChangeEventView) -> str:
    parts = [event_headline(event), f"Briefing {event.briefing_id}: {event.briefing_url}"]
    if event.before and event.type != "added":
        parts.append(f"Before:\n{event.before}")
    if event.after and event.type not in ("removed", "moved"):
        parts.append(f"After:\n{event.after}")
    return "\n\n".join(parts)


def _sub(parent: ET.Element, name: str, text: str, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrib)
    element.text = _clean(text)
    return element


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _atom_time(value: datetime) -> str:
    if value.tzinfo is None:  # stored values are UTC; Atom needs the offset spelled out
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")
