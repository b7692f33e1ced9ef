"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium) against the app
served by uvicorn on loopback. They fail, never skip, when Chromium is missing (CI installs
it: .ci/run). Screenshots of the main pages go to $BRIEFINGS_SCREENSHOTS (default: the
test's temporary directory); docs/screenshots/ holds current ones."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from scheduler.web import create_app
from storage.api import Archive

pytestmark = pytest.mark.browser
CHROMIUM = Path(os.environ.get("BRIEFINGS_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base_url(web_archive: Archive) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(web_archive), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=FLAGS,
            headless=True,
            viewport={"width": 1200, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser, base_url):
    """A page that records console errors, failed requests and CSP violations."""
    tab = browser.new_page()
    problems: list[str] = []
    tab.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    tab.problems = problems
    tab.base = base_url
    yield tab
    tab.close()
    assert problems == [], problems


def shots() -> Path:
    where = (
        Path(os.environ.get("BRIEFINGS_SCREENSHOTS", ""))
        if os.environ.get("BRIEFINGS_SCREENSHOTS")
        else None
    )
    return where or Path(os.environ.get("PYTEST_TMP", "/tmp")) / "briefings-screenshots"


def snap(page, name: str) -> None:
    folder = shots()
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def test_diff_toggles_and_stepping(page, scenario) -> None:
    page.goto(f"{page.base}/b/{scenario.en_id}/diff?from=1&to=2")
    assert page.locator(".pair").count() == 0
    page.click("#toggle-view")
    page.wait_for_url("**view=side**")
    assert page.locator(".pair").count() > 0
    page.click("#toggle-only")
    page.wait_for_url("**only=1**")
    assert page.locator("article.st-unchanged").count() == 0
    assert page.locator("article.xrow").count() == 3
    snap(page, "diff-side-by-side")
    page.click("#next-step")
    page.wait_for_url("**from=2&to=3**")
    assert "version 2 → 3" in page.locator(".meta").first.inner_text()
    page.click("#prev-step")
    page.wait_for_url("**from=1&to=2**")
    assert page.locator(".pair").count() > 0  # the toggles survive stepping


def test_search_box_to_a_hits_diff(page, scenario) -> None:
    page.goto(page.base + "/")
    page.fill("#quick-search", '"rare earth"')
    page.press("#quick-search", "Enter")
    page.wait_for_url("**/search?q=**")
    assert page.locator("mark").first.inner_text().lower() == "rare earth"
    snap(page, "search")
    page.locator("a.hit-diff").first.click()
    page.wait_for_url(f"**/b/{scenario.en_id}/diff**")
    target = page.locator(f"#x-{scenario.en_added_uid}")
    assert target.count() == 1 and "rare earth" in target.inner_text()


def test_removed_exchange_tombstone(page, scenario) -> None:
    page.goto(f"{page.base}/b/{scenario.en_id}/diff?from=1&to=2#x-{scenario.en_removed_uid}")
    tomb = page.locator(f"#x-{scenario.en_removed_uid} .tombstone")
    assert tomb.is_visible()
    text = tomb.inner_text()
    assert "first seen" in text and "last seen" in text and "removal confirmed" in text
    snap(page, "diff-tombstone")


def test_hostile_page_shows_text(page, scenario) -> None:
    page.goto(f"{page.base}/b/{scenario.hostile_id}/diff")
    assert page.evaluate("window.__pwned === undefined")
    assert "<script>" in page.locator("h1").inner_text()
    assert "<img src=x" in page.locator("body").inner_text()
    page.goto(f"{page.base}/b/{scenario.hostile_id}")
    assert page.evaluate("window.__pwned === undefined")
    page.goto(f"{page.base}/x/{scenario.hostile_removed_uid}")
    assert page.evaluate("window.__pwned === undefined")
    sha = page.locator("a.raw").first.get_attribute("href")
    page.goto(page.base + sha)
    assert "<script>window.__pwned='raw'</script>" in page.locator("body").inner_text()
    assert page.evaluate("window.__pwned === undefined")


MAIN_PAGES = {
    "changes": "/",
    "briefing": "/b/{en}",
    "diff": "/b/{en}/diff?from=1&to=2",
    "exchange": "/x/{edited}",
    "search-chinese": "/search?q=中国",
    "outlets": "/outlets",
    "outlet": "/outlets/Bloomberg",
    "trends": "/trends",
    "runs": "/runs",
    "api-docs": "/docs",
}


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_no_console_errors(page, scenario, name: str) -> None:
    path = MAIN_PAGES[name].format(en=scenario.en_id, edited=scenario.en_edited_uid)
    response = page.goto(page.base + path)
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    if name == "api-docs":
        page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    snap(page, name)
