"""Pairing English and Chinese briefings: by link, by date, by content."""

from __future__ import annotations

import math
import random
from typing import Any

from storage.align import Candidate, pair_briefings
from storage.align.pairing import content_score, family, signature
from tests.align.fixtures import briefing, site_transcripts

SITE_EN = "site/www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/"
SITE_ZH = "site/www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/"
EN_0616, EN_0617 = SITE_EN + "t1789220.shtml", SITE_EN + "t1789509.shtml"
ZH_0616, ZH_0617 = SITE_ZH + "t1789191.shtml", SITE_ZH + "t1789468.shtml"


def test_the_mirror_pairs_by_date() -> None:
    en = [Candidate(p, briefing(p)) for p in site_transcripts("en")]
    zh = [Candidate(p, briefing(p)) for p in site_transcripts("zh")]
    result = pair_briefings(en, zh)
    assert len(zh) == 13  # the Chinese list page has 15 items, 13 of them briefings
    assert len(result.pairs) == 13  # every Chinese transcript of the mirror has its twin
    assert {p.method for p in result.pairs} == {"date"}
    assert all(p.score > 0.6 for p in result.pairs)
    for pair in result.pairs:
        assert briefing(pair.en)["held_on"] == briefing(pair.zh)["held_on"]
    unpaired_en = [u for u in result.unpaired if u.language == "en"]
    assert len(en) == 40 and len(unpaired_en) == 40 - 13
    assert all("no Chinese candidate" in u.reason for u in unpaired_en)


def test_two_english_candidates_on_a_date_pair_by_content() -> None:
    # A title typo puts the June 17 transcript on June 16: content decides, not list order.
    typo = briefing(EN_0617) | {"held_on": "2020-06-16"}
    for order in ([("a", typo), ("b", briefing(EN_0616))], [("a", briefing(EN_0616)), ("b", typo)]):
        en = [Candidate(cid, b) for cid, b in order]
        right = next(cid for cid, b in order if b["url"].endswith("t1789220.shtml"))
        result = pair_briefings(en, [Candidate("zh", briefing(ZH_0616))])
        assert [(p.en, p.zh, p.method) for p in result.pairs] == [(right, "zh", "content")]
        (left,) = result.unpaired
        assert left.id != right and "matched other candidates better" in left.reason


def test_two_candidates_on_each_side_pair_crosswise_by_content() -> None:
    en = [
        Candidate("en-16", briefing(EN_0616)),
        Candidate("en-17", briefing(EN_0617) | {"held_on": "2020-06-16"}),
    ]
    zh = [
        Candidate("zh-17", briefing(ZH_0617) | {"held_on": "2020-06-16"}),
        Candidate("zh-16", briefing(ZH_0616)),
    ]
    result = pair_briefings(en, zh)
    assert sorted((p.en, p.zh) for p in result.pairs) == [("en-16", "zh-16"), ("en-17", "zh-17")]
    assert result.unpaired == ()


def test_a_translation_link_pairs_across_dates_and_beats_the_date() -> None:
    # The Chinese page links the English one at its old address, a known location of it.
    en = briefing(EN_0616)
    zh = briefing(ZH_0617) | {
        "translations": [{"language": "en", "url": "https://www.fmprc.gov.cn/old/t1.html"}]
    }
    same_day_zh = briefing(ZH_0616)
    result = pair_briefings(
        [Candidate("en", en, locations=("https://www.fmprc.gov.cn/old/t1.html",))],
        [Candidate("zh-linked", zh), Candidate("zh-same-day", same_day_zh)],
    )
    assert [(p.en, p.zh, p.method) for p in result.pairs] == [("en", "zh-linked", "link")]
    assert [u.id for u in result.unpaired] == ["zh-same-day"]


def test_an_english_link_to_a_chinese_url_pairs() -> None:
    en = briefing(EN_0616) | {"translations": [{"language": "zh", "url": briefing(ZH_0616)["url"]}]}
    result = pair_briefings([Candidate("en", en)], [Candidate("zh", briefing(ZH_0616))])
    assert [(p.method) for p in result.pairs] == ["link"]


