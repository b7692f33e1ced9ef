"""The read side over an archive filled through the real writer: history, version_diff, ledger."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from storage.changes import NotFound, change_ledger, find_briefing, history, version_diff
from tests.diff.helpers import (
    EN_URL,
    OTHER_COLUMN_URL,
    T0,
    Recorder,
    days,
    ordinary_exchanges,
    qa,
    set_text,
    statement,
    summary,
)

V1 = [
    statement("Good afternoon. Let me start with an announcement about the summit next week."),
    *ordinary_exchanges(),
]


def v2() -> list[dict]:
    after = copy.deepcopy(V1)
    set_text(after[2], "answer", "China firmly opposes unilateral sanctions.")
    del after[3]
    return after


@pytest.fixture
def filled(archive):
    """Briefing 1 with three versions: v2 edits and removes, v3 is a parser re-split."""
    b = Recorder(archive)
    # First seen through the other list column, then at its own URL with the same text: one
    # briefing, two locations. Its own URL, seen later, is the copy later versions live at.
    b.fetch(V1, T0, url=OTHER_COLUMN_URL)
    b.fetch(V1, T0, expect=("unchanged",))
    b.fetch(v2(), T0 + days(1))
    v3 = v2()
    v3[1]["turns"][1]["speaker"] = "Spokesperson"
    b.reparsed(v3, T0 + days(2))
    # The page is gone: its own URL confirmed (two fetches); the other column's URL seen
    # gone once (suspect), so no copy is live and the briefing is removed, with one event.
    b.gone(T0 + days(5), url=OTHER_COLUMN_URL, times=1)
    b.gone(T0 + days(5))
    other = Recorder(
        archive, url="https://www.fmprc.gov.cn/web/t1.shtml", source="mfa-zh", title="例行记者会"
    )
    other.fetch([qa("路透社记者", "请问中方对此有何评论？", "中方立场是一贯的。", "毛宁")], T0)
    other.fetch(
        [qa("法新社记者", "请问中方对此有何评论？", "中方立场是一贯的。", "毛宁")], T0 + days(1)
    )
    return b.id, other.id


def test_find_briefing_by_id_url_and_alias(engine, filled) -> None:
    bid, _ = filled
    with Session(engine) as session:
        assert find_briefing(session, bid).id == bid
        assert find_briefing(session, str(bid)).id == bid
        assert find_briefing(session, EN_URL).id == bid
        alias = EN_URL.replace("https://www.fmprc.gov.cn", "http://mfa.gov.cn")
        assert find_briefing(session, alias).id == bid
        with pytest.raises(NotFound):
            find_briefing(session, "https://example.org/nothing.html")
        with pytest.raises(NotFound):
            find_briefing(session, 999)


def test_history(engine, filled) -> None:
    bid, _ = filled
    with Session(engine) as session:
        result = history(session, bid)
    assert [(v.number, v.cause, v.exchange_count, v.summary) for v in result.versions] == [
        (1, "page", 4, "first capture"),
        (2, "page", 3, "1 removed, 1 edited"),
        (3, "parser", 3, "1 edited (parser change)"),
    ]
    assert [v.is_latest for v in result.versions] == [False, False, True]
    assert [e.type for e in result.events] == ["briefing-removed"]
    assert len(result.locations) == 2
    data = result.to_json()
    assert data["versions"][1]["counts"] == {"removed": 1, "edited": 1}


def test_history_computes_a_summary_when_no_events_were_stored(engine, archive) -> None:
    b = Recorder(archive)
    b.fetch(V1, T0)
    b.fetch(v2(), T0 + days(1))
    b.forget_events(to_version=2)
    bid = b.id
    with Session(engine) as session:
        assert [v.summary for v in history(session, bid).versions] == [
            "first capture",
            "1 removed, 1 edited",
        ]


def test_version_diff_defaults_to_latest_pair(engine, filled) -> None:
    bid, _ = filled
    with Session(engine) as session:
        latest = version_diff(session, bid)
        first = version_diff(session, bid, 1, 2)
        span = version_diff(session, EN_URL, from_n=1)
        with pytest.raises(NotFound):
            version_diff(session, bid, 1, 9)
    assert (latest.from_version, latest.to_version) == (2, 3)
    assert summary(latest.changes) == [("edited", 1, 1, ["turns"])]
    assert summary(first.changes) == [("edited", 2, 2, ["answer"]), ("removed", 3, None, [])]
    assert (span.from_version, span.to_version) == (1, 3)
    assert [c.type for c in span.changes] == ["edited", "edited", "removed"]


def test_version_diff_uses_stored_uids(engine, filled) -> None:
    bid, _ = filled
    with Session(engine) as session:
        ledger = {e.exchange.uid for e in change_ledger(session, include_parser=True) if e.exchange}
        diff = version_diff(session, bid, 1, 2)
    assert {c.exchange.uid for c in diff.changes if c.exchange} <= ledger


def test_ledger_newest_first_and_filters(engine, filled) -> None:
    bid, other = filled
    with Session(engine) as session:
        events = change_ledger(session)
        assert [e.type for e in events] == ["briefing-removed", "edited", "removed", "edited"]
        assert [e.briefing.id for e in events] == [bid, other, bid, bid]
        with_parser = change_ledger(session, include_parser=True)
        assert [e.cause for e in with_parser].count("parser") == 1
        assert [e.type for e in change_ledger(session, source="mfa-zh")] == ["edited"]
        assert [e.type for e in change_ledger(session, types=["removed"])] == ["removed"]
        recent = change_ledger(session, since=T0 + timedelta(days=2))
        assert [e.type for e in recent] == ["briefing-removed"]
        assert len(change_ledger(session, limit=2)) == 2
    zh = next(e for e in events if e.briefing.source == "mfa-zh")
    assert (zh.exchange.asker, list(zh.exchange.fields), zh.exchange.index) == (
        "法新社记者",
        ["asker"],
        0,
    )
    data = zh.to_json()
    assert data["briefing"]["title"] == "例行记者会"
    assert data["exchange"]["asker"] == "法新社记者"
    removed = next(e for e in events if e.type == "removed")
    assert removed.exchange.before.startswith("Could you share more details")
    assert removed.exchange.after is None
    assert events[0].to_json()["exchange"] is None
