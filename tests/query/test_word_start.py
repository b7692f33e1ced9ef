"""Word-start matching: English terms start a word, phrases too; Chinese stays substring.

Every test runs on the backend of ``BRIEFINGS_TEST_BACKEND``: both must give the same hits.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import Connection, Engine, text

from storage.search import (
    SearchOptions,
    register_sqlite_functions,
    search,
    snippet_segments,
    starts_a_word,
    term_regex,
    word_match,
)
from tests.query.factories import add_briefing, ex

WORDS = [
    ex(
        "asean",
        "How does China view the ASEAN summit in Southeast Asia?",
        "China and ASEAN countries are good neighbours. Research and overseas cooperation "
        "will continue.",
        asker="CNA",
    ),
    ex(
        "phrase",
        "Any comment on the latest incident?",
        "China's sovereignty in the South China Sea is indisputable. The seas around the "
        "islands are calm.",
        asker="Reuters",
    ),
    ex(
        "scattered",
        "Will South Korea join the drill at sea?",
        "China has no comment on that.",
        asker="Yonhap",
    ),
    ex(
        "meta",
        "A question about C++ and U.S. [sic] tariffs (25%) of $5.2 bn? a^b {x} x|y back\\slash",
        "No comment.",
        asker="TASS",
    ),
    ex("us", "Thus the focus is clear.", "The campus reopened. US officials came.", asker="AP"),
]
CHINESE = [
    ex("wto", "在WTO框架下，中方如何回应？", "中方将在WTO规则下维护合法权益。", asker="路透社记者"),
    ex("taiwan", "关于台湾问题，中方有何评论？", "台湾问题是中国内政。", asker="法新社记者"),
]


@pytest.fixture
def archive(engine: Engine) -> Engine:
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/words.html",
        held_on=date(2024, 5, 6),
        title="Words",
        exchanges=WORDS,
    )
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/web/words.shtml",
        source="mfa-zh",
        language="zh",
        held_on=date(2024, 5, 6),
        title="词",
        exchanges=CHINESE,
    )
    return engine


def uids(engine: Engine, query: str, **options) -> list[str]:
    with engine.connect() as conn:
        return [h.exchange_uid for h in search(conn, query, SearchOptions(**options))]


def uid_set(engine: Engine, query: str) -> set[str]:
    return set(uids(engine, query))


def test_term_matches_at_a_word_start_only(archive):
    assert uid_set(archive, "sea") == {"phrase", "scattered"}  # Sea, seas, sea; not ASEAN
    assert uid_set(archive, "asean") == {"asean"}
    assert uid_set(archive, "sanction") == set()
    assert uid_set(archive, "outh") == set()
    assert uid_set(archive, "southeast") == {"asean"}
    # A prefix is a word start: "south" finds "Southeast" (anything may follow).
    assert uid_set(archive, "south") == {"phrase", "scattered", "asean"}
    assert uid_set(archive, "search") == set()  # inside "Research"
    assert uid_set(archive, "overseas") == {"asean"}
    assert uid_set(archive, "ontinue") == set()


def test_prefix_of_a_word_matches(archive, corpus):
    assert uid_set(archive, "sanction") == {"e2"}  # "sanctions"
    assert uid_set(archive, "neighbour") == {"asean"}
    assert uid_set(archive, "indisput") == {"phrase", "a1"}


def test_unquoted_words_need_each_word_not_fragments(archive):
    # The ASEAN exchange has "South(east)" and "China", but "sea" only inside other words.
    assert uid_set(archive, "south china sea") == {"phrase", "scattered"}
    assert uids(archive, '"South China Sea"') == ["phrase"]
    assert uids(archive, '"outh China Sea"') == []  # a phrase starts a word too
    assert uids(archive, '"China Se"') == ["phrase"]  # anything may follow


def test_short_latin_terms_start_a_word(archive):
    assert uid_set(archive, "us") == {"us"}  # "US officials", not "Thus", "focus", "campus"
    assert uid_set(archive, "C") == {"asean", "phrase", "scattered", "meta", "us"}
    assert uid_set(archive, "ca") == {"us", "phrase"}  # "campus", "came", "calm"
    assert uid_set(archive, "x") == {"meta"}


def test_regex_metacharacters_are_literal(archive):
    for query in (
        "C++",
        "U.S.",
        '"U.S. [sic]"',
        '"tariffs (25%)"',
        "$5.2",
        "bn?",
        "a^b",
        "{x}",
        "x|y",
        "back\\slash",
        "sic]",
    ):
        assert uids(archive, query) == ["meta"], query
    for query in ("C.+", "U.S.A", "a.b", "x|z", "[sic]+", "tariffs.*", "^A", "question$"):
        assert uids(archive, query) == [], query


def test_chinese_stays_substring(archive):
    assert uid_set(archive, "台湾") == {"taiwan"}
    assert uid_set(archive, "湾问题") == {"taiwan"}  # no word boundaries in Chinese
    assert uid_set(archive, "TO规则") == {"wto"}  # a term holding Chinese: a substring
    # A Chinese character before a Latin word is a boundary: the word starts there.
    assert uid_set(archive, "WTO") == {"wto"}
    assert uid_set(archive, "TO") == set()


def test_snippet_highlights_the_match_not_fragments(archive):
    with archive.connect() as conn:
        found = {h.exchange_uid: h.snippet for h in search(conn, "sea")}
        [asean] = search(conn, "ASEAN overseas")
    assert "the [Sea]" not in found["phrase"] and "[South China Sea]" not in found["phrase"]
    assert "South China [Sea]" in found["phrase"] and "[sea]s" in found["phrase"]
    assert asean.exchange_uid == "asean"
    assert "the [ASEAN] summit" in asean.snippet
    assert "[sea]" not in asean.snippet.casefold()
    segments = snippet_segments(None, "ASEAN states share the seas; overseas too.", ["sea"])
    assert [t for t, hot in segments if hot] == ["sea"]
    assert "".join(t for t, _ in segments) == "A: ASEAN states share the seas; overseas too."
    # A window opening inside a word (no space to move to) highlights no fragment of it.
    body = "y" * 50 + "ASEAN" + "-" * 16 + "seas and more"
    segments = snippet_segments(None, body, ["sea"], width=60)
    assert segments[:2] == [("A: …", False), ("SEAN" + "-" * 16, False)]
    assert [t for t, hot in segments if hot] == ["sea"]
    segments = snippet_segments(None, "Research on Seattle, the sea", ["sea"])
    assert [t for t, hot in segments if hot] == ["Sea", "sea"]  # prefix of "Seattle"
    segments = snippet_segments(None, "台湾问题是中国内政。", ["湾问题"])
    assert [t for t, hot in segments if hot] == ["湾问题"]  # Chinese: any substring


@pytest.mark.parametrize("dense_count", [60, 450])
def test_word_filter_drops_many_ranked_candidates(engine: Engine, archive, dense_count):
    # Dense "ASEAN" exchanges outrank the real "sea"s in the FTS passes (the best 54, then
    # 432 matches for --limit 1): the word filter drops them all, and the next pass runs.
    dense = [
        ex(f"d{i}", "ASEAN? ASEAN!", "ASEAN ASEAN ASEAN overseas.") for i in range(dense_count)
    ]
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/dense-asean.html",
        held_on=date(2024, 6, 1),
        title="Dense",
        exchanges=dense,
    )
    assert len(uids(engine, "asean", limit=1000)) == dense_count + 1
    assert uids(engine, "sea", limit=1) == uids(engine, "sea", limit=2)[:1]
    assert set(uids(engine, "sea", limit=1)) <= {"phrase", "scattered"}
    assert uid_set(engine, "sea") == {"phrase", "scattered"}


@pytest.mark.parametrize(
    ("term", "body", "found"),
    [
        ("sea", "the seas", True),
        ("sea", "ASEAN", False),
        ("Sea", "SEA-level", True),
        ("sea", "over-seas", True),  # a hyphen is a boundary
        ("sea", "file_sea", True),  # so is an underscore (it is not a letter)
        ("rger", "Ärger", False),  # accented letters belong to the word
        ("émile", "ÉMILE Zola", True),
        ("mile", "Émile", False),
        ("wto", "在WTO框架", True),  # a Chinese character is a boundary
        ("台湾", "中国台湾地区", True),
        ("a.c", "abc", False),
        ("a.c", "a.c", True),
        ("(a)", "x(a)", True),  # starts with punctuation: a substring
        ("x{2}", "xx", False),
        ("x{2}", "x{2}", True),
        ("\\d", "\\d", True),
        ("\\d", "5", False),
        ("a b", "a  b", False),  # a phrase is as written, one space
    ],
)
def test_word_start_test_is_the_same_everywhere(engine: Engine, term, body, found):
    # The snippet's regex, SQLite's word_match and PostgreSQL's ~* agree.
    assert (re.search(term_regex(term), body, re.IGNORECASE) is not None) is found
    if not starts_a_word(term):
        return  # a substring term: only LIKE / the trigram index test it, no word test
    assert word_match(body, term.lower()) is found
    with engine.connect() as conn:
        assert _database_match(conn, body, term) is found


def _database_match(conn: Connection, body: str, term: str) -> bool:
    """The test as the search's SQL runs it."""
    if conn.dialect.name == "sqlite":
        register_sqlite_functions(conn)
        sql, value = "SELECT word_match(:b, :v)", term.lower()
    else:
        sql, value = "SELECT :b ~* :v", term_regex(term)
    return bool(conn.execute(text(sql), {"b": body, "v": value}).scalar())


def test_which_terms_start_a_word():
    assert starts_a_word("sea") and starts_a_word("5G") and starts_a_word("Émile")
    assert not starts_a_word("台湾") and not starts_a_word("WTO规则")
    assert not starts_a_word("%") and not starts_a_word("(Taiwan") and not starts_a_word("_x")
