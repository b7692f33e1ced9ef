"""Before/after pairs from REAL fixture pages, edited in the HTML (in memory: the pages are
never copied) or in the parsed dicts. Each pair has its exact expected change list."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from storage.diff import diff_exchanges, diff_versions
from tests.conftest import MFA_RECONSTRUCTED
from tests.diff.helpers import (
    EN_PAGE,
    EN_URL,
    ZH_PAGE,
    ZH_URL,
    page_bytes,
    parse,
    parse_page,
    reindex,
    set_text,
    summary,
)


def en_html() -> str:
    return page_bytes(EN_PAGE).decode("utf-8")


def zh_html() -> str:
    return page_bytes(ZH_PAGE).decode("utf-8")


def edited(html: str, old: str, new: str, url: str) -> dict:
    assert html.count(old) == 1, f"anchor not unique: {old!r}"
    return parse(html.replace(old, new).encode("utf-8"), url)


def en_lines_without(anchor: str, count: int) -> str:
    """The English page without the ``count`` lines starting at the one holding ``anchor``."""
    lines = en_html().split("\n")
    start = next(i for i, line in enumerate(lines) if anchor in line)
    return "\n".join(lines[:start] + lines[start + count :])


def pair_diff(before: dict, after: dict):
    return diff_versions(before, after, [f"u{i}" for i in range(len(before["exchanges"]))])


@pytest.fixture(scope="module")
def en() -> dict:
    return parse_page(EN_PAGE, EN_URL)


@pytest.fixture(scope="module")
def zh() -> dict:
    return parse_page(ZH_PAGE, ZH_URL)


def test_fixture_pages_parse_as_expected(en, zh) -> None:
    # The change lists below name exchanges by index: pin the ones they rely on.
    assert [e["asker"] for e in en["exchanges"]][7:10] == ["PTI", "Kyodo News", "AFP"]
    assert en["exchanges"][0]["asker"] == "CCTV"
    assert zh["exchanges"][0]["kind"] == "statement"
    assert zh["exchanges"][7]["asker"] == "法新社记者"


# --- identical content --------------------------------------------------------------


def test_same_page_twice_gives_no_changes(en, zh) -> None:
    assert pair_diff(en, parse_page(EN_PAGE, EN_URL)).changes == []
    assert pair_diff(zh, parse_page(ZH_PAGE, ZH_URL)).changes == []


def test_only_cookies_and_related_news_changed(en, zh) -> None:
    html = en_html()
    html = html.replace("<head>", '<head><script>document.cookie="__jsl=9f8e7d";</script>', 1)
    after_en = edited(
        html,
        '<li><a href="./t1794266.shtml" target="_blank">',
        '<li><a href="./t1794999.shtml" target="_blank">Foreign Ministry Spokesperson Zhao '
        "Lijian's Regular Press Conference on July 6, 2020</a></li>"
        '<li><a href="./t1794266.shtml" target="_blank">',
        EN_URL,
    )
    assert pair_diff(en, after_en).changes == []

    page = zh_html().replace(
        "NQAXDIFCSRWYHZBJ,68EC1594ABDF0237", "ZZZZDIFCSRWYHZBJ,00000000ABDF0237"
    )
    after = edited(
        page,
        "<dl><!--<dt><strong>相关新闻</strong></dt>",
        '<dl><dt><strong>相关新闻</strong></dt><dd><a href="./t1.shtml">2024年4月7日外交部发言人'
        "林剑主持例行记者会</a></dd><!--",
        ZH_URL,
    )
    assert pair_diff(zh, after).changes == []


def test_same_transcript_in_three_templates_gives_no_changes() -> None:
    url = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202402/t20240227_11250193.html"
    names = [
        "en_2024-02-27_lxjzh_current_template.html",
        "en_2024-02-27_trs_content_mod.html",
        "embassy_2024-02-27_press_release.html",
    ]
    first, *others = [parse((MFA_RECONSTRUCTED / name).read_bytes(), url) for name in names]
    for other in others:
        assert pair_diff(first, other).changes == []


# --- edits in the HTML ----------------------------------------------------------------


def test_en_exchange_deleted(en) -> None:
    after = parse(en_lines_without("AFP: The US Pentagon", 2).encode(), EN_URL)
    result = pair_diff(en, after)
    assert summary(result.changes) == [("removed", 9, None, [])]
    assert result.changes[0].asker == "AFP"
    assert result.uids_after == [f"u{i}" for i in range(11) if i != 9]


def test_en_answer_sentence_edited(en) -> None:
    sentence = "Several Western countries' attempt to smear China will never succeed."
    after = edited(en_html(), sentence, "", EN_URL)
    result = pair_diff(en, after)
    assert summary(result.changes) == [("edited", 0, 0, ["answer"])]
    change = result.changes[0]
    assert (change.asker, change.answerer) == ("CCTV", "Zhao Lijian")
    assert [t.strip() for tag, t in change.word_diff if tag == "-"] == [sentence]
    assert [t for tag, t in change.word_diff if tag == "+"] == []


def test_en_exchange_added(en) -> None:
    anchor = '<P style="FONT-SIZE: 14px; FONT-FAMILY: arial" align=justify><B><SPAN style="FONT-SIZE: 14px; FONT-FAMILY: arial">AFP: '
    new = (
        "<P><B><SPAN>Reuters: Can you confirm that the two foreign ministers will meet in "
        "Geneva next week?</SPAN></B></P>\n<P><SPAN>Zhao Lijian: I have no information to "
        "offer at the moment.</SPAN></P>\n"
    )
    after = edited(en_html(), anchor, new + anchor, EN_URL)
    result = pair_diff(en, after)
    assert summary(result.changes) == [("added", None, 9, [])]
    assert result.changes[0].asker == "Reuters"
    assert result.uids_after[10] == "u9"


def test_en_two_exchanges_swapped(en) -> None:
    lines = en_html().split("\n")
    pti = next(i for i, line in enumerate(lines) if "PTI: In response" in line)
    kyodo = next(i for i, line in enumerate(lines) if "Kyodo News: First question" in line)
    afp = next(i for i, line in enumerate(lines) if "AFP: The US Pentagon" in line)
    swapped = lines[:pti] + lines[kyodo:afp] + lines[pti:kyodo] + lines[afp:]
    result = pair_diff(en, parse("\n".join(swapped).encode(), EN_URL))
    assert summary(result.changes) == [("moved", 8, 7, [])]
    assert result.uids_after[7:9] == ["u8", "u7"]


def test_en_outlet_label_changed(en) -> None:
    after = edited(en_html(), "Kyodo News: First question", "Kyodo: First question", EN_URL)
    result = pair_diff(en, after)
    assert summary(result.changes) == [("edited", 8, 8, ["asker"])]
    assert result.changes[0].asker == "Kyodo"


def test_zh_answer_sentence_edited_and_label_changed(zh) -> None:
    html = zh_html()
    html = html.replace("<strong>法新社记者：今天上午", "<strong>美联社记者：今天上午")
    after = edited(html, "中方维护自身领土主权和海洋权益的决心坚定不移。", "", ZH_URL)
    result = pair_diff(zh, after)
    assert summary(result.changes) == [
        ("edited", 7, 7, ["asker"]),
        ("edited", 8, 8, ["answer"]),
    ]
    answer = result.changes[1]
    assert answer.asker == "路透社记者"
    assert [t for tag, t in answer.word_diff if tag == "-"] == [
        "中方维护自身领土主权和海洋权益的决心坚定不移。"
    ]


def test_en_revert_is_two_change_sets(en) -> None:
    b = edited(en_html(), "Kyodo News: First question", "Kyodo: First question", EN_URL)
    first = pair_diff(en, b)
    second = diff_versions(b, parse_page(EN_PAGE, EN_URL), first.uids_after)
    assert summary(first.changes) == [("edited", 8, 8, ["asker"])]
    assert summary(second.changes) == [("edited", 8, 8, ["asker"])]
    assert second.uids_after == [f"u{i}" for i in range(11)]
    assert (first.changes[0].asker, second.changes[0].asker) == ("Kyodo", "Kyodo News")


# --- edits in the parsed dicts ----------------------------------------------------------


def test_zh_dict_edits_together(zh) -> None:
    """Delete one, edit one, add one, swap two: all reported, nothing else."""
    before = zh["exchanges"]
    after = copy.deepcopy(before)
    set_text(after[5], "answer", after[5]["answer"] + "我们祝贺洪森亲王当选。")
    after[9], after[10] = after[10], after[9]
    extra = copy.deepcopy(after[2])
    set_text(extra, "question", "请介绍一下中方对即将举行的东盟外长会的期待。")
    set_text(extra, "answer", "中方愿同东盟各国一道，推动会议取得积极成果。")
    del after[3]
    after.append(extra)
    result = diff_exchanges(before, reindex(after), [f"u{i}" for i in range(len(before))])
    assert summary(result.changes) == [
        ("removed", 3, None, []),
        ("edited", 5, 4, ["answer"]),
        ("moved", 10, 8, []),
        ("added", None, 11, []),
    ]


# --- through the archive's write path and the commands ------------------------------


def test_diff_command_on_an_archive_written_by_record_capture(archive, db_url, en) -> None:
    from scheduler.cli import main

    sentence = "Several Western countries' attempt to smear China will never succeed."
    body_a = page_bytes(EN_PAGE)
    body_b = en_html().replace(sentence, "").encode()
    after = parse(body_b, EN_URL)
    run = archive.start_run("mfa-en")
    for body, briefing in ((body_a, en), (body_b, after)):
        archive.record_capture(
            run,
            url=EN_URL,
            final_url=EN_URL,
            status_code=200,
            headers={"Content-Type": "text/html"},
            body=body,
            briefing=briefing,
            parser_version="test",
        )
    out = CliRunner().invoke(main, ["diff", EN_URL, "--format", "json", "--db", db_url])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["from"], data["to"], data["change_count"]) == (1, 2, 1)
    change = data["changes"][0]
    exchange = change["exchange"]
    assert (change["type"], exchange["index_before"], exchange["fields"]) == (
        "edited",
        0,
        ["answer"],
    )
    ledger = json.loads(
        CliRunner().invoke(main, ["changes", "--format", "json", "--db", db_url]).output
    )
    assert [(e["type"], e["exchange"]["id"]) for e in ledger] == [("edited", exchange["id"])]
    history = CliRunner().invoke(main, ["history", EN_URL, "--db", db_url]).output
    assert "1 edited" in history and "first capture" in history
