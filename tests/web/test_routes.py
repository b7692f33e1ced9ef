"""Route tests: every page and its JSON twin over the scenario archive (tests/web/scenario.py),
through Starlette's TestClient. Bad parameters are 400/404 pages, never a traceback."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

HTML = "text/html; charset=utf-8"


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:300])
    assert response.headers["content-type"] == HTML
    return response.text


def api(client, path: str, status: int = 200):
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


# --- changes ------------------------------------------------------------------------------


def test_changes_page_lists_the_ledger_newest_first(client, scenario) -> None:
    html = page(client, "/")
    assert "Changes" in html
    assert f'href="/x/{scenario.en_removed_uid}"' in html
    assert 'type="application/atom+xml"' in html
    stamps = re.findall(r'<time datetime="([^"]+)"', html)
    assert stamps == sorted(stamps, reverse=True)


def test_changes_filters(client, scenario) -> None:
    removed = api(client, "/api/changes?type=removed")["events"]
    assert removed and {e["type"] for e in removed} == {"removed"}
    zh = api(client, "/api/changes?source=mfa-zh")["events"]
    assert zh and {e["briefing"]["source"] for e in zh} == {"mfa-zh"}
    outlet = scenario.en_asker.split()[-1].lower()  # a part of the name, any case
    named = api(client, f"/api/changes?outlet={outlet}")["events"]
    assert named and all(outlet in e["exchange"]["asker"].lower() for e in named)
    assert api(client, "/api/changes?since=2030-01-01")["events"] == []
    assert api(client, "/api/changes?until=2026-11-01")["events"] == []
    assert api(client, "/api/changes?since=2026-11-02&until=2026-11-02")["events"]


def test_changes_paging(client) -> None:
    first = api(client, "/api/changes?page=1")
    assert first["offset"] == 0 and first["limit"] == 50
    assert api(client, "/api/changes?page=999")["events"] == []


def test_atom_feed_of_the_same_filter(client) -> None:
    response = client.get("/changes.atom?type=edited")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    categories = {e.find("{http://www.w3.org/2005/Atom}category").get("term") for e in entries}
    assert entries and categories == {"edited"}


# --- briefing -----------------------------------------------------------------------------


def test_briefing_page(client, scenario) -> None:
    html = page(client, f"/b/{scenario.en_id}")
    assert "Versions" in html and "3 (latest)" in html
    assert "fmprc.gov.cn" in html
    assert f'href="/b/{scenario.en_id}/diff?from=1&amp;to=2"' in html
    assert f'id="x-{scenario.en_added_uid}"' in html
    assert f'id="x-{scenario.en_removed_uid}"' not in html  # gone from the current version
    data = api(client, f"/api/briefings/{scenario.en_id}")
    assert [v["number"] for v in data["versions"]] == [1, 2, 3]
    assert data["exchanges"] and data["locations"]


# --- diff ---------------------------------------------------------------------------------


def test_diff_event_list_counts_and_anchors(client, scenario) -> None:
    html = page(client, f"/b/{scenario.en_id}/diff?from=1&to=2")
    assert "1 added" in html and "1 removed" in html and "1 edited" in html
    for uid in (scenario.en_added_uid, scenario.en_removed_uid, scenario.en_edited_uid):
        assert f'href="#x-{uid}"' in html and f'id="x-{uid}"' in html
    assert f"<ins>{scenario.edited_word}" in html or scenario.edited_word in re.sub(
        r"</?ins>", "", html
    )


def test_diff_tombstone_in_place_with_times(client, scenario) -> None:
    html = page(client, f"/b/{scenario.en_id}/diff?from=1&to=2")
    article = re.search(rf'<article id="x-{scenario.en_removed_uid}".*?</article>', html, re.S)
    assert article is not None
    text = article.group(0)
    assert "tombstone" in text and "first seen" in text and "last seen" in text
    assert "removal confirmed" in text and "2026-11-02 08:00 UTC" in text
    # In place: after the exchange that preceded it on the old page.
    ids = re.findall(r'<article id="x-([0-9a-f]+)"', html)
    assert 0 < ids.index(scenario.en_removed_uid) < len(ids) - 1


def test_diff_side_by_side_and_changes_only(client, scenario) -> None:
    base = f"/b/{scenario.en_id}/diff?from=1&to=2"
    full = page(client, base)
    side = page(client, base + "&view=side")
    only = page(client, base + "&only=1")
    assert 'class="pair"' in side and 'class="pair"' not in full
    assert full.count("st-unchanged") > 0 and only.count("st-unchanged") == 0
    assert only.count('class="xrow') == 3


def test_diff_previous_next_stepping(client, scenario) -> None:
    html = page(client, f"/b/{scenario.en_id}/diff?from=1&to=2")
    assert 'id="next-step"' in html and 'id="prev-step"' not in html
    assert "?from=2&amp;to=3" in html
    latest = page(client, f"/b/{scenario.en_id}/diff")
    assert "version 2 → 3" in latest and 'id="prev-step"' in latest


def test_diff_of_a_version_with_itself_says_nothing_changed(client, scenario) -> None:
    html = page(client, f"/b/{scenario.en_id}/diff?from=2&to=2")
    assert 'id="nothing-changed"' in html


def test_diff_provenance_of_both_sides(client, scenario) -> None:
    html = page(client, f"/b/{scenario.en_id}/diff?from=1&to=2")
    for number in (1, 2):
        assert scenario.en_sha[number] in html
        assert f'href="/raw/{scenario.en_sha[number]}"' in html
    assert "&#34;v1-etag&#34;" in html and "Sun, 01 Nov 2026 07:00:00 GMT" in html
    assert "2026-11-01 08:00 UTC" in html and "web-test" in html
    data = api(client, f"/api/briefings/{scenario.en_id}/diff?from=1&to=2")
    assert data["provenance"]["from"]["status_code"] == 200
    assert data["provenance"]["to"]["sha256"] == scenario.en_sha[2]
    assert data["counts"] == {"added": 1, "removed": 1, "edited": 1, "moved": 0}
    assert data["removed"][0]["removed_at"].startswith("2026-11-02")


def test_chinese_diff_is_per_character(client, scenario) -> None:
    html = page(client, f"/b/{scenario.zh_id}/diff")
    changed = re.findall(r"<ins>([^<]*)</ins>", html)
    assert changed and all(len(piece) <= 8 for piece in changed)


@pytest.mark.parametrize(
    ("query", "status"),
    [("?from=9", 404), ("?to=0", 400), ("?from=x", 400), ("?view=fancy", 400)],
)
def test_diff_bad_parameters(client, scenario, query: str, status: int) -> None:
    html = page(client, f"/b/{scenario.en_id}/diff{query}", status)
    assert "Traceback" not in html
    data = api(
        client,
        f"/api/briefings/{scenario.en_id}/diff{query}",
        status if "view" not in query else 200,
    )
    assert isinstance(data, dict)


# --- exchange -----------------------------------------------------------------------------


def test_exchange_history_and_citation(client, scenario) -> None:
    html = page(client, f"/x/{scenario.en_edited_uid}")
    assert "Version 1" in html and "Version 2" in html
    citation = re.search(r'id="citation" class="citation" readonly value="([^"]*)"', html)
    assert citation is not None
    line = citation.group(1)
    assert "edited between 2026-11-01 08:00 UTC and 2026-11-02 08:00 UTC" in line
    assert f"archived copy sha256 {scenario.en_sha[2]}" in line
    data = api(client, f"/api/exchanges/{scenario.en_edited_uid}")
    assert data["citation"].startswith("Exchange ")
    assert [v["version"] for v in data["versions"]] == [1, 2, 3]


def test_removed_exchange_page(client, scenario) -> None:
    data = api(client, f"/api/exchanges/{scenario.en_removed_uid}")
    assert data["current"] is False and data["span"]["removed_at"]
    html = page(client, f"/x/{scenario.en_removed_uid}")
    assert "no longer on the page" in html and "removed between" in html


# --- search -------------------------------------------------------------------------------


def test_search_highlights_and_links(client, scenario) -> None:
    html = page(client, "/search?q=%22rare+earth%22")
    assert "<mark>rare earth</mark>" in html
    assert f'href="/x/{scenario.en_added_uid}"' in html
    assert 'src="/charts/term.svg?q=%22rare+earth%22"' in html
    data = api(client, "/api/search?q=rare+earth")
    assert data["hits"][0]["exchange"] == f"/x/{scenario.en_added_uid}"


def test_search_removed_text_is_marked(client) -> None:
    current = api(client, "/api/search?q=unprecedentedly")["hits"]
    assert current and not current[0]["removed"]
    everything = page(client, "/search?q=trade&removed=1")
    assert "ordinary" in everything
    hostile = api(client, "/api/search?q=ordinary&removed=1")["hits"]
    assert hostile


def test_search_chinese_and_filters(client) -> None:
    data = api(client, "/api/search?q=中国&lang=zh")
    assert data["hits"] and {h["language"] for h in data["hits"]} == {"zh"}
    assert api(client, "/api/search?q=中国&lang=en")["hits"] == []


def test_search_pagination(client) -> None:
    first = api(client, "/api/search?q=tariffs")
    assert first["page"] == 1 and len(first["hits"]) == 20 and first["has_more"]
    second = api(client, "/api/search?q=tariffs&page=2")
    assert len(second["hits"]) == 10 and not second["has_more"]
    assert {h["exchange_uid"] for h in second["hits"]}.isdisjoint(
        {h["exchange_uid"] for h in first["hits"]}
    )


def test_search_frequency(client) -> None:
    months = api(client, "/api/search/frequency?q=rare+earth")["months"]
    assert months == [{"month": "2020-07", "count": 1}]


@pytest.mark.parametrize("query", ["?q=a&since=yesterday", "?q=a&page=0", "?q=a&lang=fr"])
def test_search_bad_parameters(client, query: str) -> None:
    page(client, "/search" + query, 400)
    assert "error" in api(client, "/api/search" + query, 400)


def test_api_search_needs_a_query(client) -> None:
    assert api(client, "/api/search", 400)["error"].startswith("q")


# --- names, trends, runs --------------------------------------------------------------------


def test_outlets_and_one_outlet(client, scenario) -> None:
    html = page(client, "/outlets")
    assert "Reuters" in html and "Bloomberg" in html
    one = page(client, "/outlets/Bloomberg")
    assert 'src="/charts/name.svg?role=asker&amp;name=Bloomberg"' in one
    assert "added" in one
    data = api(client, f"/api/names/outlets/{scenario.en_asker}")
    assert data["exchanges"] >= 1 and data["events"]
    assert any(r["asker"] == "Reuters" for r in api(client, "/api/names/outlets"))
    page(client, "/outlets/Nobody%20At%20All", 404)
    page(client, "/nonsense", 404)


def test_spokespersons(client) -> None:
    html = page(client, "/spokespersons")
    assert "Spokespersons" in html


def test_trends(client) -> None:
    html = page(client, "/trends")
    assert html.count('<img src="/charts/trends/') == 3
    rows = api(client, "/api/trends")
    assert {r["source"] for r in rows} == {"mfa-en", "mfa-zh"}
    assert sum(r["edited"] for r in rows) >= 3 and sum(r["removed"] for r in rows) >= 2
    page(client, "/trends?source=elsewhere", 400)


def test_runs_say_why_they_failed(client, scenario) -> None:
    html = page(client, "/runs")
    assert "every download failed" in html
    failed = api(client, "/api/runs?failed=1")
    assert [r["id"] for r in failed] == [scenario.failed_run]


# --- charts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/charts/trends/exchanges.svg",
        "/charts/trends/removed.svg?source=mfa-en",
        "/charts/name.svg?role=asker&name=Reuters",
        "/charts/term.svg?q=trade",
    ],
)
def test_charts_are_svg_without_script(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    body = response.text
    assert "<svg" in body and "<script" not in body
    assert "pygal" in body  # drawn by the library


def test_chart_with_two_sources_has_distinct_dash_patterns(client) -> None:
    body = client.get("/charts/trends/exchanges.svg").text
    assert "stroke-dasharray" in body and "mfa-en" in body and "mfa-zh" in body
