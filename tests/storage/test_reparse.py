"""Reparse: parser changes become versions with cause "parser", once."""

from __future__ import annotations

import json

from click.testing import CliRunner

from scheduler.cli import main
from storage.api import Archive
from storage.models import ChangeEvent, CrawlRun, Version
from tests.storage.factories import make_briefing
from tests.storage.helpers import count, record, rows


def body_parser(edit: str | None = None):
    """A fake parser that reads the briefing back from the stand-in body (factories.html_of),
    optionally 'improving' the answer of exchange 0."""

    def parse(body: bytes, url: str, source=None, content_type=None) -> dict:
        text = body.decode()
        data = json.loads(text[len("<html><body>") : -len("</body></html>")])
        if edit:
            data["exchanges"][0]["answer"] = edit
            data["exchanges"][0]["turns"][1]["text"] = edit
        return data

    return parse


def test_reparse_records_parser_versions_once(archive: Archive, engine) -> None:
    record(archive, None, make_briefing(4))
    record(archive, None, make_briefing(3, held_on="2024-02-28"))
    same = Archive(engine).reparse(parse=body_parser(), parser_version="2")
    assert (same.checked, same.changed, same.failed) == (2, 0, 0)
    changed = Archive(engine).reparse(
        parse=body_parser("Better parsed answer."), parser_version="3"
    )
    assert (changed.checked, changed.changed) == (2, 2)
    assert rows(
        engine,
        Version.number,
        Version.cause,
        Version.parser_version,
        where=(Version.is_latest,),
        order_by=Version.briefing_id,
    ) == [
        (2, "parser", "3"),
        (2, "parser", "3"),
    ]
    assert rows(engine, ChangeEvent.type, ChangeEvent.cause) == [("edited", "parser")] * 2
    again = Archive(engine).reparse(parse=body_parser("Better parsed answer."), parser_version="3")
    assert again.changed == 0
    assert count(engine, Version) == 4
    kinds = rows(engine, CrawlRun.kind, CrawlRun.status, order_by=CrawlRun.id)
    assert kinds == [("reparse", "succeeded")] * 3


def test_reparse_by_source_and_failures(archive: Archive, engine) -> None:
    record(archive, None, make_briefing(2))
    record(
        archive,
        None,
        make_briefing(2, source="mfa-zh", url="https://www.fmprc.gov.cn/web/fyrbt_673021/t1.shtml"),
    )

    def broken(body, url, source=None, content_type=None):
        raise ValueError("cannot read this")

    summary = Archive(engine).reparse("mfa-zh", parse=broken, parser_version="x")
    assert (summary.checked, summary.failed, summary.changed) == (1, 1, 0)
    assert "cannot read this" in summary.failures[0]
    assert count(engine, Version) == 2
    assert rows(engine, CrawlRun.status, CrawlRun.source) == [("failed", "mfa-zh")]


def test_reparse_command_json(archive: Archive, engine, db_url, monkeypatch) -> None:
    record(archive, None, make_briefing(2))
    monkeypatch.setattr("storage.reparse.default_parse", lambda: (body_parser(), "9"))
    result = CliRunner().invoke(main, ["reparse", "--db", db_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["checked"] == 1
    text = CliRunner().invoke(main, ["reparse", "--db", db_url, "--source", "mfa-en"])
    assert "briefings checked: 1, changed: 0, failed: 0" in text.output
