"""Every scraped string is hostile: escaped everywhere, a strict CSP on every response,
raw pages that cannot run, bad parameters as 400/404, and an app that never writes."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from scheduler.cli import main
from tests.web.scenario import HOSTILE_BODY

PAGES = [
    "/",
    "/?type=removed",
    "/b/{hostile}",
    "/b/{hostile}/diff",
    "/b/{hostile}/diff?view=side",
    "/x/{removed}",
    "/search?q=ordinary&removed=1",
    "/search?q=%3Cscript%3E",
    "/outlets",
    "/spokespersons",
    "/trends",
    "/runs",
]


class Tags(HTMLParser):
    """Every tag and attribute of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(tag, name, value) for name, value in attrs] or [(tag, "", None)]


def handlers(html: str) -> list[tuple[str, str, str | None]]:
    """Event-handler attributes and tags that should never come from data."""
    parser = Tags()
    parser.feed(html)
    return [
        t
        for t in parser.found
        if t[1].startswith("on")
        or t[0] in ("iframe", "svg", "style", "object", "embed")
        or (t[0] == "img" and t[1] == "src" and not (t[2] or "").startswith("/charts/"))
    ]


def paths(scenario) -> list[str]:
    return [
        p.format(hostile=scenario.hostile_id, removed=scenario.hostile_removed_uid) for p in PAGES
    ]


def test_hostile_strings_show_as_text(client, scenario) -> None:
    seen_text = False
    for path in paths(scenario):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.text
        assert "<script>window" not in html and "<img src=x" not in html, path
        assert "<svg onload" not in html and "<iframe" not in html and "<style>body" not in html, (
            path
        )
        assert 'href="javascript:' not in html.lower(), path
        assert handlers(html) == [], path
        seen_text = seen_text or "&lt;script&gt;window.__pwned" in html
    assert seen_text  # the hostile title is on the pages, as text
    html = client.get(f"/b/{scenario.hostile_id}/diff").text
    assert "{{ 7*7 }}" in html  # a template in scraped text stays text


def test_every_inline_script_is_gone(client, scenario) -> None:
    for path in paths(scenario):
        html = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (path, tag)


def test_strict_csp_on_every_page(client, scenario) -> None:
    for path in [*paths(scenario), "/b/999999", "/api/changes"]:
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert headers["x-content-type-options"] == "nosniff"


def test_raw_page_is_served_so_it_cannot_run(client, scenario, web_archive) -> None:
    sha = web_archive.provenance(scenario.hostile_id, 1).sha256
    response = client.get(f"/raw/{sha}")
    assert response.status_code == 200
    assert response.content == HOSTILE_BODY
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-security-policy"].startswith("sandbox")
    assert response.headers["x-content-type-options"] == "nosniff"
    download = client.get(f"/raw/{sha}?download=1")
    assert download.headers["content-disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/raw/zzzz", 400),
        ("/raw/" + "0" * 64, 404),
        ("/b/0", 400),
        ("/b/99999999999999999999999", 400),
        ("/b/-1", 400),
        ("/b/12abc", 400),
        ("/x/" + "a" * 200, 400),
        ("/x/%00", 404),
        ("/?since=2026-13-45", 400),
        ("/?type=exploded", 400),
        ("/?outlet=" + "x" * 500, 400),
        ("/?page=-3", 400),
        ("/search?q=%00", 400),
        ("/search?q=" + "+".join(f"w{i}" for i in range(40)), 400),
        ("/charts/trends/nothing.svg", 400),
        ("/charts/name.svg?role=judge&name=x", 400),
        ("/docs/assets/../../etc/passwd", 404),
        ("/static/../app.py", 404),
    ],
)
def test_bad_parameters_give_clean_errors(client, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:200])
    assert "Traceback" not in response.text and 'File "' not in response.text
    api = client.get("/api" + path if path.startswith("/b/") else path)
    assert api.status_code < 500


def test_api_errors_are_json(client) -> None:
    response = client.get("/api/briefings/424242")
    assert response.status_code == 404
    assert response.json() == {"error": "no briefing with id 424242", "status": 404}
    assert client.get("/api/changes?since=nope").json()["status"] == 400


def test_writes_are_refused(client) -> None:
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/")
        assert response.status_code == 405


def test_the_app_never_writes(client, scenario, web_archive) -> None:
    assert web_archive.read_only
    before = (
        len(web_archive.changes()),
        len(web_archive.list_briefings()),
        len(web_archive.runs()),
    )
    for path in paths(scenario):
        client.get(path)
    after = (len(web_archive.changes()), len(web_archive.list_briefings()), len(web_archive.runs()))
    assert before == after


def test_openapi_and_local_docs(client) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/changes",
        "/api/briefings/{briefing_id}",
        "/api/briefings/{briefing_id}/diff",
        "/api/exchanges/{uid}",
        "/api/search",
        "/api/names/{kind}",
        "/api/trends",
        "/api/runs",
    ):
        assert path in spec["paths"], path
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "http" not in docs.text.replace("http-equiv", "")  # nothing from elsewhere
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_serve_binds_loopback_and_warns_on_all_interfaces(monkeypatch, scenario_db) -> None:
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    runner = CliRunner()
    result = runner.invoke(main, ["serve", "--db", scenario_db[0]])
    assert result.exit_code == 0, result.output
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8000
    assert "warning" not in result.output
    result = runner.invoke(
        main, ["serve", "--host", "0.0.0.0", "--port", "8123", "--db", scenario_db[0]]
    )
    assert result.exit_code == 0
    assert "warning: listening on 0.0.0.0" in result.output
    assert calls[-1]["host"] == "0.0.0.0" and calls[-1]["port"] == 8123


def test_serve_needs_an_archive(tmp_path) -> None:
    result = CliRunner().invoke(main, ["serve", "--db", f"sqlite:///{tmp_path}/none.db"])
    assert result.exit_code != 0 and "no archive at" in result.output


def test_serve_help_has_examples() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "Examples:" in result.output and "--host" in result.output
