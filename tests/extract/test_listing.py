"""List pages: items, filtered items and pagination of every list layout; URL shapes per era.

Real list pages are read in place from the shared fixtures. The 2021+ layouts have no real page in
the fixtures, so small pages written here stand in for them (markup as documented, or deliberately
unfamiliar for the generic rule).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from crawler.extract import ListPage, parse_list
from crawler.extract.sitemap import (
    SOURCES,
    article_era,
    is_allowed_host,
    is_article_url,
    is_list_url,
    language_of_url,
    list_era,
    source_of_url,
    start_urls,
)
from tests.conftest import MFA_PAGES, MFA_SITE

EN_LEGACY = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/"
ZH_COLUMN = "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/"
EN_CURRENT = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/"


def _manifest() -> list[dict]:
    return json.loads((MFA_PAGES / "manifest.json").read_text(encoding="utf-8"))


def _url_of(file: str) -> str:
    return next(entry["url"] for entry in _manifest() if entry["file"] == file)


def _parse_file(path: Path, url: str) -> ListPage:
    return parse_list(Selector(text=path.read_bytes().decode("utf-8")), url)


def _parse_fixture(file: str) -> ListPage:
    return _parse_file(MFA_PAGES / file, _url_of(file))


def _parse_text(html: str, url: str) -> ListPage:
    return parse_list(Selector(text=html), url)


# --- real list pages -------------------------------------------------------------------------

# file, items, skipped, pages, (first url, title, date), (last url, title, date)
REAL_LISTS = [
    (
        "en_legacy_list_2511_665403_default.shtml.html",
        40,
        0,
        13,
        ("t1794629", "Zhao Lijian's Regular Press Conference on July 3, 2020", None),
        ("t1776657", "Hua Chunying's Regular Press Conference on May 6, 2020", None),
    ),
    (
        "en_legacy_list_2511_665403_default_1.shtml.html",
        40,
        0,
        13,
        ("t1775332", "Geng Shuang's Regular Press Conference on April 30, 2020", None),
        ("t1752564", "Zhao Lijian's Regular Press Conference on March 5, 2020", None),
    ),
    (
        "en_legacy_list_2511_665403_default_12.shtml.html",
        20,
        0,
        13,
        ("t1567257", "Hua Chunying's Regular Press Conference on June 8, 2018", None),
        ("t1558711", "Geng Shuang's Regular Press Conference on May 11, 2018", None),
    ),
    (
        "zh_legacy_list_fyrbt_674889_default.shtml_2020-07.html",
        13,
        2,
        67,
        ("t1794584", "2020年7月3日外交部发言人赵立坚主持例行记者会", "2020-07-03"),
        ("t1788865", "2020年6月15日外交部发言人赵立坚主持例行记者会", "2020-06-15"),
    ),
    (
        "zh_legacy_list_fyrbt_674889_default_33.shtml_2020-07.html",
        13,
        2,
        67,
        ("t1597580", "2018年9月21日外交部发言人耿爽主持例行记者会", "2018-09-21"),
        ("t1592093", "2018年9月5日外交部发言人华春莹主持例行记者会", "2018-09-05"),
    ),
    (
        "zh_legacy_list_fyrbt_674889_default.shtml_2020-12.html",
        14,
        1,
        67,
        ("t1839549", "2020年12月11日外交部发言人华春莹主持例行记者会", "2020-12-11"),
        ("t1834656", "2020年11月23日外交部发言人赵立坚主持例行记者会", "2020-11-23"),
    ),
    (
        "zh_legacy_list_fyrbt_674889_default_1.shtml_2020-12.html",
        14,
        1,
        67,
        ("t1834134", "2020年11月20日外交部发言人赵立坚主持例行记者会", "2020-11-20"),
        ("t1828998", "2020年11月3日外交部发言人汪文斌主持例行记者会", "2020-11-03"),
    ),
    (
        "zh_legacy_list_fyrbt_674889_default_66.shtml_2020-12.html",
        9,
        1,
        67,
        ("t1462735", "2017年5月17日外交部发言人华春莹主持例行记者会", "2017-05-17"),
        ("t1458888", "2017年5月4日外交部发言人耿爽主持例行记者会", "2017-05-04"),
    ),
]


def test_every_list_fixture_is_covered() -> None:
    listed = {entry["file"] for entry in _manifest() if "_list_" in entry["file"]}
    assert listed == {row[0] for row in REAL_LISTS}


@pytest.mark.parametrize(("file", "n_items", "n_skipped", "n_pages", "first", "last"), REAL_LISTS)
def test_real_list_page(file, n_items, n_skipped, n_pages, first, last) -> None:
    url = _url_of(file)
    page = _parse_fixture(file)
    folder = url.rsplit("/", 1)[0] + "/"
    assert (len(page.items), len(page.skipped), len(page.pages)) == (n_items, n_skipped, n_pages)
    for item, (tid, title_end, date) in ((page.items[0], first), (page.items[-1], last)):
        assert item.url == f"{folder}{tid}.shtml"
        assert item.title.endswith(title_end)
        assert item.title == item.title.strip()
        assert item.date == date
    stem = folder + "default"
    assert page.pages[0] == f"{stem}.shtml"
    assert page.pages[1] == f"{stem}_1.shtml"
    assert page.pages[-1] == f"{stem}_{n_pages - 1}.shtml"
    assert url in page.pages  # the current page is announced too
    assert len(set(page.pages)) == n_pages


def test_en_legacy_titles_are_full_and_dates_absent() -> None:
    page = _parse_fixture("en_legacy_list_2511_665403_default.shtml.html")
    assert page.items[0].title == (
        "Foreign Ministry Spokesperson Zhao Lijian's Regular Press Conference on July 3, 2020"
    )
    assert all(item.date is None for item in page.items)
    assert all(item.url.startswith(EN_LEGACY + "t") for item in page.items)


def test_zh_legacy_non_briefings_are_skipped_by_name() -> None:
    page = _parse_fixture("zh_legacy_list_fyrbt_674889_default.shtml_2020-07.html")
    assert [(s.url.rsplit("/", 1)[1], s.title, s.date) for s in page.skipped] == [
        ("t1793459.shtml", "外交部发言人就全国人大常委会审议通过香港国安法发表谈话", "2020-06-30"),
        (
            "t1789773.shtml",
            "外交部发言人赵立坚就杨洁篪同美国国务卿蓬佩奥举行对话答记者问",
            "2020-06-18",
        ),
    ]
    assert all("主持例行记者会" in item.title for item in page.items)
    # The column interleaves them: the statement sits between two briefings of June 30 / July 1.
    assert [i.url.rsplit("/", 1)[1] for i in page.items[2:4]] == [
        "t1793857.shtml",
        "t1793409.shtml",
    ]


def test_zh_legacy_other_skipped_items() -> None:
    skipped = {
        file: [s.title for s in _parse_fixture(file).skipped]
        for file in (
            "zh_legacy_list_fyrbt_674889_default_33.shtml_2020-07.html",
            "zh_legacy_list_fyrbt_674889_default.shtml_2020-12.html",
            "zh_legacy_list_fyrbt_674889_default_66.shtml_2020-12.html",
        )
    }
    assert skipped == {
        "zh_legacy_list_fyrbt_674889_default_33.shtml_2020-07.html": [
            "外交部发言人耿爽就伊朗发生恐袭事件答记者问",
            "外交部发言人耿爽就菲律宾遭受台风“山竹”袭击答记者问",
        ],
        "zh_legacy_list_fyrbt_674889_default.shtml_2020-12.html": [
            "外交部发言人华春莹就美方借口涉港问题宣布制裁中国全国人大常委会领导成员发表谈话"
        ],
        "zh_legacy_list_fyrbt_674889_default_66.shtml_2020-12.html": [
            "外交部发言人华春莹就朝鲜射导答记者问"
        ],
    }


def test_en_legacy_layout_keeps_online_briefings_and_skips_remarks() -> None:
    """The first two titles are real (their pages are fixtures); the notice is made up."""
    titles = [
        (
            "t1741546",
            "Foreign Ministry Spokesperson Hua Chunying's Daily Briefing Online on February 6, 2020",
        ),
        ("t1686637", "Foreign Ministry Spokesperson Hua Chunying's Remarks on August 6, 2019"),
        ("t1686000", "Chinese Government Medical Expert Team Arrives in Italy"),
        (
            "t1794629",
            "Foreign Ministry Spokesperson Zhao Lijian's Regular Press Conference on July 3, 2020",
        ),
    ]
    lis = "".join(f'<li><a href="./{tid}.shtml">{title}</a></li>' for tid, title in titles)
    page = _parse_text(f'<div class="newsLst_mod"><ul>{lis}</ul></div>', EN_LEGACY)
    assert [i.url for i in page.items] == [
        EN_LEGACY + "t1741546.shtml",
        EN_LEGACY + "t1794629.shtml",
    ]
    assert [s.url for s in page.skipped] == [
        EN_LEGACY + "t1686637.shtml",
        EN_LEGACY + "t1686000.shtml",
    ]
    assert page.pages == [EN_LEGACY]


# --- the site mirror -------------------------------------------------------------------------


def _mirror_path(url: str) -> Path:
    parts = urlsplit(url)
    return MFA_SITE / parts.hostname / parts.path.lstrip("/")


def test_mirror_en_first_page_links_40_transcripts_all_mirrored() -> None:
    url = EN_LEGACY + "default.shtml"
    page = _parse_file(_mirror_path(url), url)
    assert len(page.items) == 40 and page.skipped == []
    assert len({item.url for item in page.items}) == 40
    assert all(_mirror_path(item.url).is_file() for item in page.items)
    assert len(page.pages) == 13
    # Pages 2..13 are announced but not mirrored: missing, as deleted pages are on the real site.
    assert [_mirror_path(p).is_file() for p in page.pages] == [True] + [False] * 12


def test_mirror_zh_first_page_has_15_items_13_briefings() -> None:
    url = ZH_COLUMN + "default.shtml"
    page = _parse_file(_mirror_path(url), url)
    assert (len(page.items), len(page.skipped), len(page.pages)) == (13, 2, 67)
    assert all(_mirror_path(i.url).is_file() for i in page.items + page.skipped)
    assert {s.url for s in page.skipped} == {
        ZH_COLUMN + "t1793459.shtml",
        ZH_COLUMN + "t1789773.shtml",
    }


def test_bare_folder_url_announces_named_pages() -> None:
    """A crawl starts at the folder URL; the pages it announces are the named files."""
    page = _parse_file(_mirror_path(EN_LEGACY + "default.shtml"), EN_LEGACY)
    assert page.items[0].url == EN_LEGACY + "t1794629.shtml"
    assert page.pages[0] == EN_LEGACY + "default.shtml"
    assert page.pages[-1] == EN_LEGACY + "default_12.shtml"


def test_loopback_host_is_kept_in_item_and_page_urls() -> None:
    base = "http://127.0.0.1:8765/web/wjdt_674879/fyrbt_674889/"
    page = _parse_file(_mirror_path(ZH_COLUMN + "default.shtml"), base + "default.shtml")
    assert page.items[0].url == base + "t1794584.shtml"
    assert page.pages[-1] == base + "default_66.shtml"


# --- not list pages --------------------------------------------------------------------------

NOT_LISTS = [
    "site_error_page_error.htm_2020.html",
    "en_2511era_softerror_t20210325_9170713.excerpt.html",
    "en_legacy_article_t1794629_2020-07-03_named.html",
    "en_legacy_article_t1686637_2019-08-06_remarks.html",
    "zh_legacy_article_t1794584_2020-07-03_named.html",
    "zh_mfa2024crawl_raw1_2024-04-03_newtemplate.html",
    "zh_mfa2024crawl_raw617_2022-01-14_newtemplate.html",
    "en_lxjzh_article_t20251017_11735636.html",
    "en_fyrbt_article_t20241017_11509439.html",
]


@pytest.mark.parametrize("file", NOT_LISTS)
@pytest.mark.parametrize("url", [EN_CURRENT, ZH_COLUMN + "index.shtml", "http://127.0.0.1:1/p"])
def test_non_list_pages_give_an_empty_list_page(file: str, url: str) -> None:
    """Even under a list URL (a soft error served there), transcripts and errors are no list."""
    assert _parse_file(MFA_PAGES / file, url) == ListPage()


def test_transcript_under_its_own_url_is_no_list() -> None:
    file = "en_legacy_article_t1558711_2018-05-11_QA.html"
    assert _parse_fixture(file) == ListPage()


def test_empty_and_unrelated_pages() -> None:
    assert _parse_text("", EN_CURRENT) == ListPage()
    assert (
        _parse_text("<html><body><ul><li><a href='/x/'>x</a></li></ul>", EN_CURRENT) == ListPage()
    )


# --- 2021+ layouts (pages written for the test) ----------------------------------------------

ZH_2021 = """<html><head><meta name="ColumnName" content="发言人表态"><meta name="ArticleTitle" content=""></head><body>
<div class="newsBd"><ul class="list1">
 <li><a href="./202411/t20241128_11535410.shtml" target="_blank">2024年11月28日外交部发言人毛宁主持例行记者会</a><span>2024-11-28</span></li>
 <li><a href="./202411/t20241127_11534780.shtml" target="_blank">外交部发言人就美方对台军售答记者问</a><span>2024-11-27</span></li>
 <li><a href="./202411/t20241127_11534512.shtml" target="_blank">2024年11月27日外交部发言人毛宁主持例行记者会</a><span>2024-11-27</span></li>
 <li><a href="./202411/t20241126_11533999.shtml" target="_blank">外交部发言人就某国大选结果发表谈话</a><span>2024-11-26</span></li>
 <li><a href="./202411/t20241126_11533801.shtml" target="_blank">2024年11月26日外交部发言人毛宁主持例行记者会</a><span>2024-11-26</span></li>
