"""Writing versions: a version row with its exchanges, and the change events between two
versions of one location's line.

``insert_version`` writes a version (its exchanges in bulk, uids given by the caller);
``diff_for`` computes what changed between two versions and hands the new one its uids;
``write_events`` stores those changes as ``change_event`` rows, each classified cosmetic or
substantive (``storage.cosmetic``) and bounded by the observed times of the two versions.
``reread_page`` parses a version's stored page again with the current parser. The caller
(``storage.capture``, ``storage.reparse``) holds the transaction and the briefing's lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, bindparam, insert, select
from sqlalchemy.orm import Session

from crawler.schema import content_hash
from storage import ftsindex, rawstore
from storage.cosmetic import is_cosmetic_edit
from storage.diff import ExchangeChange, VersionDiff, diff_exchanges, exchange_fingerprint, new_uid
from storage.enums import ChangeType, VersionCause
from storage.models import Capture, ChangeEvent, Exchange, Version, table_of

CHANGE_EVENT_FIELDS = (
    "type",
    "exchange_uid",
    "index_before",
    "index_after",
    "asker",
    "answerer",
    "fields",
    "before",
    "after",
    "detail",
)
# Core tables: bulk inserts skip the ORM's unit of work.
VERSION = table_of(Version)
EXCHANGE = table_of(Exchange)
CHANGE_EVENT = table_of(ChangeEvent)

# Statements built once, executed with parameters.
INSERT_VERSION = insert(VERSION)
# RETURNING makes SQLAlchemy send the rows as one multi-row INSERT ("insertmanyvalues")
# instead of one INSERT per row, and hands back the ids the search index is written for at
# commit (``storage.ftsindex``: one FTS5 statement per transaction, not per version).
# Each id comes back with its row's position, not in the rows' order: the search index
# routes each row by its text, and asking SQLAlchemy to sort the ids
# (``sort_by_parameter_order``) makes it send SQLite one INSERT per row (measured: 13
# statements a page instead of 1).
INSERT_EXCHANGES = insert(EXCHANGE).returning(EXCHANGE.c.id, EXCHANGE.c.position)
INSERT_EVENTS = insert(CHANGE_EVENT)
EXCHANGE_UIDS = (
    select(EXCHANGE.c.uid)
    .where(EXCHANGE.c.version_id == bindparam("version_id"))
    .order_by(EXCHANGE.c.position)
)


@dataclass(frozen=True, slots=True)
class VersionRef:
    """A version written by ``insert_version`` (its row is in the database, not the ORM)."""

    id: int
    number: int


def stored_uids(conn: Connection, version: Version) -> list[str]:
    return list(conn.scalars(EXCHANGE_UIDS, {"version_id": version.id}))


def exchanges_of(version: Version) -> list[dict[str, Any]]:
    return list((version.data or {}).get("exchanges") or [])


def diff_for(
    conn: Connection,
    exchanges: list[dict[str, Any]],
    before: Version | None,
    after: Version | None = None,
) -> VersionDiff:
    """What changed from ``before`` to the new ``exchanges``, and the new exchanges' uids.

    Exchanges matched to ``before`` keep its uids. With ``after`` (the new version is put
    between two versions of a line, out of order), exchanges ``before`` does not have but
    ``after`` has take ``after``'s uids, so the exchange is one exchange across the line.
    """
    if before is None and after is None:
        uids = [new_uid() for _ in exchanges]
        return VersionDiff(uids_after=uids, changes=[])
    if before is None:
        assert after is not None
        reverse = diff_exchanges(exchanges_of(after), exchanges, stored_uids(conn, after))
        return VersionDiff(uids_after=list(reverse.uids_after), changes=[])
    result = diff_exchanges(exchanges_of(before), exchanges, stored_uids(conn, before))
    if after is not None:
        result = _borrow_uids(conn, result, exchanges, before, after)
    return result


def _borrow_uids(
    conn: Connection,
    result: VersionDiff,
    exchanges: list[dict[str, Any]],
    before: Version,
    after: Version,
) -> VersionDiff:
    """Exchanges new since ``before`` take the uid ``after`` gave them, where it has them."""
    inherited = set(stored_uids(conn, before))
    later_uids = stored_uids(conn, after)
    later = diff_exchanges(exchanges_of(after), exchanges, later_uids)
    used = {uid for uid in result.uids_after if uid in inherited}
    uids = []
    for i, uid in enumerate(result.uids_after):
        borrowed = later.uids_after[i]
        if uid not in inherited and borrowed in later_uids and borrowed not in used:
            uid = borrowed
            used.add(uid)
        uids.append(uid)
    changes = [_renamed(change, result.uids_after, uids) for change in result.changes]
    return VersionDiff(uids_after=uids, changes=changes)


def _renamed(change: ExchangeChange, old: list[str], new: list[str]) -> ExchangeChange:
    if change.index_after is not None and change.exchange_id == old[change.index_after]:
        change.exchange_id = new[change.index_after]
    return change


def insert_version(
    session: Session,
    *,
    briefing_id: int,
    location_id: int | None,
    number: int,
    data: dict[str, Any],
    uids: Sequence[str],
    cause: VersionCause,
    parser_version: str,
    capture_id: int | None,
    observed: datetime,
    content: str | None = None,
    fingerprints: Sequence[str] | None = None,
    is_latest: bool = False,
    replaced_chars: int = 0,
) -> VersionRef:
    """A version row and its exchange rows. ``is_latest`` is set by the caller's choice of
    the briefing's current version (``storage.timeline.refresh_current``)."""
    conn = session.connection()
    exchanges = list(data.get("exchanges") or [])
    version_id = inserted_id(
        conn.execute(
            INSERT_VERSION,
            {
                "briefing_id": briefing_id,
                "location_id": location_id,
                "number": number,
                "content_hash": content or content_hash(data),
                "parser_version": parser_version,
                "cause": cause,
                "data": data,
                "exchange_count": len(exchanges),
                "is_latest": is_latest,
                "first_seen": observed,
                "last_seen": observed,
                "capture_id": capture_id,
                "replaced_chars": replaced_chars,
            },
        )
    )
    version = VersionRef(id=version_id, number=number)
    if exchanges:
        if fingerprints is None:
            fingerprints = [exchange_fingerprint(ex) for ex in exchanges]
        rows = exchange_rows(version, briefing_id, exchanges, list(uids), fingerprints)
        at = {row["position"]: row for row in rows}
        ids = conn.execute(INSERT_EXCHANGES, rows).all()
        texts = [(at[position]["question"], at[position]["answer"]) for _, position in ids]
        ftsindex.note(session, [row_id for row_id, _ in ids], texts)
    return version


