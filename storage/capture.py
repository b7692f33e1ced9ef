"""What one fetch means for the archive: the capture rules.

``CaptureRecorder`` records one fetch (a ``storage.fetch.Fetch``) inside the caller's
transaction: ``BEGIN IMMEDIATE`` on SQLite, and on PostgreSQL the briefing's row locked
``FOR UPDATE`` here before its versions are read. Rules, for a fetch of location L (a URL)
of a briefing B at observed time t:

- 304 → ``not_modified``: L's latest version was seen again; a suspicion of L is cleared.
- a transcript, compared with **L's own line** of versions (``storage.timeline``), at t:
  - the same content as the version observed just before t → ``unchanged`` (seen again),
    or as the one just after t (an older capture arriving late) → ``unchanged`` (seen earlier);
  - content L served just before its latest version, soon after the switch → L is
    *unstable* (``storage.flapping``), no version;
  - otherwise → ``revised``: a new version in L's line at t, with its change events;
    a version put between two others re-links the events around it and renumbers. A
    fetch that lost most exchanges is ``suspect`` until a second identical fetch
    ``confirm_after`` later confirms it.
- a transcript at a URL that is not yet a location of its briefing (found by identity:
  source, language, date, title) → a new location with its own line. Different text while
  another copy lives → one ``republished`` event (the exchange-level diff in its detail),
  never edits; the briefing's current text is the most recently published copy.
- a location that now serves another briefing (another date) → ``suspect``, never merged.
- gone evidence (``crawler.gone``) → L is ``suspect``; a second such fetch ``confirm_after``
  later removes L: ``location-removed`` while another location lives, else
  ``briefing-removed``. Evidence older than L's last good fetch changes nothing.
- other errors → ``error``, never evidence of anything.

The hot paths (a new briefing, an unchanged revisit) stay a handful of statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from crawler.schema import content_hash
from crawler.urls import canonical_url
from storage import identity, rawstore, timeline
from storage.diff import VersionDiff, summarize
from storage.enums import BriefingStatus, CaptureOutcome, ChangeType, VersionCause
from storage.fetch import Derived, Fetch
from storage.flapping import FLAP_WINDOW, FlapState, starts_flapping
from storage.importing.provenance import store_provenance  # history import (issue 18)
from storage.models import Briefing, BriefingLocation, Capture, ChangeEvent, Version, table_of
from storage.versions import (
    EventContext,
    VersionRef,
    diff_for,
    insert_version,
    inserted_id,
    reread_page,
    write_event,
    write_events,
)

__all__ = ["CaptureRecorder", "CaptureResult"]

# A fetch losing at least half the exchanges, and at least this many, is suspect.
TRUNCATION_RATIO = 0.5
TRUNCATION_MIN_LOSS = 2
# Core tables: bulk inserts skip the ORM's unit of work.
CAPTURE = table_of(Capture)
CHANGE_EVENT = table_of(ChangeEvent)
BRIEFING = table_of(Briefing)
LOCATION = table_of(BriefingLocation)

# Statements built once, executed with parameters (building one costs more than running it).
INSERT_CAPTURE = insert(CAPTURE)
INSERT_BRIEFING = insert(BRIEFING)
INSERT_LOCATION = insert(LOCATION)
COMPLETE_CAPTURE = update(CAPTURE).where(CAPTURE.c.id == bindparam("capture_id"))
FIND_LOCATIONS = select(BriefingLocation.url, BriefingLocation.briefing_id).where(
    BriefingLocation.url.in_(bindparam("urls", expanding=True))
)
PREVIOUS_SUSPECT_HASH = (
    select(CAPTURE.c.content_hash)
    .where(
        CAPTURE.c.location_id == bindparam("location_id"),
        CAPTURE.c.outcome == CaptureOutcome.SUSPECT,
        CAPTURE.c.id != bindparam("capture_id"),
    )
    .order_by(CAPTURE.c.id.desc())
    .limit(1)
)


@dataclass(frozen=True, slots=True)
class CaptureResult:
    capture_id: int
    outcome: str
    briefing_id: int | None
    version_number: int | None
    changes: int  # change events written by this capture


Outcome = tuple[CaptureOutcome, int | None]


class CaptureRecorder:
    """Records one fetch inside the caller's transaction; ``record()`` once (rules: the
    module docstring)."""

    def __init__(
        self,
        session: Session,
        fetch: Fetch,
        confirm_after: timedelta,
        flap_window: timedelta = FLAP_WINDOW,
    ) -> None:
        self.session = session
        self.conn: Connection = session.connection()
        self.row_locks = self.conn.dialect.name != "sqlite"  # SQLite: BEGIN IMMEDIATE
        fetch = fetch.prepared()  # usually done in the crawl thread already: then a no-op
        assert fetch.derived is not None
        self.fetch = fetch
        self.derived: Derived = fetch.derived
        self.now = fetch.fetched_at
        self.confirm_after = confirm_after
        self.flap_window = flap_window
        self.urls = self._candidate_urls()
        self.known: dict[str, int] = {}  # candidate URL -> briefing id, for known locations
        self.briefing: Briefing | None = None
        self.location: BriefingLocation | None = None
        self.events = 0
        # The capture row, inserted first (versions and events point at it), completed last.
        self.capture_id = 0
        self.version_id: int | None = None
        self.content_hash: str | None = None
        self.reason = fetch.error or fetch.not_transcript

    # -- entry point ----------------------------------------------------------------------

    def record(self) -> CaptureResult:
        self.capture_id = self._insert_capture()
        self._find_known()
        if self.fetch.status_code == 304:
            outcome, number = self._not_modified()
        elif self.fetch.briefing is not None:
            outcome, number = self._parsed()
        elif self.location is not None:
            outcome, number = self._missing()
        else:
            failed = CaptureOutcome.ERROR if self.fetch.error else CaptureOutcome.NOT_TRANSCRIPT
            outcome, number = failed, None
        self.session.flush()  # the briefing's, location's and versions' changed columns
        self._complete_capture(outcome)
        return CaptureResult(
            capture_id=self.capture_id,
            outcome=outcome,
            briefing_id=self.briefing.id if self.briefing else None,
            version_number=number,
            changes=self.events,
        )

    def _insert_capture(self) -> int:
        fetch = self.fetch
        sha = None
        if fetch.body is not None:
            sha = rawstore.put(
                self.conn,
                fetch.body,
                sha=self.derived.body_sha256,
                packed=self.derived.packed_body,
            )
        result = self.conn.execute(
            INSERT_CAPTURE,
            {
                "run_id": fetch.run_id,
                "url": fetch.url,
                "final_url": fetch.final_url,
                "status_code": fetch.status_code,
                "fetched_at": self.now,
                "etag": fetch.headers.get("etag"),
                "last_modified": fetch.headers.get("last-modified"),
                "content_type": fetch.headers.get("content-type"),
                "body_sha256": sha,
                "outcome": CaptureOutcome.ERROR,  # set for real by _complete_capture
                "reason": self.reason,
                "parser_version": fetch.parser_version,
            },
        )
        capture_id = inserted_id(result)
        # History import (issue 18): an imported fetch's origin, in the same transaction, so
        # a capture and its provenance (the import's resume key) commit or vanish together.
        if fetch.provenance is not None:
            store_provenance(self.conn, capture_id, fetch.provenance)
        if self.derived.warc is not None:  # evidence (issue 16): the WARC records' metadata
            from storage.warc import insert_meta

            insert_meta(self.conn, capture_id, self.derived.warc)
        return capture_id

    def _complete_capture(self, outcome: CaptureOutcome) -> None:
        self.conn.execute(
            COMPLETE_CAPTURE,
            {
                "capture_id": self.capture_id,
                "outcome": outcome,
                "reason": self.reason,
                "briefing_id": self.briefing.id if self.briefing else None,
                "location_id": self.location.id if self.location else None,
                "version_id": self.version_id,
                "content_hash": self.content_hash,
            },
        )

    # -- finding and locking ------------------------------------------------------------------

    def _candidate_urls(self) -> list[str]:
        fetch = self.fetch
        parsed_url = fetch.briefing.url if fetch.briefing else None
        final = None if fetch.is_error_page else fetch.final_url
        return identity.canonical_urls([parsed_url, final, fetch.url])

    def _find_known(self) -> None:
        """The location at the first candidate URL that is known, and its briefing, locked."""
        if not self.urls:
            return
        rows = self.conn.execute(FIND_LOCATIONS, {"urls": self.urls}).all()
        if not rows:
            return
        self.known = {url: briefing_id for url, briefing_id in rows}
        url, briefing_id = min(rows, key=lambda row: self.urls.index(row[0]))
        self._lock(briefing_id)
        self.location = self._location_at(url)

    def _lock(self, briefing_id: int) -> Briefing:
        """The briefing, row-locked on PostgreSQL (SQLite's BEGIN IMMEDIATE serializes
        already); read after the lock, so it sees what the previous holder committed."""
        briefing = self.session.get(
            Briefing, briefing_id, with_for_update=self.row_locks, populate_existing=True
        )
        assert briefing is not None
        briefing.last_checked = self.now
        self.briefing = briefing
        return briefing

    def _location_at(self, url: str) -> BriefingLocation:
        location = self.session.scalar(select(BriefingLocation).where(BriefingLocation.url == url))
        assert location is not None
        return location

    # -- a 304 ----------------------------------------------------------------------------

    def _not_modified(self) -> Outcome:
        location = self.location
        if location is None:
            return CaptureOutcome.NOT_MODIFIED, None
        latest = timeline.latest_of_line(self.session, location)
        self._seen(location, latest)
        if location.status == BriefingStatus.SUSPECT:
            # 304 to the validators of the last good capture: the page is fine again.
            self._set_location_status(location, BriefingStatus.ACTIVE, None)
        return CaptureOutcome.NOT_MODIFIED, latest.number if latest else None

    # -- a transcript ---------------------------------------------------------------------

    def _parsed(self) -> Outcome:
        parsed = self.fetch.briefing
        assert parsed is not None and self.derived.data is not None
        self.content_hash = self.derived.content_hash
        target = canonical_url(parsed.url or self.fetch.final_url or self.fetch.url)
        if self.briefing is None:
            same = identity.find_by_identity(
                self.session,
                source=parsed.source,
                language=parsed.language,
                held_on=identity.parse_held_on(parsed.held_on),
                title=parsed.title,
                lock=self.row_locks,
            )
            if same is None:
                return self._create(target)
            self._lock(same.id)
            return self._first_at(self._add_location(target))
        mismatch = self._other_briefing()
        if mismatch is not None:
            assert self.location is not None
            return self._suspect_location(self.location, mismatch, self.content_hash), None
        if target not in self.known:
            return self._first_at(self._add_location(target))
        if self.known[target] != self.briefing.id:  # the page names another briefing's URL
            assert self.location is not None
            reason = f"another briefing: the page names {target}, a location of briefing {self.known[target]}"
            return self._suspect_location(self.location, reason, self.content_hash), None
        self.location = self._location_at(target)
        return self._in_line(self.location)

    def _other_briefing(self) -> str | None:
        """Why the fetched page is another briefing than the location is filed under."""
        parsed, briefing = self.fetch.briefing, self.briefing
        assert parsed is not None and briefing is not None
        held_on = identity.parse_held_on(parsed.held_on)
        if (parsed.source, parsed.language) != (briefing.source, briefing.language):
            return f"another briefing: the page is {parsed.source}/{parsed.language}"
        if held_on and briefing.held_on and held_on != briefing.held_on:
            return f"another briefing: held on {held_on.isoformat()}, {parsed.title!r}"
        return None

    def _create(self, url: str) -> Outcome:
        parsed, data = self.fetch.briefing, self.derived.data
        assert parsed is not None and data is not None
        values = {
            "source": parsed.source,
            "language": parsed.language,
            "url": url,
            "held_on": identity.parse_held_on(parsed.held_on),
            "title": data.get("title") or parsed.title,  # as refresh_current sets it
            "status": BriefingStatus.ACTIVE,
            "status_reason": None,
            "status_since": None,
            "first_seen": self.now,
            "last_seen": self.now,
            "last_checked": self.now,
        }
        # A concurrent insert of the same URL fails here: retried.
        briefing_id = inserted_id(self.conn.execute(INSERT_BRIEFING, values))
        self.briefing = self._persistent(Briefing(id=briefing_id, **values))
        location = self._add_location(url)
        return CaptureOutcome.NEW, self._write_first_version(location)

    def _persistent(self, row: Any) -> Any:
        """``row``, just inserted with Core, as the session's persistent object.

        A new briefing and a new location are the hot path of an import: one ``INSERT``
        each costs a fifth of an ORM flush (measured: 0.3 ms a page less). Every column is
        set, so nothing is read back; later rules change the object as any loaded one."""
        make_transient_to_detached(row)
        self.session.add(row)
        return row

    def _write_first_version(self, location: BriefingLocation) -> int:
        """Version 1 of a briefing created just now, its current version from the start.

        What ``_write_version`` and ``timeline.refresh_current`` would do, without reading
        back what this capture just wrote: the briefing has one location and one version,
        so that version is current, and its URL is the briefing's already."""
        briefing, data = self.briefing, self.derived.data
        assert briefing is not None and data is not None
        uids = diff_for(self.conn, list(data.get("exchanges") or []), None).uids_after
        ref = self._insert_version(briefing, location, 1, uids, is_latest=True)
        self.version_id = ref.id
        return ref.number

    def _add_location(self, url: str) -> BriefingLocation:
        assert self.briefing is not None
        values = {
            "briefing_id": self.briefing.id,
            "url": url,
            "first_seen": self.now,
            "last_seen": self.now,
            "status": BriefingStatus.ACTIVE,
            "status_reason": None,
            "status_since": None,
            "base_version_id": None,
        }
        location_id = inserted_id(self.conn.execute(INSERT_LOCATION, values))
        # ``flap`` is left to the column: a JSON column given None stores JSON 'null', not
        # SQL NULL as the ORM did (``ledger_dump.py --compare`` caught it).
        location: BriefingLocation = self._persistent(
            BriefingLocation(id=location_id, flap=None, **values)
        )
        self.known[url] = self.briefing.id
        self.location = location
        return location

    def _first_at(self, location: BriefingLocation) -> Outcome:
        """The first version of a new location of a known briefing: a republication (another
        live copy), a move (no other copy lives), or the same text at another URL."""
        briefing = self.briefing
        assert briefing is not None
        current = self._current_version()
        others_live = self._other_live_locations(location)
        if current is None:  # a briefing whose versions were lost: start again
            version = self._write_version(location, before=None, after=None, first=True)
            timeline.refresh_current(self.session, briefing)
            return CaptureOutcome.NEW, version.number
        self._restore_briefing_if_removed(location)
        same = current.content_hash == self.content_hash
        old_url = briefing.url
        if same:  # the same text at another URL: the line starts from that version
            location.base_version_id = current.id
            self._seen(location, current)
            version = current
        elif others_live:
            version = self._republished(location, current)
        else:  # moved, and edited on the way: the old copy is gone, so these are edits
            version = self._write_version(location, before=current, after=None)
        if not others_live:
            detail = {"from": old_url, "to": location.url}
            self._briefing_event(
                ChangeType.BRIEFING_MOVED, detail, numbers=(current.number, version.number)
            )
        timeline.refresh_current(self.session, briefing)
        self._sync_briefing_status()
        return (CaptureOutcome.UNCHANGED if same else CaptureOutcome.REVISED), version.number

    def _republished(self, location: BriefingLocation, current: Version) -> Version:
        """A second live copy with other text: one event carrying the exchange-level diff."""
        data = self.derived.data
        assert data is not None
        diff = diff_for(self.conn, list(data.get("exchanges") or []), current)
        version = self._write_version(location, before=current, after=None, diff=diff, events=False)
        cosmetic = self._all_cosmetic(diff)
        current_url = self._location_url(current.location_id)
        detail = {
            "url": location.url,
            "from_url": current_url,
            "summary": summarize(diff.counts()),
            "counts": diff.counts(),
            "cosmetic_only": cosmetic,
            "changes": [_change_summary(c) for c in diff.changes],
        }
        context = self._context(location, current, version, observed_after=None)
        write_event(self.conn, ChangeType.REPUBLISHED, context, detail=detail, cosmetic=cosmetic)
        self.events += 1
        return version

    def _in_line(self, location: BriefingLocation) -> Outcome:
        """Compare the fetch with the location's own versions around its observed time."""
        versions = timeline.line(self.session, location)
        if not versions:  # a location known from before its line existed (0004)
            return self._first_at(location)
        before, after = timeline.neighbours(versions, self.now)
        changed = before is not None and before.content_hash != self.content_hash
        if changed and after is None and before is not None and self._catch_up_parser(before):
            versions = timeline.line(self.session, location)
            before, after = timeline.neighbours(versions, self.now)
        if after is None and location.flap:  # unstable: every fetch counts towards settling
            flapping = self._flapping(location, versions)
            if flapping is not None:
                return flapping
        if before is not None and before.content_hash == self.content_hash:
            return self._unchanged(location, before, after)
        if after is not None and after.content_hash == self.content_hash:
            return self._seen_earlier(location, before, after)
        if after is None:
            flapping = self._flapping(location, versions)
            if flapping is not None:
                return flapping
        reference = before if before is not None else after
        assert reference is not None
        if self._is_truncated(reference) and not self._confirms(location, "truncated"):
            reason = self._truncation_reason(reference)
            return self._suspect_location(location, reason, self.content_hash), None
        return self._revised(location, before, after)

    def _unchanged(
        self, location: BriefingLocation, version: Version, after: Version | None = None
    ) -> Outcome:
        self._seen(location, version)
        self._clear_suspicion(location)
        if after is not None:  # an old capture: the step version -> after happened later
            self.conn.execute(
                update(CHANGE_EVENT)
                .where(
                    CHANGE_EVENT.c.location_id == location.id,
                    CHANGE_EVENT.c.from_version == version.number,
                    CHANGE_EVENT.c.to_version == after.number,
                )
                .values(observed_after=version.last_seen)
            )
        return CaptureOutcome.UNCHANGED, version.number

    def _seen_earlier(
        self, location: BriefingLocation, before: Version | None, after: Version
    ) -> Outcome:
        """An old capture of content the line has next: that version was there earlier."""
        after.first_seen = self.now
        self.version_id = after.id
        self._touch_location(location)
        if before is not None:  # the step before -> after happened by now at the latest
            self.conn.execute(
                update(CHANGE_EVENT)
                .where(
                    CHANGE_EVENT.c.location_id == location.id,
                    CHANGE_EVENT.c.from_version == before.number,
                    CHANGE_EVENT.c.to_version == after.number,
                )
                .values(observed_before=self.now)
            )
        return CaptureOutcome.UNCHANGED, after.number

    def _revised(
        self, location: BriefingLocation, before: Version | None, after: Version | None
    ) -> Outcome:
        briefing = self.briefing
        assert briefing is not None
        self._clear_suspicion(location, force=True)
        if after is not None:  # out of order: the step before -> after is split in two
            self._unlink(location, before, after)
        version = self._write_version(location, before=before, after=after)
        if after is not None:
            self._relink(location, version, after)
        timeline.refresh_current(self.session, briefing)
        return CaptureOutcome.REVISED, version.number

    # -- versions and events --------------------------------------------------------------------

    def _insert_version(
        self,
        briefing: Briefing,
        location: BriefingLocation,
        number: int,
        uids: Sequence[str],
        *,
        is_latest: bool = False,
    ) -> VersionRef:
        """The version row of what this capture fetched (``insert_version``'s fields)."""
        assert self.derived.data is not None
        return insert_version(
            self.session,
            briefing_id=briefing.id,
            location_id=location.id,
            number=number,
            data=self.derived.data,
            uids=uids,
            cause=VersionCause.PAGE,
            parser_version=self.fetch.parser_version or "unknown",
            capture_id=self.capture_id,
            observed=self.now,
            content=self.content_hash,
            fingerprints=self.derived.fingerprints,
            is_latest=is_latest,
            replaced_chars=self.fetch.replaced_chars,
        )

    def _write_version(
        self,
        location: BriefingLocation,
        *,
        before: Version | None,
        after: Version | None,
        first: bool = False,
        events: bool = True,
        diff: VersionDiff | None = None,
    ) -> Version:
        briefing = self.briefing
        assert briefing is not None
        data = self.derived.data
        assert data is not None
        exchanges = list(data.get("exchanges") or [])
        if diff is None:
            diff = diff_for(self.conn, exchanges, before, after)
        number = 1 if first else timeline.next_number(self.session, briefing.id)
        ref = self._insert_version(briefing, location, number, diff.uids_after)
        # Numbers follow observed time across all lines: an older capture, or a line whose
        # fetch comes before another line's latest version, renumbers (rarely anything).
        if not first and timeline.renumber(self.session, briefing.id):
            self.session.expire_all()
            self.session.get(Briefing, briefing.id)  # reload what expire_all dropped
        version = self.session.get(Version, ref.id)
        assert version is not None
        if events and before is not None and diff.changes:
            context = self._context(location, before, version, observed_after=before.last_seen)
            self.events += write_events(self.conn, diff.changes, context)
        self.version_id = version.id
        self._touch_location(location)
        briefing.last_seen = max(briefing.last_seen, self.now)
        return version

    def _unlink(self, location: BriefingLocation, before: Version | None, after: Version) -> None:
        """Forget the events of the step ``before -> after`` (a version goes between)."""
        if before is None:
            return
        self.conn.execute(
            delete(CHANGE_EVENT).where(
                CHANGE_EVENT.c.location_id == location.id,
                CHANGE_EVENT.c.from_version == before.number,
                CHANGE_EVENT.c.to_version == after.number,
                CHANGE_EVENT.c.exchange_uid.is_not(None),
            )
        )

    def _relink(self, location: BriefingLocation, version: Version, after: Version) -> None:
        """The events of the new step ``version -> after``, against ``after``'s own uids."""
        from storage.diff import diff_exchanges
        from storage.versions import exchanges_of, stored_uids

        after = self.session.get(Version, after.id) or after
        result = diff_exchanges(
            exchanges_of(version),
            exchanges_of(after),
            stored_uids(self.conn, version),
            stored_uids(self.conn, after),
        )
        context = self._context(location, version, after, observed_after=version.last_seen)
        context = replace(context, observed_before=after.first_seen)
        self.events += write_events(self.conn, result.changes, context)

    def _context(
        self,
        location: BriefingLocation,
        before: Version | None,
        after: Version,
        *,
        observed_after: datetime | None,
    ) -> EventContext:
        assert self.briefing is not None
        return EventContext(
            briefing_id=self.briefing.id,
            location_id=location.id,
            from_version=before.number if before is not None else None,
            to_version=after.number,
            cause=VersionCause.PAGE,
            capture_id=self.capture_id,
            detected_at=self.now,
            observed_after=observed_after,
            observed_before=self.now,
        )

    def _briefing_event(
        self,
        type_: ChangeType,
        detail: dict[str, Any],
        *,
        numbers: tuple[int | None, int | None] | None = None,
    ) -> None:
        briefing = self.briefing
        assert briefing is not None
        if numbers is None:
            number = self._current_number()
            numbers = (number, number)
        context = EventContext(
            briefing_id=briefing.id,
            location_id=self.location.id if self.location else None,
            from_version=numbers[0],
            to_version=numbers[1],
            cause=VersionCause.PAGE,
            capture_id=self.capture_id,
            detected_at=self.now,
            observed_after=None,
            observed_before=self.now,
        )
        write_event(self.conn, type_, context, detail=detail)
        self.events += 1

    def _catch_up_parser(self, latest: Version) -> bool:
        """The latest version came from another parser version: read its stored page again
        with the current parser first. What that changes becomes a version of cause
        "parser" (as ``briefings reparse`` writes), so the comparison with this fetch shows
        only what the page changed, never what the parser learned. True when it wrote one.
        """
        current = self.fetch.parser_version
        briefing = self.briefing
        assert briefing is not None
        if not current or latest.parser_version == current:
            return False
        data = reread_page(self.session, latest, briefing.source)
        if data is None:  # no stored page, or it no longer parses: compare as it is
            return False
        if content_hash(data) == latest.content_hash:
            latest.parser_version = current  # this parser reads the page the same way
            return False
        from storage.reparse import write_parser_version

        write_parser_version(self.session, briefing, latest, data, current, now=self.now)
        return True

    # -- flapping -------------------------------------------------------------------------------

    def _flapping(self, location: BriefingLocation, versions: list[Version]) -> Outcome | None:
        """The rules of ``storage.flapping`` (None: an ordinary revision follows)."""
        state = FlapState.from_json(location.flap)
        by_hash = {v.content_hash: v for v in versions}
        seen = by_hash.get(self.content_hash or "")
        if state is not None:
            if seen is not None and state.variant(seen.id):
                return self._flap_seen(location, state, seen)
            self._stabilize(location, state, settled_on=state.newer)  # new content: settled
            return None
        latest, earlier = versions[-1], (versions[-2] if len(versions) > 1 else None)
        if earlier is None or seen is None or seen.id != earlier.id:
            return None
        if not starts_flapping(latest.first_seen, self.now, self.flap_window):
            return None  # a revert long after the switch: an ordinary revision
        return self._start_flapping(location, earlier, latest)

    def _start_flapping(
        self, location: BriefingLocation, older: Version, newer: Version
    ) -> Outcome:
        switch = list(
            self.conn.scalars(
                select(CHANGE_EVENT.c.id).where(
                    CHANGE_EVENT.c.location_id == location.id,
                    CHANGE_EVENT.c.from_version == older.number,
                    CHANGE_EVENT.c.to_version == newer.number,
                    CHANGE_EVENT.c.suppressed.is_(None),
                )
            )
        )
        if switch:
            self.conn.execute(
                update(CHANGE_EVENT)
                .where(CHANGE_EVENT.c.id.in_(switch))
                .values(suppressed="unstable")
            )
        state = FlapState(
            since=self.now,
            older=older.id,
            newer=newer.id,
            suppressed=tuple(switch),
            streak_version=older.id,
            streak_since=self.now,
            streak_count=1,
        )
        location.flap = state.to_json()
        detail = {
            "url": location.url,
            "variants": [older.number, newer.number],
            "window_hours": self.flap_window.total_seconds() / 3600,
            "suppressed_events": len(switch),
        }
        self._location_event(ChangeType.UNSTABLE, location, detail)
        self._seen(location, older)
        self.reason = f"unstable: serves versions {older.number} and {newer.number} in turn"
        return CaptureOutcome.UNCHANGED, older.number

    def _flap_seen(self, location: BriefingLocation, state: FlapState, seen: Version) -> Outcome:
        state = state.seen(seen.id, self.now)
        location.flap = state.to_json()
        self._seen(location, seen)
        settled = state.settled(self.now, self.flap_window)
        if settled is None:
            self.reason = f"unstable: served version {seen.number}"
            return CaptureOutcome.UNCHANGED, seen.number
        return self._stabilize(location, state, settled_on=settled)

    def _stabilize(
        self, location: BriefingLocation, state: FlapState, *, settled_on: int
    ) -> Outcome:
        """Back to one content: the switch's events return; settling on the older variant
        is a real revert, written as a version first seen when the older content returned."""
        location.flap = None
        if state.suppressed:
            self.conn.execute(
                update(CHANGE_EVENT)
                .where(CHANGE_EVENT.c.id.in_(state.suppressed))
                .values(suppressed=None)
            )
        older = self.session.get(Version, state.older)
        newer = self.session.get(Version, state.newer)
        assert older is not None and newer is not None
        detail = {
            "url": location.url,
            "settled_on": (older if settled_on == older.id else newer).number,
        }
        self._location_event(ChangeType.STABILIZED, location, detail)
        if settled_on != state.older:
            return CaptureOutcome.UNCHANGED, newer.number
        observed, self.now = self.now, state.streak_since  # the revert began then
        try:
            version = self._write_version(location, before=newer, after=None)
        finally:
            self.now = observed
        self._seen(location, version)
        assert self.briefing is not None
        timeline.refresh_current(self.session, self.briefing)
        return CaptureOutcome.REVISED, version.number

    def _location_event(
        self, type_: ChangeType, location: BriefingLocation, detail: dict[str, Any]
    ) -> None:
        assert self.briefing is not None
        number = self._current_number()
        context = EventContext(
            briefing_id=self.briefing.id,
            location_id=location.id,
            from_version=number,
            to_version=number,
            cause=VersionCause.PAGE,
            capture_id=self.capture_id,
            detected_at=self.now,
            observed_after=None,
            observed_before=self.now,
        )
        write_event(self.conn, type_, context, detail=detail)
        self.events += 1

    # -- gone -----------------------------------------------------------------------------------

    def _missing(self) -> Outcome:
        location, briefing = self.location, self.briefing
        assert location is not None and briefing is not None
        evidence = self.fetch.gone_evidence()
        if evidence is None:
            return CaptureOutcome.ERROR, None
        if self.now < location.last_seen:  # a later fetch already served the transcript
            self.reason = f"{evidence} (older than the last good fetch: changes nothing)"
            return CaptureOutcome.NOT_TRANSCRIPT, None
        if location.status == BriefingStatus.REMOVED:
            return CaptureOutcome.NOT_TRANSCRIPT, None  # still gone; already reported
        return self._suspect_location(location, f"gone: {evidence}", None), None

    def _suspect_location(
        self, location: BriefingLocation, reason: str, content: str | None
    ) -> CaptureOutcome:
        """Suspect ``location``; a second suspicion of the same kind late enough confirms:
        a truncated page becomes a version, anything else removes the location."""
        kind = reason.split(":", 1)[0]
        # (A confirmed truncation is a revision: ``_in_line`` decides that before this.)
        if kind != "truncated" and self._confirms(location, kind, content):
            self._remove_location(location, reason)
            self.reason = f"confirmed removal: {reason.split(': ', 1)[-1]}"
            return CaptureOutcome.SUSPECT
        repeated = self._repeats(location, kind, content)
        if not repeated:
            location.status = BriefingStatus.SUSPECT
            location.status_since = self.now
        location.status_reason = reason
        self.reason = reason
        self._sync_briefing_status()
        return CaptureOutcome.SUSPECT

    def _confirms(self, location: BriefingLocation, kind: str, content: str | None = None) -> bool:
        """A second suspect fetch of the same kind (and content), late enough."""
        if not self._repeats(location, kind, content):
            return False
        since = location.status_since or self.now
        return self.now - since >= self.confirm_after

    def _repeats(self, location: BriefingLocation, kind: str, content: str | None) -> bool:
        if location.status != BriefingStatus.SUSPECT:
            return False
        if not (location.status_reason or "").startswith(kind):
            return False
        if kind != "truncated":
            return True
        return self._previous_suspect_hash(location) == (content or self.content_hash)

    def _previous_suspect_hash(self, location: BriefingLocation) -> str | None:
        return self.conn.scalar(
            PREVIOUS_SUSPECT_HASH, {"location_id": location.id, "capture_id": self.capture_id}
        )

    def _remove_location(self, location: BriefingLocation, reason: str) -> None:
        briefing = self.briefing
        assert briefing is not None
        evidence = reason.split(": ", 1)[-1]
        location.status = BriefingStatus.REMOVED
        location.status_since = self.now
        location.status_reason = reason
        if self._other_live_locations(location):
            detail = {"url": location.url, "reason": evidence}
            self._location_event(ChangeType.LOCATION_REMOVED, location, detail)
            timeline.refresh_current(self.session, briefing)
        else:
            self._briefing_event(
                ChangeType.BRIEFING_REMOVED, {"url": location.url, "reason": evidence}
            )
        self._sync_briefing_status()

    def _clear_suspicion(self, location: BriefingLocation, *, force: bool = False) -> None:
        """A good fetch: the location serves the transcript (again). A capture older than
        the suspicion or removal (imported history) says nothing about it."""
        if location.status_since is not None and self.now < location.status_since:
            return
        if location.status == BriefingStatus.REMOVED:
            self._restore_location(location)
        elif location.status == BriefingStatus.SUSPECT or force:
            self._set_location_status(location, BriefingStatus.ACTIVE, None)

    def _restore_location(self, location: BriefingLocation) -> None:
        briefing = self.briefing
        assert briefing is not None
        if briefing.status == BriefingStatus.REMOVED:
            self._briefing_event(ChangeType.RESTORED, {"url": location.url})
        else:
            self._location_event(ChangeType.LOCATION_RESTORED, location, {"url": location.url})
        self._set_location_status(location, BriefingStatus.ACTIVE, None)
        timeline.refresh_current(self.session, briefing)

    def _restore_briefing_if_removed(self, location: BriefingLocation) -> None:
        briefing = self.briefing
        assert briefing is not None
        since = briefing.status_since
        if briefing.status == BriefingStatus.REMOVED and (since is None or self.now >= since):
            self._briefing_event(ChangeType.RESTORED, {"url": location.url})
            self._sync_briefing_status()

    def _set_location_status(
        self, location: BriefingLocation, status: BriefingStatus, reason: str | None
    ) -> None:
        if location.status != status or location.status_reason != reason:
            location.status = status
            location.status_reason = reason
            location.status_since = self.now if status != BriefingStatus.ACTIVE else None
        self._sync_briefing_status()

    def _sync_briefing_status(self) -> None:
        """The briefing is active while a location is, suspect while one is only suspect,
        removed when every location is."""
        briefing = self.briefing
        assert briefing is not None
        self.session.flush()
        locations = timeline.briefing_locations(self.session, briefing.id)
        for status in (BriefingStatus.ACTIVE, BriefingStatus.SUSPECT, BriefingStatus.REMOVED):
            deciding = [loc for loc in locations if loc.status == status]
            if deciding:
                self._set_briefing_status(briefing, status, deciding[0])
                return

    @staticmethod
    def _set_briefing_status(
        briefing: Briefing, status: BriefingStatus, location: BriefingLocation
    ) -> None:
        reason = None if status == BriefingStatus.ACTIVE else location.status_reason
        if briefing.status == status and briefing.status_reason == reason:
            return
        briefing.status = status
        briefing.status_reason = reason
        briefing.status_since = None if status == BriefingStatus.ACTIVE else location.status_since

    # -- small helpers --------------------------------------------------------------------------

    def _is_truncated(self, reference: Version) -> bool:
        before, after = reference.exchange_count, len(self.fetch.briefing.exchanges)  # type: ignore[union-attr]
        return after < before * TRUNCATION_RATIO and before - after >= TRUNCATION_MIN_LOSS

    def _truncation_reason(self, reference: Version) -> str:
        after = len(self.fetch.briefing.exchanges)  # type: ignore[union-attr]
        return f"truncated: {after} of {reference.exchange_count} exchanges"

    def _current_version(self) -> Version | None:
        assert self.briefing is not None
        return self.session.scalar(
            select(Version).where(Version.briefing_id == self.briefing.id, Version.is_latest)
        )

    def _current_number(self) -> int | None:
        current = self._current_version()
        return current.number if current is not None else None

    def _other_live_locations(self, location: BriefingLocation) -> list[BriefingLocation]:
        assert self.briefing is not None
        return [
            other
            for other in timeline.briefing_locations(self.session, self.briefing.id)
            if other.id != location.id and other.status == BriefingStatus.ACTIVE
        ]

    def _location_url(self, location_id: int | None) -> str | None:
        if location_id is None:
            return None
        location = self.session.get(BriefingLocation, location_id)
        return location.url if location else None

    @staticmethod
    def _all_cosmetic(diff: VersionDiff) -> bool:
        from storage.cosmetic import is_cosmetic_edit

        return bool(diff.changes) and all(
            c.type == ChangeType.EDITED
            and c.before is not None
            and c.after is not None
            and is_cosmetic_edit(c.before, c.after)
            for c in diff.changes
        )

    def _seen(self, location: BriefingLocation, version: Version | None) -> None:
        """``location`` (and ``version``, which it served) was seen now."""
        if version is not None:
            version.last_seen = max(version.last_seen, self.now)
            self.version_id = version.id
        self._touch_location(location)
        assert self.briefing is not None
        self.briefing.last_seen = max(self.briefing.last_seen, self.now)

    def _touch_location(self, location: BriefingLocation) -> None:
        location.last_seen = max(location.last_seen, self.now)


def _change_summary(change: Any) -> dict[str, Any]:
    """One exchange change of a republication, compact (the full diff: ``briefings diff``)."""
    from storage.cosmetic import is_cosmetic_edit

    cosmetic = bool(
        change.type == ChangeType.EDITED
        and change.before is not None
        and change.after is not None
        and is_cosmetic_edit(change.before, change.after)
    )
    return {
        "type": change.type,
        "exchange": change.exchange_id,
        "index_before": change.index_before,
        "index_after": change.index_after,
        "asker": change.asker,
        "fields": list(change.fields),
        "cosmetic": cosmetic,
    }
