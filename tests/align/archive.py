"""Real fixture transcripts stored in a test archive through the capture path, as a crawl
would store them (``Archive.record_capture`` then ``finish_run``)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from storage.api import Archive
from tests.align.fixtures import briefing, expected, url_of
from tests.conftest import MFA_DIR

SUCCEEDED_STATS = {"downloader/request_count": 1, "downloader/response_status_count/200": 1}
SITE_EN = "site/www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/"
SITE_ZH = "site/www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/"
RAW617 = "pages/zh_mfa2024crawl_raw617_2022-01-14_newtemplate.html"


def files(date: str) -> tuple[str, str]:
    x = expected(date)
    return x["en"]["file"], x["zh"]["file"]


def data_of(path: str) -> dict[str, Any]:
    return briefing(path)


def store(
    archive: Archive,
    path: str,
    *,
    run: int | None = None,
    data: dict[str, Any] | None = None,
    url: str | None = None,
    status_code: int = 200,
    at: datetime | None = None,
) -> Any:
    """One fetch of the fixture page at ``path`` (``data``: what the parser read, when a
    test changes it; the stored body stays the page's)."""
    body = (MFA_DIR / path).read_bytes()
    if status_code != 200:
        return archive.record_capture(
            run, url=url or url_of(path), status_code=status_code, fetched_at=at
        )
    return archive.record_capture(
        run,
        url=url or url_of(path),
        status_code=200,
        fetched_at=at,
        body=body,
        briefing=copy.deepcopy(data) if data is not None else data_of(path),
    )


def crawl(
    archive: Archive,
    pages: list[tuple[str, dict[str, Any] | None]],
    kind: str = "discovery",
    at: datetime | None = None,
) -> int:
    """A run that stores ``pages`` ((path, data or None)) and finishes (pairing with it);
    ``at``: when the pages were fetched (default now)."""
    source = "mfa-zh" if pages and "/web/" in url_of(pages[0][0]) else "mfa-en"
    run = archive.start_run(source, kind)
    for path, data in pages:
        store(archive, path, run=run, data=data, at=at)
    archive.finish_run(run, stats=dict(SUCCEEDED_STATS), finish_reason="finished")
    return run


def crawl_pair(archive: Archive, date: str, **changes: dict[str, Any]) -> tuple[int, int]:
    """Both fixture pages of a hand-aligned date in one run; ``en=``/``zh=`` replace what
    the parser read. Returns the two briefing ids (English, Chinese)."""
    en, zh = files(date)
    crawl(archive, [(en, changes.get("en")), (zh, changes.get("zh"))])
    return briefing_id(archive, en), briefing_id(archive, zh)


def briefing_id(archive: Archive, path: str) -> int:
    return archive.show(url_of(path)).briefing_id


def reindexed(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**x, "index": i} for i, x in enumerate(exchanges)]


def without(data: dict[str, Any], index: int) -> dict[str, Any]:
    """The transcript with one exchange taken out (the parser renumbers the rest)."""
    exchanges = [x for x in data["exchanges"] if x["index"] != index]
    return {**data, "exchanges": reindexed(exchanges)}


def event_count(archive: Archive) -> int:
    from storage.api import ChangeType

    return len(archive.changes(types=list(ChangeType), include_parser=True))


def misread(data: dict[str, Any]) -> dict[str, Any]:
    """The transcript as a parser that misses every question label reads it: one statement
    per paragraph, no question (what parser v4 made of the 2020-06-15 Chinese page)."""
    statements = []
    for exchange in data["exchanges"]:
        for turn in exchange["turns"]:
            statements.append(
                {
                    "kind": "statement",
                    "asker": None,
                    "question": None,
                    "answerer": exchange["answerer"],
                    "answer": turn["text"],
                    "follow_up": False,
                    "after_conference": False,
                    "turns": [{"role": "official", "speaker": None, "text": turn["text"]}],
                }
            )
    return {**data, "exchanges": reindexed(statements)}
