"""Every status and type string of the archive, as enums.

The models store these values in plain string columns (portable, and easy to read in
Datasette); ``StrEnum`` members *are* those strings, so a member compares equal to the
stored text and serializes to it. The CLI's choices, the filters and the rules all take
their values from here, so a new change type is added in one place.
"""

from __future__ import annotations

from enum import StrEnum


class RunKind(StrEnum):
    DISCOVERY = "discovery"  # new briefings from the list pages, incremental
    FULL = "full"  # every list page
    REVISIT = "revisit"  # archived briefings again, with conditional GET
    REPARSE = "reparse"  # stored pages through the current parser
    IMPORT = "import"  # captures from WARC/WACZ files or the Wayback Machine (issue 18)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class CaptureOutcome(StrEnum):
    NEW = "new"  # first version of a briefing
    UNCHANGED = "unchanged"  # same normalized content as the latest version
    REVISED = "revised"  # a new version
    NOT_MODIFIED = "not_modified"  # HTTP 304 to a conditional GET
    NOT_TRANSCRIPT = "not_transcript"  # parsed, but the page holds no transcript
    SUSPECT = "suspect"  # a known briefing came back damaged or gone; to be confirmed
    ERROR = "error"  # download failed or parsing raised


# Outcomes that show a URL still served the transcript.
SERVED_OUTCOMES = frozenset(
    {
        CaptureOutcome.NEW,
        CaptureOutcome.UNCHANGED,
        CaptureOutcome.REVISED,
        CaptureOutcome.NOT_MODIFIED,
    }
)
# Outcomes of a capture that stored a page the archive read as the transcript.
PAGE_OUTCOMES = frozenset({CaptureOutcome.NEW, CaptureOutcome.UNCHANGED, CaptureOutcome.REVISED})


# --- history import (issue 18) -------------------------------------------------------------


class ProvenanceKind(StrEnum):
    """Where an imported capture came from (a crawled one has its ``run_id`` instead)."""

    WARC = "warc"  # a record of a WARC file (or of a WARC inside a WACZ)
    WAYBACK = "wayback"  # a Wayback Machine capture, fetched raw (``id_``)


# --- end of history import ------------------------------------------------------------------


class BriefingStatus(StrEnum):
    ACTIVE = "active"
    SUSPECT = "suspect"
    REMOVED = "removed"


class VersionCause(StrEnum):
    PAGE = "page"  # the ministry's page changed
    PARSER = "parser"  # a newer parser reads the same page differently


class ChangeType(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    EDITED = "edited"
    MOVED = "moved"
    BRIEFING_REMOVED = "briefing-removed"
    RESTORED = "restored"
    BRIEFING_MOVED = "briefing-moved"
    # A second live copy at another URL with different text: one event, not edits.
    REPUBLISHED = "republished"
    # One copy taken down (or back) while another location still serves the briefing.
    LOCATION_REMOVED = "location-removed"
    LOCATION_RESTORED = "location-restored"
    # A location serving two contents in turn, and its return to one (storage.flapping).
    UNSTABLE = "unstable"
    STABILIZED = "stabilized"
    # asymmetries between a briefing's English and Chinese versions.
    # Findings about a pair, never edits of one page: ``stats`` does not count them and the
    # ledger shows them only when asked for (docs/alignment.md).
    ONLY_IN_EN = "only-in-en"  # an exchange with no twin in the Chinese version
    ONLY_IN_ZH = "only-in-zh"
    TRANSLATION_MISMATCH = "translation-mismatch"  # twins that differ in substance
    ONE_SIDED_EDIT = "one-sided-edit"  # one language's exchange edited, its twin not
    ASYMMETRY_RESOLVED = "asymmetry-resolved"  # a finding no longer holds

    @property
    def is_exchange_change(self) -> bool:
        return self in EXCHANGE_CHANGE_TYPES

    @property
    def is_asymmetry(self) -> bool:
        return self in ASYMMETRY_TYPES


EXCHANGE_CHANGE_TYPES = frozenset(
    {ChangeType.ADDED, ChangeType.REMOVED, ChangeType.EDITED, ChangeType.MOVED}
)
# Events about where and how a briefing is served, not about its text.
LOCATION_CHANGE_TYPES = frozenset(
    {
        ChangeType.LOCATION_REMOVED,
        ChangeType.LOCATION_RESTORED,
        ChangeType.UNSTABLE,
        ChangeType.STABILIZED,
    }
)
ASYMMETRY_TYPES = frozenset(
    {
        ChangeType.ONLY_IN_EN,
        ChangeType.ONLY_IN_ZH,
        ChangeType.TRANSLATION_MISMATCH,
        ChangeType.ONE_SIDED_EDIT,
        ChangeType.ASYMMETRY_RESOLVED,
    }
)
# The ledger of the ministry's edits of its pages: every type but the asymmetries.
PAGE_CHANGE_TYPES = tuple(t for t in ChangeType if t not in ASYMMETRY_TYPES)


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The enum's values, in definition order (for CLI choices and documentation)."""
    return tuple(member.value for member in enum)
