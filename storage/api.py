"""The archive API: the one door through which every caller reads and writes the archive.

    from storage.api import Archive

    with Archive.open("sqlite:///briefings.db") as archive:      # must exist by default
        for event in archive.changes(since=...):
            ...
        hits = archive.search("South China Sea", SearchOptions(language="en"))

The CLI, the scheduler, the notifier, the crawl pipeline and its extension use nothing else
of ``storage`` (``tests/test_contracts.py`` checks it). A new feature is a new caller of this
class, not a new path into the tables.

- **Opening** (``Archive.open``): one rule for every caller. A missing SQLite file is an
  error unless ``must_exist=False`` (a crawl creates it); the schema is migrated when it is
  behind; every failure is an ``ArchiveError`` with a one-line message.
- **Writes**: ``record_fetch`` / ``record_fetches`` (the capture rules, ``storage.capture``),
  ``reparse``.
- **Runs**: ``start_run``, ``finish_run``, ``mark_stale_runs``, ``run``, ``runs``,
  ``failure_streak``, ``last_success``, ``previous_discovery_finished``, leases.
- **Reads**: ``show``, ``list_briefings``, ``history``, ``diff``, ``changes``,
  ``run_events``, ``search``, ``export``, ``stats``; crawl lookups ``known_urls``,
  ``revisit_candidates``.
- **Alignment** (English↔Chinese, ``docs/alignment.md``): ``align``, ``pair``, ``twin``,
  ``pairs``, ``asymmetries``, ``outlets``, ``outlet_page``, ``outlet_suggestions``,
  ``outlet_table``, ``use_outlets``; pairing also runs at the end of ``finish_run``.

Transactions are short and come from one session source. Reads on SQLite begin with a plain
``BEGIN`` (they never take the write lock a crawl needs); writes with ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage import browse as browse_lib  # the web app's reads (browsing section below)
from storage import changes as changes_lib
from storage import export as export_lib
from storage import lease as lease_lib
from storage import outlet_store as outlets_lib
from storage import pair_views as pair_views_lib
from storage import pairs as pairs_lib
from storage import query as query_lib
from storage import revisit as revisit_lib
from storage import runs as runs_lib
from storage import search as search_lib
from storage.align import Outlet, OutletTable, outlet_table
from storage.browse import (
    ExchangeHistory,
    ExchangeRow,
    ExchangeSpan,
    ExchangeVersion,
    LedgerFilter,
    LedgerPage,
    MonthCount,
    NameProfile,
    RawPage,
    TrendRow,
    VersionProvenance,
    is_cosmetic,
)
from storage.capture import CaptureResult
from storage.changes import BriefingHistory, VersionSummary
from storage.cosmetic import fold_typography
from storage.db import (
    READ_OPTION,
    absolute_db_url,
    inspect_sqlite_file,
    make_engine,
    read_only_mode,
    resolve_db_url,
    safe_url,
    sqlite_path,
    unwritable_reason,
)
from storage.enums import (
    ASYMMETRY_TYPES,
    PAGE_CHANGE_TYPES,
    BriefingStatus,
    CaptureOutcome,
    ChangeType,
    RunKind,
    RunStatus,
    VersionCause,
    values,
)
from storage.errors import (
    ArchiveError,
    ArchiveFull,
    ArchiveMissing,
    ArchiveReadOnly,
    ArchiveUnavailable,
    ArchiveUnusable,
    BadQuery,
    NotAnArchive,
    NotFound,
    database_error,
    first_line,
    is_disk_full,
)
from storage.events import BriefingRef, ChangeEvent, Comparison, ExchangeRef

# -- evidence (issue 16) --------------------------------------------------------------------
from storage.evidence.bundle import Bundle, BundleSummary, EvidenceError
from storage.evidence.plan import EvidenceTarget
from storage.evidence.verify import VerifyReport, verify_bundle
from storage.evidence.witness import WitnessConfig
from storage.export import FORMATS as EXPORT_FORMATS
from storage.export import ExportFilter
from storage.fetch import Fetch, make_fetch
from storage.importing import provenance as provenance_lib
from storage.importing.provenance import CaptureOrigin
from storage.importing.summary import ImportProblem, ImportSummary
from storage.importing.summary import Progress as ImportProgress
from storage.models import Briefing, BriefingLocation
from storage.outlet_store import OutletPage, OutletSuggestion, OutletSummary
from storage.outlet_store import check_entries as check_outlet_entries
from storage.pair_views import FINDING_STATUSES, Asymmetry, AsymmetryFilter, PairView
from storage.pairs import ALIGN_AFTER_RUN_KINDS, AlignSummary
from storage.parsecheck import ParseCheck
from storage.query import STATS_KEYS, BriefingRow, ShownVersion, StatsRow
from storage.reparse import ReparseSummary
from storage.revisit import (
    POLICY_DURATIONS,
    RevisitPolicy,
    RevisitTarget,
    policy_from_json,
    policy_to_json,
)
from storage.runs import (
    RunRecord,
    json_safe,
    judge_run,
    pid_alive,
    skip_reasons,
    summarize_stats,
)
from storage.search import DEFAULT_LIMIT as SEARCH_LIMIT
from storage.search import SearchHit, SearchOptions
from storage.types import utcnow
from storage.warc import WarcParts
from storage.worddiff import word_diff
from storage.writer import DEFAULT_CONFIRM_AFTER, Writer

__all__ = [
    "ASYMMETRY_TYPES",
    "EXPORT_FORMATS",
    "FINDING_STATUSES",
    "PAGE_CHANGE_TYPES",
    "POLICY_DURATIONS",
    "SEARCH_LIMIT",
    "STATS_KEYS",
    "AlignSummary",
    "Archive",
    "ArchiveError",
    "ArchiveFull",
    "ArchiveMissing",
    "ArchiveReadOnly",
    "ArchiveUnavailable",
    "ArchiveUnusable",
    "Asymmetry",
    "AsymmetryFilter",
    "BadQuery",
    "BriefingHistory",
    "BriefingRef",
    "BriefingRow",
    "BriefingStatus",
    # evidence (issue 16)
    "BundleSummary",
    "CaptureOrigin",
    "CaptureOutcome",
    "CaptureResult",
    "ChangeEvent",
    "ChangeType",
    "Comparison",
    "EvidenceError",
    "EvidenceTarget",
    "ExchangeRef",
    "ExportFilter",
    "Fetch",
    "ImportProblem",
    "ImportProgress",
    "ImportSummary",
    "NotAnArchive",
    "NotFound",
    "Outlet",
    "OutletPage",
    "OutletSuggestion",
    "OutletSummary",
    "OutletTable",
    "PairView",
    "ParseCheck",
    "ReparseSummary",
    "RevisitPolicy",
    "RevisitTarget",
    "RunKind",
    "RunRecord",
    "RunStatus",
    "SearchHit",
    "SearchOptions",
    "ShownVersion",
    "StatsRow",
    "VerifyReport",
    "VersionCause",
    "VersionSummary",
    "WarcParts",
    "WitnessConfig",
    "absolute_db_url",
    "check_outlet_entries",
    "fold_typography",
    "json_safe",
    "judge_run",
    "load_signing_key",
    "make_fetch",
    "outlet_table",
    "pid_alive",
    "policy_from_json",
    "policy_to_json",
    "resolve_db_url",
    "safe_url",
    "skip_reasons",
    "summarize_stats",
    "values",
    "verify_bundle",
    "word_diff",
]
# browsing (storage/browse.py): the web app's read results
__all__ += [
    "ExchangeHistory",
    "ExchangeRow",
    "ExchangeSpan",
    "ExchangeVersion",
    "LedgerFilter",
    "LedgerPage",
    "MonthCount",
    "NameProfile",
    "RawPage",
    "TrendRow",
    "VersionProvenance",
    "is_cosmetic",
]

if TYPE_CHECKING:
    from storage.wayback import WaybackClient

T = TypeVar("T")
# Two threads of one process migrating at once (two scheduler services starting on a new
# file) would share Alembic's global context; processes are serialized by the database.
_MIGRATION_LOCK = threading.Lock()
# dates aligned per write transaction (about 0.01-0.02 s a date)
ALIGN_DATES_PER_TRANSACTION = 30


class Archive:
    """The archive at one database URL. Build it with ``Archive.open``; ``Archive(engine)``
    wraps an engine the caller owns (tests, benchmarks)."""

    def __init__(
        self,
        engine: Engine,
        *,
        confirm_after: timedelta | float = DEFAULT_CONFIRM_AFTER,
        read_only: bool = False,
        owns_engine: bool = False,
    ) -> None:
        if not isinstance(confirm_after, timedelta):
            confirm_after = timedelta(seconds=confirm_after)
        self.engine = engine
        self.read_only = read_only
        self.confirm_after = confirm_after
        self._owns_engine = owns_engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(**{READ_OPTION: True}), expire_on_commit=False
        )
        self._writer = Writer(self._sessions, confirm_after=confirm_after)
        # The read session of the current thread's ``snapshot()`` block, if any.
        self._snapshot = threading.local()
        self.disk_full = False  # a write was refused for want of space (see _full_or)

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        must_exist: bool = True,
        read_only: bool | None = False,
        migrate: bool = True,
        confirm_after: timedelta | float = DEFAULT_CONFIRM_AFTER,
        on_upgrade: Callable[[str, str], None] | None = None,
    ) -> Archive:
        """The archive at ``url`` (``--db``, else ``BRIEFINGS_DB_URL``, else
        ``sqlite:///briefings.db``). ``must_exist``: a missing SQLite file is an error, not a
        new empty archive. ``migrate``: bring a schema that is behind up to date;
        ``on_upgrade(current, head)`` is told first when an existing archive is upgraded (it
        can take a minute on a large one: the CLI says so), never for a new one.

        ``read_only``: True opens it for reading only; False for writing, and an SQLite
        file that cannot be written (read-only mount, file or directory) is then an
        ``ArchiveReadOnly`` error; None (the CLI): for writing where it can be, else for
        reading (``mode=ro``, or ``immutable=1`` where nothing can write), so reads work
        on a read-only archive and a write says "read-only".

        Before anything is changed, an SQLite file must be a briefings archive (its
        ``application_id``, or Alembic's table at one of our revisions), an empty file, or
        absent in a writable directory; anything else is an error that names it."""
        resolved = resolve_db_url(url)
        path = sqlite_path(resolved)
        sqlite_mode: str | None = None
        created: Path | None = None
        if path is not None:
            sqlite_mode, created, read_only = _check_sqlite_path(path, must_exist, read_only)
        read_only = bool(read_only)
        try:
            engine = make_engine(resolved, immediate=not read_only, read_only=sqlite_mode)
        except SQLAlchemyError as exc:
            raise ArchiveUnavailable(
                f"cannot open {safe_url(resolved)}: {first_line(exc)}"
            ) from exc
        archive = cls(engine, confirm_after=confirm_after, read_only=read_only, owns_engine=True)
        try:
            archive._prepare_schema(migrate=migrate, on_upgrade=on_upgrade)
        except BaseException:
            archive.close()
            if created is not None:  # a new archive that could not be made: leave nothing
                _remove_sqlite_files(created)
            raise
        return archive

    def _prepare_schema(
        self, *, migrate: bool, on_upgrade: Callable[[str, str], None] | None = None
    ) -> None:
        """Migrate a schema that is behind; read-only, say so instead. ``migrate=False``
        leaves the schema as it is (``briefings db`` looks at it)."""
        from storage.migrate import current_revision, ensure_schema, head_revision, is_current

        try:
            if self.read_only and not is_current(self.engine):
                raise ArchiveUnavailable(
                    f"the archive at {self.url} needs a schema upgrade, and it is read-only: "
                    "run `briefings db upgrade` where it can be written"
                )
            if migrate and not self.read_only:
                with _MIGRATION_LOCK:  # Alembic's context is process-global: one at a time
                    current = current_revision(self.engine)
                    if (
                        on_upgrade is not None
                        and current is not None
                        and not is_current(self.engine)
                    ):
                        on_upgrade(current, head_revision() or "head")
                    ensure_schema(self.engine)
        except SQLAlchemyError as exc:
            raise database_error(exc, f"cannot use {self.url}") from exc

    # -- the schema (``briefings db``) ----------------------------------------------------------

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Apply the migrations up to ``revision``; ``(before, after)`` revisions."""
        from storage import migrate

        self._check_writable()
        try:
            before = migrate.current_revision(self.engine)
            return before, migrate.upgrade(self.engine, revision)
        except SQLAlchemyError as exc:
            raise ArchiveUnavailable(f"cannot upgrade {self.url}: {first_line(exc)}") from exc
        except Exception as exc:  # alembic's own errors (an unknown revision …)
            raise ArchiveError(f"{type(exc).__name__}: {first_line(exc)}") from exc

    def schema_problems(self) -> list[str]:
        """How the live schema differs from the migrations, one line each ([]: up to date)."""
        from storage import migrate

        try:
            return migrate.check(self.engine)
        except SQLAlchemyError as exc:
            raise ArchiveUnavailable(f"cannot read {self.url}: {first_line(exc)}") from exc

    def schema_revision(self) -> str | None:
        from storage import migrate

        try:
            return migrate.current_revision(self.engine)
        except SQLAlchemyError as exc:
            raise ArchiveUnavailable(f"cannot read {self.url}: {first_line(exc)}") from exc

    @staticmethod
    def head_revision() -> str | None:
        from storage import migrate

        return migrate.head_revision()

    @property
    def url(self) -> str:
        """The database URL without its password (for messages)."""
        return safe_url(self.engine.url.render_as_string(hide_password=False))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read of this thread inside the block goes through one read transaction:
        one consistent view of the archive (a page's parts cannot straddle a write) and one
        connection checkout and transaction instead of one per call, whose objects are
        loaded once (a web page asks for the same briefing and versions several times).
        Nested blocks join the outer one. Reads only: writes keep their own transactions."""
        if getattr(self._snapshot, "session", None) is not None:
            yield
            return
        with self._reading() as session:
            if self.engine.dialect.name == "postgresql":
                # One snapshot for every statement (READ COMMITTED takes one per statement);
                # a read-only transaction never fails to serialize.
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            # The identity map holds objects weakly: keep what the block loads, so the same
            # briefing (asked for by each part of a page) is looked up once.
            loaded: list[object] = []
            event.listen(session, "loaded_as_persistent", lambda _s, obj: loaded.append(obj))
            session.info[changes_lib.SNAPSHOT] = True
            self._snapshot.session = session
            try:
                yield
            finally:
                self._snapshot.session = None
                session.info.clear()
                loaded.clear()

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        """A read transaction (deferred on SQLite: never waits for or blocks a writer); the
        ``snapshot()`` one when inside such a block."""
        current: Session | None = getattr(self._snapshot, "session", None)
        if current is not None:
            yield current
            return
        try:
            with self._read_sessions() as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise database_error(exc, "database error") from exc

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction, for the storage modules behind this class (reparse) and
        for tests; callers outside ``storage`` use the methods."""
        self._check_writable()
        with self._writer.transaction() as session:
            yield session

    @contextmanager
    def _database(self, doing: str) -> Iterator[None]:
        """Driver errors as one-line archive errors (a server gone, a full disk)."""
        try:
            yield
        except SQLAlchemyError as exc:
            raise database_error(exc, doing) from exc

    def _read(self, work: Callable[[Session], T]) -> T:
        with self._reading() as session:
            return work(session)

    def _write(self, work: Callable[[Session], T]) -> T:
        self._check_writable()
        try:
            return self._writer.retrying(work)
        except SQLAlchemyError as exc:  # the server went away, the disk is full …
            raise database_error(exc, "database error") from exc

    def _check_writable(self) -> None:
        if self.read_only:
            raise ArchiveReadOnly(
                f"the archive at {sqlite_path(self.url) or self.url} is read-only"
            )

    # -- writes -------------------------------------------------------------------------------

    def record_fetch(self, fetch: Fetch) -> CaptureResult:
        """Record one fetch, and what it means for the archive, in one transaction."""
        self._check_writable()
        try:
            return self._writer.record_fetch(fetch)
        except SQLAlchemyError as exc:
            raise self._full_or(exc) from exc

    def record_fetches(self, fetches: Sequence[Fetch]) -> list[CaptureResult | Exception]:
        """Several fetches in one transaction; see ``storage.writer.Writer.record_fetches``.
        A fetch the full disk refused is an ``ArchiveFull`` (and ``disk_full`` is set)."""
        self._check_writable()
        return [
            self._full_or(r) if isinstance(r, SQLAlchemyError) else r
            for r in self._writer.record_fetches(fetches)
        ]

    def _full_or(self, exc: Exception) -> Exception:
        """``exc``, or an ``ArchiveFull`` saying "disk full" when that is what it was; a
        crawl reads ``disk_full`` at its end so the run's reason names the cause."""
        if not is_disk_full(exc):
            return exc
        self.disk_full = True
        return database_error(exc, "could not store the page")

    def record_capture(self, run_id: int | None, **fetch: Any) -> CaptureResult:
        """``record_fetch`` from ``make_fetch``'s keywords (url, status_code, body, briefing …)."""
        return self.record_fetch(make_fetch(run_id, **fetch))

    def reparse(
        self,
        source: str | None = None,
        *,
        parse: Callable[..., Any] | None = None,
        parser_version: str | None = None,
    ) -> ReparseSummary:
        """Re-run the current parser over the stored pages (``storage.reparse``)."""
        from storage.reparse import reparse

        self._check_writable()
        return reparse(self, source, parse=parse, parser_version=parser_version)

    # -- runs ---------------------------------------------------------------------------------

    def start_run(
        self, source: str, kind: str = RunKind.DISCOVERY, *, pid: int | None = None
    ) -> int:
        return self._write(lambda s: runs_lib.start_run(s, source, kind, pid=pid))

    def finish_run(
        self,
        run_id: int,
        *,
        stats: dict[str, Any],
        finish_reason: str | None,
        only_if_running: bool = False,
    ) -> RunRecord:
        """Store the stats and judge the run from them (``storage.runs.judge_run``); then
        pair and align the English and Chinese briefings of the dates the run touched."""
        record = self._write(
            lambda s: runs_lib.finish_run(
                s, run_id, stats=stats, finish_reason=finish_reason, only_if_running=only_if_running
            )
        )
        self._align_after_run(record)
        return record

    def mark_stale_runs(self) -> list[int]:
        """This host's "running" runs whose process is gone, marked failed ("killed")."""
        return self._write(runs_lib.mark_stale_runs)

    def run(self, run_id: int) -> RunRecord:
        return self._read(lambda s: runs_lib.get_run(s, run_id))

    def run_of_pid(self, source: str, pid: int) -> int | None:
        return self._read(lambda s: runs_lib.run_of_pid(s, source, pid))

    def runs(
        self, *, source: str | None = None, failed: bool = False, limit: int = 20
    ) -> list[RunRecord]:
        return self._read(
            lambda s: runs_lib.recent_runs(s, source=source, failed=failed, limit=limit)
        )

    def failure_streak(self, source: str) -> int:
        return self._read(lambda s: runs_lib.failure_streak(s, source))

    def last_success(self, source: str, kind: str) -> datetime | None:
        return self._read(lambda s: runs_lib.last_success(s, source, kind))

    def previous_discovery_finished(self, source: str, *, run_id: int | None = None) -> bool:
        return self._read(lambda s: runs_lib.previous_discovery_finished(s, source, run_id))

    # -- leases (one crawl per source at a time, across processes) ----------------------------

    def take_lease(self, source: str, holder: str, ttl: float, run_id: int | None = None) -> bool:
        self._check_writable()
        with self._database("cannot take the lease"):
            return lease_lib.acquire(self.engine, source, holder, ttl, run_id)

    def renew_lease(self, source: str, holder: str, ttl: float) -> bool:
        with self._database("cannot renew the lease"):
            return lease_lib.renew(self.engine, source, holder, ttl)

    def release_lease(self, source: str, holder: str) -> bool:
        with self._database("cannot release the lease"):
            return lease_lib.release(self.engine, source, holder)

    def lease_holder(self, source: str) -> str | None:
        """Who holds the live lease of ``source`` (``host:pid:random``), or None."""
        with self._database("cannot read the lease"):
            held = lease_lib.current(self.engine, source)
        return held.holder if held is not None else None

    # -- lookups for crawls -------------------------------------------------------------------

    def known_urls(self, source: str) -> set[str]:
        """Canonical URLs of every location of the source's archived briefings."""
        return self._read(
            lambda s: set(
                s.scalars(
                    select(BriefingLocation.url)
                    .join(Briefing, Briefing.id == BriefingLocation.briefing_id)
                    .where(Briefing.source == source)
                )
            )
        )

    def is_archived(self, url: str) -> bool:
        """Whether ``url`` (any spelling of it) is a location of an archived briefing."""
        from crawler.urls import canonical_url

        return self._read(
            lambda s: (
                s.scalar(
                    select(BriefingLocation.id).where(BriefingLocation.url == canonical_url(url))
                )
                is not None
            )
        )

    def revisit_candidates(
        self,
        source: str,
        mode: str = "due",
        *,
        now: datetime | None = None,
        policy: RevisitPolicy | None = None,
    ) -> list[RevisitTarget]:
        """Briefings to fetch again, oldest check first, with the validators for a
        conditional GET (``storage.revisit.revisit_candidates``)."""
        from storage.fetch import as_utc

        return self._read(
            lambda s: revisit_lib.revisit_candidates(
                s,
                source,
                mode=mode,
                now=as_utc(now) if now else utcnow(),
                policy=policy or RevisitPolicy(),
                confirm_after=self.confirm_after,
            )
        )

    def has_briefing_since(self, source: str, day: date, since: datetime) -> bool:
        """A briefing of ``source`` held on ``day``, or first seen since ``since``."""
        from sqlalchemy import or_

        def work(s: Session) -> bool:
            found = s.scalar(
                select(Briefing.id)
                .where(Briefing.source == source)
                .where(or_(Briefing.held_on == day, Briefing.first_seen >= since))
                .limit(1)
            )
            return found is not None

        return self._read(work)

    # -- reads --------------------------------------------------------------------------------

    def show(self, ref: str | int, version: int | None = None) -> ShownVersion:
        """A briefing's transcript as stored at ``version`` (default: the latest)."""
        return self._read(
            lambda s: query_lib.show(s, str(ref), version, confirm_after=self.confirm_after)
        )

    def list_briefings(
        self,
        *,
        source: str | None = None,
        since: date | None = None,
        until: date | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[BriefingRow]:
        return self._read(
            lambda s: query_lib.list_briefings(
                s,
                source=source,
                since=since,
                until=until,
                status=status,
                limit=limit,
                confirm_after=self.confirm_after,
            )
        )

    def history(self, ref: str | int) -> BriefingHistory:
        return self._read(lambda s: changes_lib.history(s, ref))

    def diff(
        self, ref: str | int, from_n: int | None = None, to_n: int | None = None
    ) -> Comparison:
        """The changes between two versions (default: the latest and the one before)."""
        return self._read(lambda s: changes_lib.version_diff(s, ref, from_n, to_n))

    def changes(
        self,
        *,
        since: datetime | None = None,
        source: str | None = None,
        types: Sequence[str] | None = None,
        include_parser: bool = False,
        include_cosmetic: bool = False,
        include_suppressed: bool = False,
        limit: int | None = None,
    ) -> list[ChangeEvent]:
        """The ledger, newest first by when each change happened. Left out unless asked:
        parser-caused events (a better parser, not the ministry), cosmetic edits
        (typography only) and events held back while a page is unstable.

        Asymmetry findings between the two languages (``ASYMMETRY_TYPES``) are not edits of a
        page: they are listed only when ``types`` asks for them."""
        wanted = [str(t) for t in (types or PAGE_CHANGE_TYPES)]
        return self._read(
            lambda s: changes_lib.change_ledger(
                s,
                since=since,
                source=source,
                types=wanted,
                include_parser=include_parser,
                include_cosmetic=include_cosmetic,
                include_suppressed=include_suppressed,
                limit=limit,
            )
        )

    def run_events(self, run_id: int | None, source: str, started: datetime) -> list[ChangeEvent]:
        """The change events a run recorded, oldest first (``storage.changes.run_events``)."""
        return self._read(lambda s: changes_lib.run_events(s, run_id, source, started))

    def search(self, query: str, options: SearchOptions | None = None) -> list[SearchHit]:
        """``options.asker`` also matches every label of the outlet it names, in either
        language (``Reuters`` finds ``路透社记者``). A read-only archive (the web app, a
        long-lived reader) caches repeated searches."""
        cache = self._search_cache() if self.read_only else None

        def work(s: Session) -> list[SearchHit]:
            opts = options
            if opts is not None and opts.asker and not opts.asker_labels:
                labels = outlets_lib.asker_labels(s, opts.asker, outlets_lib.effective_table(s))
                opts = dataclasses.replace(opts, asker_labels=labels or ())
            if cache is not None:
                return cache.search(s.connection(), query, opts)
            return search_lib.search(s.connection(), query, opts)

        return self._read(work)

    def stats(
        self, *, by: str = "asker", since: date | None = None, source: str | None = None
    ) -> list[StatsRow]:
        def work(s: Session) -> list[StatsRow]:
            table = outlets_lib.effective_table(s) if by == "outlet" else None
            return query_lib.stats(s, by=by, since=since, source=source, outlets=table)

        return self._read(work)

    def check_parse(
        self, *, source: str | None = None, since: date | None = None, until: date | None = None
    ) -> ParseCheck:
        """The parser's corpus check over every briefing's current text (``storage.parsecheck``)."""
        from storage.parsecheck import check_archive

        return self._read(lambda s: check_archive(s, source=source, since=since, until=until))

    def export(self, fmt: str, out: str | Path | IO[Any], flt: ExportFilter | None = None) -> int:
        """Write the archive to ``out`` (a path, or a text stream for jsonl/csv and a binary
        one for parquet), streamed; returns how many records were written."""
        flt = flt or ExportFilter()
        if fmt not in EXPORT_FORMATS:
            raise BadQuery(f"unknown export format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})")
        if fmt == "parquet":
            export_lib.parquet_schema()  # fails early and cleanly when pyarrow is missing
        return self._read(lambda s: _export(s, fmt, out, flt))

    # -- evidence (issue 16): bundles for an event, an exchange or a briefing --------------

    def evidence_bundle(
        self,
        target: EvidenceTarget,
        out: str | Path | IO[bytes],
        *,
        key: Any = None,
        witnesses: WitnessConfig | None = None,
    ) -> BundleSummary:
        """Write the WACZ evidence bundle of ``target`` to ``out``: a path (temporary file,
        then renamed: nothing is left behind on error) or a binary stream. ``key``: an EC
        private key (``load_signing_key``) to sign it; ``witnesses``: also ask the
        Internet Archive (off by default). Raises ``NotFound``, ``EvidenceError``."""
        from dataclasses import replace

        from storage.evidence.bundle import write_atomically

        bundle = self._evidence(target, key, witnesses)
        if isinstance(out, str | Path):
            write_atomically(out, bundle.data)
            return replace(bundle.summary, path=str(out))
        out.write(bundle.data)
        return bundle.summary

    def evidence_bytes(
        self, target: EvidenceTarget, *, key: Any = None
    ) -> tuple[str, bytes, BundleSummary]:
        """The bundle of ``target`` in memory, for a download: (file name, bytes, summary)."""
        bundle = self._evidence(target, key, None)
        name = f"briefings-evidence-{target.kind}-{target.value}.wacz"
        return name, bundle.data, bundle.summary

    def _evidence(
        self, target: EvidenceTarget, key: Any, witnesses: WitnessConfig | None
    ) -> Bundle:
        from storage.evidence.bundle import build

        return self._read(lambda s: build(s, target, key=key, witnesses=witnesses))

    # -- browsing (the web app and its HTTP API; storage/browse.py) -------------------------

    def version_exchanges(
        self, ref: str | int, version: int | None = None
    ) -> tuple[ExchangeRow, ...]:
        """A version's exchanges (default: the latest) with their stable ids, in order."""
        return self._read(lambda s: browse_lib.version_exchanges(s, ref, version))

    def exchange_spans(self, briefing_id: int, uids: Sequence[str]) -> dict[str, ExchangeSpan]:
        """First seen, last seen and confirmed-removal times of a briefing's exchanges."""
        return self._read(lambda s: browse_lib.exchange_spans(s, briefing_id, uids))

    def exchange_history(self, uid: str) -> ExchangeHistory:
        """One exchange across every version that held it, with its change events."""
        return self._read(lambda s: browse_lib.exchange_history(s, uid))

    def provenance(self, ref: str | int, version: int | None = None) -> VersionProvenance:
        """Where a version came from: its capture, raw page hash, parser, every URL."""
        return self._read(lambda s: browse_lib.provenance(s, ref, version))

    def raw_page(self, sha256: str) -> RawPage:
        """A stored raw page by its SHA-256 (bytes as fetched)."""
        return self._read(lambda s: browse_lib.raw_page(s, sha256))

    def ledger(self, flt: LedgerFilter | None = None) -> LedgerPage:
        """One page of the change ledger, newest first, with the web app's filters."""
        return self._read(lambda s: browse_lib.ledger(s, flt or LedgerFilter()))

    def name_profile(self, role: str, name: str) -> NameProfile:
        """An outlet's (role ``asker``) or spokesperson's (``answerer``) exchanges per month
        and the change events of their exchanges."""
        return self._read(lambda s: browse_lib.name_profile(s, role, name))

    def trends(self, *, source: str | None = None) -> tuple[TrendRow, ...]:
        """Exchanges held, edits and removals detected, per month and source."""
        return self._read(lambda s: browse_lib.trends(s, source=source))

    def term_frequency(
        self, query: str, options: SearchOptions | None = None
    ) -> tuple[MonthCount, ...]:
        """How many exchanges match a search per month (the search's own matching)."""
        rows = self._read(lambda s: search_lib.monthly_counts(s.connection(), query, options))
        return tuple(MonthCount(month, count) for month, count in rows)

    def _search_cache(self) -> search_lib.SearchCache:
        cache: search_lib.SearchCache | None = getattr(self, "_cached_searches", None)
        if cache is None:
            cache = self._cached_searches = search_lib.SearchCache()
        return cache

    # -- end browsing -----------------------------------------------------------------------

    # -- history import (issue 18): WARC/WACZ files and the Wayback Machine ------------------

    def import_files(
        self,
        paths: Sequence[str],
        *,
        progress: ImportProgress | None = None,
        workers: int | None = None,
    ) -> ImportSummary:
        """Import WARC (.warc, .warc.gz) and WACZ files under one run of kind ``import``:
        every response of a source's list or transcript URL becomes a capture observed at
        its WARC-Date (``storage.importing``); records imported before are skipped.
        ``workers``: parse worker processes, 0 (parse inline) or 1; None: 1 on two CPUs or
        more."""
        from storage.importing.importer import import_files

        self._check_writable()
        return import_files(self, paths, progress=progress, workers=workers)

    def import_wayback(
        self,
        source: str,
        *,
        client: WaybackClient | None = None,
        base_url: str | None = None,
        rate: float = 1.0,
        since: date | None = None,
        until: date | None = None,
        limit: int | None = None,
        progress: ImportProgress | None = None,
    ) -> ImportSummary:
        """Import the source's Wayback Machine captures (CDX listing, raw ``id_`` replays
        through a polite ``storage.wayback.WaybackClient`` at ``base_url``, at most ``rate``
        requests a second), captured between ``since`` and ``until`` inclusive."""
        from crawler.sources import known_sources
        from storage.importing.importer import import_wayback
        from storage.wayback import DEFAULT_BASE_URL, WaybackClient

        self._check_writable()
        if source not in known_sources():
            raise BadQuery(f"unknown source {source!r} (known: {', '.join(known_sources())})")
        own = client is None
        client = client or WaybackClient(base_url or DEFAULT_BASE_URL, rate=rate)
        try:
            return import_wayback(
                self,
                client,
                source,
                since=since.strftime("%Y%m%d") if since else None,
                until=until.strftime("%Y%m%d") if until else None,
                limit=limit,
                progress=progress,
            )
        finally:
            if own:
                client.close()

    def imported_offsets(self, file_sha256: str) -> set[int]:
        """Offsets of the records of the WARC with this sha256 that are captures already."""
        return self._read(lambda s: provenance_lib.imported_offsets(s, file_sha256))

    def imported_wayback(self, urls: set[str]) -> set[tuple[str, str, str]]:
        """(timestamp, digest, URL) of the imported Wayback captures of these URLs."""
        return self._read(lambda s: provenance_lib.imported_wayback(s, urls))

    def capture_origins(self, ref: str | int) -> list[CaptureOrigin]:
        """Every capture of a briefing, oldest first, with where it came from: the crawl
        run, or the WARC record / Wayback capture it was imported from."""
        return self._read(lambda s: provenance_lib.capture_origins(s, ref))

    # -- end of history import ------------------------------------------------------------

    # English↔Chinese pairs, alignments, asymmetries, outlets
    # storage/pairs.py (writes), storage/pair_views.py and storage/outlet_store.py (reads);
    # docs/alignment.md.

    def align(
        self,
        since: date | None = None,
        until: date | None = None,
        *,
        force: bool = True,
        progress: Callable[[AlignSummary], None] | None = None,
    ) -> AlignSummary:
        """Pair and align the English and Chinese briefings held in ``[since, until]`` (the
        whole archive by default), ``ALIGN_DATES_PER_TRANSACTION`` dates per transaction so a
        crawl is never kept waiting. ``force``: re-align pairs whose inputs did not change
        (the result is the same; findings are never written twice)."""
        self._check_writable()
        if since and until and since > until:
            raise BadQuery(f"--since {since} is after --until {until}")
        days, undated = self._read(lambda s: pairs_lib.dates_to_align(s, since, until))
        # Every date of the archive: no need to look a few days around each one.
        near = since is not None or until is not None
        return self._align_days(days, undated, force=force, near=near, progress=progress)

    def _align_days(
        self,
        days: Sequence[date],
        ids: Sequence[int],
        *,
        force: bool,
        near: bool = True,
        progress: Callable[[AlignSummary], None] | None = None,
    ) -> AlignSummary:
        total = AlignSummary()
        done: set[tuple[int, int]] = set()  # pairs settled by an earlier chunk
        step = ALIGN_DATES_PER_TRANSACTION
        chunks = [list(days[k : k + step]) for k in range(0, len(days), step)]
        if ids or not chunks:
            chunks.append([])
        for k, chunk in enumerate(chunks):
            extra = list(ids) if k == len(chunks) - 1 else []
            if not chunk and not extra:
                continue
            summary, settled = self._write(self._chunk_work(chunk, extra, force, near, done))
            total.add(summary)
            done |= settled
            if progress is not None:
                progress(total)
        return total

    @staticmethod
    def _chunk_work(
        days: list[date], ids: list[int], force: bool, near: bool, done: set[tuple[int, int]]
    ) -> Callable[[Session], tuple[AlignSummary, set[tuple[int, int]]]]:
        def work(session: Session) -> tuple[AlignSummary, set[tuple[int, int]]]:
            settled = set(done)  # a retried transaction starts again from what committed
            table = outlets_lib.effective_table(session)
            summary = pairs_lib.align_dates(
                session, days, ids, table=table, force=force, near=near, done=settled
            )
            return summary, settled

        return work

    def _align_after_run(self, record: RunRecord) -> None:
        """Pairing after a crawl that can add or change briefings, limited to the dates it
        touched. It never fails the run: a problem is logged, and `briefings align` redoes it."""
        if record.kind not in ALIGN_AFTER_RUN_KINDS or self.read_only:
            return
        try:
            days, ids = self._read(lambda s: pairs_lib.touched_by_run(s, record.id))
            if days or ids:
                self._align_days(days, ids, force=False)
        except Exception as exc:  # the run is judged and stored already
            logging.getLogger("briefings.align").warning(
                "alignment after run %s failed (run `briefings align`): %s",
                record.id,
                first_line(exc),
            )

    def pair(self, ref: str | int, *, texts: bool = False) -> PairView:
        """The pair of a briefing (its id or any URL, either language), with its rows and
        findings; ``texts``: each row's exchanges too (the bilingual side-by-side view)."""
        return self._read(lambda s: pair_views_lib.pair_of(s, ref, texts=texts))

    def side_by_side(self, ref: str | int) -> PairView:
        """``pair(ref, texts=True)``: both transcripts row by row, for the web app."""
        return self.pair(ref, texts=True)

    def twin(self, ref: str | int) -> BriefingRef | None:
        """The other language's briefing of ``ref``, None when it has no twin (yet)."""
        return self._read(lambda s: pair_views_lib.twin(s, ref))

    def pairs(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        texts: bool = False,
    ) -> Iterator[PairView]:
        """Every pair with its rows, by date, streamed (one read transaction while iterated)."""
        with self._reading() as session:
            yield from pair_views_lib.iter_pairs(session, since=since, until=until, texts=texts)

    def asymmetries(self, flt: AsymmetryFilter | None = None) -> list[Asymmetry]:
        """Asymmetry findings (open ones by default), newest briefing first."""
        flt = flt or AsymmetryFilter()

        def work(s: Session) -> list[Asymmetry]:
            table = outlets_lib.effective_table(s) if flt.outlet else None
            return pair_views_lib.asymmetries(s, flt, table)

        return self._read(work)

    def outlet_table(self) -> OutletTable:
        """The shipped outlet table extended by the archive's entries (``use_outlets``)."""
        return self._read(outlets_lib.effective_table)

    def use_outlets(self, extra: dict[str, Any] | None) -> bool:
        """Make a config's ``[outlets]`` section the archive's additions to the shipped
        table (``{}``/None: none). True when that changed the table: stored alignments are
        then stale, and ``align()`` should run over the whole archive."""
        self._check_writable()
        return self._write(lambda s: outlets_lib.set_entries(s, extra or {}))

    def outlets(self) -> list[OutletSummary]:
        """Every outlet of the table with the labels printed for it and its exchange count."""
        return self._read(lambda s: outlets_lib.outlets(s, outlets_lib.effective_table(s)))

    def outlet_page(self, outlet_id: str, *, limit: int = 50) -> OutletPage:
        """One outlet for the web app: labels as printed, latest exchanges in both languages."""
        return self._read(
            lambda s: outlets_lib.outlet_page(
                s, outlet_id, outlets_lib.effective_table(s), limit=limit
            )
        )

    def outlet_suggestions(
        self,
        *,
        include_known: bool = False,
        min_count: int = 1,
        limit: int | None = None,
    ) -> list[OutletSuggestion]:
        """Label pairs seen asking one aligned question, with evidence counts: proposals
        for the config's ``[outlets]`` (``include_known``: the table's own mappings too)."""
        return self._read(
            lambda s: outlets_lib.suggestions(
                s,
                outlets_lib.effective_table(s),
                include_known=include_known,
                min_count=min_count,
                limit=limit,
            )
        )


def load_signing_key(path: str | Path, password: bytes | None = None) -> Any:
    """An EC private key from a PEM file, for ``Archive.evidence_bundle(key=...)``."""
    from storage.evidence.sign import load_signing_key as load

    return load(path, password)


def _export(session: Session, fmt: str, out: str | Path | IO[Any], flt: ExportFilter) -> int:
    conn = session.connection()
    if flt.aligned:  # the parallel corpus (docs/alignment.md)
        return _export_aligned(conn, fmt, out, flt)
    if fmt == "warc":  # evidence (issue 16): the raw archive as WARC records
        if isinstance(out, str | Path):
            with open(out, "wb") as handle:
                return export_lib.write_warc(conn, handle, flt)
        return export_lib.write_warc(conn, out, flt)
    if fmt == "parquet":
        target = str(out) if isinstance(out, str | Path) else out
        return export_lib.write_parquet(conn, target, flt)
    writer = export_lib.write_jsonl if fmt == "jsonl" else export_lib.write_csv
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8", newline="") as handle:
            return writer(conn, handle, flt)
    return writer(conn, out, flt)


def _export_aligned(conn: Any, fmt: str, out: str | Path | IO[Any], flt: ExportFilter) -> int:
    if flt.all_versions:
        raise BadQuery("--aligned exports the current versions' alignment: no --all-versions")
    if fmt == "warc":
        raise BadQuery("--aligned rows have no WARC form; use --format jsonl, csv or parquet")
    if fmt == "parquet":
        target = str(out) if isinstance(out, str | Path) else out
        return export_lib.write_aligned(conn, fmt, target, flt)
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8", newline="") as handle:
            return export_lib.write_aligned(conn, fmt, handle, flt)
    return export_lib.write_aligned(conn, fmt, out, flt)


def missing_message(path: Path) -> str:
    return f"no archive at {path}; run `briefings crawl` first or pass --db URL"


# -- opening SQLite files ---------------------------------------------------------------------


@functools.cache
def _known_revisions() -> frozenset[str]:
    """Every Alembic revision of ours (an archive from before ``0008_app_id`` is known by
    its ``alembic_version``)."""
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


def _check_sqlite_path(
    path: Path, must_exist: bool, read_only: bool | None
) -> tuple[str | None, Path | None, bool | None]:
    """``(sqlite read-only mode, path we will create, read_only)`` for an SQLite archive at
    ``path``, or the error that says why it cannot be used (nothing changed)."""
    import sqlite3

    try:
        found = inspect_sqlite_file(path, _known_revisions())
    except (sqlite3.Error, OSError) as exc:
        raise ArchiveUnavailable(f"cannot read {path}: {first_line(exc)}") from exc
    if found.kind in ("foreign", "not-sqlite"):
        raise NotAnArchive(f"{path} is not a briefings archive: {found.detail}")
    unwritable = unwritable_reason(path)
    if found.kind == "absent":
        if must_exist:
            raise ArchiveMissing(missing_message(path))
        if unwritable:
            raise ArchiveUnusable(f"cannot create the archive at {path}: {unwritable}")
        return None, path, read_only
    if unwritable is None:
        return None, None, read_only
    if read_only is False:
        raise ArchiveReadOnly(f"the archive at {path} is read-only: {unwritable}")
    return read_only_mode(path), None, True


def _remove_sqlite_files(path: Path) -> None:
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        path.with_name(name).unlink(missing_ok=True)
