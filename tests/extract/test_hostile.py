"""Hostile input and failure paths of the parser (issue 14), one rule per test."""

from __future__ import annotations

import re

import pytest
from parsel import Selector

from crawler.extract import (
    MISSING_URL_REASON,
    NotATranscript,
    ParseReport,
    page_url,
    parse_html,
    parse_list,
)
from crawler.extract.charset import decode_report
from crawler.extract.listing import MAX_LIST_PAGES
from crawler.extract.text import clean_text
from tests.conftest import MFA_PAGES
from tests.extract.test_rules import EN_URL, ZH_URL, en_page, zh_page

# What must never reach a briefing: C0/C1 controls but newline and tab, DEL, bidi overrides.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


# -- control characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x1b[31mred\x1b[0m b", "ared b"),  # CSI colour codes, removed whole
        ("x\x1b]0;evil title\x07y", "xy"),  # OSC window title up to BEL
        ("osc\x1b]8;;http://x\x1b\\link", "osclink"),  # OSC hyperlink up to ST
        ("c\x9b31md", "cd"),  # C1 CSI
        ("del\x7fete nul\x00l bs\x08", "delete null bs"),
        ("tab\there\r\nline\u2028sep\x0bvt", "tab here line sep vt"),  # whitespace: a space
        ("bidi\u202eevil\u202c and \u2066iso\u2069", "bidievil and iso"),
        ("rtl \u200fmark kept", "rtl \u200fmark kept"),
        ("中文\u3000全角：照旧", "中文 全角：照旧"),
    ],
)
def test_clean_text_drops_controls_and_escape_sequences(raw: str, clean: str):
    assert clean_text(raw) == clean


def test_no_control_character_reaches_a_briefing():
    dirty = "\x1b]0;pwned\x07\x1b[2J\x9b1m\x00\x85\u202e"
    body = (
        f"<p><b>AFP{dirty}: What is{dirty} China's view?</b></p>"
        f"<p>Mao Ning: We{dirty} have noted it.</p>"
    )
    html = en_page(
        body,
        title=f"Foreign Ministry Spokesperson Mao Ning{dirty}’s Regular "
        "Press Conference on April 3, 2024",
    )
    html = html.replace("<head>", f"<head><meta name='og:title' content='x{dirty}'>")
    data = parse_html(html, EN_URL).to_dict()
    assert not [s for s in strings(data) if FORBIDDEN.search(s)]
    assert data["exchanges"][0]["asker"] == "AFP"
    assert data["exchanges"][0]["answer"] == "We have noted it."


# -- list pages: bad links, absurd pagination -----------------------------------------------

EN_LIST = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml"
EN_TITLE = "Foreign Ministry Spokesperson Zhao Lijian's Regular Press Conference on July 3, 2020"
BAD_LINKS = {
    "javascript:/t1794630.shtml": "not a web link",
    'javascript:window.open("./t1794631.shtml")': "not a web link",
    "mailto:x@example.org/t1794632.shtml": "not a web link",
    "data:text/html,/t1794633.shtml": "not a web link",
    "http://[::1/t1794634.shtml": "malformed URL",
    "http://host:port/t1794635.shtml": "malformed URL",
}


def list_page(hrefs: list[str], count: str = "13") -> str:
    items = "".join(f"<li><a href='{h}'>{EN_TITLE}</a></li>" for h in hrefs)
    script = f"var countPage = {count};document.write('default_'+'.shtml')"
    return (
        f"<html><body><div class='newsLst_mod'><ul>{items}</ul></div>"
        f"<script>{script}</script></body></html>"
    )


def test_bad_links_are_rejected_one_by_one_with_a_reason():
    hrefs = ["./t1794629.shtml", *BAD_LINKS, "./t1794636.shtml"]
    page = parse_list(Selector(text=list_page(hrefs)), EN_LIST)
    assert [i.url.rsplit("/", 1)[1] for i in page.items] == ["t1794629.shtml", "t1794636.shtml"]
    assert [href for href, _ in page.rejected] == list(BAD_LINKS)
    for href, reason in page.rejected:
        assert reason.startswith(BAD_LINKS[href]), (href, reason)


