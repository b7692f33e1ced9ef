"""Pairing, alignment and findings in the archive (both backends), through ``storage.api``."""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from storage.api import (
    ASYMMETRY_TYPES,
    Archive,
    AsymmetryFilter,
    ChangeType,
    NotFound,
    VersionCause,
)
from tests.align.archive import (
    RAW617,
    SITE_EN,
    SITE_ZH,
    crawl,
    crawl_pair,
    data_of,
    event_count,
    files,
    misread,
    store,
    without,
)
from tests.align.fixtures import briefing, expected, merged, reindexed

EN_0616, EN_0617 = SITE_EN + "t1789220.shtml", SITE_EN + "t1789509.shtml"
ZH_0616 = SITE_ZH + "t1789191.shtml"
DATE = "2020-06-22"  # 11 exchanges a side, 1-1, no finding


def asked_by(exchange: dict[str, Any], label: str) -> None:
    """The exchange as if ``label`` had asked it (its asker and its journalist turns)."""
    exchange["asker"] = label
    for turn in exchange["turns"]:
        if turn.get("role") == "journalist":
            turn["speaker"] = label


def asymmetry_events(archive: Archive) -> int:
    return len(archive.changes(types=[str(t) for t in ASYMMETRY_TYPES], include_parser=True))


def rows_of(archive: Archive, ref: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(r.en, r.zh) for r in archive.pair(ref).rows]


# ---------------------------------------------------------------------------- pairing


def test_a_crawl_pairs_and_aligns_the_dates_it_touched(archive: Archive) -> None:
    en_id, zh_id = crawl_pair(archive, DATE)
    crawl_pair(archive, "2020-06-30")
    pairs = list(archive.pairs())
    assert [(p.held_on.isoformat() if p.held_on else None, p.status) for p in pairs] == [
        ("2020-06-22", "complete"),
        ("2020-06-30", "complete"),
    ]
    view = archive.pair(en_id)
    assert view.en.id == en_id and view.zh.id == zh_id and view.method == "date"
    assert rows_of(archive, zh_id) == [((i,), (i,)) for i in range(11)]
    assert view.one_to_one and view.en_version == 1 and view.zh_version == 1
    assert archive.twin(en_id) == view.zh and archive.twin(zh_id) == view.en


def test_align_twice_writes_nothing_twice(archive: Archive) -> None:
    crawl_pair(archive, "2020-06-24")  # two translation-mismatch findings
    found = [(a.id, a.type, a.status, a.event_id) for a in archive.asymmetries()]
    events = event_count(archive)
    assert found and all(t == "translation-mismatch" for _, t, _, _ in found)
    again = archive.align()
    assert again.findings_opened == again.findings_resolved == 0
    assert [(a.id, a.type, a.status, a.event_id) for a in archive.asymmetries()] == found
    assert event_count(archive) == events


def test_two_english_candidates_on_a_date_pair_by_content(archive: Archive) -> None:
    # A title typo files the June 17 English transcript under June 16 too.
    typo = data_of(EN_0617) | {"held_on": "2020-06-16"}
    crawl(archive, [(EN_0617, typo), (EN_0616, None), (ZH_0616, None)])
    right = archive.show(briefing(EN_0616)["url"]).briefing_id
    (view,) = archive.pairs()
    assert view.method == "content" and view.en.id == right
    wrong = archive.show(briefing(EN_0617)["url"]).briefing_id
    with pytest.raises(NotFound, match="has no Chinese twin"):
        archive.pair(wrong)


def test_a_translation_link_pairs_across_a_wrong_date(archive: Archive) -> None:
    en, zh = files(DATE)
    zh_url = data_of(zh)["url"]
    linked = data_of(en) | {
        "held_on": "2020-06-21",  # a typo the link overrides
        "translations": [{"language": "zh", "url": zh_url}],
    }
    crawl(archive, [(en, linked)])
    crawl(archive, [(zh, None)])
    (view,) = archive.pairs()
    assert view.method == "link" and view.zh.url == zh_url and view.status == "complete"


def test_a_briefing_without_a_twin_waits_and_reports_nothing(archive: Archive) -> None:
    crawl(archive, [(RAW617, None)])  # 2022-01-14: no English page of its date
    assert list(archive.pairs()) == []
    assert archive.asymmetries(AsymmetryFilter(status="all")) == []
    with pytest.raises(NotFound, match=r"2022-01-14\) has no English twin"):
        archive.pair(briefing(RAW617)["url"])
    assert archive.twin(briefing(RAW617)["url"]) is None


# ---------------------------------------------------------------------------- findings