</ul></div>
<div class="fy"><script>
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) { return; }
var countPage = 29; var currentPage = 2;
createPageHTML(countPage, currentPage, "index", "shtml");
</script></div>
<div class="side"><ul><li><a href="https://www.mfa.gov.cn/web/zwjg_674741/zwtc_674771/200011/t20001107_7679672.shtml">驻外使馆</a></li></ul></div>
</body></html>"""


def test_zh_2021_list1_and_create_page_html() -> None:
    url = ZH_COLUMN + "index_2.shtml"
    page = _parse_text(ZH_2021, url)
    assert [(i.url, i.date) for i in page.items] == [
        (ZH_COLUMN + "202411/t20241128_11535410.shtml", "2024-11-28"),
        (ZH_COLUMN + "202411/t20241127_11534512.shtml", "2024-11-27"),
        (ZH_COLUMN + "202411/t20241126_11533801.shtml", "2024-11-26"),
    ]
    assert page.items[0].title == "2024年11月28日外交部发言人毛宁主持例行记者会"
    assert [s.title for s in page.skipped] == [
        "外交部发言人就美方对台军售答记者问",
        "外交部发言人就某国大选结果发表谈话",
    ]
    assert len(page.pages) == 29
    assert page.pages[:2] == [ZH_COLUMN + "index.shtml", ZH_COLUMN + "index_1.shtml"]
    assert page.pages[-1] == ZH_COLUMN + "index_28.shtml"
    assert url in page.pages


@pytest.mark.parametrize(
    "call",
    [
        'createPageHTML(29, 0, "index", "shtml", "black2", 621);',
        "createPageHTML('page_div', 29, 1, 'index', 'shtml', 20);",
    ],
)
def test_create_page_html_argument_forms(call: str) -> None:
    html = ZH_2021.replace('createPageHTML(countPage, currentPage, "index", "shtml");', call)
    page = _parse_text(html, ZH_COLUMN)
    assert len(page.pages) == 29 and page.pages[-1] == ZH_COLUMN + "index_28.shtml"


def test_multi_page_article_script_is_not_list_pagination() -> None:
    html = (
        "<ul class='list1'><li><a href='./202411/t20241128_1.shtml'>"
        "2024年11月28日外交部发言人毛宁主持例行记者会</a></li></ul>"
        '<script>createPageHTML(3, 0, "t20241128_1", "shtml");</script>'
    )
    page = _parse_text(html, ZH_COLUMN)
    assert len(page.items) == 1
    assert page.pages == [ZH_COLUMN]  # no list pagination announced: just this page


EN_2021 = """<html><body><div class="newsLst_mod"><ul>
 <li><a href="./202402/t20240227_11250193.html" target="_blank">Foreign Ministry Spokesperson Mao Ning's Regular Press Conference on February 27, 2024</a> <span>2024-02-27</span></li>
 <li><a href="./202402/t20240226_11249640.html" target="_blank">Foreign Ministry Spokesperson's Remarks on the Death of a Person</a> <span>2024-02-26</span></li>
 <li><a href="./202402/t20240226_11249500.html" target="_blank">Foreign Ministry Spokesperson Mao Ning's Regular Press Conference on February 26, 2024</a> <span>2024-02-26</span></li>
