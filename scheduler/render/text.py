"""Change events and diffs as text: headlines, word diffs, the ledger (optionally coloured).

Used by ``briefings diff`` / ``changes``, the notifier's e-mails and the Atom feed's entry
titles, so an event reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

from scheduler.render.terminal import terminal_safe
from storage.api import ChangeEvent, ChangeType, Comparison, ExchangeRef, VersionCause

Op = list[str]

# Unchanged text kept around each change in text output; the rest is elided.
TEXT_CONTEXT = 160
BRIEFING_EVENT_LABELS = {
    ChangeType.BRIEFING_REMOVED: "Briefing removed",
    ChangeType.RESTORED: "Briefing restored",
    ChangeType.BRIEFING_MOVED: "Briefing moved",
    ChangeType.REPUBLISHED: "Briefing republished",
    ChangeType.LOCATION_REMOVED: "One copy removed",
    ChangeType.LOCATION_RESTORED: "One copy restored",
    ChangeType.UNSTABLE: "Page unstable",
    ChangeType.STABILIZED: "Page stable again",
}


# --- one-line descriptions ------------------------------------------------------------


def who(asker: str | None, answerer: str | None) -> str:
    if asker and answerer:
        return f"{asker} → {answerer}"
    return asker or answerer or "unattributed"


def positions(kind: str, before: int | None, after: int | None) -> str:
    if after is None:
        return f"#{before}"
    if before is None or before == after:
        return f"#{after}"
    return f"#{after} (was #{before})" if kind != ChangeType.MOVED else f"#{before} → #{after}"


def change_headline(event: ChangeEvent) -> str:
    """``edited #5 (was #4) Reuters → Mao Ning [answer]`` (within one briefing)."""
    exchange = event.exchange
    if exchange is None:
        label = BRIEFING_EVENT_LABELS.get(event.type, str(event.type))
        what = briefing_event_detail(event)
        return f"{label}{': ' + what if what else ''}"
    where = positions(event.type, exchange.index_before, exchange.index_after)
    fields = f" [{', '.join(exchange.fields)}]" if exchange.fields else ""
    cosmetic = " (typography only)" if event.cosmetic else ""
    return f"{event.type} {where} {who(exchange.asker, exchange.answerer)}{fields}{cosmetic}"


def briefing_event_detail(event: ChangeEvent) -> str:
    """What a briefing- or location-level event says beyond its type, in a few words."""
    detail = event.detail
    if event.type == ChangeType.REPUBLISHED:
        typography = " (typography only)" if detail.get("cosmetic_only") else ""
        return f"at {detail.get('url')}: {detail.get('summary')}{typography}"
    if event.type == ChangeType.BRIEFING_MOVED:
        return f"{detail.get('from')} → {detail.get('to')}"
    if event.type == ChangeType.UNSTABLE:
        variants = " and ".join(f"v{n}" for n in detail.get("variants") or ())
        return f"{detail.get('url')} serves {variants} in turn"
    if event.type == ChangeType.STABILIZED:
        return f"{detail.get('url')} settled on v{detail.get('settled_on')}"
    if "url" in detail:
        reason = f" ({detail['reason']})" if detail.get("reason") else ""
        return f"{detail['url']}{reason}"
    return ""


def when(event: ChangeEvent) -> str:
    """``2026-11-27 10:00``, or ``between 2020-03-05 09:00 and 2020-03-09 11:00`` when the
    change was seen in history and only its bounds are known."""
    before = event.observed_before or event.detected_at
    if event.observed_after is not None and before is not None:
        gap = before - event.observed_after
        if gap.total_seconds() > 36 * 3600:  # more than a revisit apart: say the window
            return f"between {_stamp(event.observed_after)} and {_stamp(before)}"
    return _stamp(before)


