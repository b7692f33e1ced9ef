"""Archive rows for query tests, written through the archive's real writer.

``add_briefing`` records a briefing's first page (a 200 fetch through
``Archive.record_capture``), ``add_version`` a later page of it (the writer finds and stores
the change events), ``add_parser_version`` what a newer parser reads on the stored page (as
``briefings reparse`` writes it: a version and events of cause "parser"), ``add_location``
the same text at another URL. Version ``n`` of a briefing is observed at ``T0 + (n - 1)``
days.

Exchanges are given as small dicts (``ex``). Each has a ``uid``: the name the test calls it
by. The writer still decides which exchanges are new and which carry over; only the ids it
draws for new ones are the test's names, in page order (``named_uids``), and after each
write the builder checks that the stored uids are exactly the names the test gave, so a
test can never name an exchange the writer would not have kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

import storage.diff
import storage.versions
from crawler.extract import PARSER_VERSION
from storage.api import Archive, CaptureOutcome, CaptureResult
from storage.models import Briefing, Exchange, Version
from storage.reparse import write_parser_version
from tests.ledger.helpers import gone

T0 = datetime(2026, 1, 1, tzinfo=UTC)
EARLIER_PARSER = "0-earlier"  # the parser a page was first read with, before PARSER_VERSION


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
    """``official_label``: the speaker label the page's reader gave the official's turn
    (default: the answerer), as a parser may read it differently."""
    turns = []
    if e["question"]:
        turns.append({"role": "journalist", "speaker": e["asker"] or "Q", "text": e["question"]})
    official = e.get("official_label") or e["answerer"]
    turns.append({"role": "official", "speaker": official, "text": e["answer"]})
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
    parser_version: str = PARSER_VERSION,
) -> int:
    """A briefing's first page, fetched at ``T0``; ``status="removed"``: then confirmed gone
    (two missing-page fetches a day later)."""
    if status not in ("active", "removed"):
        raise ValueError(f"status must be active or removed, not {status!r}")
    archive = _archive(engine)
    data = schema_object(
        source=source, language=language, url=url, title=title, held_on=held_on, exchanges=exchanges
    )
    with named_uids([e["uid"] for e in exchanges]):
        result = _fetch(archive, data, T0, parser_version)
    briefing_id = _expect(result, CaptureOutcome.NEW)
    _check_uids(engine, briefing_id, result.version_number, exchanges)
    if status == "removed":
        for _ in range(2):  # confirm_after=0: the second fetch confirms the removal
            gone(archive, url, T0 + timedelta(days=1))
    return briefing_id


def add_version(engine: Engine, briefing_id: int, exchanges: list[dict[str, Any]]) -> int:
    """The briefing's page fetched again with ``exchanges``: a new latest version (and the
    change events the writer finds). Returns its number."""
    archive = _archive(engine)
    shown = archive.show(briefing_id)
    data = _with_exchanges(shown.data, exchanges)
    new = _new_names(engine, briefing_id, shown.version, exchanges)
    with named_uids(new):
        result = _fetch(archive, data, _observed(shown.versions + 1))
    _expect(result, CaptureOutcome.REVISED)
    return _check_uids(engine, briefing_id, result.version_number, exchanges)


def add_parser_version(engine: Engine, briefing_id: int, exchanges: list[dict[str, Any]]) -> int:
    """The current parser reads the latest version's stored page as ``exchanges`` (it was
    read with an earlier one): a version of cause "parser", never the ministry's edit."""
    archive = _archive(engine)
    shown = archive.show(briefing_id)
    data = _with_exchanges(shown.data, exchanges)
    new = _new_names(engine, briefing_id, shown.version, exchanges)
    with named_uids(new), archive.transaction() as session:
        briefing = session.get(Briefing, briefing_id, with_for_update=True)
        latest = session.scalars(
            select(Version).where(Version.briefing_id == briefing_id, Version.is_latest)
        ).one()
        assert briefing is not None
        at = _observed(shown.versions + 1)
        ref = write_parser_version(session, briefing, latest, data, PARSER_VERSION, now=at)
    return _check_uids(engine, briefing_id, ref.number, exchanges)