</ul></div>
<div id="pages"><script>
var currentPage = 3; var countPage = 25;
document.write("<a href=\\"index"+"_" + (currentPage+1) + "."+"html\\">Next</a>");
</script></div></body></html>"""


def test_en_2021_index_html_pages_from_count_page_script() -> None:
    folder = "https://www.fmprc.gov.cn/eng/xwfw_665399/s2510_665401/2511_665403/"
    page = _parse_text(EN_2021, folder + "index_3.html")
    assert [(i.url.rsplit("/", 1)[1], i.date) for i in page.items] == [
        ("t20240227_11250193.html", "2024-02-27"),
        ("t20240226_11249500.html", "2024-02-26"),
    ]
    assert [s.title for s in page.skipped] == [
        "Foreign Ministry Spokesperson's Remarks on the Death of a Person"
    ]
    assert len(page.pages) == 25
    assert page.pages[0] == folder + "index.html"
    assert page.pages[-1] == folder + "index_24.html"


# An unfamiliar markup for the current English list: the generic rule must find the items.
EN_NOW = """<html><head><title>Regular Press Conferences</title></head><body>
<div class="nav"><ul>
  <li><a href="https://www.fmprc.gov.cn/eng/zy/gb/202511/t20251125_11760001.html">Top story one</a></li>
  <li><a href="https://www.fmprc.gov.cn/eng/zy/gb/202511/t20251124_11760002.html">Top story two</a></li>
  <li><a href="https://www.fmprc.gov.cn/eng/zy/gb/202511/t20251123_11760003.html">Top story three</a></li>
  <li><a href="https://www.fmprc.gov.cn/eng/zy/gb/202511/t20251122_11760004.html">Top story four</a></li>
  <li><a href="https://www.fmprc.gov.cn/eng/zy/gb/202511/t20251121_11760005.html">Top story five</a></li>
