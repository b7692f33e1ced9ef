"""A page reads inside one ``Archive.snapshot()``: one read transaction for all its parts,
the same answers as separate reads."""

from __future__ import annotations

from typing import Any

from storage.api import Archive
from tests.web.scenario import Scenario


def _counting(archive: Archive, monkeypatch: Any) -> list[int]:
    opened: list[int] = []
    factory = archive._read_sessions

    def counted() -> Any:
        opened.append(1)
        return factory()

    monkeypatch.setattr(archive, "_read_sessions", counted)
    return opened


def test_a_snapshot_reads_in_one_transaction(
    web_archive: Archive, scenario: Scenario, monkeypatch: Any
) -> None:
    bid = scenario.en_id
    apart = (
        web_archive.history(bid).to_json(),
        web_archive.diff(bid).to_json(),
        [x.to_json() for x in web_archive.version_exchanges(bid, 1)],
        web_archive.provenance(bid).to_json(),
    )
    opened = _counting(web_archive, monkeypatch)
    with web_archive.snapshot():
        together = (
            web_archive.history(bid).to_json(),
            web_archive.diff(bid).to_json(),
            [x.to_json() for x in web_archive.version_exchanges(bid, 1)],
            web_archive.provenance(bid).to_json(),
        )
        with web_archive.snapshot():  # nested: joins the outer one
            web_archive.show(bid)
    assert together == apart
    assert len(opened) == 1
    web_archive.history(bid)  # after the block: a transaction of its own again
    assert len(opened) == 2


def test_pages_read_in_one_transaction(
    client: Any, web_archive: Archive, scenario: Scenario, monkeypatch: Any
) -> None:
    opened = _counting(web_archive, monkeypatch)
    uid = web_archive.version_exchanges(scenario.en_id)[0].uid
    opened.clear()
    for path in (f"/b/{scenario.en_id}", f"/b/{scenario.en_id}/diff", f"/x/{uid}"):
        assert client.get(path).status_code == 200
        assert len(opened) == 1, path
        opened.clear()
