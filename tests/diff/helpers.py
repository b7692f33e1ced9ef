"""Builders shared by the diff tests: hand-made exchanges, parsed fixture pages, and a
small recorder that stores versions and change events through the models the way the
archive's write path does (so the read side can be tested on its own)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from storage.diff import diff_exchanges, exchange_fingerprint, new_uid
from storage.models import Briefing, BriefingLocation, ChangeEvent, Exchange, Version
from tests.conftest import MFA_PAGES

EN_PAGE = "en_legacy_article_t1794629_2020-07-03_named.html"
EN_URL = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1794629.shtml"
ZH_PAGE = "zh_mfa2024crawl_raw1_2024-04-03_newtemplate.html"
ZH_URL = "https://www.fmprc.gov.cn/web/fyrbt_673021/202404/t20240403_11276007.shtml"
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def qa(asker: str, question: str, answer: str, answerer: str = "Mao Ning", **extra: Any) -> dict:
    ex = {
        "index": 0,
        "kind": "qa",
        "asker": asker,
        "question": question,
        "answerer": answerer,
        "answer": answer,
        "follow_up": False,
        "after_conference": False,
        "turns": [
            {"role": "journalist", "speaker": asker, "text": question},
            {"role": "official", "speaker": answerer, "text": answer},
        ],
    }
    ex.update(extra)
    return ex


def statement(text: str, answerer: str = "Mao Ning") -> dict:
    return {
        "index": 0,
        "kind": "statement",
        "asker": None,
        "question": None,
        "answerer": answerer,
        "answer": text,
        "follow_up": False,
        "after_conference": False,
        "turns": [{"role": "official", "speaker": answerer, "text": text}],
    }


def ordinary_exchanges() -> list[dict]:
    """Three ordinary exchanges (Reuters, AFP on sanctions, CCTV); a fresh copy each call."""
    return [
        qa(
            "Reuters",
            "Can you confirm the minister will visit Washington next week?",
            "I have no information to offer. We will release information in due course.",
        ),
        qa(
            "AFP",
            "What is China's response to the new EU sanctions on Chinese firms?",
            "China firmly opposes unilateral sanctions. We urge the EU to correct its wrong"
            " practice.",
        ),
        qa(
            "CCTV",
            "Could you share more details about the forum held yesterday in Beijing?",
            "The forum brought together more than three hundred participants from forty countries.",
        ),
    ]


def reindex(exchanges: list[dict]) -> list[dict]:
    """Copies with ``index`` set to page order (the schema's rule)."""
    out = copy.deepcopy(exchanges)
    for i, ex in enumerate(out):
        ex["index"] = i
    return out


def set_text(ex: dict, field: str, value: str | None) -> None:
    """Change a field and the turns that carry it, as a re-parsed page would."""
    ex[field] = value
    if field in ("asker", "answerer"):
        role = "journalist" if field == "asker" else "official"
        for turn in ex["turns"]:
            if turn["role"] == role:
                turn["speaker"] = value
        return
    role = "journalist" if field == "question" else "official"
    turns = [t for t in ex["turns"] if t["role"] == role]
    for extra in turns[1:]:
        ex["turns"].remove(extra)
    if turns:
        turns[0]["text"] = value


def summary(changes) -> list[tuple]:
    """(type, index before, index after, fields) of diff changes or change events."""
    rows = []
    for c in changes:
        ex = getattr(c, "exchange", c)  # a ChangeEvent carries them on its exchange
        rows.append((c.type, ex.index_before, ex.index_after, list(ex.fields)))
    return rows


# --- real pages -----------------------------------------------------------------------


def page_bytes(name: str) -> bytes:
    return (MFA_PAGES / name).read_bytes()


def parse(body: bytes | str, url: str) -> dict:
    """The briefing dict of a page; skips the test while the parser is not there yet."""
    from crawler.extract import parse_html

    try:
        return parse_html(body, url).to_dict()
    except NotImplementedError:
        pytest.skip("crawler.extract.parse_html not implemented yet")


def parse_page(name: str, url: str) -> dict:
    return parse(page_bytes(name), url)


# --- a database filled through the models ---------------------------------------------


def add_briefing(
    session: Session,
    *,
    url: str = EN_URL,
    source: str = "mfa-en",
    title: str = "Foreign Ministry Spokesperson's Regular Press Conference",
    held_on: date | None = date(2020, 7, 3),
    aliases: tuple[str, ...] = (),
) -> Briefing:
    briefing = Briefing(
        source=source,
        language=source[-2:],
        url=url,
        held_on=held_on,
        title=title,
        first_seen=T0,
        last_seen=T0,
    )
    session.add(briefing)
    session.flush()
    for location in (url, *aliases):
        session.add(BriefingLocation(briefing_id=briefing.id, url=location))
    session.flush()
    return briefing


def record_version(
    session: Session,
    briefing: Briefing,
    exchanges: list[dict],
    *,
    cause: str = "page",
    at: datetime | None = None,
    store_events: bool = True,
) -> Version:
    """Store a new version of ``briefing`` and its change events, as the archive would."""
    exchanges = reindex(exchanges)
    previous = session.query(Version).filter_by(briefing_id=briefing.id, is_latest=True).first()
    number = previous.number + 1 if previous else 1
    at = at or T0 + timedelta(days=number - 1)
    if previous:
        old_rows = sorted(previous.exchanges, key=lambda e: e.position)
        old = [_row_dict(r) for r in old_rows]
        result = diff_exchanges(old, exchanges, [r.uid for r in old_rows])
        uids = result.uids_after
        previous.is_latest = False
        session.flush()
    else:
        result, uids = None, [new_uid() for _ in exchanges]
    data = {"source": briefing.source, "url": briefing.url, "exchanges": exchanges}
    version = Version(
        briefing_id=briefing.id,
        number=number,
        content_hash=f"hash{number}",
        parser_version="1",
        cause=cause,
        data=data,
        exchange_count=len(exchanges),
        is_latest=True,
        first_seen=at,
        last_seen=at,
    )
    session.add(version)
    session.flush()
    for ex, uid in zip(exchanges, uids, strict=True):
        session.add(_exchange_row(version, ex, uid))
    if result is not None and store_events:
        for change in result.changes:
            session.add(
                ChangeEvent(
                    detected_at=at,
                    cause=cause,
                    briefing_id=briefing.id,
                    from_version=number - 1,
                    to_version=number,
                    **change.as_row(),
                )
            )
    session.flush()
    return version


def add_briefing_event(session: Session, briefing: Briefing, kind: str, at: datetime) -> None:
    session.add(ChangeEvent(detected_at=at, type=kind, briefing_id=briefing.id, detail={}))
    session.flush()


def _exchange_row(version: Version, ex: dict, uid: str) -> Exchange:
    return Exchange(
        version_id=version.id,
        briefing_id=version.briefing_id,
        position=ex["index"],
        uid=uid,
        fingerprint=exchange_fingerprint(ex),
        kind=ex["kind"],
        asker=ex["asker"],
        question=ex["question"],
        answerer=ex["answerer"],
        answer=ex["answer"],
        follow_up=ex["follow_up"],
        after_conference=ex["after_conference"],
        turns=ex["turns"],
    )


def _row_dict(row: Exchange) -> dict:
    return {
        "index": row.position,
        "kind": row.kind,
        "asker": row.asker,
        "question": row.question,
        "answerer": row.answerer,
        "answer": row.answer,
        "follow_up": row.follow_up,
        "after_conference": row.after_conference,
        "turns": row.turns,
    }
