"""The bundle's statements: ``evidence.json`` (for machines) and ``citation.txt`` (for people).

Both are built from the plan (``storage.evidence.plan``), the captures' WARC records and the
versions' exchanges; nothing here reads the database.

Where an exchange sits in an archived page (``exchange_position``): its index among the
version's exchanges, and for its question and answer the character offset in the page as
decoded (``crawler.extract.charset``) and the byte offset in the response payload, found by
searching the first ``SNIPPET`` characters of the text verbatim. Text that the page spells
differently (markup or entities inside it) has no offset (``null``), never a guessed one.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.extract.charset import decode_report
from storage.evidence.plan import Plan, PlannedCapture, Role
from storage.models import Exchange, Version

FORMAT = "briefings-evidence-1"
SNIPPET = 40
QUOTE = 240  # characters of a question quoted in citation.txt


@dataclass(frozen=True, slots=True)
class CaptureRecords:
    """What the bundle's WARC holds for one planned capture."""

    planned: PlannedCapture
    body: bytes | None  # None: the capture stored no body (a failed download)
    kind: str  # "response" (recorded at fetch time), "resource" (older capture) or "none"
    record_ids: tuple[str, ...]
    main_record_id: str
    warc_date: str
    payload_digest: str
    block_digest: str
    record_sha256: str | None  # of the serialized response record, kept at fetch time
    note: str | None


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


# ---------------------------------------------------------------------------- evidence.json


def evidence_json(
    plan: Plan,
    records: list[CaptureRecords],
    exchanges: dict[int, dict[str, Exchange]],
    *,
    created: str,
    software: str,
    witnesses: list[dict[str, Any]],
) -> dict[str, Any]:
    """``exchanges``: per version id, the version's exchanges by uid."""
    numbers = {v.id: v.number for v in plan.versions}
    return {
        "format": FORMAT,
        "created": created,
        "software": software,
        "target": {"kind": str(plan.target.kind), "value": plan.target.value},
        "summary": summary(plan),
        "event": plan.event.to_json() if plan.event else None,
        "briefing": _briefing(plan),
        "exchange": _exchange(plan, exchanges),
        "versions": [_version(v) for v in plan.versions],
        "captures": [_capture(r, plan, exchanges, numbers) for r in records],
        "suspicion_log": [
            {
                "capture_id": r.planned.capture.id,
                "fetched_at": iso(r.planned.capture.fetched_at),
                "outcome": str(r.planned.capture.outcome),
                "reason": r.planned.capture.reason,
            }
            for r in records
            if r.planned.role in (Role.SUSPECT, Role.AFTER, Role.CONFIRMING)
            and r.planned.capture.outcome in ("suspect", "not_transcript", "error")
        ],
        "witnesses": witnesses,
    }


def _briefing(plan: Plan) -> dict[str, Any]:
    b = plan.briefing
    return {
        "id": b.id,
        "url": b.url,
        "source": b.source,
        "language": b.language,
        "held_on": b.held_on.isoformat() if b.held_on else None,
        "title": b.title,
        "status": str(b.status),
        "status_reason": b.status_reason,
        "status_since": iso(b.status_since),
        "first_seen": iso(b.first_seen),
        "locations": sorted(loc.url for loc in b.locations),
    }


def _version(v: Version) -> dict[str, Any]:
    return {
        "number": v.number,
        "content_hash": v.content_hash,
        "parser_version": v.parser_version,
        "cause": str(v.cause),
        "first_seen": iso(v.first_seen),
        "last_seen": iso(v.last_seen),
        "exchange_count": v.exchange_count,
        "capture_id": v.capture_id,
    }


def _exchange(plan: Plan, exchanges: dict[int, dict[str, Exchange]]) -> dict[str, Any] | None:
    uid = plan.exchange_uid
    if uid is None:
        return None
    versions = []
    for version in plan.versions:
        ex = exchanges.get(version.id, {}).get(uid)
        entry: dict[str, Any] = {"version": version.number, "present": ex is not None}
        if ex is not None:
            entry.update(exchange_fields(ex))
        versions.append(entry)
    return {"uid": uid, "versions": versions}


