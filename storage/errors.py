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


class ArchiveMissing(ArchiveUnavailable):
    """No archive where one was expected (a read must not create an empty one)."""


class ArchiveReadOnly(ArchiveUnavailable):
    """A write was asked of an archive opened read-only, or on a read-only file."""


class NotFound(ArchiveError, LookupError):
    """No briefing, version, event or run matches what was asked; the message says which."""


class BadQuery(ArchiveError, ValueError):
    """A query the archive cannot answer as given (empty search, bad filter value)."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (database drivers write several)."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