</ul></div>
<div class="list_box"><div class="newsList"><ul>
  <li><a href="./202511/t20251127_11760010.html"><p>Foreign Ministry Spokesperson Lin Jian's Regular Press Conference on November 27, 2025</p><p class="time">2025-11-27</p></a></li>
  <li><a href="./202511/t20251126_11760011.html" title="Foreign Ministry Spokesperson Lin Jian's Regular Press Conference on November 26, 2025">Foreign Ministry Spokesperson Lin Jian's Regular Press ...</a><span>Nov 26, 2025</span></li>
  <li><a href="../202511/t20251125_11760012.html">Foreign Ministry Spokesperson Lin Jian's Regular Press Conference on November 25, 2025</a></li>
  <li><a href="./202511/t20251125_11760013.html">Foreign Ministry Spokesperson's Remarks on a Statement</a></li>
  <li><a href="./202511/t20251127_11760010.html">Foreign Ministry Spokesperson Lin Jian's Regular Press Conference on November 27, 2025</a></li>
</ul></div>
<div class="page"><a href="index.html">1</a> <a href="index_1.html">2</a> <a href="index_1.html">Next</a> <a href="index_45.html">Last</a></div>
</div>
<div class="related"><ul><li><a href="./202511/t20251120_11760014.html">Foreign Ministry Spokesperson Lin Jian's Regular Press Conference on November 20, 2025</a></li></ul></div>
</body></html>"""


def test_en_current_generic_rule() -> None:
    page = _parse_text(EN_NOW, EN_CURRENT)
    assert [(i.url, i.title, i.date) for i in page.items] == [
        (
            EN_CURRENT + "202511/t20251127_11760010.html",
            "Foreign Ministry Spokesperson Lin Jian's Regular Press Conference on November 27, 2025",
            "2025-11-27",
        ),
        (
            EN_CURRENT + "202511/t20251126_11760011.html",
            "Foreign Ministry Spokesperson Lin Jian's Regular Press Conference on November 26, 2025",
            "2025-11-26",
        ),
        (  # filed under /eng/xw/fyrbt/YYYYMM/ rather than lxjzh/
            "https://www.fmprc.gov.cn/eng/xw/fyrbt/202511/t20251125_11760012.html",
            "Foreign Ministry Spokesperson Lin Jian's Regular Press Conference on November 25, 2025",
            None,
        ),
    ]
    assert [s.title for s in page.skipped] == [
        "Foreign Ministry Spokesperson's Remarks on a Statement"
    ]
    assert len(page.pages) == 46
    assert page.pages[0] == EN_CURRENT + "index.html"
    assert page.pages[-1] == EN_CURRENT + "index_45.html"


def test_en_current_single_page_without_pagination() -> None:
    html = EN_NOW.split('<div class="page">')[0] + "</div></body></html>"
    page = _parse_text(html, EN_CURRENT + "index.html")
    assert len(page.items) == 3
    assert page.pages == [EN_CURRENT + "index.html"]


# --- sitemap: sources and URL shapes ---------------------------------------------------------


def test_sources_are_data() -> None:
    assert set(SOURCES) == {"mfa-en", "mfa-zh"}
    assert SOURCES["mfa-en"].language == "en" and SOURCES["mfa-zh"].language == "zh"
    assert start_urls("mfa-en") == [EN_CURRENT]
    assert start_urls("mfa-zh") == [ZH_COLUMN]
    assert EN_LEGACY in start_urls("mfa-en", backfill=True)
    for slug in SOURCES:
        for url in start_urls(slug, backfill=True):
            assert is_list_url(url) and is_allowed_host(url) and source_of_url(url) == slug


def _manifest_urls(kind: str) -> list[str]:
    """List-page URLs, or every transcript URL (all the others but the error page)."""
    entries = [e for e in _manifest() if e["url"] and "error" not in e["file"]]
    return [e["url"] for e in entries if ("_list_" in e["file"]) == (kind == "list")]


@pytest.mark.parametrize("url", _manifest_urls("list"))
def test_manifest_list_urls(url: str) -> None:
    assert is_list_url(url) and not is_article_url(url)


@pytest.mark.parametrize("url", _manifest_urls("article"))
def test_manifest_article_urls(url: str) -> None:
    assert is_article_url(url) and not is_list_url(url)
    expected = "mfa-zh" if "/eng/" not in url and "/mfa_eng/" not in url else "mfa-en"
    assert source_of_url(url) == expected


@pytest.mark.parametrize(
    ("url", "era"),
    [
        (EN_LEGACY + "t1794629.shtml", "en-legacy"),
        (
            "https://www.mfa.gov.cn/eng/xwfw_665399/s2510_665401/2511_665403/202103/t20210325_9170713.html",
            "en-2021",
        ),
        (EN_CURRENT + "202504/t20250430_11614172.html", "en-current"),
        ("https://www.mfa.gov.cn/eng/xw/fyrbt/202410/t20241017_11509439.html", "en-current"),
        (ZH_COLUMN + "t1794584.shtml", "zh-legacy"),
        (ZH_COLUMN + "202404/t20240403_11276141.shtml", "zh"),
        # Chinese twins as English pages link them.
        ("https://www.fmprc.gov.cn/web/fyrbt_673021/202504/t20250430_11614167.shtml", "zh"),
        ("https://www.fmprc.gov.cn/fyrbt_673021/202510/t20251017_11735526.shtml", "zh"),
        ("http://127.0.0.1:8765/web/wjdt_674879/fyrbt_674889/t1794584.shtml", "zh-legacy"),
    ],
)
def test_article_eras(url: str, era: str) -> None:
    assert article_era(url) == era and is_article_url(url)


@pytest.mark.parametrize(
    ("url", "era"),
    [
        (EN_LEGACY, "en-legacy"),
        (EN_LEGACY + "default_12.shtml", "en-legacy"),
        (
            "https://www.fmprc.gov.cn/eng/xwfw_665399/s2510_665401/2511_665403/index_3.html",
            "en-2021",
        ),
        (EN_CURRENT, "en-current"),
        (EN_CURRENT + "index.html", "en-current"),
        (EN_CURRENT + "index_7.html", "en-current"),
        ("https://www.fmprc.gov.cn/eng/xw/fyrbt/", "en-current"),
        (ZH_COLUMN, "zh"),
        (ZH_COLUMN + "default_66.shtml", "zh"),
        (ZH_COLUMN + "index_28.shtml", "zh"),
    ],
)
def test_list_eras(url: str, era: str) -> None:
    assert list_era(url) == era and not is_article_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.fmprc.gov.cn/error.htm",
        "https://www.mfa.gov.cn/web/system/maintenance.html",
        "https://www.fmprc.gov.cn/web/wjdt_674879/wjbxw_674885/202411/t20241128_11535000.shtml",
        "https://www.fmprc.gov.cn/eng/zy/gb/202511/t20251125_11760001.html",
        "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/hcy_665411/",
    ],
)
def test_other_urls_are_neither(url: str) -> None:
    assert not is_list_url(url) and not is_article_url(url) and source_of_url(url) is None


def test_hosts_and_languages() -> None:
    assert is_allowed_host("https://www.mfa.gov.cn/eng/xw/fyrbt/lxjzh/")
    assert is_allowed_host("https://WWW.FMPRC.GOV.CN/web/")
    assert not is_allowed_host("http://test.fmprc.gov.cn/wjdt_674879/fyrbt_674889/")
    assert not is_allowed_host("https://example.org/web/wjdt_674879/fyrbt_674889/")
    assert language_of_url(EN_CURRENT) == "en"
    assert language_of_url(ZH_COLUMN + "t1794584.shtml") == "zh"
    assert language_of_url("https://www.fmprc.gov.cn/error.htm") is None