def exchange_fields(ex: Exchange) -> dict[str, Any]:
    return {
        "index": ex.position,
        "kind": ex.kind,
        "asker": ex.asker,
        "answerer": ex.answerer,
        "question": ex.question,
        "answer": ex.answer,
        "follow_up": ex.follow_up,
        "after_conference": ex.after_conference,
        "turns": ex.turns,
    }


def _capture(
    r: CaptureRecords,
    plan: Plan,
    exchanges: dict[int, dict[str, Exchange]],
    numbers: dict[int, int],
) -> dict[str, Any]:
    c = r.planned.capture
    entry: dict[str, Any] = {
        "role": str(r.planned.role),
        "capture_id": c.id,
        "url": c.url,
        "final_url": c.final_url,
        "fetched_at": iso(c.fetched_at),
        "status": c.status_code,
        "outcome": str(c.outcome),
        "reason": c.reason,
        "etag": c.etag,
        "last_modified": c.last_modified,
        "content_type": c.content_type,
        "body_sha256": c.body_sha256,
        "body_bytes": len(r.body) if r.body is not None else None,
        "version": numbers.get(c.version_id or 0),
        "parser_version": c.parser_version,
        "content_hash": c.content_hash,
        "warc": None
        if r.kind == "none"
        else {
            "kind": r.kind,
            "record_ids": list(r.record_ids),
            "main_record_id": r.main_record_id,
            "warc_date": r.warc_date,
            "payload_digest": r.payload_digest,
            "block_digest": r.block_digest,
            "record_sha256_at_fetch": r.record_sha256,
            "note": r.note,
        },
    }
    if plan.exchange_uid is not None and c.version_id and r.body is not None:
        found = exchanges.get(c.version_id, {})
        entry["exchange_position"] = position(
            found.get(plan.exchange_uid), len(found), r.body, c.content_type
        )
    return entry


def position(
    ex: Exchange | None, count: int, body: bytes, content_type: str | None
) -> dict[str, Any]:
    """Where the exchange sits in one archived page (see the module's docstring)."""
    if ex is None:
        return {"present": False, "exchange_count": count}
    decoded = decode_report(body, content_type)
    page = decoded.text
    return {
        "present": True,
        "index": ex.position,
        "exchange_count": count,
        "encoding": decoded.encoding,
        "question": locate(page, decoded.encoding, ex.question),
        "answer": locate(page, decoded.encoding, ex.answer),
    }


def locate(page: str, encoding: str, text: str | None) -> dict[str, Any] | None:
    """Offsets of ``text`` in ``page`` (decoded HTML): of its first and last ``SNIPPET``
    characters, found in the page's text with tags dropped, entities read and whitespace
    collapsed, mapped back to the markup. None when the page does not hold it so."""
    if not text:
        return None
    plain, origin = page_text(page)
    wanted = _collapse(text)
    start = plain.find(wanted[:SNIPPET])
    if start < 0:
        return None
    tail = wanted[-SNIPPET:]
    end = plain.find(tail, start)
    first = origin[start]
    last = origin[end + len(tail) - 1] + 1 if end >= 0 else None
    return {
        "snippet": wanted[:SNIPPET],
        "char_offset": first,
        "end_char_offset": last,
        "byte_offset": _bytes(page, first, encoding),
        "end_byte_offset": _bytes(page, last, encoding) if last is not None else None,
    }


@functools.lru_cache(maxsize=4)  # one page is searched for a question and an answer
def page_text(page: str) -> tuple[str, list[int]]:
    """The page's text (tags dropped, block tags as a space, entities read, whitespace
    collapsed) and, for each of its characters, its offset in ``page``."""
    chars: list[str] = []
    origin: list[int] = []

    def put(char: str, at: int) -> None:
        if char.isspace():
            if not chars or chars[-1] == " ":
                return
            char = " "
        chars.append(char)
        origin.append(at)

    for token in _TOKENS.finditer(page):
        piece, at = token.group(0), token.start()
        if piece.startswith("<") and len(piece) > 1:
            if _BLOCK.match(piece):
                put(" ", at)
        elif piece.startswith("&"):
            for char in html.unescape(piece):
                put(char, at)
        else:
            for offset, char in enumerate(piece):
                put(char, at + offset)
    return "".join(chars), origin


_TOKENS = re.compile(r"<[^>]*>|&#?\w+;|[^<&]+|[<&]")
_BLOCK = re.compile(r"</?(p|br|div|li|td|tr|h[1-6]|table|ul|ol)\b", re.IGNORECASE)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _bytes(page: str, at: int, encoding: str) -> int:
    return len(page[:at].encode(encoding, errors="replace"))


