"""Configuration: defaults, merging, validation with clear errors."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from scheduler.config import ConfigError, build_trigger, load_config, parse_duration
from storage.revisit import RevisitPolicy, policy_from_json, policy_to_json
from tests.scheduler.helpers import config_from


def test_builtin_defaults() -> None:
    config = load_config(None)
    assert set(config.sources) == {"mfa-en", "mfa-zh"}
    en = config.sources["mfa-en"]
    assert en.enabled and en.timeout == 3600
    assert [s.cron for s in en.discovery] == ["*/20 15-21 * * mon-fri", "0 */6 * * *"]
    assert all(s.timezone == "Asia/Shanghai" for s in en.discovery)
    assert en.revisit_policy == RevisitPolicy()
    assert config.expected_by == time(22, 0) and config.failure_threshold == 3
    assert config.missed_runs == "once" and config.path is None


def test_default_discovery_polls_beijing_afternoons() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    trigger = build_trigger(load_config(None).sources["mfa-en"].discovery)
    tz = ZoneInfo("Asia/Shanghai")
    # Friday 15:05 Beijing: next slot 15:20; Saturday 15:05: next is 18:00 (every 6 hours).
    friday = datetime(2026, 11, 27, 15, 5, tzinfo=tz)
    saturday = datetime(2026, 11, 28, 15, 5, tzinfo=tz)
    assert trigger.get_next_fire_time(None, friday) == datetime(2026, 11, 27, 15, 20, tzinfo=tz)
    assert trigger.get_next_fire_time(None, saturday) == datetime(2026, 11, 28, 18, 0, tzinfo=tz)


def test_file_merges_over_defaults(tmp_path) -> None:
    config = config_from(
        tmp_path,
        """
        db = "sqlite:///elsewhere.db"
        failure_threshold = 5
        expected_by = "20:30"
        holidays = ["2026-10-01"]
        [defaults]
        timeout = "20m"
        [sources.mfa-zh]
        enabled = false
        discovery = { every = "5m", timezone = "UTC" }
        settings = { DOWNLOAD_DELAY = 2 }
        start_urls = ["http://127.0.0.1:8000/web/"]
        [sources.mfa-zh.revisit_policy]
        fresh_every = "3h"
        old_every = "60d"
        """,
    )
    assert config.db == "sqlite:///elsewhere.db" and config.failure_threshold == 5
    assert config.expected_by == time(20, 30) and str(config.holidays[0]) == "2026-10-01"
    en, zh = config.sources["mfa-en"], config.sources["mfa-zh"]
    assert en.timeout == zh.timeout == 1200 and en.enabled and not zh.enabled
    assert [s.every for s in zh.discovery] == [300] and zh.discovery[0].timezone == "UTC"
    assert len(en.discovery) == 2  # untouched default
    assert zh.settings == {"DOWNLOAD_DELAY": "2"} and zh.start_urls == (
        "http://127.0.0.1:8000/web/",
    )
    assert zh.revisit_policy.fresh_every == timedelta(hours=3)
    assert zh.revisit_policy.old_every == timedelta(days=60)
    assert zh.revisit_policy.fresh_age == timedelta(days=3)
    assert [s.name for s in config.enabled_sources()] == ["mfa-en"]


def test_env_names_the_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "x.toml"
    path.write_text("failure_threshold = 7\n")
    monkeypatch.setenv("BRIEFINGS_CONFIG", str(path))
    assert load_config().failure_threshold == 7


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1", "unknown key(s) in [top level]: colour"),
        ("[sources.mfa-en]\ntimout = 5", "unknown key(s) in [sources.mfa-en]: timout"),
        ('[sources.mfa-en]\ndiscovery = { cron = "61 * * * *" }', "sources.mfa-en.discovery[0]"),
        ('[sources.mfa-en]\ndiscovery = { cron = "* * *" }', "expected 5 fields"),
        ('[sources.mfa-en]\ndiscovery = { cron = "0 15 * * 1-5" }', "days of week as names"),
        ('[sources.mfa-en]\ndiscovery = { hour = "25" }', "bad schedule"),
        ('[sources.mfa-en]\ndiscovery = { every = "soon" }', "expected a duration"),
        ('[sources.mfa-en]\ndiscovery = { every = "5m", cron = "* * * * *" }', "exactly one"),
        ('timezone = "Mars/Olympus"', "unknown time zone"),
        ("failure_threshold = 0", "failure_threshold: must be at least 1"),
        ('missed_runs = "all"', "missed_runs: expected one of"),
        ("failure_threshold = true", "failure_threshold: expected an integer"),
        ('expected_by = "late"', "expected_by"),
        ("[notify]\nwebhooks = [{ url = 'ftp://x' }]", "notify.webhooks[0].url"),
        ("[notify]\nwebhooks = [{ url = 'http://x', on = ['rain'] }]", "unknown notice kind"),
        ("[notify]\nwebhooks = [{ url = 'http://x', typo = 1 }]", "[notify.webhooks[0]]: typo"),
        ("[notify]\nemails = [{ to = ['a@b.c'] }]", "need [notify.smtp] host"),
        ("[notify.smtp]\nhost = 'mail'", "notify.smtp.from"),
        ("[sources.mfa-en.revisit_policy]\nfresh_age = '40d'", "fresh_age < recent_age"),
        ("[sources.mfa-en.revisit_policy]\nold_buckets = 0", "old_buckets"),
        ("[sources.Bad_Name]", "lower-case"),
        ("holidays = ['2026-13-01']", "holidays"),
        ("holidays = ['2026-10-08..2026-10-01']", "holidays: '2026-10-08..2026-10-01'"),
        ("holidays = ['2026-01-01..2027-06-01']", "not a range of 1 to 366 days"),
    ],
)
def test_validation_errors_name_the_key(tmp_path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from(tmp_path, text)
    assert message in str(info.value)


def test_holidays_take_dates_and_ranges(tmp_path) -> None:
    # National Day week as a range, the ministry's summer break, and a day given twice.
    config = config_from(
        tmp_path,
        'holidays = ["2026-10-01..2026-10-08", "2026-08-03..2026-08-14", "2026-10-01"]',
    )
    days = [str(d) for d in config.holidays]
    assert len(days) == 8 + 12 and days == sorted(days)
    assert days[0] == "2026-08-03" and days[-1] == "2026-10-08" and "2026-10-05" in days


def test_missing_and_broken_files(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[sources\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_notify_targets(tmp_path) -> None:
    config = config_from(
        tmp_path,
        """
        [notify]
        atom_file = "/tmp/feed.xml"
        [[notify.webhooks]]
        url = "https://hooks.example/x"
        on = ["changes"]
        types = ["removed", "edited"]
        askers = ["Reuters"]
        retries = 1
        timeout = 5
        [[notify.emails]]
        to = ["desk@example.org"]
        keywords = ["Taiwan"]
        [notify.smtp]
        host = "mail.example.org"
        from = "briefings@example.org"
        password_env = "SMTP_PASSWORD"
        """,
    )
    hook, email = config.notify.webhooks[0], config.notify.emails[0]
    assert hook.on == ("changes",) and hook.filter.types == ("removed", "edited")
    assert hook.filter.askers == ("Reuters",) and hook.retries == 1 and hook.timeout == 5
    assert email.to == ("desk@example.org",) and email.filter.keywords == ("Taiwan",)
    assert email.on == ("changes", "run-failed", "failure-streak", "no-briefing")
    assert config.notify.smtp.sender == "briefings@example.org"


def test_policy_travels_as_json() -> None:
    policy = RevisitPolicy(fresh_every=timedelta(hours=2), old_buckets=10)
    assert policy_from_json(policy_to_json(policy)) == policy
    assert policy_from_json(None) == RevisitPolicy()


def test_durations() -> None:
    assert parse_duration("20m", "x") == 1200 and parse_duration(90, "x") == 90
    assert parse_duration("1.5h", "x") == 5400 and parse_duration("2d", "x") == 172800
    with pytest.raises(ConfigError):
        parse_duration(0, "x")


def test_empty_schedule_switches_a_job_off(tmp_path) -> None:
    from scheduler.jobs import job_defs

    config = config_from(
        tmp_path, "[sources.mfa-en]\nrevisit = []\n[sources.mfa-zh]\nenabled = false"
    )
    assert [j.id for j in job_defs(config)] == ["mfa-en:discovery", "mfa-en:expected"]
