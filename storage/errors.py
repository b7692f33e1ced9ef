"""The archive's errors: each one a one-line message a user can act on.

Callers (the CLI, the scheduler, the web app) catch ``ArchiveError`` and print ``str(exc)``;
nothing below it should ever reach a user as a traceback.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Something about the archive the caller asked for; ``str()`` is one line."""

    exit_code = 1


class ArchiveUnavailable(ArchiveError):
    """The archive cannot be opened or used (missing, server down, schema behind and
    read-only); nothing was written."""


class ArchiveUnusable(ArchiveUnavailable):
    """The archive cannot be used at all where it is (no directory, not an archive, a full
    disk, read-only for a write): exit 2, and nothing was changed."""

    exit_code = 2


class ArchiveMissing(ArchiveUnavailable):
    """No archive where one was expected (a read must not create an empty one)."""


class ArchiveReadOnly(ArchiveUnusable):
    """A write was asked of an archive opened read-only, or on a read-only file."""


class NotFound(ArchiveError, LookupError):
    """No briefing, version, event or run matches what was asked; the message says which."""


class BadQuery(ArchiveError, ValueError):
    """A query the archive cannot answer as given (empty search, bad filter value)."""


class ArchiveFull(ArchiveUnusable):
    """The disk (or the database's own size limit) is full: nothing more can be written."""


class NotAnArchive(ArchiveUnusable):
    """The file or database is something else (not SQLite, another program's database)."""


# How drivers say "no space left": SQLite's SQLITE_FULL, PostgreSQL's 53100 and ENOSPC.
_FULL_MARKERS = ("database or disk is full", "no space left on device", "could not extend file")


def is_disk_full(exc: BaseException) -> bool:
    original = getattr(exc, "orig", None) or exc
    if getattr(original, "sqlstate", None) == "53100":  # disk_full
        return True
    text = str(original).lower()
    return any(marker in text for marker in _FULL_MARKERS)


def describe(exc: BaseException) -> str:
    """One line naming the cause of a database error: "disk full: ..." when it is."""
    line = first_line(exc)
    return f"disk full ({line})" if is_disk_full(exc) and "disk full" not in line else line


def database_error(exc: BaseException, doing: str) -> ArchiveUnavailable:
    """The archive error for a driver error met while ``doing`` (one line)."""
    cls = ArchiveFull if is_disk_full(exc) else ArchiveUnavailable
    return cls(f"{doing}: {describe(exc)}")


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (database drivers write several)."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
