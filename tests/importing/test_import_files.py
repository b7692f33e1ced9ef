"""``briefings import FILE…``: WARC and WACZ records become captures through the crawl's
own path, with their own dates and their provenance; nothing is imported twice."""

from __future__ import annotations

import json

from tests.importing.helpers import cli, cli_json, counts
from tests.importing.warcs import (
    EN_FOLDER,
    ZH_FOLDER,
    Rec,
    http_block,
    raw_record,
    site_pages,
    wacz_bytes,
    warc_bytes,
    write,
)
from tests.reliability.edits import remove_exchange

EN = site_pages(EN_FOLDER, limit=4)
ZH = site_pages(ZH_FOLDER, limit=2)
OTHER = "https://www.fmprc.gov.cn/mfa_eng/wjdt_665385/zyjh_665391/t1.shtml"
ERROR_PAGE = "https://www.fmprc.gov.cn/error.htm"


def mixed_warc(tmp_path, name: str = "crawl.warc.gz") -> tuple[str, list[int]]:
    records = [Rec(url, body) for url, body in EN + ZH]
    records += [
        Rec(EN[0][0], kind="request"),
        Rec(OTHER, b"<html>elsewhere</html>"),
        Rec(EN[1][0], EN[1][1], kind="revisit"),
        Rec(EN[2][0], b"busy", status=503),
    ]
    data, offsets = warc_bytes(records)
    return write(tmp_path / name, data), offsets


def test_a_warc_imports_every_transcript_with_its_own_date(db_url, tmp_path, workers) -> None:
    path, offsets = mixed_warc(tmp_path)
    code, summary = cli_json(db_url, "import", path)
    assert code == 0, summary
    assert summary["status"] == "succeeded"
    assert summary["outcomes"] == {"new": 6}
    assert summary["skipped"] == {
        "HTTP 503": 1,
        "other URL": 1,
        "request record": 1,
        "revisit record": 1,
    }
    assert summary["failed"] == 0 and summary["records"] == 10
    history = cli_json(db_url, "history", EN[0][0])[1]
    assert history["versions"][0]["first_seen"].startswith("2020-07-03T08:00:00")
    capture = history["captures"][0]
    assert capture["provenance"] == {
        "kind": "warc",
        "file": path,
        "file_sha256": capture["provenance"]["file_sha256"],
        "offset": offsets[0],
        "record_id": capture["provenance"]["record_id"],
    }
    assert history["versions"][0]["origin"] == f"WARC {path} @ {offsets[0]}"


def test_importing_the_same_warc_twice_makes_nothing_new(db_url, tmp_path, workers) -> None:
    path, _ = mixed_warc(tmp_path)
    assert cli_json(db_url, "import", path)[0] == 0
    before = counts(db_url)
    code, summary = cli_json(db_url, "import", path)
    assert code == 0
    assert summary["outcomes"] == {} and summary["skipped"]["already imported"] == 6
    assert counts(db_url) == before


def test_the_same_pages_in_another_file_only_confirm_versions(db_url, tmp_path) -> None:
    first, _ = mixed_warc(tmp_path, "a.warc.gz")
    data, _ = warc_bytes(
        [Rec(url, body, date="2020-07-10T08:00:00Z") for url, body in EN], gz=False
    )
    second = write(tmp_path / "b.warc", data)
    cli_json(db_url, "import", first)
    before = counts(db_url)
    code, summary = cli_json(db_url, "import", second)
    assert code == 0 and summary["outcomes"] == {"unchanged": 4}
    after = counts(db_url)
    assert (after["versions"], after["events"]) == (before["versions"], before["events"])
    history = cli_json(db_url, "history", EN[0][0])[1]
    assert history["versions"][0]["last_seen"].startswith("2020-07-10")


def test_a_later_edit_in_the_warc_is_a_revision_of_its_date(db_url, tmp_path) -> None:
    url, body = EN[0]
    edit = remove_exchange(body, url, 3)
    data, _ = warc_bytes(
        [
            Rec(url, body, date="2020-03-01T08:00:00Z"),
            Rec(url, edit.after, date="2020-03-05T08:00:00Z"),
        ]
    )
    code, summary = cli_json(db_url, "import", write(tmp_path / "e.warc.gz", data))
    assert code == 0 and summary["outcomes"] == {"new": 1, "revised": 1}
    changes = json.loads(cli(db_url, "changes", "--format", "json").output)
    assert [c["type"] for c in changes] == ["removed"]
    assert changes[0]["detected_at"].startswith("2020-03-05")


def test_gone_evidence_in_a_warc_follows_the_crawl_rule(db_url, tmp_path, workers) -> None:
    url, body = EN[0]
    data, _ = warc_bytes(
        [
            Rec(url, body, date="2020-03-01T08:00:00Z"),
            Rec(url, status=302, headers=[("Location", "/error.htm")], date="2020-03-05T08:00:00Z"),
            Rec(url, status=404, date="2020-03-09T08:00:00Z"),
        ]
    )
    code, summary = cli_json(db_url, "import", write(tmp_path / "g.warc.gz", data))
    assert code == 0
    assert summary["outcomes"] == {"new": 1, "suspect": 2}
    assert cli_json(db_url, "history", url)[1]["status"] == "removed"


