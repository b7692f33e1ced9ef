"""Archive rows for query tests, written through the models (storage/models.py).

``add_briefing`` writes a briefing with its first version; ``add_version`` a later version
(the previous one stops being the latest). Exchanges are given as small dicts; ``uid`` keeps
an exchange's identity across versions, as change tracking would.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from storage.db import session_scope
from storage.models import Briefing, BriefingLocation, ChangeEvent, Exchange, Version

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def ex(
    uid: str,
    question: str | None,
    answer: str,
    *,
    asker: str | None = None,
    answerer: str | None = "Mao Ning",
    kind: str | None = None,
    follow_up: bool = False,
) -> dict[str, Any]:
    return {
        "uid": uid,
        "kind": kind or ("qa" if question else "statement"),
        "asker": asker,
        "question": question,
        "answerer": answerer,
        "answer": answer,
        "follow_up": follow_up,
        "after_conference": False,
    }


def schema_object(
    *, source: str, language: str, url: str, title: str, held_on: date, exchanges: list[dict]
) -> dict[str, Any]:
    """A schema-v1 object holding ``exchanges``."""
    spokespersons = list(dict.fromkeys(e["answerer"] for e in exchanges if e["answerer"]))
    return {
        "schema_version": 1,
        "source": source,
        "url": url,
        "language": language,
        "title": title,
        "held_on": held_on.isoformat(),
        "published_at": None,
        "spokespersons": spokespersons,
        "translations": [],
        "exchanges": [_schema_exchange(i, e) for i, e in enumerate(exchanges)],
    }


def _schema_exchange(index: int, e: dict[str, Any]) -> dict[str, Any]:
    turns = []
    if e["question"]:
        turns.append({"role": "journalist", "speaker": e["asker"] or "Q", "text": e["question"]})
    turns.append({"role": "official", "speaker": e["answerer"], "text": e["answer"]})
    fields = ("kind", "asker", "question", "answerer", "answer", "follow_up", "after_conference")
    return {"index": index, **{k: e[k] for k in fields}, "turns": turns}


def add_briefing(
    engine: Engine,
    *,
    url: str,
    held_on: date,
    title: str,
    exchanges: list[dict[str, Any]],
    source: str = "mfa-en",
    language: str = "en",
    status: str = "active",
    aliases: tuple[str, ...] = (),
) -> int:
    with session_scope(engine) as session:
        briefing = Briefing(
            source=source,
            language=language,
            url=url,
            held_on=held_on,
            title=title,
            status=status,
            first_seen=T0,
            last_seen=T0,
        )
        session.add(briefing)
        session.flush()
        for location in (url, *aliases):
            session.add(BriefingLocation(briefing_id=briefing.id, url=location))
        _add_version(session, briefing, 1, exchanges)
        return briefing.id


def add_version(engine: Engine, briefing_id: int, exchanges: list[dict[str, Any]]) -> int:
    """A new latest version of the briefing; returns its number."""
    with session_scope(engine) as session:
        briefing = session.get(Briefing, briefing_id)
        assert briefing is not None
        number = (
            session.scalar(
                select(Version.number)
                .where(Version.briefing_id == briefing_id)
                .order_by(Version.number.desc())
                .limit(1)
            )
            or 0
        ) + 1
        session.execute(
            update(Version).where(Version.briefing_id == briefing_id).values(is_latest=False)
        )
        session.flush()
        _add_version(session, briefing, number, exchanges)
        return number


def _add_version(session: Any, briefing: Briefing, number: int, exchanges: list[dict]) -> None:
    data = schema_object(
        source=briefing.source,
        language=briefing.language,
        url=briefing.url,
        title=briefing.title or "",
        held_on=briefing.held_on,
        exchanges=exchanges,
    )
    seen = T0 + timedelta(days=number - 1)
    version = Version(
        briefing_id=briefing.id,
        number=number,
        content_hash=hashlib.sha256(repr(data).encode()).hexdigest(),
        parser_version="test",
        cause="page",
        data=data,
        exchange_count=len(exchanges),
        is_latest=True,
        first_seen=seen,
        last_seen=seen,
    )
    session.add(version)
    session.flush()
    for position, e in enumerate(exchanges):
        session.add(
            Exchange(
                version_id=version.id,
                briefing_id=briefing.id,
                position=position,
                fingerprint=_fingerprint(e),
                turns=data["exchanges"][position]["turns"],
                **{k: e[k] for k in e},
            )
        )


def _fingerprint(e: dict[str, Any]) -> str:
    return hashlib.sha256(f"{e['question']}\x1f{e['answer']}".encode()).hexdigest()


def add_change(
    engine: Engine, briefing_id: int, type_: str, uid: str, *, cause: str = "page"
) -> None:
    with session_scope(engine) as session:
        session.add(
            ChangeEvent(
                type=type_,
                cause=cause,
                briefing_id=briefing_id,
                exchange_uid=uid,
                from_version=1,
                to_version=2,
            )
        )
