"""Reading WARC records: sound ones become responses; damaged ones are problems with their
file and offset, never responses."""

from __future__ import annotations

import gzip
import io

import pytest

from storage.importing.httpblock import BadHttp, parse_response
from storage.importing.records import ArchivedResponse, RecordProblem, RecordSkip, read_warc
from tests.importing.warcs import Rec, http_block, raw_record, site_pages, warc_bytes

PAGES = site_pages(limit=3)
OTHER = "https://www.fmprc.gov.cn/mfa_eng/wjdt_665385/zyjh_665391/t1.shtml"


def items(data: bytes, name: str = "t.warc"):
    return list(read_warc(io.BytesIO(data), name=name, sha256="0" * 64, wanted=_wanted))


def _wanted(url: str) -> bool:
    return "2511_665403" in url


@pytest.mark.parametrize("gz", [True, False])
def test_sound_records_become_responses_with_their_date_and_offset(gz: bool) -> None:
    records = [
        Rec(url, body, date=f"2020-07-0{i + 1}T08:00:00Z") for i, (url, body) in enumerate(PAGES)
    ]
    data, offsets = warc_bytes(records, gz=gz)
    read = items(data)
    assert all(isinstance(item, ArchivedResponse) for item in read)
    assert [r.url for r in read] == [url for url, _ in PAGES]
    assert [r.body for r in read] == [body for _, body in PAGES]
    assert [r.provenance.offset for r in read] == offsets
    assert [r.observed_at.day for r in read] == [1, 2, 3]
    assert all(r.provenance.record_id.startswith("urn:uuid:") for r in read)
    assert read[1].where == f"t.warc:{offsets[1]}"


def test_other_records_are_skipped_with_their_reason() -> None:
    url, body = PAGES[0]
    data, _ = warc_bytes(
        [Rec(url, kind="request"), Rec(OTHER, body), Rec(url, body, kind="revisit"), Rec(url, body)]
    )
    read = items(data)
    assert [type(i).__name__ for i in read] == [
        "RecordSkip",
        "RecordSkip",
        "RecordSkip",
        "ArchivedResponse",
    ]
    assert [i.reason for i in read[:3]] == ["request record", "other URL", "revisit record"]


@pytest.mark.parametrize("gz", [True, False])
def test_a_shorter_content_length_is_a_problem_never_a_cut_response(gz: bool) -> None:
    url, body = PAGES[0]
    block = http_block(body)
    short = raw_record(url, block, content_length=len(block) - 500, gz=gz)
    good = raw_record(PAGES[1][0], http_block(PAGES[1][1]), gz=gz)
    read = items(good + short + good)
    assert isinstance(read[0], ArchivedResponse)
    assert isinstance(read[1], RecordProblem)
    assert "Content-Length is wrong" in read[1].message
    assert read[1].where == f"t.warc:{len(good)}"
    # What follows the damage is reported (unreadable from there), never a response.
    assert all(isinstance(i, RecordProblem) for i in read[2:])
    assert read[-1].fatal


def test_a_longer_content_length_in_a_plain_warc_stops_the_file_without_a_response() -> None:
    url, body = PAGES[0]
    block = http_block(body)
    data = raw_record(url, block, content_length=len(block) + 300) + raw_record(
        PAGES[1][0], http_block(PAGES[1][1])
    )
    read = items(data)
    assert not any(isinstance(i, ArchivedResponse) and i.url == url for i in read)
    assert isinstance(read[0], RecordProblem)


def test_a_truncated_gzip_warc_keeps_what_came_before() -> None:
    data, offsets = warc_bytes([Rec(url, body) for url, body in PAGES])
    cut = data[: offsets[2] + 2000]
    read = items(cut)
    assert [type(i).__name__ for i in read[:2]] == ["ArchivedResponse", "ArchivedResponse"]
    assert isinstance(read[-1], RecordProblem)
    assert not any(isinstance(i, ArchivedResponse) for i in read[2:])


def test_a_truncated_plain_warc_record_is_cut_short() -> None:
    data, offsets = warc_bytes([Rec(url, body) for url, body in PAGES], gz=False)
    read = items(data[: offsets[2] + 3000])
    assert len([i for i in read if isinstance(i, ArchivedResponse)]) == 2
    assert isinstance(read[-1], RecordProblem)
    assert read[-1].where.startswith("t.warc:")


def test_a_failed_payload_digest_is_a_problem() -> None:
    data, offsets = warc_bytes([Rec(url, body) for url, body in PAGES[:2]], gz=False)
    position = offsets[1] - 2000  # inside the first record's body
    damaged = data[:position] + bytes([data[position] ^ 0x20]) + data[position + 1 :]
    read = items(damaged)
    assert isinstance(read[0], RecordProblem) and "digest" in read[0].message
    assert isinstance(read[1], ArchivedResponse)


def test_garbage_is_unreadable_from_its_offset() -> None:
    good = raw_record(PAGES[0][0], http_block(PAGES[0][1]))
    read = items(good + b"this is no WARC record\r\n\r\n")
    assert isinstance(read[0], ArchivedResponse)
    assert isinstance(read[1], RecordProblem) and read[1].fatal
    assert read[1].where == f"t.warc:{len(good)}"


@pytest.mark.parametrize(
    "block, message",
    [
        (b"HTTP/1.1 2OO OK\r\n\r\nbody", "invalid HTTP status line"),
        (b"GARBAGE\r\n\r\nbody", "invalid HTTP status line"),
        (b"HTTP/1.1 200 OK\r\nBroken header line\r\n\r\nbody", "invalid HTTP header line 2"),
        (b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\nbody", "invalid HTTP header line 2"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9999\r\n\r\nbody", "Content-Length says 9999"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 4, 5\r\n\r\nbody", "invalid HTTP Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nnot gzip", "cannot be decoded"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbody", "invalid chunked"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/html", "no end of HTTP headers"),
    ],
)
def test_invalid_http_heads_are_refused(block: bytes, message: str) -> None:
    with pytest.raises(BadHttp, match=message):
        parse_response(block)
    read = items(raw_record(PAGES[0][0], block))
    assert isinstance(read[0], RecordProblem) and message.split(" ")[0] in read[0].message


def test_http_bodies_are_dechunked_and_decompressed() -> None:
    body = b"<html>" + b"x" * 1000 + b"</html>"
    packed = gzip.compress(body)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(packed), packed)
    block = (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
    )
    assert parse_response(block).body == body
    folded = b"HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\n\r\n"
    assert parse_response(folded).headers["x-long"] == "a b"


def test_a_missing_warc_date_is_a_problem() -> None:
    data = raw_record(PAGES[0][0], http_block(PAGES[0][1]), date="yesterday")
    read = items(data)
    assert isinstance(read[0], RecordProblem) and "WARC-Date" in read[0].message


def test_a_skip_carries_where_it_is() -> None:
    data, offsets = warc_bytes([Rec(OTHER, b"x"), Rec(OTHER, b"y")])
    read = items(data, name="x.warc.gz")
    assert [i.where for i in read if isinstance(i, RecordSkip)] == [
        f"x.warc.gz:{o}" for o in offsets
    ]