def test_a_page_of_only_bad_links_still_parses():
    page = parse_list(Selector(text=list_page(list(BAD_LINKS))), EN_LIST)
    assert page.items == [] and len(page.rejected) == len(BAD_LINKS)


@pytest.mark.parametrize("count", ["20000", "100000000", "9" * 5000])
def test_absurd_page_count_is_bounded_and_reported(count: str):
    page = parse_list(Selector(text=list_page(["./t1794629.shtml"], count)), EN_LIST)
    assert len(page.pages) == MAX_LIST_PAGES
    assert page.pages_bounded and page.announced_pages is not None
    assert page.announced_pages >= 20000
    assert page.pages[-1].endswith(f"default_{MAX_LIST_PAGES - 1}.shtml")


def test_real_page_counts_are_not_bounded():
    page = parse_list(Selector(text=list_page(["./t1794629.shtml"], "67")), EN_LIST)
    assert (len(page.pages), page.announced_pages, page.pages_bounded) == (67, 67, False)


# -- bytes that do not decode -----------------------------------------------------------------


def test_replaced_bytes_are_counted_not_hidden():
    body = zh_page("<p><b>问：一？</b></p><p>答：二。</p>").encode("utf-8")
    broken = body.replace("二".encode(), b"\xff\xfe")
    report = ParseReport()
    briefing = parse_html(broken, ZH_URL, content_type="text/html; charset=utf-8", report=report)
    assert report.replaced >= 1 and report.encoding is not None
    assert "\ufffd" in briefing.exchanges[0].answer
    assert set(briefing.to_dict()) == set(parse_html(body, ZH_URL).to_dict())  # no new keys
    clean = ParseReport()
    parse_html(body, ZH_URL, report=clean)
    assert (clean.encoding, clean.replaced) == ("utf-8", 0)


def test_replacement_characters_the_page_carried_are_not_counted():
    report = decode_report("ok \ufffd already".encode() + b"\xff", "text/html; charset=utf-8")
    assert report.replaced == 1 and not report.clean


def test_the_report_is_filled_even_when_the_page_is_no_transcript():
    report = ParseReport()
    with pytest.raises(NotATranscript):
        parse_html(b"<html><body>\xff\xff</body></html>", ZH_URL, report=report)
    assert report.replaced == 2


# -- deeply nested markup -----------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["div", "b", "span", "strong", "font", "td", "p"])
def test_deep_nesting_never_raises_recursion_error(tag: str):
    inner = "<p><b>问：一？</b></p><p>答：二。</p>"
    # libxml2 keeps 2047 levels and drops the rest, so 5,000 is as deep as 100,000 gets.
    deep = f"<{tag}>" * 5_000 + inner + f"</{tag}>" * 5_000
    for html in (zh_page(inner + deep), f"<html><body>{deep}</body></html>"):
        try:
            briefing = parse_html(html, ZH_URL)
        except NotATranscript:
            continue
        assert briefing.exchanges


# -- a saved page without --url ------------------------------------------------------------------


def test_page_url_is_what_the_page_declares_and_never_a_guess():
    current = MFA_PAGES / "en_lxjzh_article_t20250430_11614172.html"
    url = page_url(Selector(text=current.read_text("utf-8")))
    assert url and url.endswith("/eng/xw/fyrbt/lxjzh/202504/t20250430_11614172.html")
    legacy = MFA_PAGES / "zh_legacy_article_t1794584_2020-07-03_named.html"
    assert page_url(Selector(text=legacy.read_text("utf-8"))) is None
    assert "--url" not in MISSING_URL_REASON and "2016-2020" in MISSING_URL_REASON


def test_an_article_base_href_names_the_page():
    base = "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/t1794584.shtml"
    html = f"<html><head><base href='{base}'></head><body></body></html>"
    assert page_url(Selector(text=html)) == base
    folder = "<html><head><base href='https://www.fmprc.gov.cn/web/'></head></html>"
    assert page_url(Selector(text=folder)) is None