# ---------------------------------------------------------------------------- citation.txt


def summary(plan: Plan) -> str:
    event = plan.event
    title = plan.briefing.title or plan.briefing.url
    if event is None:
        what = f"exchange {plan.exchange_uid}" if plan.exchange_uid else "the briefing"
        return f"Snapshot of {what} in “{title}” as archived"
    if event.exchange is not None:
        who = event.exchange.asker or "an unnamed asker"
        return (
            f"Exchange {event.type}: the question of {who} in “{title}”, "
            f"version {event.from_version} → {event.to_version}"
        )
    return f"Briefing {event.type.replace('briefing-', '')}: “{title}”"


def citation_text(doc: dict[str, Any], datapackage_sha256: str | None = None) -> str:
    lines = [
        "Evidence bundle from the briefings archive",
        f"Created {doc['created']} by {doc['software']}",
        "",
        doc["summary"],
        "",
    ]
    briefing = doc["briefing"]
    lines += [
        f"Briefing: {briefing['title'] or '(untitled)'} ({briefing['source']}, "
        f"held on {briefing['held_on'] or 'unknown date'})",
        f"  at {briefing['url']}",
        f"  status now: {briefing['status']}"
        + (f" ({briefing['status_reason']})" if briefing["status_reason"] else ""),
    ]
    event = doc["event"]
    if event is not None:
        lines.append(
            f"Change event {event['id']}: {event['type']}, detected {event['detected_at']}"
        )
        ex = event.get("exchange")
        if ex is not None:
            lines += _quoted_exchange(ex)
    lines += ["", "What was fetched, when, and what it held (UTC):"]
    for capture in doc["captures"]:
        lines += _capture_lines(capture)
    lines += [
        "",
        "How to check it:",
        "  Every file of this bundle is listed with its SHA-256 in datapackage.json, whose own",
        "  SHA-256 is in datapackage-digest.json (with a signature if the bundle was signed).",
        "  The WARC records in archive/ carry WARC-Payload-Digest and WARC-Block-Digest; the",
        "  payload digest of each response is the SHA-256 of the page body as fetched.",
        "  Run: briefings evidence verify FILE.wacz  (or warcio check archive/data.warc.gz).",
    ]
    return "\n".join(lines) + "\n"


def _quoted_exchange(ex: dict[str, Any]) -> list[str]:
    lines = [
        f"  exchange {ex['id']}: asked by {ex['asker'] or '(unnamed)'}, "
        f"answered by {ex['answerer'] or '(unnamed)'}"
    ]
    for label, text in (("before", ex.get("before")), ("after", ex.get("after"))):
        if text:
            short = text if len(text) <= QUOTE else text[:QUOTE] + "…"
            lines.append(f"  {label}: “{short}”")
    return lines


def _capture_lines(capture: dict[str, Any]) -> list[str]:
    status = capture["status"] if capture["status"] is not None else "no status"
    version = f", version {capture['version']}" if capture["version"] else ""
    lines = [
        f"  [{capture['role']}] {capture['fetched_at']}  {capture['final_url'] or capture['url']}",
        f"      HTTP {status}, {capture['outcome']}{version}"
        + (f" ({capture['reason']})" if capture["reason"] else ""),
        f"      body sha256 {capture['body_sha256']} ({capture['body_bytes']} bytes)"
        if capture["body_sha256"]
        else "      no body stored",
    ]
    if capture["warc"] is not None:
        lines.append(
            f"      WARC {capture['warc']['kind']} record {capture['warc']['main_record_id']}"
        )
    where = capture.get("exchange_position")
    if where is not None:
        if where["present"]:
            lines.append(
                f"      the exchange is number {where['index'] + 1} of {where['exchange_count']}"
                + _offset(where.get("question"))
            )
        else:
            lines.append(f"      the exchange is absent ({where['exchange_count']} exchanges)")
    return lines


def _offset(found: dict[str, Any] | None) -> str:
    if not found:
        return ""
    end = found.get("end_byte_offset")
    span = f"–{end}" if end is not None else ""
    return f"; its question is at bytes {found['byte_offset']}{span} of the body"
