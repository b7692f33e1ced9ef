"""``briefings search``: English and Chinese, short and long terms, filters, ranking, removed.

Word-start matching in detail: test_word_start.py."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Engine

from storage.search import SearchOptions, parse_terms, search
from tests.query.conftest import EN1_REPUBLISHED
from tests.query.factories import add_briefing, ex


def hits(cli, *args: str) -> list[dict]:
    result = cli("search", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def keys(found: list[dict]) -> list[tuple[int, str]]:
    return [(h["briefing_id"], h["exchange_uid"]) for h in found]


def test_english_word_finds_latest_versions_only(cli, corpus):
    found = hits(cli, "Taiwan")
    assert keys(found) == [(corpus["en1"], "e3")]  # a2 mentioned Taiwan, but was removed
    hit = found[0]
    assert hit["url"] == EN1_REPUBLISHED  # the current copy: the one published last
    assert hit["held_on"] == "2024-02-27"
    assert (hit["source"], hit["index"], hit["asker"], hit["answerer"]) == (
        "mfa-en",
        3,
        "AFP",
        "Mao Ning",
    )
    assert "[Taiwan]" in hit["snippet"]
    assert hit["removed"] is False and hit["edited_away"] is False


def test_english_is_case_insensitive_at_a_word_start(cli, corpus):
    assert keys(hits(cli, "taiwan")) == [(corpus["en1"], "e3")]
    assert keys(hits(cli, "sanction")) == [(corpus["en1"], "e2")]  # starts "sanctions"
    assert hits(cli, "anctions") == []  # inside a word: not a match
    assert hits(cli, "aiwan") == []


def test_every_term_must_occur(cli, corpus):
    assert keys(hits(cli, "Taiwan", "--limit", "5")) == keys(hits(cli, "Taiwan affair"))
    assert hits(cli, "Taiwan sanctions") == []
    # A quoted phrase must occur as written.
    assert keys(hits(cli, '"South China Sea"')) == [(corpus["en2"], "a1")]
    assert hits(cli, '"China South Sea"') == []


def test_chinese_long_term_goes_through_fts(cli, corpus):
    found = hits(cli, "台湾问题")
    assert keys(found) == [(corpus["zh1"], "z1")]
    assert "[台湾问题]" in found[0]["snippet"]


def test_chinese_two_character_term_falls_back_to_like(cli, corpus):
    assert keys(hits(cli, "台湾")) == [(corpus["zh1"], "z1")]
    found = hits(cli, "制裁")
    assert keys(found) == [(corpus["zh1"], "z2")]
    assert "[制裁]" in found[0]["snippet"]
    assert found[0]["score"] is None  # short terms are ordered by date, not ranked


def test_one_character_term(cli, corpus):
    assert keys(hits(cli, "华")) == [(corpus["zh1"], "z0")]


def test_mixed_long_and_short_terms(cli, corpus):
    assert keys(hits(cli, "台湾问题 内政")) == [(corpus["zh1"], "z1")]
    assert hits(cli, "台湾问题 制裁") == []


def test_filters(cli, corpus):
    assert keys(hits(cli, "sanctions", "--asker", "reuters")) == [(corpus["en1"], "e2")]
    assert hits(cli, "sanctions", "--asker", "AFP") == []
    assert {h["source"] for h in hits(cli, "人权", "--lang", "zh")} == {"mfa-zh"}
    assert hits(cli, "Human Rights", "--source", "mfa-zh") == []
    assert {h["briefing_id"] for h in hits(cli, "China", "--since", "2024-03-01")} == {
        corpus["en2"]
    }
    assert {h["briefing_id"] for h in hits(cli, "China", "--until", "2024-02-28")} == {
        corpus["en1"]
    }
    assert keys(hits(cli, "China", "--answerer", "wenbin")) == [(corpus["en2"], "a1")]
    assert len(hits(cli, "China", "--limit", "1")) == 1


def test_include_removed_marks_removed_and_edited_away(cli, corpus):
    found = {
        (h["briefing_id"], h["exchange_uid"], h["version"]): h
        for h in hits(cli, "Taiwan", "--include-removed")
    }
    assert set(found) == {(corpus["en1"], "e3", 2), (corpus["en2"], "a2", 1)}
    assert found[(corpus["en2"], "a2", 1)]["removed"] is True
    assert found[(corpus["en1"], "e3", 2)]["removed"] is False

    # a1's question is unchanged (shown once, current); its old answer was edited away.
    found = hits(cli, "South China Sea", "--include-removed")
    assert [(h["version"], h["removed"], h["edited_away"]) for h in found] == [
        (2, False, False),
        (1, False, True),
    ] or [(h["version"], h["removed"], h["edited_away"]) for h in found] == [
        (1, False, True),
        (2, False, False),
    ]
    assert keys(hits(cli, "consistent and clear")) == []
    edited = hits(cli, "consistent and clear", "--include-removed")
    assert [(h["exchange_uid"], h["version"], h["edited_away"]) for h in edited] == [
        ("a1", 1, True)
    ]


def test_include_removed_covers_removed_briefings(cli, corpus):
    assert hits(cli, "纯属") == []
    found = hits(cli, "纯属", "--include-removed")  # short term: LIKE path
    assert keys(found) == [(corpus["zh2"], "z4")]
    assert found[0]["removed"] is True
    found = hits(cli, "台湾问题纯属", "--include-removed")  # FTS path
    assert keys(found) == [(corpus["zh2"], "z4")]
    assert found[0]["removed"] is True


def test_unchanged_exchanges_are_not_repeated_with_include_removed(cli, corpus):
    # a3 is the same in versions 1 and 2: one hit, the current one.
    found = hits(cli, "competent authorities", "--include-removed")
    assert [(h["exchange_uid"], h["version"], h["removed"]) for h in found] == [("a3", 2, False)]


def test_ranking_prefers_denser_matches(engine: Engine, corpus):
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/rank.html",
        held_on=date(2024, 1, 5),
        title="Ranking",
        exchanges=[
            ex(
                "r1",
                "Question about tariffs.",
                "Tariffs, tariffs and more tariffs: tariffs hurt everyone.",
                asker="NHK",
            ),
            ex(
                "r2",
                "A long question about trade, investment, climate, energy, the economy, "
                "supply chains, technology, students and tourism.",
                "We have covered many subjects at length today, including briefly tariffs, "
                "and our position on all of them remains consistent and well known.",
                asker="CNN",
            ),
        ],
    )
    with engine.connect() as conn:
        found = search(conn, "tariffs")
    assert [h.exchange_uid for h in found] == ["r1", "r2"]
    assert found[0].score is not None and found[0].score > found[1].score


def test_table_output_marks_removed(cli, corpus):
    result = cli("search", "Taiwan", "--include-removed")
    assert result.exit_code == 0
    assert "REMOVED" in result.output
    assert "Taiwan" in result.output


def test_no_match_is_not_an_error(cli, corpus):
    result = cli("search", "Atlantis")
    assert result.exit_code == 0
    assert "no matches" in result.output


def test_parse_terms():
    assert parse_terms('Taiwan "South China Sea"  taiwan') == ["Taiwan", "South China Sea"]
    assert parse_terms('say "hello') == ["say", '"hello']
    assert parse_terms("台湾 问题") == ["台湾", "问题"]


def test_library_options(engine: Engine, corpus):
    with engine.connect() as conn:
        found = search(conn, "台湾", SearchOptions(include_removed=True, language="zh"))
    assert {(h.exchange_uid, h.removed) for h in found} == {("z1", False), ("z4", True)}


def test_filters_apply_beyond_the_best_matches(engine: Engine, corpus):
    # 60 dense matches outrank the only Chinese one; with --source mfa-zh and --limit 1 the
    # first pass (best limit * 4 + 50 matches) holds none of it, so every match is searched.
    dense = [ex(f"d{i}", "Tariffs? Tariffs!", "Tariffs tariffs tariffs.") for i in range(60)]
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/dense.html",
        held_on=date(2024, 4, 1),
        title="Dense",
        exchanges=dense,
    )
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/web/sparse.shtml",
        source="mfa-zh",
        language="zh",
        held_on=date(2024, 4, 2),
        title="Sparse",
        exchanges=[ex("sp", "关于关税", "中方的立场是明确的。" * 20 + "tariffs", answerer="毛宁")],
    )
    with engine.connect() as conn:
        assert [h.exchange_uid for h in search(conn, "tariffs", SearchOptions(limit=1))] != ["sp"]
        only = search(conn, "tariffs", SearchOptions(limit=1, source="mfa-zh"))
    assert [h.exchange_uid for h in only] == ["sp"]
