"""Configuration of the scheduler service: TOML in, typed (frozen) dataclasses out.

The built-in defaults live in ``scheduler/default_config.toml``; a file given with
``--config`` (or env ``BRIEFINGS_CONFIG``) is merged over them: tables merge key by key, any
other value (lists included) replaces the default. Every source table is built from
``[defaults]`` (built-in, then the file's) overlaid with ``[sources.NAME]``.

Validation is strict, because a typo in a service's config should stop it at start, not
silently disable a notification: unknown keys, wrong types, bad cron expressions, unknown time
zones and unknown notice kinds are all errors naming the offending key.
"""

from __future__ import annotations

import copy
import math
import os
import re
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from storage.api import (
    ASYMMETRY_TYPES,
    POLICY_DURATIONS,
    ArchiveError,
    ChangeEvent,
    ChangeType,
    RevisitPolicy,
    VersionCause,
    check_outlet_entries,
    values,
)

ENV_CONFIG = "BRIEFINGS_CONFIG"
DEFAULT_CONFIG_RESOURCE = "default_config.toml"

# finding types a target gets only when it asks for them
_ASYMMETRY_VALUES = frozenset(str(t) for t in ASYMMETRY_TYPES)

# What a notification target can be sent (its ``on`` list).
NOTICE_KINDS = ("changes", "run-failed", "failure-streak", "no-briefing")
MISSED_RUN_POLICIES = ("once", "skip")
CRON_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week", "week", "year")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_SECONDS = (
    1000 * 366 * 86400
)  # far beyond any real use; a timedelta or a date overflows near 10^4 years
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the key at fault."""


# -- schedules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriggerSpec:
    """One schedule entry: a crontab line, cron fields, or a fixed interval."""

    timezone: str
    cron: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    every: float | None = None  # seconds
    jitter: int | None = None

    def build(self) -> BaseTrigger:
        tz = ZoneInfo(self.timezone)
        if self.cron is not None:
            return CronTrigger.from_crontab(self.cron, timezone=tz)
        if self.fields:
            return CronTrigger(timezone=tz, jitter=self.jitter, **self.fields)
        return IntervalTrigger(seconds=self.every or 0, timezone=tz, jitter=self.jitter)

    def describe(self) -> str:
        if self.cron is not None:
            what = f"cron {self.cron}"
        elif self.fields:
            what = "cron " + " ".join(f"{k}={v}" for k, v in self.fields.items())
        else:
            what = f"every {format_duration(self.every or 0)}"
        return f"{what} ({self.timezone})"


def build_trigger(specs: tuple[TriggerSpec, ...]) -> BaseTrigger:
    """One APScheduler trigger firing at every slot of any of the entries."""
    triggers = [spec.build() for spec in specs]
    return triggers[0] if len(triggers) == 1 else OrTrigger(triggers)


def format_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def parse_duration(value: Any, where: str) -> float:
    """``90``, ``"90s"``, ``"20m"``, ``"6h"``, ``"1d"`` -> seconds (positive)."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a duration like 20m, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    else:
        raise ConfigError(f"{where}: expected a duration like 90, 20m, 6h or 1d, got {value!r}")
    if not math.isfinite(seconds):  # TOML's nan/inf: a NaN deadline never fires
        raise ConfigError(f"{where}: duration must be a finite number, got {value!r}")
    if seconds <= 0:
        raise ConfigError(f"{where}: duration must be positive")
    if seconds > MAX_DURATION_SECONDS:
        raise ConfigError(f"{where}: duration must be at most 1000 years, got {value!r}")
    return seconds


# -- revisit policy ----------------------------------------------------------------------------
# The age ladder is storage's ``RevisitPolicy`` (one definition for the archive, the config and
# the crawl process, which gets it as JSON: ``storage.revisit.policy_to_json``); TOML gives
# its durations as "3d", "6h" and so on.


def policy_json(policy: RevisitPolicy) -> dict[str, Any]:
    """The policy for people: durations as 3d, 6h, ..."""
    data: dict[str, Any] = {
        k: format_duration(getattr(policy, k).total_seconds()) for k in POLICY_DURATIONS
    }
    data["old_buckets"] = policy.old_buckets
    return data