def add_location(engine: Engine, briefing_id: int, url: str) -> None:
    """The briefing's latest text fetched at another URL (republished): a second location,
    no new version."""
    archive = _archive(engine)
    shown = archive.show(briefing_id)
    data = {**shown.data, "url": url}
    result = _fetch(archive, data, _observed(shown.versions))
    assert _expect(result, CaptureOutcome.UNCHANGED) == briefing_id, "filed under another briefing"


# --- the test's names for the writer's new exchanges -------------------------------------


@contextmanager
def named_uids(names: list[str]) -> Iterator[None]:
    """The ids the writer draws for new exchanges (``storage.diff.new_uid``) are ``names``,
    in order; all of them must be drawn."""
    left = list(names)

    def next_name() -> str:
        if not left:
            raise AssertionError(f"the writer found more new exchanges than {names}")
        return left.pop(0)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage.diff, "new_uid", next_name)
        patch.setattr(storage.versions, "new_uid", next_name)
        yield
    assert not left, f"the writer kept exchanges the test calls new: {left}"


def _new_names(
    engine: Engine, briefing_id: int, number: int, exchanges: list[dict[str, Any]]
) -> list[str]:
    """The names of ``exchanges`` not in version ``number``: the ones the writer must add."""
    kept = set(_stored_uids(engine, briefing_id, number))
    return [e["uid"] for e in exchanges if e["uid"] not in kept]


def _check_uids(
    engine: Engine, briefing_id: int, number: int | None, exchanges: list[dict[str, Any]]
) -> int:
    """Version ``number`` holds the exchanges the test named, in order; returns ``number``."""
    assert number is not None
    stored = _stored_uids(engine, briefing_id, number)
    expected = [e["uid"] for e in exchanges]
    assert stored == expected, f"the writer's exchange identities {stored} are not {expected}"
    return number


def _stored_uids(engine: Engine, briefing_id: int, number: int) -> list[str]:
    query = (
        select(Exchange.uid)
        .join(Version, Version.id == Exchange.version_id)
        .where(Version.briefing_id == briefing_id, Version.number == number)
        .order_by(Exchange.position)
    )
    with engine.connect() as conn:
        return list(conn.scalars(query))


# --- small helpers -----------------------------------------------------------------------


def _archive(engine: Engine) -> Archive:
    return Archive(engine, confirm_after=0)


def _observed(number: int) -> datetime:
    return T0 + timedelta(days=number - 1)


def _with_exchanges(data: dict[str, Any], exchanges: list[dict[str, Any]]) -> dict[str, Any]:
    fields = {k: data[k] for k in ("source", "language", "url", "title")}
    held_on = date.fromisoformat(data["held_on"])
    return schema_object(**fields, held_on=held_on, exchanges=exchanges)


def _expect(result: CaptureResult, outcome: CaptureOutcome) -> int:
    """The briefing the capture was filed under, once it was recorded as ``outcome``."""
    assert result.outcome == outcome, f"the writer recorded {result.outcome}, not {outcome}"
    assert result.briefing_id is not None
    return result.briefing_id


def _fetch(
    archive: Archive, data: dict[str, Any], at: datetime, parser_version: str = PARSER_VERSION
) -> CaptureResult:
    """A 200 fetch of the page ``data`` was read from (its body: the JSON), at ``at``."""
    return archive.record_capture(
        None,
        url=data["url"],
        final_url=data["url"],
        status_code=200,
        headers={"Content-Type": "text/html"},
        body=json.dumps(data, ensure_ascii=False).encode(),
        briefing=data,
        parser_version=parser_version,
        fetched_at=at,
    )