def _stamp(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def event_headline(event: ChangeEvent) -> str:
    """One sentence naming what happened, to which exchange, in which briefing."""
    briefing = event.briefing.title or event.briefing.url
    held = f" ({event.briefing.held_on.isoformat()})" if event.briefing.held_on else ""
    exchange = event.exchange
    if exchange is None:
        label = BRIEFING_EVENT_LABELS.get(event.type, str(event.type))
        what = briefing_event_detail(event)
        suffix = f" — {what}" if what and event.type != ChangeType.BRIEFING_REMOVED else ""
        return f"{label}: {briefing}{held}{suffix}"
    where = positions(event.type, exchange.index_before, exchange.index_after)
    fields = f" [{', '.join(exchange.fields)}]" if exchange.fields else ""
    cosmetic = " (typography only)" if event.cosmetic else ""
    return (
        f"Exchange {event.type} {where} {who(exchange.asker, exchange.answerer)}{fields}"
        f"{cosmetic} in {briefing}{held}"
    )


def event_line(event: ChangeEvent) -> str:
    """``edited: mfa-en 2026-11-27: Reuters -> Mao Ning (question, answer)`` (notifications)."""
    ref = event.briefing
    where = f"{ref.source} {ref.held_on.isoformat() if ref.held_on else ref.title or ''}"
    exchange = event.exchange
    speakers = (exchange.asker, exchange.answerer) if exchange else ()
    people = " -> ".join(x for x in speakers if x)
    fields = list(exchange.fields) if exchange else []
    parts = [f"{event.type}: {where.strip()}"]
    if people:
        parts.append(f": {people}")
    if fields:
        parts.append(f"({', '.join(fields)})")
    return " ".join(parts).replace(" : ", ": ")


# --- word diffs -------------------------------------------------------------------------


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
    """Unchanged text between changes, cut to about ``context`` characters on each side of
    the cut. Whitespace next to a change is kept exactly (it separates the words around the
    change); the cuts fall between words, or between CJK characters, never inside a word."""
    if context is None or (first and last) or len(text) <= 2 * context + 5:
        return text
    if first:  # before the first change: only the text leading up to it
        return "… " + text[_word_cut(text, len(text) - context, forward=True) :].lstrip()
    if last:  # after the last change: only the text following it
        return text[: _word_cut(text, context, forward=False)].rstrip() + " …"
    head = text[: _word_cut(text, context, forward=False)].rstrip()
    tail = text[_word_cut(text, len(text) - context, forward=True) :].lstrip()
    return f"{head} … {tail}"


def _is_word_char(char: str) -> bool:
    # Latin letters and digits make words; a cut between two CJK characters is a boundary.
    return char.isalnum() and not _is_cjk(char)


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _word_cut(text: str, at: int, *, forward: bool) -> int:
    """The nearest position to ``at`` that does not split a word: searched towards the
    change (``forward``: the tail's start moves right; else the head's end moves left), and
    the other way only when the whole stretch is one word."""
    at = max(1, min(at, len(text) - 1))
    step = 1 if forward else -1
    for start, direction in ((at, step), (at, -step)):
        i = start
        while 0 < i < len(text):
            if not (_is_word_char(text[i - 1]) and _is_word_char(text[i])):
                return i
            i += direction
    return at


def render_labels_text(values: dict[str, list[Any]], *, color: bool) -> list[str]:
    """``asker: [-AFP-]{+Reuters+}`` lines for changed labels and flags."""
    lines = []
    for name, (old, new) in values.items():
        ops = [["-", _label(old)], ["+", _label(new)]]
        lines.append(f"{name}: {render_ops_text(ops, color=color, context=None)}")
    return lines


def _label(value: object) -> str:
    if value is None:
        return "(none)"
    return str(value).lower() if isinstance(value, bool) else str(value)


def event_ops(exchange: ExchangeRef, *, fold: bool = True) -> list[Op]:
    """The exchange's word diff; ``fold``: typography-only pieces shown as kept text."""
    from storage.api import fold_typography, word_diff

    if exchange.word_diff:
        ops = [list(op) for op in exchange.word_diff]
    else:
        ops = word_diff(exchange.before, exchange.after)
    return fold_typography(ops) if fold else ops


def _event_body(
    event: ChangeEvent, *, color: bool, always_text: bool, fold: bool = True
) -> list[str]:
    exchange = event.exchange
    if exchange is None:
        return []
    body = render_labels_text(exchange.values, color=color)
    # A cosmetic event shown on request shows its typography; elsewhere it is folded away.
    ops = event_ops(exchange, fold=fold and not event.cosmetic)
    text_changed = any(tag != "=" for tag, _ in ops)
    if event.type != ChangeType.MOVED and (text_changed or (always_text and not body)):
        body.append(render_ops_text(ops, color=color))
    return body


# --- whole outputs ----------------------------------------------------------------------


def render_diff_text(
    comparison: Comparison, *, color: bool = False, include_cosmetic: bool = True
) -> str:
    """Each changed exchange: a headline, then its word diff (moves show no text).
    Without ``include_cosmetic``, typography-only edits are counted, not shown. Control
    characters in scraped text are made visible (``scheduler.render.terminal``)."""
    comparison = terminal_safe(comparison)
    head = f"version {comparison.from_version} → {comparison.to_version}: {comparison.summary()}"
    blocks = [click.style(head, bold=True) if color else head]
    shown = comparison if include_cosmetic else comparison.substantive()
    hidden = len(comparison.changes) - len(shown.changes)
    if hidden:
        note = (
            f"{hidden} edit(s) of typography only (quotes, dashes, widths, spacing) not shown:"
            " --include-cosmetic shows them"
        )
        if comparison.only_cosmetic:
            note = "Nothing but typography differs. " + note
        blocks.append(note)
    for event in shown.changes:
        headline = change_headline(event)
        blocks.append(click.style(headline, fg="yellow") if color else headline)
        body = _event_body(event, color=color, always_text=True, fold=not include_cosmetic)
        if body:
            blocks.append(_indent("\n".join(body)))
    return "\n\n".join(blocks) + "\n"


def render_ledger_text(
    events: Iterable[ChangeEvent], *, color: bool = False, include_cosmetic: bool = False
) -> str:
    """The ledger as text, control characters in scraped text made visible."""
    lines = []
    for event in terminal_safe(list(events)):
        stamp = when(event)
        cause = " (parser)" if event.cause == VersionCause.PARSER else ""
        head = f"{stamp}  #{event.id}  {event_headline(event)}{cause}"
        lines.append(click.style(head, bold=True) if color else head)
        lines.append(f"  briefing {event.briefing.id}: {event.briefing.url}")
        body = _event_body(event, color=color, always_text=False, fold=not include_cosmetic)
        if body:
            lines.append(_indent("\n".join(body)))
        lines.append("")
    return "\n".join(lines)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.split("\n"))
