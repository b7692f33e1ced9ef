"""What one fetch means for the archive: the capture rules and suspects.

``CaptureRecorder`` records one fetch (a ``storage.fetch.Fetch``) inside the caller's transaction; new
versions are written by ``storage.versions.write_version``. The caller
(``storage.archive.Archive``) owns the transaction: ``BEGIN IMMEDIATE`` on SQLite, and on
PostgreSQL the briefing's row is locked here ``FOR UPDATE`` before its latest version is read.

The hot path (a new or unchanged page) is a dozen statements: the raw body, the capture row,
one lookup of briefing + location + latest version, and Core bulk inserts for the version's
exchanges and change events; the ORM is kept for the briefing row, whose status rules are
easiest to read as attribute changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session, defer

from crawler.schema import content_hash
from crawler.urls import canonical_url
from storage import identity, rawstore
from storage.enums import BriefingStatus
from storage.fetch import Derived, Fetch
from storage.importing.provenance import store_provenance  # history import (issue 18)
from storage.models import Briefing, BriefingLocation, Capture, Version, table_of
from storage.versions import INSERT_EVENTS, inserted_id, reread_page, write_version

__all__ = ["CaptureRecorder", "CaptureResult"]

# A fetch losing at least half the exchanges, and at least this many, is suspect.
TRUNCATION_RATIO = 0.5
TRUNCATION_MIN_LOSS = 2
# Core tables: bulk inserts skip the ORM's unit of work.
CAPTURE = table_of(Capture)

# Statements built once, executed with parameters (building one costs more than running it).
INSERT_CAPTURE = insert(CAPTURE)
COMPLETE_CAPTURE = update(CAPTURE).where(CAPTURE.c.id == bindparam("capture_id"))
# Briefing, location and latest version at once, for the candidate URLs of a fetch.
FIND_KNOWN = (
    select(BriefingLocation.url, Briefing, Version)
    .join(Briefing, Briefing.id == BriefingLocation.briefing_id)
    .outerjoin(Version, and_(Version.briefing_id == Briefing.id, Version.is_latest))
    .where(BriefingLocation.url.in_(bindparam("urls", expanding=True)))
    .options(defer(Version.data))  # loaded only if a revision needs the diff
)
FIND_LOCATIONS = select(BriefingLocation.url, BriefingLocation.briefing_id).where(
    BriefingLocation.url.in_(bindparam("urls", expanding=True))
)
LATEST_VERSION = (
    select(Version)
    .where(Version.briefing_id == bindparam("briefing_id"), Version.is_latest)
    .options(defer(Version.data))
)
PREVIOUS_SUSPECT_HASH = (
    select(CAPTURE.c.content_hash)
    .where(
        CAPTURE.c.briefing_id == bindparam("briefing_id"),
        CAPTURE.c.outcome == "suspect",
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


class CaptureRecorder:
    """Records one fetch inside the caller's transaction; ``record()`` once.

    Rules, for a fetch of a briefing already in the archive:

    - 304 → ``not_modified``: last seen/checked updated, nothing else.
    - same normalized content as the latest version → ``unchanged``; clears a suspicion;
      a removed briefing is ``restored``.
    - different content → ``revised`` (a new version and its change events), unless the
      new content lost most exchanges (``is_truncated``): then ``suspect``, and only a second
      identical truncated fetch ``confirm_after`` later makes it a version.
    - gone evidence (``Fetch.gone_evidence``) → ``suspect``; a second such fetch
      ``confirm_after`` later → ``briefing-removed`` and status "removed", unless the
      briefing is still served at another of its locations (then ``briefing-moved``).
    - other errors → ``error``, never evidence of anything.
    """

    def __init__(self, session: Session, fetch: Fetch, confirm_after: timedelta) -> None:
        self.session = session
        self.conn: Connection = session.connection()
        self.row_locks = self.conn.dialect.name != "sqlite"  # SQLite: BEGIN IMMEDIATE
        fetch = fetch.prepared()  # usually done in the crawl thread already: then a no-op
        assert fetch.derived is not None
        self.fetch = fetch
        self.derived: Derived = fetch.derived
        self.now = fetch.fetched_at
        self.confirm_after = confirm_after
        self.urls = self._candidate_urls()
        self.known_urls: set[str] = set()  # candidate URLs that are locations already
        self.latest: Version | None = None  # the briefing's latest version before this fetch
        self.events = 0
        # The capture row, inserted first (versions and events point at it), completed last.
        self.capture_id = 0
        self.briefing_id: int | None = None
        self.version_id: int | None = None
        self.content_hash: str | None = None
        self.reason = fetch.error or fetch.not_transcript

    # -- entry point ----------------------------------------------------------------------

    def record(self) -> CaptureResult:
        self.capture_id = self._insert_capture()
        found = self._find_known()
        if self.fetch.status_code == 304:
            outcome, number = self._not_modified(found)
        elif self.fetch.briefing is not None:
            outcome, number = self._parsed(found)
        elif found is not None:
            outcome, number = self._missing(found)
        else:
            outcome, number = ("error" if self.fetch.error else "not_transcript"), None
        self.session.flush()  # the briefing's and latest version's changed columns
        self._complete_capture(outcome)
        return CaptureResult(
            capture_id=self.capture_id,
            outcome=outcome,
            briefing_id=self.briefing_id,
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
                "outcome": "error",  # set for real by _complete_capture
                "reason": self.reason,
                "parser_version": fetch.parser_version,
            },
        )
        capture_id = inserted_id(result)
        # History import (issue 18): an imported fetch's origin, in the same transaction, so
        # a capture and its provenance (the import's resume key) commit or vanish together.
        if fetch.provenance is not None:
            store_provenance(self.conn, capture_id, fetch.provenance)
        return capture_id

    def _complete_capture(self, outcome: str) -> None:
        self.conn.execute(
            COMPLETE_CAPTURE,
            {
                "capture_id": self.capture_id,
                "outcome": outcome,
                "reason": self.reason,
                "briefing_id": self.briefing_id,
                "version_id": self.version_id,
                "content_hash": self.content_hash,
            },
        )

    # -- finding and locking the briefing ---------------------------------------------------

    def _candidate_urls(self) -> list[str]:
        fetch = self.fetch
        parsed_url = fetch.briefing.url if fetch.briefing else None
        final = None if fetch.is_error_page else fetch.final_url
        return identity.canonical_urls([parsed_url, final, fetch.url])

    def _find_known(self) -> Briefing | None:
        """The briefing at the first candidate URL that is a known location, locked, with
        its latest version (``self.latest``): one query on SQLite."""
        if not self.urls:
            return None
        if self.row_locks:
            return self._find_known_locking()
        rows = self.session.execute(FIND_KNOWN, {"urls": self.urls}).all()
        if not rows:
            return None
        self.known_urls = {url for url, _, _ in rows}
        _, briefing, latest = min(rows, key=lambda row: self.urls.index(row[0]))
        self.latest = latest
        return self._checked(briefing)

    def _find_known_locking(self) -> Briefing | None:
        """PostgreSQL: find, lock ``FOR UPDATE``, then read the latest version (a statement
        after the lock, so it sees what the previous holder of the lock committed)."""
        rows = self.session.execute(FIND_LOCATIONS, {"urls": self.urls}).all()
        if not rows:
            return None
        self.known_urls = {url for url, _ in rows}
        _, briefing_id = min(rows, key=lambda row: self.urls.index(row[0]))
        return self._lock(briefing_id)

    def _lock(self, briefing_id: int) -> Briefing:
        """The briefing, row-locked on PostgreSQL (on SQLite BEGIN IMMEDIATE serializes
        already), and its latest version as ``self.latest``."""
        briefing = self.session.get(
            Briefing, briefing_id, with_for_update=self.row_locks, populate_existing=True
        )
        assert briefing is not None
        self.latest = self.session.scalar(LATEST_VERSION, {"briefing_id": briefing_id})
        return self._checked(briefing)

    def _checked(self, briefing: Briefing) -> Briefing:
        self.briefing_id = briefing.id
        briefing.last_checked = self.now
        return briefing

    # -- the outcomes -------------------------------------------------------------------

    def _not_modified(self, briefing: Briefing | None) -> tuple[str, int | None]:
        if briefing is None:
            return "not_modified", None
        self._seen(briefing)
        if briefing.status == "suspect":
            # 304 to the validators of the last good capture: the page is fine again.
            self._set_status(briefing, "active", None)
        return "not_modified", self._latest_number()

    def _parsed(self, briefing: Briefing | None) -> tuple[str, int | None]:
        parsed = self.fetch.briefing
        data = self.derived.data
        assert parsed is not None and data is not None
        self.content_hash = self.derived.content_hash
        location = canonical_url(parsed.url or self.fetch.final_url or self.fetch.url)
        if briefing is None:
            same = identity.find_by_identity(
                self.session,
                source=parsed.source,
                language=parsed.language,
                held_on=identity.parse_held_on(parsed.held_on),
                title=parsed.title,
                lock=self.row_locks,
            )
            if same is None:
                return self._create(data, location)
            briefing = self._lock(same.id)
            self._republished(briefing, location)
        elif not self._is_location(location):
            identity.add_location(self.session, briefing, location, self.now)
        return self._compare(briefing, data, location)

    def _is_location(self, url: str) -> bool:
        if url in self.urls:  # the lookup has answered for the candidate URLs
            return url in self.known_urls
        return identity.is_location(self.session, url)

    def _create(self, data: dict[str, Any], location: str) -> tuple[str, int]:
        briefing = Briefing(
            source=data["source"],
            language=data["language"],
            url=location,
            held_on=identity.parse_held_on(data.get("held_on")),
            title=data.get("title"),
            status="active",
            first_seen=self.now,
            last_seen=self.now,
            last_checked=self.now,
        )
        self.session.add(briefing)
        self.session.flush()  # a concurrent insert of the same URL fails here: retried
        identity.add_location(self.session, briefing, location, self.now)
        self.briefing_id = briefing.id
        return "new", self._new_version(briefing, data, first=True)

    def _republished(self, briefing: Briefing, location: str) -> None:
        """The same briefing found at a new URL: a move only if no old location is live."""
        old_urls = [loc.url for loc in briefing.locations]
        identity.add_location(self.session, briefing, location, self.now)
        if any(identity.location_is_live(self.session, briefing.id, url) for url in old_urls):
            return
        self._event(briefing, "briefing-moved", detail={"from": briefing.url, "to": location})
        briefing.url = location
        self._set_status(briefing, "active", None)

    def _compare(
        self, briefing: Briefing, data: dict[str, Any], location: str
    ) -> tuple[str, int | None]:
        latest = self.latest
        if latest is None:  # a briefing whose versions were lost: start again
            return "new", self._new_version(briefing, data)
        if briefing.status == "removed":
            self._event(briefing, "restored", detail={"url": location})
            self._set_status(briefing, "active", None)
        if self.content_hash != latest.content_hash and self._catch_up_parser(briefing):
            latest = self.latest
            assert latest is not None
        if self.content_hash == latest.content_hash:
            self._seen(briefing)
            if briefing.status == "suspect":
                self._set_status(briefing, "active", None)  # a false alarm, cleared
            return "unchanged", latest.number
        if self._is_truncated(latest, data) and not self._confirms_truncation(briefing):
            return self._suspect(briefing, self._truncation_reason(latest, data)), None
        self._set_status(briefing, "active", None)
        return "revised", self._new_version(briefing, data)

    def _catch_up_parser(self, briefing: Briefing) -> bool:
        """The latest version came from another parser version: read its stored page again
        with the current parser first. What that changes becomes a version of cause
        "parser" (as ``briefings reparse`` writes), so the comparison with this fetch shows
        only what the page changed, never what the parser learned. True when it wrote one.
        """
        latest, current = self.latest, self.fetch.parser_version
        if latest is None or not current or latest.parser_version == current:
            return False
        data = reread_page(self.session, latest, briefing.source)
        if data is None:  # no stored page, or it no longer parses: compare as it is
            return False
        if content_hash(data) == latest.content_hash:
            latest.parser_version = current  # this parser reads the page the same way
            return False
        ref, _ = write_version(
            self.session,
            briefing,
            data,
            latest=latest,
            cause="parser",
            parser_version=current,
            capture_id=latest.capture_id,
            now=self.now,
        )
        self.latest = self.session.get(Version, ref.id)
        return True

    def _missing(self, briefing: Briefing) -> tuple[str, int | None]:
        evidence = self.fetch.gone_evidence()
        if evidence is None:
            return "error", None
        if briefing.status == "removed":
            return "not_transcript", None  # still gone; already reported
        url = canonical_url(self.fetch.url)
        elsewhere = self._live_elsewhere(briefing, url)
        if elsewhere is not None:
            if briefing.url == url:
                self._event(briefing, "briefing-moved", detail={"from": url, "to": elsewhere})
                briefing.url = elsewhere
            return "not_transcript", None
        if self._confirms(briefing, "gone", None):
            self._event(briefing, "briefing-removed", detail={"url": url, "reason": evidence})
            self._set_status(briefing, "removed", f"gone: {evidence}")
            self.reason = f"confirmed removal: {evidence}"
            return "suspect", None
        return self._suspect(briefing, f"gone: {evidence}"), None

    # -- suspicion ------------------------------------------------------------------------

    @staticmethod
    def _is_truncated(latest: Version, data: dict[str, Any]) -> bool:
        before, after = latest.exchange_count, len(data.get("exchanges") or [])
        return after < before * TRUNCATION_RATIO and before - after >= TRUNCATION_MIN_LOSS

    @staticmethod
    def _truncation_reason(latest: Version, data: dict[str, Any]) -> str:
        after = len(data.get("exchanges") or [])
        return f"truncated: {after} of {latest.exchange_count} exchanges"

    def _confirms_truncation(self, briefing: Briefing) -> bool:
        return self._confirms(briefing, "truncated", self.content_hash)

    def _confirms(self, briefing: Briefing, kind: str, content: str | None) -> bool:
        """A second suspect fetch of the same kind (and content), late enough."""
        if briefing.status != "suspect" or not (briefing.status_reason or "").startswith(kind):
            return False
        since = briefing.status_since or self.now
        if self.now - since < self.confirm_after:
            return False
        return content is None or self._previous_suspect_hash(briefing) == content

    def _suspect(self, briefing: Briefing, reason: str) -> str:
        """Mark the briefing suspect; the clock restarts unless this repeats the suspicion."""
        kind = reason.split(":", 1)[0]
        repeated = briefing.status == "suspect" and (briefing.status_reason or "").startswith(kind)
        if kind == "truncated":
            repeated = repeated and self._previous_suspect_hash(briefing) == self.content_hash
        if not repeated:
            briefing.status = BriefingStatus.SUSPECT
            briefing.status_since = self.now
        briefing.status_reason = reason
        self.reason = reason
        return "suspect"

    def _previous_suspect_hash(self, briefing: Briefing) -> str | None:
        return self.conn.scalar(
            PREVIOUS_SUSPECT_HASH, {"briefing_id": briefing.id, "capture_id": self.capture_id}
        )

    def _live_elsewhere(self, briefing: Briefing, url: str) -> str | None:
        for location in identity.other_locations(self.session, briefing.id, url):
            if identity.location_is_live(self.session, briefing.id, location.url):
                return location.url
        return None

    def _set_status(self, briefing: Briefing, status: str, reason: str | None) -> None:
        if briefing.status == status and briefing.status_reason == reason:
            return
        briefing.status = BriefingStatus(status)
        briefing.status_reason = reason
        briefing.status_since = self.now if status != "active" else None

    # -- versions and events ------------------------------------------------------------

    def _latest_number(self) -> int | None:
        return self.latest.number if self.latest is not None else None

    def _seen(self, briefing: Briefing, version_id: int | None = None) -> None:
        """The briefing (and its latest version, or the one just written) was seen now."""
        briefing.last_seen = self.now
        if version_id is not None:
            self.version_id = version_id
        elif self.latest is not None:
            self.latest.last_seen = self.now
            self.version_id = self.latest.id
        identity.touch_locations(self.session, self.urls, self.now)

    def _new_version(self, briefing: Briefing, data: dict[str, Any], *, first: bool = False) -> int:
        version, events = write_version(
            self.session,
            briefing,
            data,
            latest=self.latest,
            cause="page",
            parser_version=self.fetch.parser_version or "unknown",
            capture_id=self.capture_id,
            now=self.now,
            content=self.content_hash,
            first=first,
            fingerprints=self.derived.fingerprints,
        )
        self.events += events
        self._seen(briefing, version.id)
        return version.number

    def _event(self, briefing: Briefing, type_: str, *, detail: dict[str, Any]) -> None:
        number = self._latest_number()
        self.conn.execute(
            INSERT_EVENTS,
            {
                "detected_at": self.now,
                "type": type_,
                "cause": "page",
                "briefing_id": briefing.id,
                "from_version": number,
                "to_version": number,
                "detail": detail,
                "capture_id": self.capture_id,
            },
        )
        self.events += 1
