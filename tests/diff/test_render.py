"""Renderers: escaping, Atom validity (no database)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from scheduler.render.atom import render_atom
from scheduler.render.html import render_diff_html
from scheduler.render.text import render_diff_text, render_ops_text
from storage.api import (
    BriefingRef,
    ChangeEvent,
    ChangeType,
    Comparison,
    ExchangeRef,
    VersionCause,
    word_diff,
)
from storage.diff import diff_exchanges
from storage.events import event_from_change
from tests.diff.helpers import qa, reindex

EVIL = '<script>alert(1)</script> & \x0b "quoted"'


BRIEFING = BriefingRef(
    id=1,
    url="https://www.fmprc.gov.cn/eng/t1.html?a=1&b=2",
    source="mfa-en",
    language="en",
    held_on=date(2026, 11, 1),
    title=f"Title {EVIL}",
)


def event(i: int, type: str = "edited", exchange_uid: str | None = "abc") -> ChangeEvent:
    exchange = None
    if exchange_uid is not None:
        exchange = ExchangeRef(
            uid=exchange_uid,
            asker=f"Outlet {EVIL}",
            answerer="Mao Ning",
            index_before=0,
            index_after=0,
            fields=("answer",),
            before=f"before {EVIL}",
            after=f"after {EVIL}",
            word_diff=(("-", "before"), ("+", "after"), ("=", f" {EVIL}")),
        )
    return ChangeEvent(
        id=i,
        type=ChangeType(type),
        cause=VersionCause.PAGE,
        detected_at=datetime(2026, 11, i, tzinfo=UTC),
        briefing=BRIEFING,
        from_version=1,
        to_version=2,
        exchange=exchange,
    )


def comparison(before, after, title: str | None = "Briefing", url: str = BRIEFING.url):
    diff = diff_exchanges(before, after, ["u"])
    ref = BriefingRef(1, url, "mfa-en", "en", date(2026, 11, 1), title)
    changes = tuple(event_from_change(c, ref, from_version=1, to_version=2) for c in diff.changes)
    return diff, Comparison(ref, 1, 2, changes)


def test_atom_is_valid_and_escaped() -> None:
    feed = render_atom(
        [event(2), event(1, type="briefing-removed", exchange_uid=None)],
        title=f"feed {EVIL}",
        feed_id="tag:briefings,2026:changes",
    )
    root = ET.fromstring(feed.encode("utf-8"))
    ns = "{http://www.w3.org/2005/Atom}"
    assert root.findtext(f"{ns}id") == "tag:briefings,2026:changes"
    assert root.findtext(f"{ns}updated") == "2026-11-02T00:00:00Z"
    entries = root.findall(f"{ns}entry")
    assert [e.findtext(f"{ns}id") for e in entries] == [
        "tag:briefings,2026:event/2",
        "tag:briefings,2026:event/1",
    ]
    assert "<script>alert(1)</script>" in entries[0].findtext(f"{ns}content")
    assert entries[1].findtext(f"{ns}title").startswith("Briefing removed")
    assert entries[0].find(f"{ns}link").get("href").endswith("?a=1&b=2")


def test_atom_empty_feed() -> None:
    root = ET.fromstring(render_atom([], title="t", feed_id="tag:x").encode())
    assert root.findall("{http://www.w3.org/2005/Atom}entry") == []


def test_html_escapes_every_scraped_text() -> None:
    before = reindex([qa(f"Outlet {EVIL}", f"Q {EVIL}", f"A {EVIL}", f"Spokes {EVIL}")])
    after = reindex([qa(f"Outlet {EVIL}", f"Q {EVIL}", f"A changed {EVIL}", f"Spokes {EVIL}")])
    _, diff = comparison(before, after, title=f"T {EVIL}", url="https://x.test/?a=<b>")
    page = render_diff_html(diff)
    assert "<script" not in page.lower()
    assert page.count("&lt;script&gt;") >= 4
    assert "<b>" not in page


def test_text_colour_is_optional() -> None:
    before = reindex([qa("AFP", "Question here please?", "Yes we do.")])
    after = reindex([qa("AFP", "Question here please?", "No we do not.")])
    _, diff = comparison(before, after)
    plain = render_diff_text(diff, color=False)
    assert "\x1b[" not in plain and "[-Yes-]{+No+}" in plain
    assert "\x1b[" in render_diff_text(diff, color=True)


def test_label_changes_show_old_and_new() -> None:
    long_answer = "We oppose it. " * 40
    before = reindex([qa("AFP", "Question about the summit next week?", long_answer)])
    after = reindex([qa("Reuters", "Question about the summit next week?", long_answer)])
    raw, diff = comparison(before, after)
    row = raw.changes[0].as_row()
    assert row["fields"] == ["asker"]
    assert row["detail"]["values"] == {"asker": ["AFP", "Reuters"]}
    text = render_diff_text(diff)
    assert "asker: [-AFP-]{+Reuters+}" in text
    assert "We oppose it." not in text  # unchanged text is not repeated


def test_long_unchanged_text_is_elided() -> None:
    filler = " ".join(f"word{i}" for i in range(200))
    before = reindex([qa("AFP", "Question about the summit?", f"{filler} old ending.")])
    after = reindex([qa("AFP", "Question about the summit?", f"{filler} new ending.")])
    text = render_diff_text(comparison(before, after)[1])
    assert "… " in text and "[-old-]{+new+}" in text
    assert "word10 " not in text and "word199" in text


# Exact renderings (issue 12 item 4): spaces next to a change are kept, cuts fall between
# words (or between CJK characters), the same context on each side of a cut.
EL_SALVADOR = (
    "The El Salvador's embassy said following the principles of the one-China policy that "
    "the diplomatic relations were established in 2018 and so on and so forth."
)


def test_a_changed_word_keeps_the_spaces_around_it() -> None:
    after = EL_SALVADOR.replace("Salvador's", "Salvador’s").replace("principles", "principle")
    text = render_ops_text(word_diff(EL_SALVADOR, after), color=False, context=None)
    assert text == (
        "The El [-Salvador's-]{+Salvador’s+} embassy said following the "
        "[-principles-]{+principle+} of the one-China policy that the diplomatic relations "
        "were established in 2018 and so on and so forth."
    )


def test_elision_cuts_between_words_with_the_same_context_each_side() -> None:
    after = EL_SALVADOR.replace("Salvador's", "Salvador’s").replace("principles", "principle")
    text = render_ops_text(word_diff(EL_SALVADOR, after), color=False, context=10)
    assert text == (
        "The El [-Salvador's-]{+Salvador’s+} embassy … the [-principles-]{+principle+} of the …"
    )
    before = "Long preamble words here before the change happens: " + EL_SALVADOR
    text = render_ops_text(
        word_diff(before, before.replace("embassy", "mission")), color=False, context=12
    )
    assert text == "… Salvador's [-embassy-]{+mission+} said …"


def test_chinese_elision_cuts_between_characters() -> None:
    before = (
        "中方对此表示强烈不满和坚决反对，已经向美方提出严正交涉。我们敦促美方停止干涉中国内政。"
    )
    after = "中方对此表示强烈不满，已经向美方提出严正交涉。我们敦促美方立即停止干涉中国内政。"
    text = render_ops_text(word_diff(before, after), color=False, context=5)
    assert (
        text
        == "中方对此表示强烈不满[-和坚决反对-]，已经向美 … 们敦促美方{+立即+}停止干涉中国内政。"
    )
