"""Outlets in the archive (both backends): the table, labels as printed, stats by outlet,
search by outlet in either language, outlet pages, proposals from stored alignments."""

from __future__ import annotations

from typing import Any

import pytest

from storage.api import Archive, BadQuery, NotFound, SearchOptions
from tests.align.archive import crawl_pair, data_of, files

DATE = "2020-06-22"


def with_asker(data: dict[str, Any], index: int, label: str) -> dict[str, Any]:
    exchange = data["exchanges"][index]
    exchange["asker"] = label
    for turn in exchange["turns"]:
        if turn.get("role") == "journalist":
            turn["speaker"] = label
    return data


@pytest.fixture
def nordic(archive: Archive) -> Archive:
    """2020-06-22 with exchange 1 asked by an outlet no table knows, in both languages."""
    en, zh = files(DATE)
    crawl_pair(
        archive,
        DATE,
        en=with_asker(data_of(en), 1, "Nordic Daily"),
        zh=with_asker(data_of(zh), 1, "北欧日报记者"),
    )
    return archive


def test_stats_by_outlet_group_both_languages_and_keep_the_labels(archive: Archive) -> None:
    crawl_pair(archive, DATE)
    rows = {r.outlet: r for r in archive.stats(by="outlet")}
    reuters = rows["reuters"]
    assert reuters.key == "Reuters / 路透社" and reuters.exchanges == 2
    assert dict(reuters.labels) == {"Reuters": 1, "路透社记者": 1}
    cctv4 = rows["cctv4"]  # CCTV4 / 总台央视中文国际频道记者, twice each
    assert cctv4.exchanges == 4 and cctv4.questions == 4
    assert reuters.to_json("outlet")["outlet_id"] == "reuters"
    # By asker, the labels stay apart as printed.
    askers = {r.key for r in archive.stats(by="asker")}
    assert {"Reuters", "路透社记者"} <= askers


def test_an_unknown_label_stays_its_own_row_until_the_config_names_it(nordic: Archive) -> None:
    keys = {r.key: r for r in nordic.stats(by="outlet")}
    assert keys["Nordic Daily"].outlet is None and keys["北欧日报记者"].outlet is None
    assert nordic.use_outlets({"nordic-daily": {"en": ["Nordic Daily"], "zh": ["北欧日报"]}})
    rows = {r.outlet: r for r in nordic.stats(by="outlet")}
    assert dict(rows["nordic-daily"].labels) == {"Nordic Daily": 1, "北欧日报记者": 1}


def test_search_by_outlet_finds_its_questions_in_either_language(archive: Archive) -> None:
    crawl_pair(archive, DATE)
    zh_hits = archive.search("中方", SearchOptions(asker="Reuters", limit=50))
    assert {h.asker for h in zh_hits} == {"路透社记者"}
    en_hits = archive.search("China", SearchOptions(asker="路透社", limit=50))
    assert {h.asker for h in en_hits} == {"Reuters"}
    # A media group finds its channels; an unknown name still matches as a substring.
    group = archive.search("中方", SearchOptions(asker="CMG", limit=50))
    assert {h.asker for h in group} >= {"总台央视记者", "总台央视中文国际频道记者"}
    assert archive.search("China", SearchOptions(asker="Paper", limit=50))


def test_outlets_list_the_table_with_what_was_printed(archive: Archive) -> None:
    crawl_pair(archive, DATE)
    outlets = {o.id: o for o in archive.outlets()}
    assert outlets["reuters"].exchanges == 2 and outlets["reuters"].origin == "shipped"
    assert {(label, lang) for label, lang, _ in outlets["reuters"].printed} == {
        ("Reuters", "en"),
        ("路透社记者", "zh"),
    }
    page = archive.outlet_page("reuters")
    # Newest briefing first: the Chinese one was stored second.
    assert [(x.language, x.index, x.asker) for x in page.exchanges] == [
        ("zh", 10, "路透社记者"),
        ("en", 10, "Reuters"),
    ]
    with pytest.raises(NotFound, match="no outlet 'nobody'"):
        archive.outlet_page("nobody")


def test_proposals_come_from_aligned_rows_with_counts(nordic: Archive) -> None:
    (proposal,) = nordic.outlet_suggestions()
    assert (proposal.label_en, proposal.label_zh, proposal.count) == (
        "Nordic Daily",
        "北欧日报记者",
        1,
    )
    assert proposal.outlet_en is None and proposal.outlet_zh is None
    (example,) = proposal.examples
    assert (example.en, example.zh) == ((1,), (1,))
    known = nordic.outlet_suggestions(include_known=True)
    assert {(p.label_en, p.label_zh) for p in known} >= {("Reuters", "路透社记者")}
    assert nordic.use_outlets({"nordic-daily": {"en": ["Nordic Daily"], "zh": ["北欧日报"]}})
    nordic.align()
    assert nordic.outlet_suggestions() == []


def test_a_bad_outlet_entry_is_refused_with_its_key(archive: Archive) -> None:
    with pytest.raises(BadQuery, match=r"outlets.x.en: expected a list of labels"):
        archive.use_outlets({"x": {"en": [1]}})
    with pytest.raises(BadQuery, match="unknown key"):
        archive.use_outlets({"x": {"en": ["X"], "fr": ["X"]}})
    with pytest.raises(BadQuery, match="unknown parent"):
        archive.use_outlets({"x": {"en": ["X"], "parent": "nobody"}})
    assert archive.outlet_table().get("x") is None
