"""SQLAlchemy 2 typed models of the archive.

Tables (plain, so ``datasette briefings.db`` can browse them):

- ``crawl_run``: one row per crawl (or reparse); status judged from its stats.
- ``raw_body``: every distinct response body once, by sha256, compressed.
- ``capture``: every fetch: what was asked, what came back, what it meant (``outcome``).
- ``briefing``: one per transcript, whatever URLs it lives at (``briefing_location``).
- ``version``: each distinct normalized content of a briefing, numbered 1, 2, ...
- ``exchange``: the exchanges of each version, with an id (``uid``) stable across versions.
- ``change_event``: the ledger of what changed (exchange added/removed/edited/moved,
  briefing removed/restored/moved).
- ``crawl_lease``: at most one crawl per source at a time, across processes.
- ``warc_record``: what a capture's WARC request/response records need beyond the body
  (header blocks, record ids, WARC-Date, digests), written at fetch time (docs/evidence.md).
- ``capture_provenance``: where an imported capture came from (WARC record, Wayback capture).
- ``briefing_pair``, ``aligned_row``, ``alignment_finding``, ``outlet_entry``: English↔Chinese
  alignment (issue 17, ``docs/alignment.md``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.enums import (
    BriefingStatus,
    CaptureOutcome,
    ChangeType,
    ProvenanceKind,
    RunKind,
    RunStatus,
    VersionCause,
    values,
)
from storage.types import EnumText, UTCDateTime, utcnow

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012  (SQLAlchemy reads it as is)
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


# The string "enum" columns hold the values of storage.enums (plain text in the database).
RUN_STATUSES = values(RunStatus)
CAPTURE_OUTCOMES = values(CaptureOutcome)
BRIEFING_STATUSES = values(BriefingStatus)
VERSION_CAUSES = values(VersionCause)
CHANGE_TYPES = values(ChangeType)


class CrawlRun(Base):
    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[RunKind] = mapped_column(EnumText(RunKind, 16), default=RunKind.DISCOVERY)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[RunStatus] = mapped_column(
        EnumText(RunStatus, 16), default=RunStatus.RUNNING, index=True
    )
    finish_reason: Mapped[str | None] = mapped_column(String(64))
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None]
    hostname: Mapped[str | None] = mapped_column(String(255))

    captures: Mapped[list[Capture]] = relationship(back_populates="run")


class RawBody(Base):
    __tablename__ = "raw_body"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]  # uncompressed bytes
    compression: Mapped[str] = mapped_column(String(16), default="zlib")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Briefing(Base):
    __tablename__ = "briefing"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2000), unique=True)  # canonical, current location
    held_on: Mapped[date | None] = mapped_column(Date, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[BriefingStatus] = mapped_column(
        EnumText(BriefingStatus, 16), default=BriefingStatus.ACTIVE, index=True
    )
    status_reason: Mapped[str | None] = mapped_column(Text)  # why suspect/removed
    status_since: Mapped[datetime | None]
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_checked: Mapped[datetime | None]  # last fetch of any outcome (revisit scheduling)

    versions: Mapped[list[Version]] = relationship(
        back_populates="briefing", order_by="Version.number", foreign_keys="Version.briefing_id"
    )
    locations: Mapped[list[BriefingLocation]] = relationship(back_populates="briefing")

    __table_args__ = (Index("ix_briefing_identity", "source", "language", "held_on"),)


class BriefingLocation(Base):
    """Every canonical URL a briefing has been seen at (aliases, republications).

    Each location keeps its own line of versions (``Version.location_id``) and its own
    status: one location going dead while another lives is a location event, not a
    briefing removal. ``flap`` holds the "unstable" state of a location that serves two
    contents in turn (``storage.flapping``).
    """

    __tablename__ = "briefing_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(
        ForeignKey("briefing.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[BriefingStatus] = mapped_column(
        EnumText(BriefingStatus, 16), default=BriefingStatus.ACTIVE
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_since: Mapped[datetime | None]
    flap: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A location first seen serving a version another location has already (an alias URL,
    # a move): its line starts with that version instead of a copy of it. No foreign key:
    # version and location point at each other.
    base_version_id: Mapped[int | None]

    briefing: Mapped[Briefing] = relationship(back_populates="locations")


class Capture(Base):
    __tablename__ = "capture"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000), index=True)  # as requested
    final_url: Mapped[str | None] = mapped_column(String(2000))  # after redirects
    status_code: Mapped[int | None]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    content_type: Mapped[str | None] = mapped_column(String(255))
    body_sha256: Mapped[str | None] = mapped_column(ForeignKey("raw_body.sha256"), index=True)
    outcome: Mapped[CaptureOutcome] = mapped_column(EnumText(CaptureOutcome, 16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)  # error message / why not a transcript
    briefing_id: Mapped[int | None] = mapped_column(ForeignKey("briefing.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    parser_version: Mapped[str | None] = mapped_column(String(32))
    # content_hash of the briefing this fetch parsed to (also when suspect: a second suspect
    # fetch with the same hash confirms a truncation).
    content_hash: Mapped[str | None] = mapped_column(String(64))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("briefing_location.id", ondelete="SET NULL")
    )

    run: Mapped[CrawlRun | None] = relationship(back_populates="captures")


class Version(Base):
    __tablename__ = "version"

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefing.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1, 2, ... per briefing
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    parser_version: Mapped[str] = mapped_column(String(32))
    cause: Mapped[VersionCause] = mapped_column(
        EnumText(VersionCause, 8), default=VersionCause.PAGE
    )
    data: Mapped[dict[str, Any]]  # the schema-v1 JSON
    exchange_count: Mapped[int] = mapped_column(Integer, default=0)
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id", use_alter=True))
    # The location whose line of versions this one is in (null: written before 0004).
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("briefing_location.id", ondelete="SET NULL"), index=True
    )
    # Characters the page's bytes could not be decoded to (U+FFFD in the text): the raw
    # bytes are stored, and a later parser may read them better.
    replaced_chars: Mapped[int] = mapped_column(Integer, default=0)

    briefing: Mapped[Briefing] = relationship(back_populates="versions", foreign_keys=[briefing_id])
    exchanges: Mapped[list[Exchange]] = relationship(
        back_populates="version", order_by="Exchange.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("briefing_id", "number"),
        # At most one latest version per briefing, enforced by the database.
        Index(
            "uq_version_latest",
            "briefing_id",
            unique=True,
            sqlite_where=text("is_latest = 1"),
            postgresql_where=text("is_latest"),
        ),
    )


class Exchange(Base):
    __tablename__ = "exchange"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"))
    briefing_id: Mapped[int] = mapped_column(
        ForeignKey("briefing.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]  # the schema's "index"
    uid: Mapped[str] = mapped_column(String(32), index=True)  # stable across versions
    fingerprint: Mapped[str] = mapped_column(String(64))  # hash of the exchange's content
    kind: Mapped[str] = mapped_column(String(16))
    asker: Mapped[str | None] = mapped_column(String(255), index=True)
    question: Mapped[str | None] = mapped_column(Text)
    answerer: Mapped[str | None] = mapped_column(String(255), index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    after_conference: Mapped[bool] = mapped_column(Boolean, default=False)
    turns: Mapped[list[Any]] = mapped_column(default=list)

    version: Mapped[Version] = relationship(back_populates="exchanges")

    __table_args__ = (UniqueConstraint("version_id", "position"),)


class ChangeEvent(Base):
    __tablename__ = "change_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    detected_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    type: Mapped[ChangeType] = mapped_column(EnumText(ChangeType, 24), index=True)
    cause: Mapped[VersionCause] = mapped_column(
        EnumText(VersionCause, 8), default=VersionCause.PAGE
    )
    briefing_id: Mapped[int] = mapped_column(
        ForeignKey("briefing.id", ondelete="CASCADE"), index=True
    )
    from_version: Mapped[int | None]  # version numbers
    to_version: Mapped[int | None]
    exchange_uid: Mapped[str | None] = mapped_column(String(32), index=True)
    index_before: Mapped[int | None]
    index_after: Mapped[int | None]
    asker: Mapped[str | None] = mapped_column(String(255))
    answerer: Mapped[str | None] = mapped_column(String(255))
    fields: Mapped[list[Any] | None] = mapped_column(JSON)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # e.g. word diff, URLs of a move
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"))
    # An edit of typography only (quotes, dashes, widths, spacing): not in the default ledger.
    cosmetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the event is kept out of the default ledger (e.g. "unstable": a page serving two
    # contents in turn); null for a plain event.
    suppressed: Mapped[str | None] = mapped_column(String(16))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("briefing_location.id", ondelete="SET NULL")
    )
    # When it happened, as far as the archive saw: after the last observation of the old
    # state, at or before the first observation of the new one (detected_at is when the
    # archive recorded it: an import records old history today).
    observed_after: Mapped[datetime | None]
    observed_before: Mapped[datetime | None] = mapped_column(index=True)


def table_of(model: type[Base]) -> Table:
    """A model's Core table, typed (``__table__`` is typed as any ``FromClause``)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class CrawlLease(Base):
    __tablename__ = "crawl_lease"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    run_id: Mapped[int | None]
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


