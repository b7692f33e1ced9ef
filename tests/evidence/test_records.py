"""WARC records at fetch time: stored without the body, serialized again byte for byte."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator

from storage import rawstore
from storage import warc as warc_lib
from storage.api import Archive
from storage.models import Capture, WarcRecord
from tests.evidence.scenarios import T0, URL, fetch, original_page, parts_for, warcio_cli


def stored(archive: Archive, capture_id: int) -> tuple[warc_lib.WarcMeta, bytes]:
    with archive.transaction() as session:
        conn = session.connection()
        meta = warc_lib.load_meta(conn, [capture_id])[capture_id]
        sha = session.get(Capture, capture_id).body_sha256
        return meta, rawstore.get(conn, sha)


def test_records_serialize_again_to_the_bytes_digested_at_fetch_time(archive: Archive) -> None:
    capture_id = fetch(archive, original_page(), T0)
    meta, body = stored(archive, capture_id)
    records = warc_lib.capture_records(meta, body)  # raises RecordMismatch if not identical
    again = warc_lib.serialize(records)
    kinds = [r.rec_type for r in ArchiveIterator(io.BytesIO(again))]
    assert kinds == ["request", "response"]
    response = warc_lib.serialize(warc_lib.capture_records(meta, body)[1:])
    assert hashlib.sha256(response).hexdigest() == meta.response_sha256
    assert meta.payload_digest == f"sha256:{hashlib.sha256(body).hexdigest()}"
    assert meta.warc_date == "2026-03-02T08:00:00Z"  # WARC/1.1 dates; micros when non-zero


def test_a_changed_body_is_refused_not_reserialized(archive: Archive) -> None:
    capture_id = fetch(archive, original_page(), T0)
    meta, body = stored(archive, capture_id)
    try:
        warc_lib.capture_records(meta, body + b" ")
    except warc_lib.RecordMismatch as exc:
        assert "no longer serializes" in str(exc)
    else:
        raise AssertionError("a different body made a record")


def test_warcio_checks_and_indexes_the_records(archive: Archive, tmp_path) -> None:
    capture_id = fetch(archive, original_page(), T0, gzipped=True)
    meta, body = stored(archive, capture_id)
    path = tmp_path / "one.warc.gz"
    path.write_bytes(warc_lib.serialize(warc_lib.capture_records(meta, body), gzip=True))
    checked = warcio_cli("check", "-v", str(path))
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.count("digest pass") == 2
    index = warcio_cli("index", str(path))
    assert index.returncode == 0 and '"warc-type": "response"' in index.stdout
    with path.open("rb") as handle:
        payloads = [r.content_stream().read() for r in ArchiveIterator(handle)]
    assert payloads == [b"", body]  # replay: the stored bytes exactly


def test_a_decoded_payload_keeps_the_wire_headers_under_another_name() -> None:
    body = original_page()
    parts = parts_for(URL, body, gzipped=True)
    assert parts is not None
    head = parts.response_head.decode("latin-1")
    assert head.startswith("HTTP/1.1 200 OK\r\n")
    assert "X-Archive-Orig-Content-Encoding: gzip\r\n" in head
    assert f"\r\nContent-Length: {len(body)}\r\n" in head
    assert "\r\nContent-Encoding:" not in head
    assert parts.note and "decoded" in parts.note
    plain = parts_for(URL, body)
    assert plain is not None and plain.note is None
    assert f"Content-Length: {len(body)}\r\n" in plain.response_head.decode("latin-1")
    assert b"X-Archive-Orig" not in plain.response_head
    request = (plain.request_head or b"").decode("latin-1")
    assert request.startswith("GET /mfa_eng/") and request.endswith(
        "Host: www.fmprc.gov.cn\r\n\r\n"
    )


def test_recording_off_leaves_no_row_and_exports_a_resource(archive: Archive) -> None:
    capture_id = fetch(archive, original_page(), T0, warc=False)
    with archive.transaction() as session:
        assert session.scalar(select(func.count()).select_from(WarcRecord)) == 0
        capture = session.get(Capture, capture_id)
        body = rawstore.get(session.connection(), capture.body_sha256)
        legacy = warc_lib.LegacyCapture(
            capture_id, URL, capture.fetched_at, 200, "text/html", None, None, capture.body_sha256
        )
    records = warc_lib.legacy_records(legacy, body)
    data = warc_lib.serialize(records)
    read = list(ArchiveIterator(io.BytesIO(data)))
    assert [r.rec_type for r in read] == ["resource", "metadata"]
    # The same ids at every export, and no request record made up.
    assert warc_lib.serialize(warc_lib.legacy_records(legacy, body)) == data
    assert b"captured before WARC recording" in data


def test_export_format_warc_writes_every_capture(archive: Archive, db_url: str, tmp_path) -> None:
    from click.testing import CliRunner

    from scheduler.cli import main

    fetch(archive, original_page(), T0)
    fetch(archive, original_page(), T0 + timedelta(hours=1), warc=False)
    out = tmp_path / "all.warc.gz"
    result = CliRunner().invoke(
        main, ["export", "--format", "warc", "--out", str(out), "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "wrote 4 WARC records" in result.output
    checked = warcio_cli("check", str(out))
    assert checked.returncode == 0, checked.stdout
    with out.open("rb") as handle:
        kinds = [r.rec_type for r in ArchiveIterator(handle)]
    assert kinds == ["request", "response", "resource", "metadata"]
    filtered = CliRunner().invoke(
        main,
        ["export", "--format", "warc", "--source", "mfa-zh", "--out", str(out), "--db", db_url],
    )
    assert filtered.exit_code == 0 and "wrote 0 WARC records" in filtered.output