def test_an_exchange_in_chinese_only_is_a_finding_with_its_own_event(archive: Archive) -> None:
    en, _ = files(DATE)
    en_id, zh_id = crawl_pair(archive, DATE, en=without(data_of(en), 10))  # Reuters' question
    (finding,) = archive.asymmetries()
    assert finding.type == "only-in-zh" and finding.zh == (10,) and finding.en == ()
    assert finding.confidence >= 0.6
    assert finding.zh_askers == ("路透社记者",) and finding.status == "open"
    (event,) = archive.changes(types=["only-in-zh"])
    assert event.briefing.id == zh_id and event.cause == VersionCause.PAGE
    assert event.exchange is not None and event.exchange.index == 10
    assert event.exchange.asker == "路透社记者" and event.detail["twin"] == en_id
    assert event.detail["finding"] == finding.id
    # The ledger of the ministry's edits does not mix it in; stats do not count it.
    assert archive.changes() == []
    assert all(row.edited == row.removed == 0 for row in archive.stats(by="asker"))
    pair = archive.pair(en_id)
    assert [a.id for a in pair.asymmetries] == [finding.id]
    assert pair.to_json()["rows"][-1] == {
        "en": None,
        "zh": 10,
        "score": pair.rows[-1].score,
        "confidence": pair.rows[-1].confidence,
        "bead": "0-1",
        "outlet": pair.rows[-1].outlet,
    }


def test_a_finding_the_ministry_fixes_is_resolved_once(archive: Archive) -> None:
    en, _ = files(DATE)
    crawl_pair(archive, DATE, en=without(data_of(en), 10))
    (finding,) = archive.asymmetries()
    crawl(archive, [(en, None)], kind="revisit")  # the English page now has the question
    assert archive.asymmetries() == []
    (resolved,) = archive.asymmetries(AsymmetryFilter(status="resolved"))
    assert resolved.id == finding.id and "English version changed" in (resolved.resolution or "")
    (event,) = archive.changes(types=["asymmetry-resolved"])
    assert event.cause == VersionCause.PAGE and event.detail["resolves"] == finding.event_id
    events = event_count(archive)
    archive.align()
    assert event_count(archive) == events


def test_a_finding_our_software_retracts_is_resolved_with_cause_parser(
    archive: Archive,
) -> None:
    # A config says 北欧日报 is AFP: Chinese then names AFP where English names Reuters.
    assert archive.use_outlets({"afp": {"zh": ["法新社", "北欧日报"]}})
    _en, zh = files(DATE)
    changed = data_of(zh)
    asked_by(changed["exchanges"][10], "北欧日报记者")
    crawl_pair(archive, DATE, zh=changed)
    (finding,) = archive.asymmetries(AsymmetryFilter(types=("translation-mismatch",)))
    assert set(finding.detail["outlets"]) == {"reuters", "afp"}
    # The config is corrected: no page changed, the outlet table did.
    assert archive.use_outlets({})
    assert not archive.use_outlets({})
    archive.align()
    assert archive.asymmetries(AsymmetryFilter(types=("translation-mismatch",))) == []
    (event,) = archive.changes(types=["asymmetry-resolved"], include_parser=True)
    assert event.cause == VersionCause.PARSER
    assert archive.changes(types=["asymmetry-resolved"]) == []  # not the ministry's doing
    (resolved,) = archive.asymmetries(AsymmetryFilter(status="resolved"))
    assert "not the pages" in (resolved.resolution or "")


def test_a_finding_found_again_is_reopened_with_a_new_event(archive: Archive) -> None:
    en, _ = files(DATE)
    short = without(data_of(en), 10)
    crawl_pair(archive, DATE, en=short)
    crawl(archive, [(en, None)], kind="revisit")  # fixed
    # Taken out again days later (within two days, A, B, A is one `unstable` page, not edits).
    later = datetime.now(UTC) + timedelta(days=3)
    crawl(archive, [(en, short)], kind="revisit", at=later)
    (finding,) = archive.asymmetries()
    assert finding.type == "only-in-zh"
    assert len(archive.changes(types=["only-in-zh"])) == 2
    assert len(archive.asymmetries(AsymmetryFilter(status="all"))) == 1


