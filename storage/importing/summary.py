"""What an import did (``ImportSummary``), apart from the importer so that
``storage.api`` can name it without loading warcio or requests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_LISTED_PROBLEMS", "ImportProblem", "ImportSummary", "Progress"]

MAX_LISTED_PROBLEMS = 200  # problems kept for the report (all are counted)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    where: str  # "file:offset", "file" or a URL
    message: str

    def to_json(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


@dataclass(slots=True)
class ImportSummary:
    """What an import did: outcomes of the captures it stored, what it skipped and why,
    and every record that failed, with where it is."""

    run_id: int | None = None
    status: str | None = None
    records: int = 0  # items read: records of the files, or captures the CDX listed
    outcomes: Counter[str] = field(default_factory=Counter)  # capture outcomes
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    failed: int = 0  # records that could not be read, parsed or stored
    problems: list[ImportProblem] = field(default_factory=list)  # the first ones

    @property
    def imported(self) -> int:
        return sum(self.outcomes.values())

    def problem(self, where: str, message: str) -> None:
        self.failed += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(ImportProblem(where, message))

    def stats(self) -> dict[str, Any]:
        """The run's stats (``storage.runs.judge_run`` reads ``import/*``)."""
        stats: dict[str, Any] = {
            "import/records": self.records,
            "import/imported": self.imported,
            "import/failed": self.failed,
        }
        stats |= {f"briefings/{outcome}": n for outcome, n in self.outcomes.items()}
        stats |= {f"import/skipped/{reason}": n for reason, n in self.skipped.items()}
        stats["import/problems"] = [p.to_json() for p in self.problems[:20]]
        return stats

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "records": self.records,
            "imported": self.imported,
            "outcomes": dict(sorted(self.outcomes.items())),
            "skipped": dict(sorted(self.skipped.items())),
            "failed": self.failed,
            "problems": [p.to_json() for p in self.problems],
        }


Progress = Callable[[ImportSummary], None]
