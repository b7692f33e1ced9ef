"""Builders shared by the diff tests: hand-made exchanges, parsed fixture pages, and
``Recorder``, which writes a briefing's versions through the archive's real writer
(``Archive.record_capture``; parser changes through ``storage.reparse``), so the read side is
tested on rows exactly as a crawl leaves them."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from crawler.extract import PARSER_VERSION
from storage.api import Archive, CaptureOutcome, CaptureResult
from storage.models import Briefing, ChangeEvent, Version
from storage.reparse import write_parser_version
from tests.conftest import MFA_PAGES
from tests.ledger.helpers import capture, gone

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
    """The briefing dict of a page."""
    from crawler.extract import parse_html

    return parse_html(body, url).to_dict()


def parse_page(name: str, url: str) -> dict:
    return parse(page_bytes(name), url)


# --- an archive filled through the real writer ----------------------------------------

# The same article in the ministry's other English list column (``/eng/`` beside
# ``/mfa_eng/``): a genuinely different URL of the briefing, unlike a host alias, which the
# writer canonicalizes into the same location.
OTHER_COLUMN_URL = EN_URL.replace("/mfa_eng/", "/eng/")
NEXT_PARSER = f"{PARSER_VERSION}+next"  # the parser that reads the stored pages again
VERSION_OUTCOMES = (CaptureOutcome.NEW, CaptureOutcome.REVISED)


def days(n: float) -> timedelta:
    return timedelta(days=n)


@dataclass
class Recorder:
    """One briefing as the ministry serves it, fetched into ``archive`` (``confirm_after=0``)."""

    archive: Archive
    url: str = EN_URL
    source: str = "mfa-en"
    title: str = "Foreign Ministry Spokesperson's Regular Press Conference"
    held_on: date | None = date(2020, 7, 3)
    id: int = 0  # the briefing's id, once its first page is recorded

    def page(self, exchanges: list[dict], url: str | None = None) -> dict[str, Any]:
        """The full schema-v1 object of this briefing holding ``exchanges`` (reindexed)."""
        exchanges = reindex(exchanges)
        spokespersons = list(dict.fromkeys(e["answerer"] for e in exchanges if e["answerer"]))
        return {
            "schema_version": 1,
            "source": self.source,
            "url": url or self.url,
            "language": self.source[-2:],
            "title": self.title,
            "held_on": self.held_on.isoformat() if self.held_on else None,
            "published_at": None,
            "spokespersons": spokespersons,
            "translations": [],
            "exchanges": exchanges,
        }

    def fetch(
        self,
        exchanges: list[dict],
        at: datetime,
        *,
        url: str | None = None,
        expect: tuple[str, ...] = VERSION_OUTCOMES,
    ) -> CaptureResult:
        """A 200 fetch of the page at ``url`` (default: the briefing's own) holding
        ``exchanges``; by default it must make a version (new or revised)."""
        result = capture(self.archive, self.page(exchanges, url), at)
        assert result.outcome in expect, f"the writer recorded {result.outcome}, not {expect}"
        assert result.briefing_id is not None
        self.id = self.id or result.briefing_id
        assert result.briefing_id == self.id, "the page was filed under another briefing"
        return result

    def reparsed(self, exchanges: list[dict], at: datetime) -> int:
        """A newer parser reads the latest version's stored page as ``exchanges``: a version
        of cause "parser", written as ``briefings reparse`` writes it. Its number."""
        with self.archive.transaction() as session:
            briefing = session.get(Briefing, self.id, with_for_update=True)
            assert briefing is not None
            latest = session.scalars(
                select(Version).where(Version.briefing_id == self.id, Version.is_latest)
            ).one()
            data = self.page(exchanges, latest.data["url"])
            ref = write_parser_version(session, briefing, latest, data, NEXT_PARSER, now=at)
            return ref.number

    def gone(self, at: datetime, *, url: str | None = None, times: int = 2) -> None:
        """The site's missing-page answer for ``url``: ``times`` fetches at ``at`` (with
        ``confirm_after=0`` the second confirms the removal)."""
        for _ in range(times):
            result = gone(self.archive, url or self.url, at)
            assert result.briefing_id == self.id, "the gone fetch found no location"

    def forget_events(self, to_version: int) -> None:
        """Delete the change events the writer wrote for the step to ``to_version``: an
        archive written before change events were stored (the read side computes them)."""
        with self.archive.transaction() as session:
            session.execute(
                delete(ChangeEvent).where(
                    ChangeEvent.briefing_id == self.id, ChangeEvent.to_version == to_version
                )
            )