# -- notifications -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """Which change events a target gets. Empty lists match everything; within a list any
    entry may match; across lists all must. Text matches are case-insensitive substrings.

    Events are the archive's ``ChangeEvent``: keywords are looked for in the exchange's
    before/after text and the briefing's title.

    Asymmetry findings between a briefing's English and Chinese versions (``only-in-en``,
    ``only-in-zh``, ``translation-mismatch``, ``one-sided-edit``, ``asymmetry-resolved``)
    are not the ministry's edits: a target gets them only when its ``types`` names them or
    ``asymmetries = true``.
    """

    types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    askers: tuple[str, ...] = ()
    answerers: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    include_parser: bool = False  # parser-caused versions are not ministry edits
    include_cosmetic: bool = False  # typography-only edits are not worth a notice
    asymmetries: bool = False  # also the English/Chinese findings (docs/alignment.md)

    def matches(self, event: ChangeEvent) -> bool:
        if event.cause != VersionCause.PAGE and not self.include_parser:
            return False
        if (event.cosmetic and not self.include_cosmetic) or event.suppressed:
            return False
        # Asymmetry findings only for targets that ask for them
        kind = str(event.type)
        if kind in _ASYMMETRY_VALUES and not (self.asymmetries or kind in self.types):
            return False
        exchange = event.exchange
        texts = (exchange.before, exchange.after) if exchange else ()
        text = " ".join(str(v or "") for v in (*texts, event.briefing.title))
        return (
            _any_equal(self.types, str(event.type))
            and _any_equal(self.sources, event.briefing.source)
            and _any_within(self.askers, exchange.asker if exchange else None)
            and _any_within(self.answerers, exchange.answerer if exchange else None)
            and _any_within(self.keywords, text)
        )


def _any_equal(wanted: tuple[str, ...], value: Any) -> bool:
    return not wanted or value in wanted


def _any_within(wanted: tuple[str, ...], value: Any) -> bool:
    if not wanted:
        return True
    haystack = str(value or "").casefold()
    return any(w.casefold() in haystack for w in wanted)


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    on: tuple[str, ...] = NOTICE_KINDS
    filter: EventFilter = EventFilter()
    timeout: float = 10.0
    retries: int = 3
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EmailTarget:
    to: tuple[str, ...]
    on: tuple[str, ...] = NOTICE_KINDS
    filter: EventFilter = EventFilter()
    subject_prefix: str = "[briefings]"


@dataclass(frozen=True)
class SmtpConfig:
    host: str = ""
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    user: str = ""
    password_env: str = ""
    sender: str = ""
    timeout: float = 30.0


@dataclass(frozen=True)
class NotifyConfig:
    atom_file: str = ""
    atom_entries: int = 100
    webhooks: tuple[WebhookTarget, ...] = ()
    emails: tuple[EmailTarget, ...] = ()
    smtp: SmtpConfig = SmtpConfig()


# -- the whole -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceConfig:
    name: str
    enabled: bool
    timeout: float
    start_urls: tuple[str, ...]
    settings: dict[str, str]
    discovery: tuple[TriggerSpec, ...]
    revisit: tuple[TriggerSpec, ...]
    revisit_policy: RevisitPolicy


@dataclass(frozen=True)
class Config:
    db: str | None
    timezone: str
    missed_runs: str
    misfire_grace_time: int
    failure_threshold: int
    expected_by: time
    working_days: str
    holidays: tuple[date, ...]
    sources: dict[str, SourceConfig]
    notify: NotifyConfig
    path: str | None = None  # the file merged over the defaults, if any
    # ``[outlets]``, entries added to the shipped outlet table
    outlets: dict[str, dict[str, Any]] = field(default_factory=dict)

    def enabled_sources(self) -> list[SourceConfig]:
        return [s for s in self.sources.values() if s.enabled]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["expected_by"] = self.expected_by.strftime("%H:%M")
        data["holidays"] = [d.isoformat() for d in self.holidays]
        for name, source in self.sources.items():
            data["sources"][name]["revisit_policy"] = policy_json(source.revisit_policy)
        return data


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """The effective configuration: defaults, overlaid with ``path`` (or ``$BRIEFINGS_CONFIG``)."""
    path = path or os.environ.get(ENV_CONFIG) or None
    user: dict[str, Any] = {}
    if path is not None:
        user = read_toml(Path(path))
    return parse_config(merge(default_document(), user), path=str(path) if path else None)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def default_document() -> dict[str, Any]:
    text = resources.files("scheduler").joinpath(DEFAULT_CONFIG_RESOURCE).read_text("utf-8")
    return tomllib.loads(text)


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep merge of TOML documents: tables merge, everything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# -- parsing, one small reader per table ---------------------------------------------------


class _Table:
    """Typed access to one TOML table; ``done()`` rejects keys nobody asked for."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{where or 'config'}: expected a table, got {data!r}")
        self.data = dict(data)
        self.where = where

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        value = self.data.pop(name, default)
        if value is None:
            return None
        if isinstance(value, bool) and bool not in _as_tuple(kind):
            raise ConfigError(f"{self.key(name)}: expected {_kind_name(kind)}, got {value!r}")
        if not isinstance(value, kind):
            raise ConfigError(f"{self.key(name)}: expected {_kind_name(kind)}, got {value!r}")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.get(name, (list, str), [])
        values = [value] if isinstance(value, str) else value
        if not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{self.key(name)}: expected a list of strings")
        return tuple(values)

    def table(self, name: str) -> _Table:
        return _Table(self.data.pop(name, {}), self.key(name))

    def done(self) -> None:
        if self.data:
            names = ", ".join(sorted(self.data))
            raise ConfigError(f"unknown key(s) in [{self.where or 'top level'}]: {names}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true/false"}
    names |= {list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def parse_config(doc: dict[str, Any], *, path: str | None = None) -> Config:
    top = _Table(doc, "")
    timezone = _timezone(top.get("timezone", str, "Asia/Shanghai"), "timezone")
    defaults = top.data.pop("defaults", {})
    sources_doc = top.get("sources", dict, {})
    missed = top.get("missed_runs", str, "once")
    if missed not in MISSED_RUN_POLICIES:
        raise ConfigError(f"missed_runs: expected one of {MISSED_RUN_POLICIES}, got {missed!r}")
    config = Config(
        db=top.get("db", str) or None,
        timezone=timezone,
        missed_runs=missed,
        misfire_grace_time=_positive_int(top, "misfire_grace_time", 900),
        failure_threshold=_positive_int(top, "failure_threshold", 3),
        expected_by=_clock_time(top.get("expected_by", (str, int), "22:00"), "expected_by"),
        working_days=_day_of_week(top.get("working_days", str, "mon-fri"), "working_days"),
        holidays=_dates(top.strings("holidays"), "holidays"),
        sources={
            name: _source(name, merge(defaults, table or {}), timezone)
            for name, table in sources_doc.items()
        },
        notify=_notify(top.table("notify")),
        path=path,
        outlets=_outlets(top.get("outlets", dict, {})),
    )
    top.done()
    if not config.sources:
        raise ConfigError("sources: no source configured")
    return config


def _positive_int(table: _Table, name: str, default: int) -> int:
    value: int = table.get(name, int, default)
    if value < 1:
        raise ConfigError(f"{table.key(name)}: must be at least 1, got {value}")
    return value


def _timezone(name: str, where: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {name!r}") from None
    return name


def _clock_time(value: str | int, where: str) -> time:
    try:
        return time(value) if isinstance(value, int) else time.fromisoformat(value)
    except ValueError:
        raise ConfigError(f'{where}: expected an hour like "22:00", got {value!r}') from None


def _day_of_week(value: str, where: str) -> str:
    try:
        CronTrigger(day_of_week=value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return value


MAX_DATE_RANGE_DAYS = 366


def _dates(values: tuple[str, ...], where: str) -> tuple[date, ...]:
    """ISO dates, and inclusive ranges ``"2026-10-01..2026-10-08"`` (a holiday week, the
    ministry's summer break) spelled out day by day."""
    days: list[date] = []
    try:
        for value in values:
            first, sep, last = value.partition("..")
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if sep else start
            span = (end - start).days
            if not 0 <= span < MAX_DATE_RANGE_DAYS:
                raise ValueError(f"{value!r} is not a range of 1 to {MAX_DATE_RANGE_DAYS} days")
            days.extend(start + timedelta(days=n) for n in range(span + 1))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return tuple(sorted(set(days)))


def _source(name: str, doc: Any, timezone: str) -> SourceConfig:
    where = f"sources.{name}"
    if not _SOURCE_NAME.match(name):
        raise ConfigError(f"{where}: a source name is lower-case letters, digits and '-'")
    table = _Table(doc, where)
    tz = _timezone(table.get("timezone", str, timezone), table.key("timezone"))
    settings = _scrapy_settings(table.get("settings", dict, {}), table.key("settings"))
    source = SourceConfig(
        name=name,
        enabled=table.get("enabled", bool, True),
        timeout=parse_duration(table.get("timeout", (int, float, str), 3600), f"{where}.timeout"),
        start_urls=table.strings("start_urls"),
        settings=settings,
        discovery=_schedule(table.data.pop("discovery", []), table.key("discovery"), tz),
        revisit=_schedule(table.data.pop("revisit", []), table.key("revisit"), tz),
        revisit_policy=_revisit_policy(table.table("revisit_policy")),
    )
    table.done()
    return source


def _scrapy_settings(doc: dict[str, Any], where: str) -> dict[str, str]:
    """Scrapy settings as ``-s NAME=VALUE`` strings: scalars only (a table or a list would
    reach the crawl as its Python repr), finite numbers only."""
    settings = {}
    for name, value in doc.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{where}.{name}: expected a finite number, got {value!r}")
        if not isinstance(value, str | int | float | bool):
            raise ConfigError(
                f"{where}.{name}: expected a string, number or true/false, "
                f"got {_kind_name(type(value))}"
            )
        settings[str(name)] = str(value)
    return settings


def _schedule(value: Any, where: str, timezone: str) -> tuple[TriggerSpec, ...]:
    """A schedule: one entry or a list of them; an empty list switches the job off."""
    entries = [value] if isinstance(value, dict) else value
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: expected a table or a list of tables")
    return tuple(_trigger(entry, f"{where}[{i}]", timezone) for i, entry in enumerate(entries))


def _trigger(doc: Any, where: str, timezone: str) -> TriggerSpec:
    table = _Table(doc, where)
    tz = _timezone(table.get("timezone", str, timezone), table.key("timezone"))
    cron = table.get("cron", str)
    every = table.data.pop("every", None)
    jitter = table.get("jitter", int)
    fields = {k: str(table.data.pop(k)) for k in CRON_FIELDS if k in table.data}
    table.done()
    if sum(x is not None and x != {} for x in (cron, every, fields)) != 1:
        raise ConfigError(f'{where}: give exactly one of cron = "...", every = ..., cron fields')
    spec = TriggerSpec(
        timezone=tz,
        cron=cron,
        fields=fields,
        every=parse_duration(every, table.key("every")) if every is not None else None,
        jitter=jitter,
    )
    _check_trigger(spec, where)
    return spec


def _check_trigger(spec: TriggerSpec, where: str) -> None:
    if spec.cron is not None:
        parts = spec.cron.split()
        if len(parts) != 5:
            raise ConfigError(f"{where}.cron: expected 5 fields (m h dom mon dow): {spec.cron!r}")
        if re.search(r"\d", parts[4]):
            # APScheduler counts 0 as Monday, crontab as Sunday: names avoid the ambiguity.
            raise ConfigError(f"{where}.cron: write days of week as names (mon-fri), not numbers")
    try:
        spec.build()
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: bad schedule: {exc}") from None


def _revisit_policy(table: _Table) -> RevisitPolicy:
    default = RevisitPolicy()
    values: dict[str, Any] = {}
    for name in POLICY_DURATIONS:
        raw = table.get(name, (int, float, str))
        seconds = parse_duration(raw, table.key(name)) if raw is not None else None
        values[name] = timedelta(seconds=seconds) if seconds else getattr(default, name)
    buckets = table.get("old_buckets", int, default.old_buckets)
    if buckets < 1:
        raise ConfigError(f"{table.key('old_buckets')}: must be at least 1")
    table.done()
    if not values["fresh_age"] < values["recent_age"] < values["year_age"]:
        raise ConfigError(f"{table.where}: needs fresh_age < recent_age < year_age")
    return RevisitPolicy(**values, old_buckets=buckets)


def _notify(table: _Table) -> NotifyConfig:
    webhooks = table.get("webhooks", list, [])
    emails = table.get("emails", list, [])
    notify = NotifyConfig(
        atom_file=table.get("atom_file", str, ""),
        atom_entries=_positive_int(table, "atom_entries", 100),
        webhooks=tuple(
            _webhook(_Table(w, f"notify.webhooks[{i}]")) for i, w in enumerate(webhooks)
        ),
        emails=tuple(_email(_Table(e, f"notify.emails[{i}]")) for i, e in enumerate(emails)),
        smtp=_smtp(table.table("smtp")),
    )
    table.done()
    if notify.emails and not notify.smtp.host:
        raise ConfigError("notify.emails: email targets need [notify.smtp] host")
    return notify


def _notice_kinds(table: _Table) -> tuple[str, ...]:
    kinds = table.strings("on") or NOTICE_KINDS
    unknown = sorted(set(kinds) - set(NOTICE_KINDS))
    if unknown:
        raise ConfigError(
            f"{table.key('on')}: unknown notice kind(s) {unknown}; use {NOTICE_KINDS}"
        )
    return kinds


def _event_filter(table: _Table) -> EventFilter:
    return EventFilter(
        types=_event_types(table),
        sources=table.strings("sources"),
        askers=table.strings("askers"),
        answerers=table.strings("answerers"),
        keywords=table.strings("keywords"),
        include_parser=table.get("include_parser", bool, False),
        include_cosmetic=table.get("include_cosmetic", bool, False),
        asymmetries=table.get("asymmetries", bool, False),
    )


# event types checked (asymmetry types included), [outlets] read


def _event_types(table: _Table) -> tuple[str, ...]:
    types = table.strings("types")
    known = values(ChangeType)
    unknown = sorted(set(types) - set(known))
    if unknown:
        raise ConfigError(
            f"{table.key('types')}: unknown event type(s) {unknown}; use {list(known)}"
        )
    return types


def _outlets(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``[outlets.ID]`` tables (``en``/``zh`` label lists, optional ``parent``) added to the
    shipped outlet table; checked like the shipped table (no label claimed twice)."""
    try:
        return check_outlet_entries(doc)
    except ArchiveError as exc:
        raise ConfigError(str(exc)) from None


def _webhook(table: _Table) -> WebhookTarget:
    url = table.get("url", str)
    if not url or not url.startswith(("http://", "https://")):
        raise ConfigError(f"{table.key('url')}: expected an http(s) URL, got {url!r}")
    target = WebhookTarget(
        url=url,
        on=_notice_kinds(table),
        filter=_event_filter(table),
        timeout=parse_duration(table.get("timeout", (int, float, str), 10), table.key("timeout")),
        retries=table.get("retries", int, 3),
        headers={str(k): str(v) for k, v in table.get("headers", dict, {}).items()},
    )
    table.done()
    return target


def _email(table: _Table) -> EmailTarget:
    to = table.strings("to")
    if not to:
        raise ConfigError(f"{table.key('to')}: at least one address")
    target = EmailTarget(
        to=to,
        on=_notice_kinds(table),
        filter=_event_filter(table),
        subject_prefix=table.get("subject_prefix", str, "[briefings]"),
    )
    table.done()
    return target


def _smtp(table: _Table) -> SmtpConfig:
    smtp = SmtpConfig(
        host=table.get("host", str, ""),
        port=table.get("port", int, 587),
        starttls=table.get("starttls", bool, True),
        ssl=table.get("ssl", bool, False),
        user=table.get("user", str, ""),
        password_env=table.get("password_env", str, ""),
        sender=table.get("from", str, ""),
        timeout=parse_duration(table.get("timeout", (int, float, str), 30), table.key("timeout")),
    )
    table.done()
    if smtp.host and not smtp.sender:
        raise ConfigError("notify.smtp.from: a sender address is needed with a host")
    return smtp
