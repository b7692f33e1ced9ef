"""PostgreSQL's word index (``exchange.search_words``, migration 0010) finds exactly what the
word-start test finds: the hits of every query here are the ones the definition gives
(``word_match`` / substring over every exchange, in Python), on both backends.

On SQLite the index does not exist and these tests check the FTS5 path against the same
definition; on PostgreSQL (``BRIEFINGS_TEST_BACKEND=postgresql``) they check the index.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from storage.search import (
    WORD_RUN_LIMIT,
    SearchOptions,
    parse_terms,
    search,
    starts_a_word,
    term_words,
    word_match,
)
from tests.query.factories import add_briefing, ex

LONG_RUN = "x" * (WORD_RUN_LIMIT + 40)
TEXTS = {
    "plain": ("Any sanctions on Taiwan?", "Sanctioning is not the answer."),
    "cjk": ("在WTO框架下，Taiwan问题？", "台湾是中国的一部分。"),
    "accents": ("Café society in São Paulo?", "Ελλάδα and Москва were mentioned; naïve."),
    "punct": ("U.S.-China trade (tariffs)?", "O'Brien said: COVID-19 is over; e-mail me."),
    "inside": ("Research overseas", "The campus of ASEAN; thus focused."),
    "long": (f"{LONG_RUN}abc and {LONG_RUN[:20]}", "zz" + "y" * 300 + " end"),
    "digits": ("Is 2024 the year?", "In 2024年 and 19th, 3.5% grew."),
    "stop": ("Where and when?", "There is the answer, whether or not."),
    "host": ("See www.fmprc.gov.cn today", "Mail spokes@mfa.gov.cn now"),
}
QUERIES = [
    "sanction",
    "Sanctioning",
    "taiwan",
    "wto",
    "WTO框架",
    "café",
    "sao",
    "são paulo",
    "ελλ",
    "москва",
    "naïve",
    "U.S.",
    "u.s.-china",
    "china",
    "s",
    "o'brien",
    "brien",
    "covid-19",
    "19",
    "e-mail",
    "mail",
    "search",
    "overseas",
    "us",
    "thus",
    LONG_RUN[:50],
    LONG_RUN,
    "abc",
    "y" * 100,
    "end",
    "2024",
    "3.5",
    "5%",
    "whe",
    "the answer",
    '"the answer"',
    "fmprc",
    "gov.cn",
    "mfa",
    "台湾",
    "(tariffs",
]


@pytest.fixture
def archive(engine: Engine) -> Engine:
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/index.html",
        held_on=date(2024, 5, 6),
        title="Words",
        exchanges=[ex(uid, q, a, asker="AP") for uid, (q, a) in TEXTS.items()],
    )
    return engine


def expected(query: str) -> set[str]:
    """The definition: every term starts a word (or, for the others, is a substring) of the
    question or the answer, case-insensitively."""
    found = set()
    for uid, (question, answer) in TEXTS.items():
        ok = True
        for term in parse_terms(query):
            if starts_a_word(term):
                hit = word_match(question, term.lower()) or word_match(answer, term.lower())
            else:
                hit = term.lower() in question.lower() or term.lower() in answer.lower()
            ok = ok and hit
        if ok:
            found.add(uid)
    return found


@pytest.mark.parametrize("query", QUERIES)
def test_hits_are_the_word_start_definition(archive: Engine, query: str) -> None:
    with archive.connect() as conn:
        hits = search(conn, query, SearchOptions(limit=100))
    assert {h.exchange_uid for h in hits} == expected(query)


def test_term_words() -> None:
    assert term_words("Sanction") == ("'sanction':*", True)
    assert term_words("South China Sea") == ("'south' & 'china' & 'sea':*", False)
    assert term_words("U.S.") == ("'u' & 's'", False)
    assert term_words("O'Brien") == ("'o' & 'brien':*", False)
    assert term_words("台湾") is None  # a substring term: trigrams
    assert term_words("(Taiwan") is None  # starts no word
    assert term_words("x" * WORD_RUN_LIMIT) is None  # longer than the index keeps