def test_an_edit_of_one_language_only_is_a_one_sided_edit(archive: Archive) -> None:
    en, zh = files(DATE)
    en_id, _ = crawl_pair(archive, DATE)
    edited = data_of(en)
    edited["exchanges"][10]["answer"] += " We have released information on this."
    crawl(archive, [(en, edited)], kind="revisit")
    assert archive.asymmetries() == []  # the Chinese page was not fetched since
    crawl(archive, [(zh, None)], kind="revisit")  # unchanged, fetched after the edit
    (finding,) = archive.asymmetries()
    assert finding.type == "one-sided-edit" and finding.en == (10,) and finding.zh == (10,)
    assert finding.detail["edited_language"] == "en"
    (event,) = archive.changes(types=["one-sided-edit"])
    assert event.briefing.id == en_id and event.exchange is not None
    (edit,) = archive.changes(types=["edited"])
    assert finding.detail["edit_event"] == edit.id


def test_edits_of_both_languages_are_no_finding(archive: Archive) -> None:
    en, zh = files(DATE)
    crawl_pair(archive, DATE)
    en_edit, zh_edit = data_of(en), data_of(zh)
    en_edit["exchanges"][10]["answer"] += " We have released information on this."
    zh_edit["exchanges"][10]["answer"] += "我们已经发布了消息。"
    crawl(archive, [(en, en_edit)], kind="revisit")
    crawl(archive, [(zh, zh_edit)], kind="revisit")
    assert archive.asymmetries(AsymmetryFilter(status="all")) == []


# ---------------------------------------------------------------------------- bad input


def test_a_suspect_chinese_page_makes_the_pair_wait(archive: Archive) -> None:
    en, zh = files(DATE)
    crawl_pair(archive, DATE, en=without(data_of(en), 10))
    (finding,) = archive.asymmetries()
    findings_events = asymmetry_events(archive)
    run = archive.start_run("mfa-zh", "revisit")
    store(archive, zh, run=run, status_code=404)  # the Chinese page is down
    archive.finish_run(run, stats={"downloader/request_count": 1}, finish_reason="finished")
    view = archive.pair(finding.en_briefing.id)
    assert view.status == "incomplete" and view.zh_status in ("suspect", "removed")
    assert "Chinese version is" in (view.reason or "")
    # Nothing new, nothing resolved: the page being down says nothing about the briefing.
    assert archive.asymmetries() == [finding]
    assert asymmetry_events(archive) == findings_events


def test_a_removed_side_never_makes_its_twin_one_sided(archive: Archive) -> None:
    en, zh = files(DATE)
    crawl_pair(archive, DATE)
    for _ in range(2):  # a second gone fetch confirms the removal (confirm_after=0)
        run = archive.start_run("mfa-zh", "revisit")
        store(archive, zh, run=run, status_code=404)
        archive.finish_run(run, stats={"downloader/request_count": 1}, finish_reason="finished")
    view = archive.pair(briefing(en)["url"])
    assert view.zh_status == "removed" and view.status == "incomplete"
    assert archive.asymmetries(AsymmetryFilter(status="all")) == []
    assert archive.changes(types=["only-in-en"]) == []


def test_a_truncated_page_the_capture_accepted_is_caught_by_the_aligner(
    archive: Archive,
) -> None:
    _en, zh = files(DATE)
    cut = data_of(zh)
    cut["exchanges"] = cut["exchanges"][:3]
    crawl_pair(archive, DATE, zh=cut)
    (view,) = archive.pairs()
    assert view.status == "incomplete"
    assert archive.asymmetries(AsymmetryFilter(status="all")) == []


def test_a_misread_page_is_incomplete_and_reports_nothing(archive: Archive) -> None:
    # The Chinese page as parser 4 read it: statements only.
    crawl_pair(archive, "2020-06-15", zh=misread(data_of(files("2020-06-15")[1])))
    (view,) = archive.pairs()
    assert view.status == "incomplete" and "no questions" in (view.reason or "")
    assert archive.asymmetries(AsymmetryFilter(status="all")) == []


