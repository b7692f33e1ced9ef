"""The extraction rules on small hand-written pages (one rule per test)."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.extract import NotATranscript, decode_body, parse_briefing, parse_html, source_for_url
from crawler.extract.charset import decode_report
from crawler.extract.dates import title_date
from crawler.extract.text import paragraphs_of
from crawler.extract.titles import is_briefing_title
from crawler.urls import canonical_url

EN_URL = "https://www.mfa.gov.cn/eng/xw/fyrbt/lxjzh/202504/t20250430_1.html"
ZH_URL = "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/202404/t20240403_1.shtml"
EN_TITLE = "Foreign Ministry Spokesperson Mao Ning’s Regular Press Conference on April 3, 2024"
ZH_TITLE = "2024年4月3日外交部发言人汪文斌主持例行记者会"


def en_page(body: str, title: str = EN_TITLE, container: str = "content_text") -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<div class='news_header_title'>{title}</div>"
        f"<span>Updated: <span class='xltime'>April 3, 2024 19:06</span></span>"
        f"<div class='{container}'><div class='view_x'>{body}</div></div></body></html>"
    )


def zh_page(body: str, title: str = ZH_TITLE) -> str:
    return (
        f"<html><head><meta charset='utf-8'></head><body><div class='news-title'><h1>{title}"
        f"</h1><p class='time'><span>2024-04-03 21:30</span></p></div>"
        f"<div class='news-main' id='News_Body_Txt_A'>{body}</div></body></html>"
    )


def paras(html: str) -> list[str]:
    return [p.text for p in paragraphs_of(Selector(text=html).css("div")[0].root)]


# -- paragraph text ---------------------------------------------------------------------


def test_words_split_across_tags_join_with_no_separator():
    assert paras("<div><p>warm<SPAN>ly</SPAN> wel<b>come</b></p></div>") == ["warmly welcome"]


def test_br_ends_a_paragraph_and_whitespace_collapses():
    html = "<div><p>Q: one?<br><br>A:\u00a0\u00a0two\u3000 three</p><p>&nbsp;</p></div>"
    assert paras(html) == ["Q: one?", "A: two three"]


def test_images_scripts_and_word_junk_are_not_text():
    html = (
        "<div><p><img src='x.jpg'></p><p>Te<o:p></o:p>xt<script>var a=1;</script></p>"
        "<!--[if gte mso 9]>junk<![endif]--></div>"
    )
    assert paras(html) == ["Text"]


# -- labels and exchanges ---------------------------------------------------------------


def test_colon_inside_an_answer_is_not_a_label():
    body = (
        "<p><strong>AFP: What is China's view?</strong></p>"
        "<p>Mao Ning: We have noted the reports.</p>"
        "<p>Our position is clear: we oppose it.</p>"
        "<p>There are three points: first, respect.</p>"
    )
    b = parse_html(en_page(body), EN_URL)
    assert len(b.exchanges) == 1
    e = b.exchanges[0]
    assert (e.asker, e.answerer) == ("AFP", "Mao Ning")
    assert e.answer.endswith("There are three points: first, respect.")
    assert len(e.turns) == 2


def test_unknown_outlet_in_bold_is_an_asker_even_without_a_list():
    body = (
        "<p><b>Zorbania Broadcasting Union: Any comment?</b></p><p>Mao Ning: No.</p>"
        "<p><b>Kestrel: Another question?</b></p><p>Mao Ning: Yes.</p>"
    )
    askers = [e.asker for e in parse_html(en_page(body), EN_URL).exchanges]
    assert askers == ["Zorbania Broadcasting Union", "Kestrel"]


def test_opening_statements_are_one_exchange_per_paragraph():
    body = "<p>First announcement.</p><p>Second announcement.</p><p><b>Q: Why?</b></p><p>A: Because.</p>"
    b = parse_html(en_page(body), EN_URL)
    assert [e.kind for e in b.exchanges] == ["statement", "statement", "qa"]
    assert [e.answerer for e in b.exchanges] == ["Mao Ning"] * 3  # A resolves to the title's
    assert b.exchanges[2].asker is None  # Q is generic


def test_follow_up_interjection_and_after_conference():
    body = (
        "<p><b>Q: First?</b></p><p>A: One.</p>"
        "<p><b>Follow-up: And then?</b></p><p>A: Two.</p>"
        "<p><b>Journalist clarifies: I meant the other one.</b></p><p>A: Three.</p>"
        "<p><b>Q: Second question?</b></p><p><b>Q: Still second?</b></p><p>A: Four.</p>"
        "<p>After the press conference, the following question was raised: Late?</p>"
        "<p>A: Five.</p>"
    )
    ex = parse_html(en_page(body), EN_URL).exchanges
    assert [(e.follow_up, e.after_conference) for e in ex] == [
        (False, False),
        (True, False),
        (False, False),
        (False, True),
    ]
    assert ex[1].question == "And then?\nI meant the other one."  # interjection stays inside
    assert ex[2].question == "Second question?\nStill second?"  # consecutive questions merge
    assert ex[3].question == "Late?"


def test_chinese_labels_full_and_half_width_and_parenthetical_interjection():
    body = (
        "<p>\u3000\u3000<strong>路透社记者：问题一？</strong></p><p>\u3000\u3000汪文斌:回答一。</p>"
        "<p>（记者：补充说明。）</p><p>继续回答。</p>"
        "<p><strong>追问：追问内容？</strong></p><p>汪文斌：回答二。</p>"
        "<p><strong>会后有记者问及：会后问题？</strong></p><p>汪文斌：回答三。</p>"
    )
    b = parse_html(zh_page(body), ZH_URL)
    assert [e.asker for e in b.exchanges] == ["路透社记者", None, None]
    first = b.exchanges[0]
    assert first.answer == "回答一。\n继续回答。"
    assert first.question == "问题一？\n补充说明。"
    assert [t.role for t in first.turns] == ["journalist", "official", "journalist", "official"]
    assert b.exchanges[1].follow_up and b.exchanges[2].after_conference
    assert b.spokespersons == ["汪文斌"]
    assert b.published_at == "2024-04-03T21:30+08:00"


def test_separator_line_turns_the_closing_notice_into_a_statement():
    body = "<p><b>AFP: Q?</b></p><p>Mao Ning: A.</p><p>＊＊＊＊＊</p><p>No briefing on Friday.</p>"
    ex = parse_html(en_page(body), EN_URL).exchanges
    assert [e.kind for e in ex] == ["qa", "statement"]
    assert ex[1].answer == "No briefing on Friday."


# -- dates --------------------------------------------------------------------------------


def test_title_typo_and_missing_year():
    assert title_date("Regular Press Conference on June11, 2018").complete().isoformat() == (
        "2018-06-11"
    )
    assert title_date("Regular Press Conference on September 20").year is None


def test_held_on_without_year_uses_the_page_and_never_the_url():
    body = "<p><b>Q: x?</b></p><p>A: y.</p>"
    html = en_page(body, title="Spokesperson Lu Kang's Regular Press Conference on December 31")
    html = html.replace("April 3, 2024 19:06", "January 2, 2019 10:00")
    url = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202405/t20240530_1.html"  # migration date
    b = parse_html(html, url)
    assert b.held_on == "2018-12-31"
    assert b.published_at == "2019-01-02T10:00+08:00"


# -- not a transcript ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (
            en_page("<p>Statement text.</p>", title="Foreign Ministry Spokesperson's Remarks"),
            "not a",
        ),
        (zh_page("<p>谈话。</p>", title="外交部发言人就某事发表谈话"), "not a"),
        (en_page(""), "empty body"),
        ("<html><head><title>系统维护_中华人民共和国外交部</title></head></html>", "error page"),
    ],
)
def test_pages_that_are_not_transcripts(html: str, reason: str):
    with pytest.raises(NotATranscript) as caught:
        parse_html(html, EN_URL)
    assert caught.value.reason.startswith(reason)


def test_empty_response_is_not_a_transcript():
    with pytest.raises(NotATranscript):
        parse_html(b"", EN_URL)


# -- fallback container -------------------------------------------------------------------


def test_unknown_template_falls_back_to_the_densest_labelled_block():
    body = "<p><b>CCTV: A question?</b></p><p>Lin Jian: An answer.</p><p>More answer.</p>"
    html = en_page(body, container="brand_new_wrapper").replace("news_header_title", "headline")
    html = html.replace("<body>", "<body><div class='nav'><p>Home</p><p>News</p></div>")
    b = parse_briefing(Selector(text=html), EN_URL)
    assert b.title == EN_TITLE  # from <title>
    assert [(e.asker, e.answerer) for e in b.exchanges] == [("CCTV", "Lin Jian")]


# -- decoding -----------------------------------------------------------------------------


def test_decode_prefers_header_then_meta_and_ignores_document_charset():
    text = "<html><head><meta charset='gbk'><script>document.charset='gb2312';</script>汪文斌"
    assert decode_body(text.encode("gbk")) == text
    assert decode_body("汪文斌".encode("gb18030"), "text/html; charset=GBK") == "汪文斌"
    page = "<meta charset='utf-8'><script>document.charset='gb2312'</script>毛宁"
    assert decode_body(page.encode("utf-8"), "text/html") == page


def test_gbk_bytes_labelled_utf8_decode_as_gb18030():
    body = "<meta charset='utf-8'>外交部发言人".encode("gbk")
    report = decode_report(body, "text/html; charset=utf-8")
    assert report.encoding == "gb18030" and report.clean
    assert report.text.endswith("外交部发言人")


def test_undecodable_bytes_are_reported_not_hidden():
    report = decode_report(b"\xff\xfe\xfa\x80 text \x81", "text/html; charset=ascii")
    assert report.text  # still text, best candidate
    assert not report.clean or "\ufffd" not in report.text


# -- urls and titles -----------------------------------------------------------------------


def test_canonical_url_and_source():
    assert (
        canonical_url("http://mfa.gov.cn/web/a.shtml#x") == "https://www.fmprc.gov.cn/web/a.shtml"
    )
    assert canonical_url("http://127.0.0.1:8080/eng/a.html") == "http://127.0.0.1:8080/eng/a.html"
    assert source_for_url("http://127.0.0.1:8080/eng/xw/fyrbt/lxjzh/a.html") == "mfa-en"
    assert source_for_url("https://www.mfa.gov.cn/mfa_eng/xwfw_665399/t1.shtml") == "mfa-en"
    assert source_for_url("https://www.mfa.gov.cn/web/fyrbt_673021/t1.shtml") == "mfa-zh"
    assert source_for_url("https://example.com/") is None


@pytest.mark.parametrize(
    ("title", "language", "briefing"),
    [
        ("2020年2月6日外交部发言人华春莹主持网上例行记者会", "zh", True),
        ("2016年11月15日外交部发言人耿爽主持例行记者会", "zh", True),
        ("外交部发言人耿爽就伊朗发生恐袭事件答记者问", "zh", False),
        ("外交部发言人就全国人大常委会审议通过香港国安法发表谈话", "zh", False),
        (
            "Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference on May 11, 2018",
            "en",
            True,
        ),
        (
            "Foreign Ministry Spokesperson Hua Chunying's Daily Briefing Online on February 6, 2020",
            "en",
            True,
        ),
        ("Foreign Ministry Spokesperson Hua Chunying's Remarks on August 6, 2019", "en", False),
        ("Foreign Ministry Spokesperson's Statement on the Situation", "en", False),
        ("Chinese Medical Team Arrives", "en", False),
    ],
)
def test_briefing_titles(title: str, language: str, briefing: bool):
    assert is_briefing_title(title, language) is briefing


# -- issue 13: segmentation causes, one rule each ------------------------------------------


def _zh(body: str) -> list:
    return parse_html(zh_page(body), ZH_URL).exchanges


def test_plain_paragraph_after_a_bold_question_is_the_answer():
    body = (
        "<p><b>问：问题一？</b></p><p>答：回答一。</p>"
        "<p><b>追问：追问内容？</b></p><p>刚才我已经说过。</p><p>第二段回答。</p>"
        "<p><b>问：问题二？</b></p><p>答：回答二。</p>"
    )
    ex = _zh(body)
    assert [(e.follow_up, e.question) for e in ex] == [
        (False, "问题一？"),
        (True, "追问内容？"),
        (False, "问题二？"),
    ]
    assert ex[1].answer == "刚才我已经说过。\n第二段回答。"
    assert ex[1].turns[1].speaker is None and ex[1].answerer == "汪文斌"


def test_answer_sentence_ending_in_a_colon_is_not_a_label():
    body = (
        "<p><b>深圳卫视记者：有何评论？</b></p><p>汪文斌：第一段。</p>"
        "<p>我注意到网上很多人都在问：为什么？究竟为什么？</p>"
        "<p>我注意到有中方媒体提出过这样一个问题：是吗？</p>"
        "<p><b>中新社记者：第二个问题？</b></p><p>汪文斌：回答。</p>"
    )
    ex = _zh(body)
    assert [e.asker for e in ex] == ["深圳卫视记者", "中新社记者"]
    assert ex[0].answer.endswith("我注意到有中方媒体提出过这样一个问题：是吗？")


def test_after_conference_lead_ins_keep_their_words():
    zh = _zh(
        "<p><b>新华社记者：问题？</b></p><p>汪文斌：回答。</p>"
        "<p><b>会后，就《南华早报》记者所提问题，汪文斌表示：</b></p><p>会后的回答。</p>"
    )
    assert [e.after_conference for e in zh] == [False, True]
    assert (zh[1].question, zh[1].answer) == (
        "会后，就《南华早报》记者所提问题，汪文斌表示：",
        "会后的回答。",
    )
    en = parse_html(
        en_page(
            "<p><b>Q: First?</b></p><p>A: One.</p><p>---</p>"
            "<p><b>After the Press Conference, a journalist asked if China will help.</b></p>"
            "<p>A: China will help.</p>"
        ),
        EN_URL,
    ).exchanges
    assert [(e.kind, e.after_conference) for e in en] == [("qa", False), ("qa", True)]
    assert en[1].question == "After the Press Conference, a journalist asked if China will help."


def test_answer_mentioning_after_the_press_conference_is_no_marker():
    body = (
        "<p><b>Q: First?</b></p><p>A: One.</p>"
        "<p>As for your question, I need to check after the press conference.</p>"
        "<p><b>Q: Second?</b></p><p>A: Two.</p>"
    )
    ex = parse_html(en_page(body), EN_URL).exchanges
    assert [e.after_conference for e in ex] == [False, False]
    assert ex[0].answer == "One.\nAs for your question, I need to check after the press conference."


def test_interjection_then_a_new_question_starts_a_new_exchange():
    body = (
        "<p><b>问：问题一？</b></p><p>答：回答一。</p><p>（记者：我可以等到明天。）</p>"
        "<p><b>问：问题二？</b></p><p>答：回答二。</p>"
    )
    ex = _zh(body)
    assert [e.question for e in ex] == ["问题一？\n我可以等到明天。", "问题二？"]


def test_later_remark_and_schedule_notice_are_not_the_last_answer():
    ex = _zh(
        "<p><b>问：问题？</b></p><p>答：回答。</p>"
        "<p><b>21日晚些时候，汪文斌就此事进一步表示：</b></p><p>进一步的表态。</p>"
    )
    assert [(e.kind, e.answer) for e in ex] == [
        ("qa", "回答。"),
        ("statement", "21日晚些时候，汪文斌就此事进一步表示："),
        ("statement", "进一步的表态。"),
    ]
    en = parse_html(
        en_page(
            "<p><b>AFP: Q?</b></p><p>Mao Ning: A.</p>"
            "<p>The regular press conference will be adjourned on Friday and resumed on Monday.</p>"
        ),
        EN_URL,
    ).exchanges
    assert [e.kind for e in en] == ["qa", "statement"]


def test_a_label_naming_two_outlets_is_the_asker_as_printed():
    ex = _zh(
        "<p><b>彭博社记者、土耳其阿纳多卢通讯社记者：问题？</b></p><p>汪文斌：回答。</p>"
        "<p><b>路透社、彭博社记者：问题二？</b></p><p>汪文斌：回答二。</p>"
    )
    assert [e.asker for e in ex] == ["彭博社记者、土耳其阿纳多卢通讯社记者", "路透社、彭博社记者"]
    en = parse_html(
        en_page("<p><b>Reuters, Bloomberg: Q?</b></p><p>Mao Ning: A.</p>"), EN_URL
    ).exchanges
    assert en[0].asker == "Reuters, Bloomberg"


def test_a_plain_question_paragraph_before_a_labelled_answer_stays_in_the_question():
    body = "<p><b>问：问题第一段？</b></p><p>问题第二段，没有加粗。</p><p>答：回答。</p>"
    ex = _zh(body)
    assert (ex[0].question, ex[0].answer) == ("问题第一段？\n问题第二段，没有加粗。", "回答。")
