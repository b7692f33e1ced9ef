"""The fault site itself: every fault does what the crawl tests rely on it doing."""

from __future__ import annotations

import gzip
import http.client
import socket
import time
import zlib

import pytest

from tests.faultsite import (
    EN_DIR,
    EN_LIST,
    ZH_DIR,
    BigBody,
    Body,
    Chaos,
    Drip,
    DropMidBody,
    FaultSite,
    GzipBomb,
    Hang,
    Redirect,
    RedirectLoop,
    Sequence,
    Status,
    TooManyRequests,
    Truncate,
    Versions,
    article_paths,
    deeply_nested,
    gb18030_page,
    gbk_labelled_utf8,
    gzip_bomb,
    no_charset,
    other_host,
    site_page,
    with_script_payload,
)

pytestmark = pytest.mark.timeout(60)

EN_PAGE = EN_DIR + "t1794629.shtml"
ZH_PAGE = ZH_DIR + "t1794584.shtml"


def get(site: FaultSite, path: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(site.host, site.port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture
def site():
    with FaultSite() as s:
        yield s


def test_serves_mirror_like_the_ministry(site: FaultSite) -> None:
    status, headers, body = get(site, EN_LIST)
    assert status == 200 and headers["content-type"] == "text/html"  # no charset, as real
    assert body == site_page(EN_LIST)
    status, headers, _ = get(site, "/no/such/page.shtml")
    assert status == 302 and headers["location"] == site.url("/error.htm")
    assert get(site, "/robots.txt")[0] == 302
    assert len(article_paths(EN_DIR)) == 40 and len(article_paths(ZH_DIR)) == 15
    assert [e.bare_path for e in site.requests()] == [EN_LIST, "/no/such/page.shtml", "/robots.txt"]


def test_validators_and_conditional_get_from_sitemock() -> None:
    with FaultSite(validators=True) as site:
        _, headers, _ = get(site, EN_PAGE)
        conn = http.client.HTTPConnection(site.host, site.port, timeout=5)
        conn.request("GET", EN_PAGE, headers={"If-None-Match": headers["etag"]})
        assert conn.getresponse().status == 304
        conn.close()


def test_status_recovers_after_n_times(site: FaultSite) -> None:
    site.set(EN_PAGE, Status(503, times=2))
    assert [get(site, EN_PAGE)[0] for _ in range(3)] == [503, 503, 200]
    assert [e.fault for e in site.requests(EN_PAGE)] == ["status-503", "status-503", None]


def test_429_carries_retry_after(site: FaultSite) -> None:
    site.set(EN_PAGE, TooManyRequests(retry_after=7, times=1))
    status, headers, _ = get(site, EN_PAGE)
    assert status == 429 and headers["retry-after"] == "7"
    assert get(site, EN_PAGE)[0] == 200


def test_hang_times_out_the_client(site: FaultSite) -> None:
    site.set(EN_PAGE, Hang(30))
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        get(site, EN_PAGE, timeout=0.5)
    assert time.monotonic() - t0 < 5


@pytest.mark.parametrize("fault", [DropMidBody(0.5), Truncate(0.5)], ids=["drop", "truncate"])
def test_damaged_bodies_are_short_of_content_length(site: FaultSite, fault) -> None:
    site.set(EN_PAGE, fault)
    with pytest.raises((http.client.IncompleteRead, ConnectionResetError)):
        get(site, EN_PAGE)


def test_drip_delivers_the_whole_page_slowly(site: FaultSite) -> None:
    site.set(EN_PAGE, Drip(chunk=8192, interval=0.05))
    t0 = time.monotonic()
    assert get(site, EN_PAGE)[2] == site_page(EN_PAGE)
    assert time.monotonic() - t0 >= 0.2


def test_redirects(site: FaultSite) -> None:
    site.set(EN_PAGE, Redirect("file:///etc/passwd"))
    status, headers, _ = get(site, EN_PAGE)
    assert status == 302 and headers["location"] == "file:///etc/passwd"
    site.set(EN_PAGE, RedirectLoop())
    locations = [get(site, EN_PAGE + (f"?hop={i}" if i else ""))[1]["location"] for i in range(3)]
    assert locations == [f"{EN_PAGE}?hop={i}" for i in (1, 2, 3)]
    site.set(EN_PAGE, RedirectLoop(pingpong=True))
    assert get(site, EN_PAGE + "?hop=1")[1]["location"] == f"{EN_PAGE}?hop=0"


def test_big_body_is_streamed_with_its_length(site: FaultSite) -> None:
    site.set(EN_PAGE, BigBody(3 * 1024 * 1024))
    status, headers, body = get(site, EN_PAGE)
    assert status == 200 and int(headers["content-length"]) == len(body) == 3 * 1024 * 1024


def test_gzip_bomb_is_small_on_the_wire_and_huge_inflated(site: FaultSite) -> None:
    bomb = gzip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 200_000
    site.set(EN_PAGE, GzipBomb(64 * 1024 * 1024))
    _, headers, body = get(site, EN_PAGE)
    assert headers["content-encoding"] == "gzip" and body == bomb
    inflated = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, 1 << 20)
    assert inflated == bytes(1 << 20)
    assert len(gzip.decompress(body)) == 64 * 1024 * 1024


def test_encodings() -> None:
    original = site_page(ZH_PAGE)
    text = original.decode("utf-8")
    mislabelled = gbk_labelled_utf8(original)
    assert mislabelled.headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        mislabelled.body.decode("utf-8")
    proper = gb18030_page(original)
    assert b'charset=gb18030"' in proper.body and b"charset='gb2312'" in proper.body
    assert proper.body.decode("gb18030").replace("gb18030", "UTF-8", 1) == text
    bare = no_charset(original)
    assert b"charset=" not in bare.body.split(b"</head>")[0].replace(b"document.charset", b"")
    assert "charset" not in bare.headers["Content-Type"]


def test_hostile_markup_helpers() -> None:
    page = site_page(EN_PAGE)
    hostile = with_script_payload(page, b"Zhao Lijian: </SPAN>")
    assert b"&lt;script&gt;alert(&#x27;briefings-xss&#x27;)&lt;/script&gt;" in hostile
    assert b'href="javascript:alert(2)"' in hostile
    nested = deeply_nested(page, depth=5000)
    assert nested.count(b"<div>") >= 5000


def test_versions_switch_by_hand_and_by_clock(site: FaultSite) -> None:
    edits = Versions([b"v1", b"v2"])
    site.set(EN_PAGE, edits)
    assert get(site, EN_PAGE)[2] == b"v1"
    edits.switch(1)
    assert get(site, EN_PAGE)[2] == b"v2"
    site.set(EN_PAGE, Versions([b"a", b"b"], at=[0, 0.3]))
    assert get(site, EN_PAGE)[2] == b"a"
    time.sleep(0.35)
    assert get(site, EN_PAGE)[2] == b"b"


def test_sequence_and_chaos(site: FaultSite) -> None:
    site.set(EN_PAGE, Sequence(Status(500, times=1), Body(b"odd", times=1)))
    assert [get(site, EN_PAGE)[2][:3] for _ in range(3)] == [
        b"<ht",
        b"odd",
        site_page(EN_PAGE)[:3],
    ]
    site.set(EN_PAGE, None)
    chaos = Chaos([lambda: Status(503)], p=0.5, seed=1)
    site.set(EN_DIR + "*", chaos)
    codes = [get(site, ZH_PAGE if i % 2 else EN_PAGE)[0] for i in range(20)]
    assert 503 in codes and 200 in codes  # some pages of the EN folder fail, ZH never does
    assert all(c == 200 for c in codes[1::2])
    assert len(chaos.drawn) == codes.count(503)


def test_only_loopback_and_stops_by_itself() -> None:
    with pytest.raises(ValueError):
        FaultSite(host="0.0.0.0")
    with other_host() as other:
        assert other.host == "127.0.0.2"
        assert get(other, "/x")[0] == 302 and other.hits("/x") == 1
        assert other.mirror is None
    short = FaultSite(lifetime=0.3).start()
    time.sleep(0.6)
    assert short.stopped.is_set()
    with pytest.raises(OSError), socket.create_connection((short.host, short.port), timeout=1):
        pass