# -- evidence (issue 16): WARC records at fetch time ---------------------------------------


class WarcRecord(Base):
    """A capture's WARC request and response records, all but the body (``raw_body``):
    serializing them again (``storage.warc``) gives the same bytes, whose sha256 is kept."""

    __tablename__ = "warc_record"

    capture_id: Mapped[int] = mapped_column(
        ForeignKey("capture.id", ondelete="CASCADE"), primary_key=True
    )
    response_id: Mapped[str] = mapped_column(String(64))  # <urn:uuid:...>
    request_id: Mapped[str | None] = mapped_column(String(64))
    warc_date: Mapped[str] = mapped_column(String(32))  # exactly as written (UTC, microseconds)
    target_uri: Mapped[str] = mapped_column(String(2000))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    request_head: Mapped[bytes | None] = mapped_column(LargeBinary)  # request line + headers
    response_head: Mapped[bytes] = mapped_column(LargeBinary)  # status line + headers
    payload_digest: Mapped[str] = mapped_column(String(80))
    block_digest: Mapped[str] = mapped_column(String(80))
    request_block_digest: Mapped[str | None] = mapped_column(String(80))
    response_sha256: Mapped[str] = mapped_column(String(64))  # of the serialized record
    request_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)  # how the header block was adjusted


# --- history import (issue 18): capture provenance ------------------------------------------


