"""Hostile search input: FTS and regex syntax, SQL, LIKE wildcards, huge and empty queries."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from storage.models import Briefing, Exchange
from storage.search import MAX_TERMS, SearchError, fts5_string, like_contains, search

HOSTILE = [
    '"',
    '""',
    "'",
    '"); DROP TABLE briefing; --',
    "'); DROP TABLE briefing; --",
    "NEAR(a b)",
    "NEAR(Taiwan China, 5)",
    "Taiwan OR sanctions",
    "Taiwan AND NOT China",
    "-Taiwan",
    "Taiwan*",
    "*",
    "question:Taiwan",
    "{question answer}:Taiwan",
    "(Taiwan",
    "^Taiwan",
    "Taiwan + China",
    "\\",
    "%%%",
    "___",
    "a" * 10_000,
    "台" * 10_000,
    "Tai\x00wan",
    # Regular expression syntax: word-start terms become patterns, escaped.
    ".*",
    "Taiwan.*",
    "a.*b",
    "(?i)Taiwan",
    "Tai(?=wan)",
    "[a-z]+",
    "x{1,99999}",
    "(a+)+$",
    "Taiwan|China",
    "\\mTaiwan",
    "\\d+",
    "Taiwan$",
    "T\\",
    "Taiwan)",
    "Taiwan[",
    "a" * 3_000 + " " + "b" * 3_000,
]


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(Briefing)),
            conn.scalar(select(func.count()).select_from(Exchange)),
        )


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:30]))
def test_hostile_query_is_searched_as_text(cli, engine, corpus, query):
    before = _counts(engine)
    result = cli("search", "--json", "--include-removed", "--", query)
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:  # only the clear, one-line refusal of an empty query
        assert result.output.startswith("error: empty query")
    else:
        for hit in json.loads(result.output):
            assert hit["briefing_id"] in corpus.values()
    assert _counts(engine) == before


def test_fts_syntax_is_not_obeyed(cli, corpus):
    # As syntax, each of these would match e3 (NEAR, OR, prefix, column filter).
    for query in ("NEAR(Taiwan China)", "Taiwan OR Atlantis", "Taiw*", "answer:Taiwan"):
        result = cli("search", query, "--json")
        assert json.loads(result.output) == [], query


def test_like_wildcards_are_literal(cli, corpus):
    def uids(query: str) -> list[str]:
        return [h["exchange_uid"] for h in json.loads(cli("search", query, "--json").output)]

    assert uids("%") == ["e4"]  # only the text that holds a percent sign
    assert uids("5%") == ["e4"]
    assert uids("_") == ["a3"]  # file_name
    assert uids("file_name") == ["a3"]
    # As wildcards these would match nearly everything.
    assert uids("o_") == []
    assert uids("%e") == []
    assert uids("f%e") == []


def test_regex_syntax_is_not_obeyed(cli, corpus):
    # As patterns, each of these would match e3 (Taiwan ... China).
    for query in ("Taiwan.*China", "Taiwa.", "Taiwan|Atlantis", "Taiw[a]n", "(Taiwan)?x"):
        result = cli("search", query, "--json")
        assert json.loads(result.output) == [], query


def test_quotes_inside_text_are_found(engine: Engine, corpus):
    with engine.connect() as conn:
        assert [h.exchange_uid for h in search(conn, '"China\'s comment"')] == ["e1"]


@pytest.mark.parametrize("query", ["", "   ", '""', "\x00"])
def test_empty_query_is_a_clear_error(cli, corpus, query):
    result = cli("search", query)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: empty query: give a word or phrase to search for"
    ]


def test_too_many_terms_is_a_clear_error(cli, corpus):
    query = " ".join(f"w{i}" for i in range(2_000))  # 10,000 characters of distinct words
    result = cli("search", query)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: too many search terms (2000); at most {MAX_TERMS}"
    words = " ".join(f"w{i}" for i in range(MAX_TERMS))
    assert cli("search", words).exit_code == 0


def test_quoting_helpers():
    assert fts5_string('say "hi"') == '"say ""hi"""'
    assert like_contains("5%_\\") == "%5\\%\\_\\\\%"


def test_library_refuses_bad_limit(engine: Engine, corpus):
    from storage.search import SearchOptions

    with engine.connect() as conn, pytest.raises(SearchError):
        search(conn, "Taiwan", SearchOptions(limit=0))
