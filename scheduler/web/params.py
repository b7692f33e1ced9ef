"""Query parameters as the pages take them: blank means absent, bad values are a 400."""

from __future__ import annotations

from datetime import date

from scheduler.web.errors import BadParameter
from storage.api import ChangeType, values

SOURCES = ("mfa-en", "mfa-zh")
LANGUAGES = ("en", "zh")
CHANGE_TYPES = values(ChangeType)
MAX_TEXT = 200  # a filter value longer than this is no name anyone looks for


def text(name: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_TEXT:
        raise BadParameter(f"{name}: at most {MAX_TEXT} characters")
    if "\x00" in value:
        raise BadParameter(f"{name}: must not contain NUL")
    return value.strip()


def choice(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    value = text(name, value)
    if value is not None and value not in allowed:
        raise BadParameter(f"{name}: must be one of {', '.join(allowed)}")
    return value


def day(name: str, value: str | None) -> date | None:
    value = text(name, value)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadParameter(f"{name}: not a date (YYYY-MM-DD): {value[:40]!r}") from None


def flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def types(raw: list[str]) -> tuple[str, ...]:
    picked = [t for t in (text("type", r) for r in raw) if t]
    for t in picked:
        if t not in CHANGE_TYPES:
            raise BadParameter(f"type: must be one of {', '.join(CHANGE_TYPES)}")
    return tuple(dict.fromkeys(picked))


def number(name: str, value: str | None, *, minimum: int = 0, maximum: int = 10**9) -> int | None:
    value = text(name, value)
    if value is None:
        return None
    if not value.isdigit():
        raise BadParameter(f"{name}: not a whole number: {value[:40]!r}")
    result = int(value)
    if not minimum <= result <= maximum:
        raise BadParameter(f"{name}: must be between {minimum} and {maximum}")
    return result
