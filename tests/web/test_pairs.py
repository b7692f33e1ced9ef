"""The web app's English ↔ Chinese pages: a pair side by side, the asymmetry findings and
the canonical outlets, with their JSON twins (both backends)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from scheduler.web import create_app
from storage.api import Archive
from tests.align.archive import briefing_id, crawl_pair, data_of, files, without

DATE = "2020-06-22"  # 11 exchanges a side; English loses Reuters' question (index 10)


@pytest.fixture
def client(db_url: str) -> Iterator[tuple[TestClient, int, int]]:
    writer = Archive.open(db_url)
    en, zh = files(DATE)
    crawl_pair(writer, DATE, en=without(data_of(en), 10))
    en_id, zh_id = briefing_id(writer, en), briefing_id(writer, zh)
    writer.close()
    archive = Archive.open(db_url, read_only=True)
    with TestClient(create_app(archive), raise_server_exceptions=False) as test_client:
        yield test_client, en_id, zh_id
    archive.close()


def test_a_briefing_links_its_twin_and_the_side_by_side_view(
    client: tuple[TestClient, int, int],
) -> None:
    http, en_id, zh_id = client
    page = http.get(f"/b/{en_id}")
    assert page.status_code == 200
    assert f'href="/b/{zh_id}"' in page.text and f'href="/pair/{en_id}"' in page.text
    assert http.get(f"/api/briefings/{zh_id}").json()["twin"]["id"] == en_id


def test_the_pair_page_shows_both_texts_and_the_one_sided_exchange(
    client: tuple[TestClient, int, int],
) -> None:
    http, en_id, zh_id = client
    page = http.get(f"/pair/{zh_id}")
    assert page.status_code == 200
    assert "路透社记者" in page.text and "(no English twin)" in page.text
    assert page.text.count('class="pair-exchange"') == 10 + 11
    assert "only-in-zh" in page.text
    data = http.get(f"/api/pairs/{en_id}").json()
    assert data["status"] == "complete" and data["rows"][-1]["en"] is None
    assert data["rows"][-1]["zh_exchanges"][0]["asker"] == "路透社记者"
    (finding,) = data["asymmetries"]
    assert finding["type"] == "only-in-zh"


def test_asymmetries_page_filters_and_refuses_bad_values(
    client: tuple[TestClient, int, int],
) -> None:
    http, en_id, _ = client
    page = http.get("/asymmetries")
    assert page.status_code == 200 and f"/pair/{en_id}#f" in page.text
    (finding,) = http.get("/api/asymmetries", params={"outlet": "Reuters"}).json()
    assert finding["zh_askers"] == ["路透社记者"]
    assert http.get("/api/asymmetries", params={"type": "translation-mismatch"}).json() == []
    assert http.get("/api/asymmetries", params={"type": "edited"}).status_code == 400
    assert http.get("/asymmetries", params={"status": "bogus"}).status_code == 400


def test_outlets_are_entities_with_their_printed_labels(
    client: tuple[TestClient, int, int],
) -> None:
    http, _, _ = client
    index = http.get("/outlets")
    assert index.status_code == 200 and 'href="/o/reuters"' in index.text
    reuters = http.get("/api/outlets/reuters").json()
    printed = {p["label"] for p in reuters["outlet"]["printed"]}
    assert printed == {"路透社记者"}  # the English Reuters question was taken out
    page = http.get("/o/reuters")
    assert page.status_code == 200 and "路透社记者" in page.text
    assert http.get("/o/no-such-outlet").status_code == 404


def test_a_briefing_without_a_twin_has_no_pair_page(db_url: str) -> None:
    writer = Archive.open(db_url)
    en, _ = files(DATE)
    from tests.align.archive import crawl

    crawl(writer, [(en, None)])
    en_id = briefing_id(writer, en)
    writer.close()
    archive = Archive.open(db_url, read_only=True)
    with TestClient(create_app(archive), raise_server_exceptions=False) as http:
        assert "side by side" not in http.get(f"/b/{en_id}").text
        assert http.get(f"/pair/{en_id}").status_code == 404
        assert http.get(f"/api/pairs/{en_id}").status_code == 404
    archive.close()