def test_urls_are_canonicalized_by_the_given_function() -> None:
    from crawler.urls import canonical_url

    zh = briefing(ZH_0616)
    en = briefing(EN_0617) | {
        "translations": [
            {"language": "zh", "url": zh["url"].replace("https://www.fmprc", "http://www.mfa")}
        ]
    }
    plain = pair_briefings([Candidate("en", en)], [Candidate("zh", zh)])
    assert plain.pairs == ()
    canon = pair_briefings([Candidate("en", en)], [Candidate("zh", zh)], canonical=canonical_url)
    assert [p.method for p in canon.pairs] == ["link"]


def test_result_does_not_depend_on_input_order() -> None:
    en = [Candidate(p, briefing(p)) for p in site_transcripts("en")]
    zh = [Candidate(p, briefing(p)) for p in site_transcripts("zh")]
    first = pair_briefings(en, zh)
    rng = random.Random(7)
    rng.shuffle(en)
    rng.shuffle(zh)
    assert pair_briefings(en, zh) == first


def test_other_source_families_do_not_pair() -> None:
    en = briefing(EN_0616) | {"source": "other-en"}
    result = pair_briefings([Candidate("en", en)], [Candidate("zh", briefing(ZH_0616))])
    assert result.pairs == ()
    assert {u.id for u in result.unpaired} == {"en", "zh"}
    assert family("mfa-en") == family("mfa-zh") == "mfa"


def test_content_score_separates_twins_from_neighbours() -> None:
    twin = content_score(signature(briefing(EN_0616)), signature(briefing(ZH_0616)))
    neighbour = content_score(signature(briefing(EN_0617)), signature(briefing(ZH_0616)))
    assert twin > 0.8 > 0.4 > neighbour


def test_a_chinese_briefing_without_an_english_twin_stays_unpaired() -> None:
    # raw617 (2022-01-14, new template, no URL in the manifest: the extraction tests' test
    # host) has no English page of its date among the fixtures.
    raw617 = "pages/zh_mfa2024crawl_raw617_2022-01-14_newtemplate.html"
    zh = briefing(raw617)
    assert zh["held_on"] == "2022-01-14" and len(zh["exchanges"]) == 17
    en = [Candidate(p, briefing(p)) for p in site_transcripts("en")]
    result = pair_briefings(en, [Candidate(raw617, zh)])
    assert result.pairs == ()
    (mine,) = [u for u in result.unpaired if u.id == raw617]
    assert mine.reason == "no English candidate of mfa on 2022-01-14"


def test_undated_candidates_pair_by_link_only() -> None:
    en, zh = briefing(EN_0616) | {"held_on": None}, briefing(ZH_0616) | {"held_on": None}
    result = pair_briefings([Candidate("en", en)], [Candidate("zh", zh)])
    assert result.pairs == ()
    assert {u.reason for u in result.unpaired} == {"no date and no translation link"}
    linked = en | {"translations": [{"language": "zh", "url": zh["url"]}]}
    result = pair_briefings([Candidate("en", linked)], [Candidate("zh", zh)])
    assert [(p.en, p.zh, p.method) for p in result.pairs] == [("en", "zh", "link")]


def test_date_pairs_can_skip_reading_content() -> None:
    # The archive scores a date's only two candidates itself, when it aligns them.
    read: list[str] = []

    def features(cid: str) -> Any:
        def compute() -> tuple[()]:
            read.append(cid)
            return ()

        return compute

    en = [Candidate("en", briefing(EN_0616), features=features("en"))]
    zh = [Candidate("zh", briefing(ZH_0616), features=features("zh"))]
    (pair,) = pair_briefings(en, zh, score_dates=False).pairs
    assert pair.method == "date" and math.isnan(pair.score) and read == []
    (pair,) = pair_briefings(en, zh).pairs
    assert read == ["en", "zh"]
