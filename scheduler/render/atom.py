"""Change events as an Atom 1.0 feed (``changes --format atom``, the notifier's Atom file).

Built with ElementTree (which escapes) after dropping characters XML 1.0 cannot carry.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime

from scheduler.render.text import event_headline
from storage.api import ChangeEvent, ChangeType

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ID = "tag:briefings,2026:changes"
# Characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def event_atom_id(event_id: int | None) -> str:
    return f"tag:briefings,2026:event/{event_id}"


def render_atom(
    events: Iterable[ChangeEvent],
    *,
    title: str = "briefings: changes",
    feed_id: str = FEED_ID,
    updated: datetime | None = None,
    link: str | None = None,
) -> str:
    """An Atom 1.0 feed, one entry per change event, ids stable across runs."""
    events = list(events)
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    stamps = [e.detected_at for e in events if e.detected_at is not None]
    newest = max(stamps, default=None)
    _sub(feed, "updated", _atom_time(updated or newest or datetime.now(UTC)))
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _sub(author, "name", "briefings")
    _sub(feed, "generator", "briefings")
    if link:
        ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", href=_clean(link))
    for event in events:
        _atom_entry(feed, event)
    body = ET.tostring(feed, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


def _atom_entry(feed: ET.Element, event: ChangeEvent) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    _sub(entry, "id", event_atom_id(event.id))
    _sub(entry, "title", event_headline(event))
    _sub(entry, "updated", _atom_time(event.detected_at or datetime.now(UTC)))
    href = _clean(event.briefing.url)
    ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", href=href)
    ET.SubElement(entry, f"{{{ATOM_NS}}}category", term=_clean(str(event.type)))
    _sub(entry, "content", _atom_content(event), type="text")


def _atom_content(event: ChangeEvent) -> str:
    parts = [event_headline(event), f"Briefing {event.briefing.id}: {event.briefing.url}"]
    exchange = event.exchange
    if exchange is not None:
        if exchange.before and event.type != ChangeType.ADDED:
            parts.append(f"Before:\n{exchange.before}")
        if exchange.after and event.type not in (ChangeType.REMOVED, ChangeType.MOVED):
            parts.append(f"After:\n{exchange.after}")
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
