"""A small archive for the web tests, written through the archive's real write path
(``Archive.record_capture``): real fixture pages, later versions with edits, removals and
additions, a Chinese briefing with a character edit, a briefing made of hostile strings,
and crawl runs, one of them failed.

``build(url)`` fills the (migrated, empty) database at ``url`` and returns what the tests
look for: ids, uids, hashes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.api import Archive
from tests.diff.helpers import EN_PAGE, EN_URL, ZH_PAGE, ZH_URL, page_bytes, parse

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
PARSER = "web-test"
HEADERS = {
    "ETag": '"v1-etag"',
    "Last-Modified": "Sun, 01 Nov 2026 07:00:00 GMT",
    "Content-Type": "text/html; charset=utf-8",
}
HOSTILE_URL = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202611/t20261103_99999.html"
# Strings that would run, style or inject if they were ever read as markup or template.
HOSTILE = {
    "title": '<script>window.__pwned="title"</script>Briefing "quoted" & <b>bold</b>',
    "asker": "<img src=x onerror=\"window.__pwned='asker'\">",
    "answerer": "</td></tr><script>window.__pwned='answerer'</script>",
    "question": "</textarea><svg onload=\"window.__pwned='q'\"></svg> {{ 7*7 }} ${7*7}",
    "answer": "javascript:window.__pwned='a' <iframe src=\"javascript:alert(1)\"></iframe> \x1b[31m",
}
HOSTILE_BODY = (
    b"<html><head><script>window.__pwned='raw'</script></head><body>"
    b'<p onclick="alert(1)">raw page</p><img src=x onerror=alert(2)></body></html>'
)


@dataclass
class Scenario:
    en_id: int = 0
    zh_id: int = 0
    hostile_id: int = 0
    en_removed_uid: str = ""  # removed in EN version 2
    en_edited_uid: str = ""  # edited in EN version 2
    en_added_uid: str = ""  # added in EN version 2
    zh_edited_uid: str = ""
    hostile_removed_uid: str = ""
    en_sha: dict[int, str] = field(default_factory=dict)  # version → raw page sha256
    edited_word: str = ""  # the word the EN edit inserted
    en_asker: str = ""  # asker of the EN edited exchange
    failed_run: int = 0


def _record(archive: Archive, url: str, body: bytes, data: dict[str, Any], at: datetime) -> Any:
    return archive.record_capture(
        None,
        url=url,
        status_code=200,
        headers=HEADERS,
        body=body,
        briefing=data,
        parser_version=PARSER,
        fetched_at=at,
    )


def _qa(asker: str, question: str, answerer: str, answer: str) -> dict[str, Any]:
    return {
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


def _reindexed(data: dict[str, Any]) -> dict[str, Any]:
    for i, ex in enumerate(data["exchanges"]):
        ex["index"] = i
    return data


def _qa_exchanges(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in data["exchanges"] if e["kind"] == "qa" and e["asker"] and e["answer"]]


def _set_answer(ex: dict[str, Any], answer: str) -> None:
    ex["answer"] = answer
    official = [t for t in ex["turns"] if t["role"] == "official"]
    for extra in official[1:]:
        ex["turns"].remove(extra)
    if official:
        official[0]["text"] = answer


def _uids(archive: Archive, briefing_id: int, version: int) -> list[str]:
    return [x.uid for x in archive.version_exchanges(briefing_id, version)]


def build(url: str) -> Scenario:
    found = Scenario()
    archive = Archive.open(url, confirm_after=0)
    try:
        _english(archive, found)
        _chinese(archive, found)
        _hostile(archive, found)
        _bulk(archive)
        _runs(archive, found)
    finally:
        archive.close()
    return found


def _english(archive: Archive, found: Scenario) -> None:
    body = page_bytes(EN_PAGE)
    v1 = parse(body, EN_URL)
    found.en_id = _record(archive, EN_URL, body, v1, T0).briefing_id
    uids = _uids(archive, found.en_id, 1)
    qa = _qa_exchanges(v1)
    edited, removed = qa[1], qa[3]
    found.en_edited_uid = uids[edited["index"]]
    found.en_removed_uid = uids[removed["index"]]
    found.en_asker = edited["asker"]

    v2 = copy.deepcopy(v1)
    found.edited_word = "unprecedentedly"
    by_index = {e["index"]: e for e in v2["exchanges"]}
    _set_answer(
        by_index[edited["index"]],
        by_index[edited["index"]]["answer"] + " We are unprecedentedly firm.",
    )
    v2["exchanges"] = [e for e in v2["exchanges"] if e["index"] != removed["index"]]
    v2["exchanges"].append(
        _qa(
            "Bloomberg",
            "A brand-new question about rare earth exports?",
            v1["exchanges"][0]["answerer"] or "Mao Ning",
            "We will release information in due course.",
        )
    )
    _reindexed(v2)
    body2 = body + b"\n<!-- version 2 -->"
    _record(archive, EN_URL, body2, v2, T0 + timedelta(days=1))
    found.en_added_uid = _uids(archive, found.en_id, 2)[-1]

    v3 = copy.deepcopy(v2)
    first = _qa_exchanges(v3)[0]
    first["question"] = first["question"] + " (as amended)"
    for turn in first["turns"]:
        if turn["role"] == "journalist":
            turn["text"] = first["question"]
            break
    _record(archive, EN_URL, body + b"\n<!-- version 3 -->", v3, T0 + timedelta(days=2))
    for number in (1, 2, 3):
        sha = archive.provenance(found.en_id, number).sha256
        assert sha is not None
        found.en_sha[number] = sha


def _chinese(archive: Archive, found: Scenario) -> None:
    body = page_bytes(ZH_PAGE)
    v1 = parse(body, ZH_URL)
    found.zh_id = _record(archive, ZH_URL, body, v1, T0).briefing_id
    uids = _uids(archive, found.zh_id, 1)
    target = _qa_exchanges(v1)[0]
    found.zh_edited_uid = uids[target["index"]]
    v2 = copy.deepcopy(v1)
    ex = next(e for e in v2["exchanges"] if e["index"] == target["index"])
    _set_answer(
        ex,
        ex["answer"].replace("中方", "中国政府", 1)
        if "中方" in ex["answer"]
        else ex["answer"] + "我们坚决反对。",
    )
    _record(archive, ZH_URL, body + b"<!-- 2 -->", v2, T0 + timedelta(days=1))


def _hostile_data(extra: list[dict[str, Any]]) -> dict[str, Any]:
    h = HOSTILE
    exchanges = [
        _qa(h["asker"], h["question"], h["answerer"], h["answer"]),
        _qa("Reuters", "An ordinary question about trade?", "Mao Ning", "An ordinary answer."),
        *extra,
    ]
    return _reindexed(
        {
            "schema_version": 1,
            "source": "mfa-en",
            "url": HOSTILE_URL,
            "language": "en",
            "title": h["title"],
            "held_on": "2026-11-03",
            "published_at": None,
            "spokespersons": [h["answerer"]],
            "translations": [],
            "exchanges": exchanges,
        }
    )


def _hostile(archive: Archive, found: Scenario) -> None:
    v1 = _hostile_data([])
    found.hostile_id = _record(archive, HOSTILE_URL, HOSTILE_BODY, v1, T0).briefing_id
    found.hostile_removed_uid = _uids(archive, found.hostile_id, 1)[0]
    # Version 2: the hostile exchange is gone (a tombstone full of hostile text) and a
    # hostile one is added.
    v2 = _hostile_data(
        [
            _qa(
                HOSTILE["asker"],
                "<script>window.__pwned='v2'</script>?",
                "Mao Ning",
                "<style>body{display:none}</style>",
            )
        ]
    )
    v2["exchanges"] = v2["exchanges"][1:]
    _reindexed(v2)
    _record(archive, HOSTILE_URL, HOSTILE_BODY + b"<!-- 2 -->", v2, T0 + timedelta(days=1))


BULK_URL = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202611/t20261104_99998.html"
BULK_EXCHANGES = 30  # more than a page of search hits


def _bulk(archive: Archive) -> None:
    """A briefing of many short exchanges on one subject (search paging)."""
    data = _hostile_data([])
    data.update(url=BULK_URL, title="Regular Press Conference on tariffs", held_on="2026-11-04")
    data["spokespersons"] = ["Lin Jian"]
    data["exchanges"] = [
        _qa(f"Outlet {i}", f"Question {i} about tariffs?", "Lin Jian", f"Answer {i} on tariffs.")
        for i in range(BULK_EXCHANGES)
    ]
    _record(archive, BULK_URL, b"<html>bulk</html>", _reindexed(data), T0)


def _runs(archive: Archive, found: Scenario) -> None:
    ok = archive.start_run("mfa-en")
    archive.finish_run(
        ok,
        stats={
            "downloader/request_count": 3,
            "downloader/response_status_count/200": 3,
            "briefings/new": 2,
        },
        finish_reason="finished",
    )
    found.failed_run = archive.start_run("mfa-zh")
    archive.finish_run(
        found.failed_run,
        stats={"downloader/request_count": 4, "downloader/exception_count": 4},
        finish_reason="finished",
    )
