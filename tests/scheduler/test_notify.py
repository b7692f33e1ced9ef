"""Notifications: webhook, email, Atom file; filters; failures never raise."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from scheduler.config import EventFilter, load_config
from scheduler.notify import Notice, Notifier
from storage.api import Archive, ChangeEvent
from tests.scheduler.helpers import add_briefing, add_event, add_run, config_from
from tests.scheduler.servers import smtp_server, webhook_receiver

EVENT = ChangeEvent.from_json({
    "id": 7,
    "type": "removed",
    "cause": "page",
    "detected_at": "2026-11-27T12:00:00+00:00",
    "briefing": {"id": 1, "url": "https://www.fmprc.gov.cn/x.html", "source": "mfa-en",
                 "held_on": "2026-11-27", "title": "Regular Press Conference"},
    "exchange": {"id": "ab", "asker": "Reuters", "answerer": "Mao Ning", "fields": None,
                 "before": "Q: Taiwan?\n\nA: No comment.", "after": None},
})  # fmt: skip


def notice(*events: ChangeEvent) -> Notice:
    return Notice(kind="changes", subject="s", text="t", source="mfa-en", run={"id": 1},
                  events=list(events))  # fmt: skip


def test_filters() -> None:
    assert EventFilter().matches(EVENT)
    assert EventFilter(types=("removed",), askers=("reuters",)).matches(EVENT)
    assert not EventFilter(types=("edited",)).matches(EVENT)
    assert not EventFilter(sources=("mfa-zh",)).matches(EVENT)
    assert EventFilter(keywords=("taiwan",)).matches(EVENT)
    assert not EventFilter(keywords=("Gaza",)).matches(EVENT)
    assert EventFilter(answerers=("Mao",)).matches(EVENT)
    parser = dataclasses.replace(EVENT, cause="parser")
    assert not EventFilter().matches(parser)
    assert EventFilter(include_parser=True).matches(parser)


def test_webhook_gets_filtered_events_and_retries(tmp_path) -> None:
    with webhook_receiver(fail_first=1) as hook:
        config = config_from(
            tmp_path,
            f"""
            [[notify.webhooks]]
            url = "{hook.url}"
            types = ["removed"]
            retries = 2
            [[notify.webhooks]]
            url = "{hook.url}"
            on = ["run-failed"]
            """,
        )
        notifier = Notifier(config.notify, retry_pause=0.01)
        other = dataclasses.replace(EVENT, id=8, type="added")
        assert notifier.send(notice(EVENT, other)) == 1
        assert hook.attempts == 2  # a 500, then the retry
        [post] = hook.posts
        assert [e["id"] for e in post["events"]] == [7] and post["run"] == {"id": 1}
        assert post["kind"] == "changes"
        assert hook.headers[0]["Content-Type"].startswith("application/json")
        # A notice of events none of which passes the filter is not sent at all.
        assert notifier.send(notice(other)) == 0
        assert len(hook.posts) == 1


def test_dead_webhook_is_logged_not_raised(tmp_path, caplog) -> None:
    config = config_from(tmp_path, '[[notify.webhooks]]\nurl = "http://127.0.0.1:9/x"\nretries = 1')
    notifier = Notifier(config.notify, retry_pause=0.01)
    assert notifier.send(notice(EVENT)) == 0
    assert "notification failed: webhook http://127.0.0.1:9/x" in caplog.text


def test_email_through_smtp(tmp_path) -> None:
    with smtp_server() as server:
        port = server.server_address[1]
        config = config_from(
            tmp_path,
            f"""
            [[notify.emails]]
            to = ["desk@example.org", "ed@example.org"]
            askers = ["Reuters"]
            [notify.smtp]
            host = "127.0.0.1"
            port = {port}
            starttls = false
            from = "briefings@example.org"
            """,
        )
        assert Notifier(config.notify).send(notice(EVENT)) == 1
        [message] = server.messages
    assert len(message["rcpt"]) == 2
    assert "Subject: [briefings] s" in message["data"]
    assert "removed: mfa-en 2026-11-27: Reuters -> Mao Ning" in message["data"]


def test_unreachable_smtp_is_logged(tmp_path, caplog) -> None:
    config = config_from(
        tmp_path,
        '[[notify.emails]]\nto = ["a@b.c"]\n[notify.smtp]\nhost = "127.0.0.1"\nport = 9\n'
        'from = "x@y.z"\ntimeout = 2\n',
    )
    assert Notifier(config.notify).send(notice(EVENT)) == 0
    assert "notification failed: email" in caplog.text


def test_atom_file(tmp_path, engine) -> None:
    run_id = add_run(engine, "mfa-en")
    add_event(engine, run_id, add_briefing(engine), before="<script>alert(1)</script>")
    config = config_from(tmp_path, f'[notify]\natom_file = "{tmp_path / "feed.xml"}"')
    path = Notifier(config.notify).write_atom(Archive(engine))
    assert path is not None
    root = ET.parse(path).getroot()
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1
    assert not (tmp_path / "feed.xml.tmp").exists()


def test_no_atom_file_by_default(engine) -> None:
    assert Notifier(load_config(None).notify).write_atom(Archive(engine)) is None