def test_a_damaged_warc_reports_file_and_offset_and_exits_1(db_url, tmp_path, workers) -> None:
    good = raw_record(EN[0][0], http_block(EN[0][1]))
    lying = raw_record(EN[1][0], b"HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n" + EN[1][1])
    path = write(tmp_path / "bad.warc", good + lying + b"garbage")
    result = cli(db_url, "import", path)
    assert result.exit_code == 1
    assert f"{path}:{len(good)}: HTTP Content-Length says 99999" in result.output
    assert "run 1: failed" in result.output
    assert counts(db_url)["versions"] == 1
    runs = cli_json(db_url, "runs")[1]
    assert runs[0]["kind"] == "import" and runs[0]["status"] == "failed"


def test_a_missing_file_is_reported_and_others_still_import(db_url, tmp_path, workers) -> None:
    path, _ = mixed_warc(tmp_path)
    code, summary = cli_json(db_url, "import", str(tmp_path / "nope.warc"), path)
    assert code == 1
    assert summary["problems"] == [
        {"where": str(tmp_path / "nope.warc"), "message": "no such file"}
    ]
    assert summary["imported"] == 6


def test_a_wacz_imports_its_verified_warcs_and_refuses_a_bad_hash(
    db_url, tmp_path, workers
) -> None:
    good, _ = warc_bytes([Rec(url, body) for url, body in EN[:2]])
    tampered, _ = warc_bytes([Rec(url, body) for url, body in EN[2:]])
    wacz = wacz_bytes(
        {"archive/good.warc.gz": good, "archive/tampered.warc.gz": tampered},
        lie_about="archive/tampered.warc.gz",
    )
    path = write(tmp_path / "crawl.wacz", wacz)
    code, summary = cli_json(db_url, "import", path)
    assert code == 1
    assert summary["outcomes"] == {"new": 2}
    [problem] = summary["problems"]
    assert problem["where"] == f"{path}#archive/tampered.warc.gz"
    assert "does not match datapackage.json" in problem["message"]
    history = cli_json(db_url, "history", EN[0][0])[1]
    assert history["captures"][0]["provenance"]["file"] == f"{path}#archive/good.warc.gz"
    # Again: the good member is skipped as imported, the bad one reported again.
    code, again = cli_json(db_url, "import", path)
    assert again["skipped"] == {"already imported": 2} and again["failed"] == 1


def test_a_zip_that_is_no_wacz_is_one_problem(db_url, tmp_path) -> None:
    import io
    import zipfile

    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("readme.txt", "hello")
    code, summary = cli_json(db_url, "import", write(tmp_path / "x.wacz", stream.getvalue()))
    assert code == 1
    assert "no datapackage.json" in summary["problems"][0]["message"]


def test_show_json_gives_the_provenance_on_request(db_url, tmp_path) -> None:
    path, offsets = mixed_warc(tmp_path)
    cli_json(db_url, "import", path)
    plain = cli_json(db_url, "show", EN[0][0])[1]
    assert "exchanges" in plain and "provenance" not in plain  # the schema object, as ever
    shown = cli_json(db_url, "show", EN[0][0], "--provenance")[1]
    assert shown["briefing"] == plain
    assert shown["provenance"]["offset"] == offsets[0]


def test_an_empty_file_fails_the_run(db_url, tmp_path, workers) -> None:
    code, summary = cli_json(db_url, "import", write(tmp_path / "empty.warc", b""))
    assert code == 1
    assert summary["status"] == "failed" and summary["records"] == 0


def test_people_see_the_origin_in_history_and_show(db_url, tmp_path) -> None:
    path, offsets = mixed_warc(tmp_path)
    cli_json(db_url, "import", path)
    history = cli(db_url, "history", EN[0][0]).output
    assert f"WARC crawl.warc.gz @ {offsets[0]}" in history  # the file's name in the table
    shown = cli(db_url, "show", EN[0][0], "--provenance").output
    assert shown.rstrip().endswith(f"first captured: WARC {path} @ {offsets[0]}")


def test_the_command_refuses_unclear_requests(db_url) -> None:
    assert "give WARC/WACZ files or --wayback" in cli(db_url, "import").output
    assert cli(db_url, "import", "x.warc", "--wayback", "mfa-en").exit_code == 2
    assert cli(db_url, "import", "x.warc", "--limit", "3").exit_code == 2


def test_an_older_capture_becomes_an_earlier_version(db_url, tmp_path) -> None:
    url, body = EN[0]
    edit = remove_exchange(body, url, 3)
    newer, _ = warc_bytes([Rec(url, edit.after, date="2026-01-10T08:00:00Z")])
    older, _ = warc_bytes([Rec(url, body, date="2020-03-01T08:00:00Z")])
    cli_json(db_url, "import", write(tmp_path / "newer.warc.gz", newer))
    code, _ = cli_json(db_url, "import", write(tmp_path / "older.warc.gz", older))
    assert code == 0
    history = cli_json(db_url, "history", url)[1]
    firsts = [v["first_seen"][:10] for v in history["versions"]]
    assert firsts == ["2020-03-01", "2026-01-10"]
    changes = json.loads(cli(db_url, "changes", "--format", "json").output)
    assert [c["type"] for c in changes] == ["removed"]  # removed between 2020 and 2026
