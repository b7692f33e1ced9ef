"""Re-run the current parser over the stored raw bodies.

For each briefing, the body of its latest good page capture is parsed again; output that
differs from the latest version becomes a new version with ``cause="parser"``, and its
change events carry ``cause="parser"`` too, so a parser improvement is never reported as an
edit by the ministry (the change ledger shows cause "page" by default).

Idempotent (a second run finds nothing to change) and safe to kill at any moment: each
briefing is one transaction, and a killed run leaves its crawl_run row "running" until
``Archive.mark_stale_runs`` marks it failed. The run is judged like any crawl run, by
``storage.runs.judge_run`` from its stats.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.schema import content_hash
from storage import rawstore, timeline
from storage.enums import RunKind, VersionCause
from storage.models import Briefing, Capture, Version
from storage.types import utcnow
from storage.versions import EventContext, VersionRef, diff_for, insert_version, write_events

if TYPE_CHECKING:
    from storage.api import Archive

# parse(body, url, source=..., content_type=...) -> schema Briefing object or dict
ParseFn = Callable[..., Any]


@dataclass
class ReparseSummary:
    checked: int = 0
    changed: int = 0
    failed: int = 0
    skipped: int = 0  # no stored body to parse
    run_id: int | None = None
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "checked": self.checked,
            "changed": self.changed,
            "failed": self.failed,
            "skipped": self.skipped,
            "failures": self.failures,
        }

    def stats(self) -> dict[str, Any]:
        """The run's stats, judged like a crawl's (``storage.runs.judge_run``)."""
        return {
            "briefings/checked": self.checked,
            "briefings/reparsed": self.changed,
            "briefings/error": self.failed,
            "briefings/skipped": self.skipped,
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
        }


def default_parse() -> tuple[ParseFn, str]:
    from crawler.extract import PARSER_VERSION, parse_html

    return parse_html, PARSER_VERSION


def reparse(
    archive: Archive,
    source: str | None = None,
    *,
    parse: ParseFn | None = None,
    parser_version: str | None = None,
) -> ReparseSummary:
    """Reparse every briefing (of ``source``); see the module docstring."""
    if parse is None:
        parse, default_version = default_parse()
        parser_version = parser_version or default_version
    parser_version = parser_version or "unknown"
    archive.mark_stale_runs()  # a reparse (or crawl) killed earlier: its row says "running"
    summary = ReparseSummary(run_id=archive.start_run(source or "all", kind=RunKind.REPARSE))
    query = select(Briefing.id).order_by(Briefing.id)
    if source:
        query = query.where(Briefing.source == source)
    with archive.transaction() as session:
        ids = list(session.scalars(query))
    for briefing_id in ids:
        with archive.transaction() as session:
            _reparse_one(session, briefing_id, parse, parser_version, summary)
    assert summary.run_id is not None
    archive.finish_run(summary.run_id, stats=summary.stats(), finish_reason="finished")
    return summary


def _reparse_one(
    session: Session, briefing_id: int, parse: ParseFn, parser_version: str, summary: ReparseSummary
) -> None:
    """Each location's latest version, read again from the page it was read from."""
    briefing = session.get(Briefing, briefing_id, with_for_update=True)
    if briefing is None:
        summary.skipped += 1
        return
    # Each location's latest version, once: a location that started from another's
    # version (the same text at another URL) shares it, and one re-read serves both.
    latest_by_id = {
        version.id: version
        for location in timeline.briefing_locations(session, briefing_id)
        if (version := timeline.latest_of_line(session, location)) is not None
    }
    latest_versions = list(latest_by_id.values())
    if not latest_versions:  # versions from before location lines: the current one
        current = session.scalar(
            select(Version).where(Version.briefing_id == briefing_id, Version.is_latest)
        )
        latest_versions = [current] if current is not None else []
    pages = [
        (version, capture)
        for version in latest_versions
        if (capture := _page_of(session, version)) is not None
    ]
    if not pages:
        summary.skipped += 1
        return
    summary.checked += 1
    changed = False
    for version, capture in pages:
        assert capture.body_sha256 is not None
        body = rawstore.get(session, capture.body_sha256)
        url = capture.final_url or capture.url
        try:
            parsed = parse(body, url, source=briefing.source, content_type=capture.content_type)
        except Exception as exc:  # a parser that rejects or crashes on a stored page: report it
            summary.failed += 1
            summary.failures.append(f"briefing {briefing_id}: {type(exc).__name__}: {exc}")
            return
        data = parsed.to_dict() if hasattr(parsed, "to_dict") else dict(parsed)
        if content_hash(data) == version.content_hash:
            version.parser_version = parser_version  # checked: this parser reads it the same
            continue
        write_parser_version(session, briefing, version, data, parser_version, now=utcnow())
        changed = True
    summary.changed += int(changed)


def _page_of(session: Session, version: Version) -> Capture | None:
    """The capture a version was read from, when its page is stored."""
    capture = session.get(Capture, version.capture_id) if version.capture_id else None
    if capture is None or capture.body_sha256 is None:
        return None
    return capture


def write_parser_version(
    session: Session,
    briefing: Briefing,
    version: Version,
    data: dict[str, Any],
    parser_version: str,
    *,
    now: datetime,
) -> VersionRef:
    """What a newer parser reads on ``version``'s page, as the next version of its line,
    with cause "parser" (and its events too): never an edit by the ministry."""
    conn = session.connection()
    exchanges = list(data.get("exchanges") or [])
    diff = diff_for(conn, exchanges, version)
    observed = max(now, version.last_seen)
    ref = insert_version(
        session,
        briefing_id=briefing.id,
        location_id=version.location_id,
        number=timeline.next_number(session, briefing.id),
        data=data,
        uids=diff.uids_after,
        cause=VersionCause.PARSER,
        parser_version=parser_version,
        capture_id=version.capture_id,
        observed=observed,
        replaced_chars=version.replaced_chars,
    )
    context = EventContext(
        briefing_id=briefing.id,
        location_id=version.location_id,
        from_version=version.number,
        to_version=ref.number,
        cause=VersionCause.PARSER,
        capture_id=version.capture_id,
        detected_at=now,
        observed_after=None,
        observed_before=observed,
    )
    write_events(conn, diff.changes, context)
    # Locations that started from ``version`` and have no version of their own serve the
    # same page text: they now start from its new reading.
    session.flush()
    for location in timeline.briefing_locations(session, briefing.id):
        if location.base_version_id == version.id and location.id != version.location_id:
            own = timeline.line(session, location)
            if own and own[-1].id == version.id:
                location.base_version_id = ref.id
    timeline.refresh_current(session, briefing)
    return ref