@dataclass(frozen=True, slots=True)
class EventContext:
    """What every event of one step of a line shares."""

    briefing_id: int
    location_id: int | None
    from_version: int | None
    to_version: int | None
    cause: VersionCause
    capture_id: int | None
    detected_at: datetime
    observed_after: datetime | None
    observed_before: datetime | None


def write_events(conn: Connection, changes: Sequence[ExchangeChange], context: EventContext) -> int:
    """The exchange-level changes of one step as change events; returns how many."""
    rows = [change_event_row(change, context) for change in changes]
    if rows:
        conn.execute(INSERT_EVENTS, rows)
    return len(rows)


def write_event(
    conn: Connection,
    type_: ChangeType,
    context: EventContext,
    *,
    detail: dict[str, Any],
    cosmetic: bool = False,
) -> None:
    """One briefing- or location-level event (no exchange)."""
    row: dict[str, Any] = dict.fromkeys(CHANGE_EVENT_FIELDS)
    row.update(type=type_, detail=detail)
    conn.execute(INSERT_EVENTS, _with_context(row, context, cosmetic=cosmetic))


def change_event_row(change: ExchangeChange, context: EventContext) -> dict[str, Any]:
    row = change.as_row()
    event = {key: row.get(key) for key in CHANGE_EVENT_FIELDS}
    cosmetic = (
        change.type == ChangeType.EDITED
        and change.before is not None
        and change.after is not None
        and is_cosmetic_edit(change.before, change.after)
    )
    return _with_context(event, context, cosmetic=cosmetic)


def _with_context(row: dict[str, Any], context: EventContext, *, cosmetic: bool) -> dict[str, Any]:
    row.update(
        briefing_id=context.briefing_id,
        location_id=context.location_id,
        from_version=context.from_version,
        to_version=context.to_version,
        cause=context.cause,
        capture_id=context.capture_id,
        detected_at=context.detected_at,
        observed_after=context.observed_after,
        observed_before=context.observed_before,
        cosmetic=cosmetic,
        suppressed=None,
    )
    return row


def reread_page(session: Session, version: Version, source: str) -> dict[str, Any] | None:
    """``version``'s stored page parsed again by the current parser (None: no stored page,
    or the parser no longer reads it as a transcript)."""
    from crawler.extract import parse_html  # pure parsing code: no Scrapy, no reactor

    capture = session.get(Capture, version.capture_id) if version.capture_id else None
    if capture is None or capture.body_sha256 is None:
        return None
    body = rawstore.get(session, capture.body_sha256)
    url = capture.final_url or capture.url
    try:
        return parse_html(body, url, source=source, content_type=capture.content_type).to_dict()
    except Exception:  # NotATranscript, or a parser bug: nothing to catch up with
        return None


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an ``INSERT`` just wrote."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def exchange_rows(
    version: VersionRef,
    briefing_id: int,
    exchanges: list[dict[str, Any]],
    uids: list[str],
    fingerprints: Sequence[str],
) -> list[dict[str, Any]]:
    return [
        {
            "version_id": version.id,
            "briefing_id": briefing_id,
            "position": ex.get("index", position),
            "uid": uid,
            "fingerprint": fingerprint,
            "kind": ex.get("kind") or "qa",
            "asker": ex.get("asker"),
            "question": ex.get("question"),
            "answerer": ex.get("answerer"),
            "answer": ex.get("answer"),
            "follow_up": bool(ex.get("follow_up")),
            "after_conference": bool(ex.get("after_conference")),
            "turns": ex.get("turns") or [],
        }
        for position, (ex, uid, fingerprint) in enumerate(
            zip(exchanges, uids, fingerprints, strict=True)
        )
    ]
