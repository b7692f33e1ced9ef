"""Dates and times as the pages print them: titles, date lines, CMS file names.

``held_on`` never comes from the page URL (migrated pages carry the migration date there);
these helpers only read text the page shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

BEIJING_OFFSET = "+08:00"

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))

# Matched against lower-cased text (case-insensitive patterns are several times slower).
# "June 11, 2018", "June11, 2018" (typo), "June 11,2018", "September 20" (no year).
_EN_DATE = re.compile(
    rf"\b({_MONTH_NAMES})\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s*,?\s*(\d{{4}}))?"
)
# "11 June 2018"
_EN_DATE_DMY = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_NAMES})\.?,?\s+(\d{{4}})\b")
_ZH_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b")
# TRS CMS upload names carry their upload date: W020180920821490923063.jpg -> 2018-09-20.
_CMS_FILE_DATE = re.compile(r"\b[WPU]0(20\d{2})(\d{2})(\d{2})\d{6,}")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date as printed; ``year`` is None when the text left it out."""

    year: int | None
    month: int
    day: int

    def complete(self, year: int | None = None) -> date | None:
        chosen = self.year or year
        if not chosen:
            return None
        try:
            return date(chosen, self.month, self.day)
        except ValueError:
            return None


def _partial(year: str | None, month: int, day: str) -> PartialDate | None:
    candidate = PartialDate(int(year) if year else None, month, int(day))
    # Validate month/day against a leap year so that Feb 29 without a year is accepted.
    try:
        date(candidate.year or 2000, candidate.month, candidate.day)
    except ValueError:
        return None
    return candidate


def find_dates(text: str) -> list[PartialDate]:
    """Every date printed in ``text`` (English, Chinese or ISO spelling), in order."""
    found: list[tuple[int, PartialDate]] = []
    for m in _ISO_DATE.finditer(text):
        if (d := _partial(m[1], int(m[2]), m[3])) is not None:
            found.append((m.start(), d))
    for m in _ZH_DATE.finditer(text):
        if (d := _partial(m[1], int(m[2]), m[3])) is not None:
            found.append((m.start(), d))
    lowered = text.lower()  # positions may shift for a few letters; only the order is used
    for m in _EN_DATE.finditer(lowered):
        if (d := _partial(m[3], MONTHS[m[1].lower()], m[2])) is not None:
            found.append((m.start(), d))
    for m in _EN_DATE_DMY.finditer(lowered):
        if (d := _partial(m[3], MONTHS[m[2].lower()], m[1])) is not None:
            found.append((m.start(), d))
    return [d for _, d in sorted(found, key=lambda pair: pair[0])]


def title_date(title: str) -> PartialDate | None:
    """The conference date a title names (the last date in it: "... on June 11, 2018")."""
    dates = find_dates(title)
    return dates[-1] if dates else None


def first_full_date(text: str | None) -> date | None:
    for d in find_dates(text or ""):
        if (full := d.complete()) is not None:
            return full
    return None


def cms_file_dates(sources: list[str]) -> list[date]:
    """Upload dates encoded in the CMS names of images/attachments embedded in the body."""
    out: list[date] = []
    for src in sources:
        for m in _CMS_FILE_DATE.finditer(src):
            try:
                out.append(date(int(m[1]), int(m[2]), int(m[3])))
            except ValueError:
                continue
    return out


def timestamp(text: str | None) -> str | None:
    """``YYYY-MM-DDTHH:MM+08:00`` when ``text`` shows a date *and* a time, else None."""
    if not text:
        return None
    day = first_full_date(text)
    clock = _TIME.search(text)
    if day is None or clock is None:
        return None
    hour, minute = int(clock[1]), int(clock[2])
    if hour > 23 or minute > 59:
        return None
    seconds = f":{int(clock[3]):02d}" if clock[3] else ""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}{seconds}{BEIJING_OFFSET}"
