"""The write path: captures, versions, exchanges, raw bodies, runs, lookups."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage import rawstore
from storage.api import Archive
from storage.models import (
    Briefing,
    BriefingLocation,
    Capture,
    ChangeEvent,
    CrawlRun,
    Exchange,
    RawBody,
    Version,
)
from tests.storage.factories import make_briefing
from tests.storage.helpers import count, record, rows


def test_first_capture_is_new_with_version_and_exchanges(archive: Archive, engine) -> None:
    run = archive.start_run("mfa-en")
    data = make_briefing(4)
    result = record(
        archive,
        run,
        data,
        headers={
            "ETag": '"abc"',
            "last-modified": "Tue, 27 Feb 2024 10:00:00 GMT",
            "Content-Type": "text/html; charset=utf-8",
            "X-Other": "x",
        },
    )
    assert (result.outcome, result.version_number, result.changes) == ("new", 1, 0)
    assert count(engine, Briefing) == 1
    assert count(engine, Version) == 1
    assert count(engine, ChangeEvent) == 0
    assert rows(engine, Exchange.position, Exchange.asker, order_by=Exchange.position) == [
        (i, ex["asker"]) for i, ex in enumerate(data["exchanges"])
    ]
    capture = rows(
        engine,
        Capture.etag,
        Capture.last_modified,
        Capture.content_type,
        Capture.outcome,
        Capture.version_id,
        Capture.run_id,
    )
    assert capture == [
        ('"abc"', "Tue, 27 Feb 2024 10:00:00 GMT", "text/html; charset=utf-8", "new", 1, run)
    ]
    version = rows(engine, Version.number, Version.is_latest, Version.cause, Version.exchange_count)
    assert version == [(1, True, "page", 4)]
    assert rows(engine, Briefing.held_on, Briefing.status)[0][1] == "active"


def test_same_content_is_unchanged_and_body_stored_once(archive: Archive, engine) -> None:
    run = archive.start_run("mfa-en")
    data = make_briefing(3)
    record(archive, run, data)
    result = record(archive, run, data)
    assert (result.outcome, result.version_number, result.changes) == ("unchanged", 1, 0)
    assert count(engine, Version) == 1
    assert count(engine, Capture) == 2
    assert count(engine, RawBody) == 1
    assert count(engine, Exchange) == 3


def test_only_url_differs_is_unchanged(archive: Archive, engine) -> None:
    data = make_briefing(3)
    record(archive, None, data)
    alias = data["url"].replace("https://www.fmprc.gov.cn", "http://www.mfa.gov.cn")
    result = record(archive, None, dict(data, url=alias), url=alias)
    assert result.outcome == "unchanged"
    assert count(engine, BriefingLocation) == 1


def test_changed_content_is_a_new_version_with_events(archive: Archive, engine) -> None:
    run = archive.start_run("mfa-en")
    record(archive, run, make_briefing(5))
    result = record(archive, run, make_briefing(5, drop=(2,)))
    assert (result.outcome, result.version_number) == ("revised", 2)
    assert rows(engine, Version.number, Version.is_latest, order_by=Version.number) == [
        (1, False),
        (2, True),
    ]
    events = rows(
        engine,
        ChangeEvent.type,
        ChangeEvent.index_before,
        ChangeEvent.from_version,
        ChangeEvent.to_version,
        ChangeEvent.cause,
        ChangeEvent.asker,
    )
    assert events == [("removed", 2, 1, 2, "page", make_briefing(5)["exchanges"][2]["asker"])]
    assert result.changes == 1
    assert count(engine, Exchange, Exchange.version_id == 2) == 4


def test_uids_are_inherited_by_matched_exchanges(archive: Archive, engine) -> None:
    record(archive, None, make_briefing(5))
    record(archive, None, make_briefing(5, answers={1: "A wholly new answer about topic 1."}))
    by_version = {}
    for version_id, uid in rows(engine, Exchange.version_id, Exchange.uid, order_by=Exchange.id):
        by_version.setdefault(version_id, []).append(uid)
    assert by_version[1] == by_version[2]
    assert len(set(by_version[1])) == 5
    events = rows(engine, ChangeEvent.type, ChangeEvent.exchange_uid)
    assert events == [("edited", by_version[1][1])]


def test_revert_is_two_versions(archive: Archive, engine) -> None:
    """A, B, then A again days later (beyond the flapping window): a real revert."""
    a, b = make_briefing(4), make_briefing(4, answers={0: "Changed answer zero entirely."})
    start = datetime(2026, 11, 1, tzinfo=UTC)
    times = [start + timedelta(days=3 * k) for k in range(3)]
    outcomes = [
        record(archive, None, d, fetched_at=t).outcome
        for d, t in zip((a, b, a), times, strict=True)
    ]
    assert outcomes == ["new", "revised", "revised"]
    assert rows(engine, Version.number, order_by=Version.number) == [(1,), (2,), (3,)]
    assert count(engine, ChangeEvent) == 2


def test_not_modified_updates_last_seen_only(archive: Archive, engine) -> None:
    data = make_briefing(3)
    record(archive, None, data)
    (before,) = rows(engine, Version.last_seen)
    result = archive.record_capture(None, url=data["url"], status_code=304)
    assert (result.outcome, result.version_number) == ("not_modified", 1)
    (after,) = rows(engine, Version.last_seen)
    assert after[0] >= before[0]
    assert count(engine, Version) == 1
    assert rows(
        engine, Capture.outcome, Capture.briefing_id, Capture.body_sha256, order_by=Capture.id
    )[-1] == ("not_modified", 1, None)


def test_unknown_url_not_transcript_and_error(archive: Archive, engine) -> None:
    r1 = archive.record_capture(
        None,
        url="https://www.fmprc.gov.cn/eng/list.html",
        status_code=200,
        body=b"<html>list</html>",
        not_transcript="a list page",
    )
    r2 = archive.record_capture(
        None, url="https://www.fmprc.gov.cn/eng/x.html", error="TimeoutError: took too long"
    )
    assert (r1.outcome, r1.briefing_id) == ("not_transcript", None)
    assert (r2.outcome, r2.briefing_id) == ("error", None)
    assert count(engine, Briefing) == 0
    assert rows(engine, Capture.reason, order_by=Capture.id) == [
        ("a list page",),
        ("TimeoutError: took too long",),
    ]


def test_rawstore_roundtrip(engine) -> None:
    from storage.db import session_scope

    body = "<html>外交部 ".encode() * 1000
    with session_scope(engine) as session:
        sha = rawstore.put(session, body)
        assert rawstore.put(session, body) == sha
    with session_scope(engine) as session:
        assert rawstore.get(session, sha) == body
        stored = session.get(RawBody, sha)
        assert stored.size == len(body) and len(stored.data) < len(body) / 10
        assert stored.compression == "zstd"


@pytest.mark.parametrize(
    ("compression", "packed"),
    [
        ("zlib", zlib.compress),  # every body stored before zstd (2026-12)
        ("none", bytes),
    ],
)
def test_rawstore_reads_bodies_stored_before(engine, compression, packed) -> None:
    from storage.db import session_scope

    body = b"<html>an older archive's body</html>" * 50
    sha = rawstore.sha256_of(body)
    with session_scope(engine) as session:
        session.add(RawBody(sha256=sha, size=len(body), compression=compression, data=packed(body)))
    with session_scope(engine) as session:
        assert rawstore.get(session, sha) == body


@pytest.mark.parametrize(
    ("compression", "data", "says"),
    [
        ("zstd", b"\x28\xb5\x2f\xfd not a frame", "corrupt zstd data"),
        ("zlib", b"x\x9c not deflate", "corrupt zlib data"),
        ("lzma", b"whatever", "unknown compression 'lzma'"),
    ],
)
def test_rawstore_says_which_body_is_unreadable(engine, compression, data, says) -> None:
    from storage.db import session_scope

    sha = "ab" * 32
    with session_scope(engine) as session:
        session.add(RawBody(sha256=sha, size=10, compression=compression, data=data))
    with session_scope(engine) as session, pytest.raises(rawstore.UnreadableBody) as caught:
        rawstore.get(session, sha)
    assert str(caught.value).startswith(f"body {sha}: {says}")


def test_known_urls_and_is_archived(archive: Archive) -> None:
    en = make_briefing(2)
    zh = make_briefing(2, source="mfa-zh", url="https://www.fmprc.gov.cn/web/fyrbt_673021/t1.shtml")
    record(archive, None, en)
    record(archive, None, zh)
    assert archive.known_urls("mfa-en") == {en["url"]}
    assert archive.known_urls("mfa-zh") == {zh["url"]}
    assert archive.is_archived(en["url"].replace("https://www.fmprc", "http://www.mfa"))
    assert not archive.is_archived("https://www.fmprc.gov.cn/eng/other.html")


def test_start_and_finish_run(archive: Archive, engine) -> None:
    run_id = archive.start_run("mfa-en", kind="full")
    stats = {
        "downloader/request_count": 3,
        "downloader/response_status_count/200": 3,
        "briefings/new": 2,
        "finish_reason": "finished",
        "start_time": __import__("datetime").datetime(2026, 11, 28),
    }
    run = archive.finish_run(run_id, stats=stats, finish_reason="finished")
    assert (run.status, run.error, run.finish_reason) == ("succeeded", None, "finished")
    with engine.connect() as conn:
        stored = conn.execute(select(CrawlRun.stats, CrawlRun.kind, CrawlRun.pid)).one()
    assert stored.stats["briefings/new"] == 2 and stored.stats["start_time"].startswith("2026")
    assert stored.kind == "full" and stored.pid is not None
    failed = archive.finish_run(archive.start_run("mfa-en"), stats={}, finish_reason="shutdown")
    assert (failed.status, failed.error) == ("failed", "finish reason shutdown")


def test_mark_stale_runs(archive: Archive, engine) -> None:
    import subprocess
    import sys

    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(child.stdout)
    dead = archive.start_run("mfa-en", pid=dead_pid)
    alive = archive.start_run("mfa-en")
    assert archive.mark_stale_runs() == [dead]
    statuses = dict(rows(engine, CrawlRun.id, CrawlRun.status))
    assert statuses == {dead: "failed", alive: "running"}
    assert rows(engine, CrawlRun.finish_reason, where=(CrawlRun.id == dead,)) == [("killed",)]


def test_a_new_briefing_and_location_store_sql_nulls(archive: Archive, engine) -> None:
    """They are inserted with Core: an unset JSON column must stay SQL NULL, as the ORM
    left it (JSON 'null' would not be ``IS NULL`` to a query)."""
    record(archive, None, make_briefing(2))
    with engine.connect() as conn:
        flap, status_reason, base = conn.execute(
            select(
                BriefingLocation.flap.is_(None),
                BriefingLocation.status_reason.is_(None),
                BriefingLocation.base_version_id.is_(None),
            )
        ).one()
        assert (flap, status_reason, base) == (True, True, True)
        assert conn.execute(select(Briefing.status_reason.is_(None))).scalar_one()