class CaptureProvenance(Base):
    """Where an imported capture came from: a WARC record (file, its sha256, the record's
    offset and id) or a Wayback capture (timestamp, digest, original URL). A crawled capture
    has no row here: its ``capture.run_id`` names the crawl. The two unique keys make an
    import idempotent: a record or capture already imported cannot be imported again."""

    __tablename__ = "capture_provenance"

    capture_id: Mapped[int] = mapped_column(
        ForeignKey("capture.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[ProvenanceKind] = mapped_column(EnumText(ProvenanceKind, 16))
    file: Mapped[str | None] = mapped_column(Text)  # as given (a WACZ: "x.wacz#archive/y.warc.gz")
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    record_offset: Mapped[int | None] = mapped_column(BigInteger)
    record_id: Mapped[str | None] = mapped_column(String(255))
    wayback_timestamp: Mapped[str | None] = mapped_column(String(14))
    digest: Mapped[str | None] = mapped_column(String(64))
    original_url: Mapped[str | None] = mapped_column(String(2000))

    __table_args__ = (
        UniqueConstraint("file_sha256", "record_offset"),
        UniqueConstraint("wayback_timestamp", "digest", "original_url"),
    )


# --- end of history import ------------------------------------------------------------------
# English↔Chinese pairs, aligned rows, asymmetry findings
# Written by storage/pairs.py, read by storage/pair_views.py; see docs/alignment.md.


class BriefingPair(Base):
    """An English and a Chinese briefing of one source family that are one briefing, with
    the alignment of their current versions (``en_version_id`` / ``zh_version_id``)."""

    __tablename__ = "briefing_pair"

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(32))  # "mfa" for mfa-en + mfa-zh
    held_on: Mapped[date | None] = mapped_column(Date, index=True)
    en_briefing_id: Mapped[int] = mapped_column(
        ForeignKey("briefing.id", ondelete="CASCADE"), unique=True
    )
    zh_briefing_id: Mapped[int] = mapped_column(
        ForeignKey("briefing.id", ondelete="CASCADE"), unique=True
    )
    method: Mapped[str] = mapped_column(String(8))  # link, date, content
    pair_score: Mapped[float]  # content similarity of the two, 0 to 1
    status: Mapped[str] = mapped_column(String(16), index=True)  # complete, incomplete
    reason: Mapped[str | None] = mapped_column(Text)  # why incomplete
    en_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id", ondelete="SET NULL"))
    zh_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id", ondelete="SET NULL"))
    # Hash of what the alignment was computed from (versions, statuses, aligner, outlet
    # table): equal means re-aligning would give the same rows.
    input_key: Mapped[str] = mapped_column(String(64))
    score: Mapped[float]  # the alignment's total score
    row_count: Mapped[int]
    one_to_one: Mapped[bool] = mapped_column(Boolean)
    aligned_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlignedRow(Base):
    """One row of a pair's alignment: schema ``index`` values on each side (lists: a 2–1
    row has two English indices; a one-sided row an empty list on one side)."""

    __tablename__ = "aligned_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("briefing_pair.id", ondelete="CASCADE"))
    position: Mapped[int]
    en: Mapped[list[Any]]
    zh: Mapped[list[Any]]
    en_uids: Mapped[list[Any]]
    zh_uids: Mapped[list[Any]]
    bead: Mapped[str] = mapped_column(String(3))  # 1-1, 2-1, 1-2, 1-0, 0-1
    score: Mapped[float]
    confidence: Mapped[float]
    outlet: Mapped[str] = mapped_column(String(16))  # match, mismatch, related, unknown, none
    # The asker labels as printed when each side names exactly one (outlet suggestions).
    en_label: Mapped[str | None] = mapped_column(String(255))
    zh_label: Mapped[str | None] = mapped_column(String(255))
    features: Mapped[dict[str, Any]]  # outlets, shared and one-sided figures, contributions

    __table_args__ = (UniqueConstraint("pair_id", "position"),)


class AlignmentFinding(Base):
    """An asymmetry between the two versions of a pair, once per finding (``key``); its
    ledger events are ``event_id`` (found) and ``resolved_event_id`` (gone again)."""

    __tablename__ = "alignment_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    en_briefing_id: Mapped[int] = mapped_column(
        ForeignKey("briefing.id", ondelete="CASCADE"), index=True
    )
    zh_briefing_id: Mapped[int] = mapped_column(
        ForeignKey("briefing.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))  # sha256 of the finding's identity
    type: Mapped[ChangeType] = mapped_column(EnumText(ChangeType, 24), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open, resolved
    held_on: Mapped[date | None] = mapped_column(Date, index=True)
    en: Mapped[list[Any]]
    zh: Mapped[list[Any]]
    en_uids: Mapped[list[Any]]
    zh_uids: Mapped[list[Any]]
    confidence: Mapped[float]
    description: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]]
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("change_event.id", ondelete="SET NULL"))
    resolved_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("change_event.id", ondelete="SET NULL")
    )

    __table_args__ = (UniqueConstraint("en_briefing_id", "zh_briefing_id", "key"),)


class OutletEntry(Base):
    """The archive's additions to the shipped outlet table (a config's ``[outlets]``), so
    every writer and reader of the archive canonicalizes askers the same way."""

    __tablename__ = "outlet_entry"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the outlet id
    entry: Mapped[dict[str, Any]]  # {"en": [...], "zh": [...], "parent": id}
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