def test_alignment_trouble_never_fails_the_run(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from storage import pairs

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("aligner exploded")

    monkeypatch.setattr(pairs, "align_dates", broken)
    en, _ = files(DATE)
    run = archive.start_run("mfa-en", "discovery")
    store(archive, en, run=run)
    with caplog.at_level(logging.WARNING, logger="briefings.align"):
        record = archive.finish_run(
            run,
            stats={"downloader/request_count": 1, "downloader/response_status_count/200": 1},
            finish_reason="finished",
        )
    assert record.status == "succeeded"
    assert "aligner exploded" in caplog.text and "briefings align" in caplog.text


def test_reparse_runs_do_not_align(archive: Archive) -> None:
    en, zh = files(DATE)
    crawl(archive, [(en, None), (zh, None)], kind="reparse")
    assert list(archive.pairs()) == []
    assert archive.align().pairs == 1


# ---------------------------------------------------------------------------- views


def test_side_by_side_rows_carry_both_texts(archive: Archive) -> None:
    en_id, _ = crawl_pair(archive, DATE)
    view = archive.side_by_side(en_id)
    row = view.rows[10]
    assert [t.asker for t in row.en_texts] == ["Reuters"]
    assert [t.asker for t in row.zh_texts] == ["路透社记者"]
    assert row.en_texts[0].question and row.zh_texts[0].question
    data = view.to_json(texts=True)["rows"][10]
    assert data["en"] == 10 and data["en_exchanges"][0]["asker"] == "Reuters"


def test_a_merged_row_names_both_indices_as_a_list(archive: Archive) -> None:
    # 2020-06-16 ends with statement paragraphs; Chinese printing 11 and 12 as one.
    _en, zh = files("2020-06-16")
    data = data_of(zh)
    x = data["exchanges"]
    data["exchanges"] = reindexed([*x[:11], merged(x[11], x[12]), *x[13:]])
    en_id, _ = crawl_pair(archive, "2020-06-16", zh=data)
    rows = archive.pair(en_id).to_json()["rows"]
    assert [(r["en"], r["zh"], r["bead"]) for r in rows[11:13]] == [
        ([11, 12], 11, "2-1"),
        (13, 12, "1-1"),
    ]


def test_pairs_stream_in_date_order_across_pages(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import pair_views

    monkeypatch.setattr(pair_views, "PAGE_PAIRS", 2)
    dates = ["2020-06-30", "2020-06-22", "2020-07-02", "2020-06-17", "2020-06-18"]
    for date in dates:
        crawl_pair(archive, date)
    held = [p.held_on.isoformat() for p in archive.pairs() if p.held_on]
    assert held == sorted(dates)
    since = [p.held_on.isoformat() for p in archive.pairs(since=expected_date("2020-06-22"))]
    assert since == sorted(d for d in dates if d >= "2020-06-22")


def expected_date(text: str):  # type: ignore[no-untyped-def]
    from datetime import date

    return date.fromisoformat(text)


def test_asymmetry_filters(archive: Archive) -> None:
    en, zh = files(DATE)
    crawl_pair(archive, DATE, en=without(data_of(en), 10))
    crawl_pair(archive, "2020-06-24")
    everything = archive.asymmetries()
    assert {a.type for a in everything} == {"only-in-zh", "translation-mismatch"}
    only = archive.asymmetries(AsymmetryFilter(types=("only-in-zh",)))
    assert [a.type for a in only] == ["only-in-zh"]
    reuters = archive.asymmetries(AsymmetryFilter(outlet="Reuters"))
    assert [a.zh_askers for a in reuters] == [("路透社记者",)]
    assert archive.asymmetries(AsymmetryFilter(outlet="路透社")) == reuters
    assert archive.asymmetries(AsymmetryFilter(briefing=briefing(zh)["url"])) == only
    assert archive.asymmetries(AsymmetryFilter(until=expected_date("2020-06-23"))) == only
    assert len(archive.asymmetries(AsymmetryFilter(limit=1))) == 1
    with pytest.raises(Exception, match="not an asymmetry type: edited"):
        archive.asymmetries(AsymmetryFilter(types=("edited",)))


def test_the_ledger_lists_asymmetries_only_when_asked(archive: Archive) -> None:
    en, _ = files(DATE)
    crawl_pair(archive, DATE, en=without(data_of(en), 10))
    edited = copy.deepcopy(data_of(en))
    edited["exchanges"][0]["answer"] += " Thank you."
    crawl(archive, [(en, without(edited, 10))], kind="revisit")
    assert {e.type for e in archive.changes()} == {ChangeType.EDITED}
    assert {e.type for e in archive.changes(types=["edited", "only-in-zh"])} == {
        ChangeType.EDITED,
        ChangeType.ONLY_IN_ZH,
    }


def test_the_expected_files_are_what_the_archive_aligns(archive: Archive) -> None:
    date = "2020-04-07"
    en_id, _ = crawl_pair(archive, date)
    want = [(tuple(r["en"]), tuple(r["zh"])) for r in expected(date)["rows"]]
    assert rows_of(archive, en_id) == want


def test_a_briefings_history_keeps_to_its_own_page(archive: Archive) -> None:
    en, _ = files(DATE)
    _, zh_id = crawl_pair(archive, DATE, en=without(data_of(en), 10))
    assert archive.changes(types=["only-in-zh"])  # in the ledger, by type
    assert archive.history(zh_id).events == []  # not among the page's own events
