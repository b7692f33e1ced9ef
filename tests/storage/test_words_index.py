"""SQLite's two search indexes (migration 0011, ``storage.ftsindex``): a words-only row is in
the word index, every other row in the trigram one, and search over both finds exactly what
one trigram index found.

Exactness rests on properties of FTS5's ``unicode61`` tokenizer over the characters a words
row may hold (``WORDS_ONLY``), checked here character by character against the tokenizer
itself, then on the whole search with random texts and terms against a plain Python
reading of search's rules."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text

from storage import migrate
from storage.api import Archive
from storage.db import is_sqlite
from storage.ftsindex import ROUTES, WORDS_ONLY, WORDS_TOKENIZER
from storage.search import (
    _SURELY_A_TOKEN,
    WORD_CHARS,
    SearchOptions,
    parse_terms,
    search,
    starts_a_word,
    word_match,
    words_query,
)
from tests.query.factories import add_briefing, ex

WORD_CHAR = re.compile(f"[{WORD_CHARS}]")
IN_WORDS_ROW = re.compile(f"[{WORDS_ONLY}]")
EVERY_CHAR = [chr(c) for c in range(1, 0x2200) if IN_WORDS_ROW.match(chr(c))]


@pytest.fixture
def sqlite_only(engine: Engine) -> None:
    if not is_sqlite(engine):
        pytest.skip("the FTS5 indexes are SQLite's; PostgreSQL has its own word index")


class Tokenizer:
    """FTS5's word tokenizer as the index uses it, through an fts5vocab table."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(f'CREATE VIRTUAL TABLE t USING fts5(x, tokenize="{WORDS_TOKENIZER}")')
        self.db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")

    def tokens(self, value: str) -> list[str]:
        self.db.execute("DELETE FROM t")
        self.db.execute("INSERT INTO t(rowid, x) VALUES (1, ?)", (value,))
        return [row[0] for row in self.db.execute("SELECT term FROM v ORDER BY offset")]


@pytest.fixture(scope="module")
def tokenizer() -> Iterator[Tokenizer]:
    tok = Tokenizer()
    yield tok
    tok.db.close()


def test_words_rows_are_closed_under_lower_case() -> None:
    broken = [c for c in EVERY_CHAR if len(c.lower()) != 1 or not IN_WORDS_ROW.match(c.lower())]
    assert broken == []


def test_the_tokenizer_cuts_words_at_least_where_search_does(tokenizer: Tokenizer) -> None:
    # "q<c>q" is one token when the tokenizer keeps c in a word: c (and its lower case) must
    # then be a word character to search too, or a word start could hide inside a token.
    kept = [c for c in EVERY_CHAR if len(tokenizer.tokens(f"q{c}q")) == 1]
    assert "a" in kept and "é" in kept and " " not in kept
    assert [c for c in kept if not (WORD_CHAR.match(c) and WORD_CHAR.match(c.lower()))] == []


def test_the_tokenizer_folds_case_as_lower_does(tokenizer: Tokenizer) -> None:
    differ = [
        c for c in EVERY_CHAR if tokenizer.tokens(f"a{c}a") != tokenizer.tokens(f"a{c.lower()}a")
    ]
    assert differ == []


def test_surely_a_token_is_kept_in_a_word(tokenizer: Tokenizer) -> None:
    claimed = [c for c in EVERY_CHAR if _SURELY_A_TOKEN.match(c)]
    assert len(claimed) > 900
    assert [c for c in claimed if len(tokenizer.tokens(f"q{c}q")) != 1] == []


def test_words_query_of_terms() -> None:
    assert words_query(["South China Sea"]) == '"south china sea" *'
    assert words_query(["U.S.", "taiwan"]) == '"u.s." AND "taiwan" *'
    assert words_query(["(Taiwan"]) == '"(taiwan" *'
    assert words_query(["..."]) == ""  # no word to look up: every words row is a candidate
    assert words_query(["WTO", "世贸组织"]) is None  # Chinese: no words row holds it
    assert words_query(['say "no"']) == '"say ""no"""'


def indexed_in(engine: Engine) -> dict[str, str]:
    """uid → the index its row is in."""
    found = {}
    with engine.connect() as conn:
        for table, _ in ROUTES:
            rows = conn.execute(
                text(f"SELECT e.uid FROM exchange e JOIN {table}_docsize d ON d.id = e.id")
            ).scalars()
            found |= dict.fromkeys(rows, table)
    return found


def test_each_row_goes_to_the_index_its_text_needs(engine: Engine, sqlite_only: None) -> None:
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/route.html",
        held_on=date(2024, 5, 1),
        title="Routes",
        exchanges=[
            ex("en", "Bloomberg: On the “tariffs” — any comment?", "We oppose them. €5 ™"),
            ex("mixed", "What about 台湾?", "Taiwan is part of China."),
            ex("emoji", "A 🙂 question?", "An answer."),
            ex("dotted", "İstanbul?", "Yes."),
        ],
    )
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/web/route.shtml",
        source="mfa-zh",
        language="zh",
        held_on=date(2024, 5, 1),
        title="路线",
        exchanges=[ex("zh", "关于关税？", "中方反对。")],
    )
    assert indexed_in(engine) == {
        "en": "exchange_words",
        "mixed": "exchange_fts",
        "emoji": "exchange_fts",
        "dotted": "exchange_fts",
        "zh": "exchange_fts",
    }
    with engine.connect() as conn:
        assert {h.exchange_uid for h in search(conn, "Taiwan")} == {"mixed"}
        assert {h.exchange_uid for h in search(conn, "tariffs")} == {"en"}
        assert {h.exchange_uid for h in search(conn, "台湾")} == {"mixed"}
        assert {h.exchange_uid for h in search(conn, "反对")} == {"zh"}
        assert {h.exchange_uid for h in search(conn, "istanbul")} == set()  # "i̇stanbul"
        assert {h.exchange_uid for h in search(conn, "İstanbul")} == {"dotted"}


def test_an_english_query_ranks_english_rows_first(engine: Engine, sqlite_only: None) -> None:
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/web/wto.shtml",
        source="mfa-zh",
        language="zh",
        held_on=date(2024, 6, 2),
        title="世贸",
        exchanges=[ex("zh", "关于WTO", "WTO")],  # rare among Chinese rows: a high bm25
    )
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/wto.html",
        held_on=date(2024, 6, 1),
        title="WTO",
        exchanges=[ex(f"en{i}", "On the WTO?", "The WTO rules.") for i in range(3)],
    )
    with engine.connect() as conn:
        ranked = [h.exchange_uid for h in search(conn, "WTO")]
    assert ranked[-1] == "zh" and len(ranked) == 4


def test_the_downgrade_moves_rows_back_and_the_upgrade_moves_them(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'words.db'}"
    Archive.open(url, must_exist=False).close()
    engine = create_engine(url)
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/old.html",
        held_on=date(2024, 7, 1),
        title="Old",
        exchanges=[
            ex("old-en", "On airships?", "No comment."),
            ex("old-zh", "飞艇？", "无可奉告。"),
        ],
    )
    migrate.downgrade(engine, "0010_web_indexes")  # back to one trigram index of every row
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM exchange_fts_docsize")).scalar_one() == 2
        conn.execute(
            text("INSERT INTO exchange_fts(exchange_fts, rank) VALUES ('integrity-check', 1)")
        )
    migrate.upgrade(engine)  # each row to the index its text needs
    assert indexed_in(engine) == {"old-en": "exchange_words", "old-zh": "exchange_fts"}
    with engine.connect() as conn:
        assert [h.exchange_uid for h in search(conn, "airship")] == ["old-en"]
        assert [h.exchange_uid for h in search(conn, "飞艇")] == ["old-zh"]
    engine.dispose()


# -- the whole search, random texts and terms, against search's rules in plain Python ---------

# Latin with accents and combining marks, Greek without sigma (str.lower() gives it a final
# form by context, which no index can follow), Cyrillic, punctuation, digits, Chinese.
ALPHABET = [*"abcdeSTUVW xyz09-.’(),é\u0301αΔдЖ台湾。“”"]
texts = st.text(alphabet=ALPHABET, min_size=0, max_size=40)


def expected(rows: dict[str, tuple[str, str]], query: str) -> set[str]:
    """Search's rules: every term matches the question or the answer; a word-start term at
    the start of a word, any other as a substring; both ignoring case."""
    terms = parse_terms(query)

    def one(value: str, term: str) -> bool:
        if starts_a_word(term):
            return word_match(value, term.lower())
        return term.lower() in value.lower()

    return {
        uid
        for uid, (question, answer) in rows.items()
        if all(one(question, t) or one(answer, t) for t in terms)
    }


@pytest.fixture
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A new empty SQLite archive per example (hypothesis runs many in one test)."""
    made: list[Archive] = []

    def make() -> Engine:
        path = tmp_path_factory.mktemp("words") / "a.db"
        archive = Archive.open(f"sqlite:///{path}", must_exist=False)
        made.append(archive)
        return archive.engine

    yield make
    for archive in made:
        archive.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bodies=st.lists(st.tuples(texts, texts), min_size=1, max_size=6),
    picks=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 40), st.integers(3, 8)), min_size=1, max_size=2
    ),
)
def test_search_finds_what_the_rules_say(
    sqlite_only: None, fresh: Any, bodies: list[tuple[str, str]], picks: list[tuple[int, int, int]]
) -> None:
    rows = {f"r{i}": (f"Q {q}", f"A {a}") for i, (q, a) in enumerate(bodies)}
    engine = fresh()
    add_briefing(
        engine,
        url="https://www.fmprc.gov.cn/eng/random.html",
        held_on=date(2024, 8, 1),
        title="Random",
        exchanges=[ex(uid, q, a) for uid, (q, a) in rows.items()],
    )
    # Terms cut out of the texts (so there are hits), 3+ characters: what the indexes answer.
    terms = []
    for which, start, size in picks:
        question, answer = rows[f"r{which % len(rows)}"]
        source = (question + " " + answer)[start : start + size].strip().replace('"', "")
        if len(source) >= 3 and not source.isspace():
            terms.append('"' + source + '"')
    if not terms:
        return
    query = " ".join(terms)
    with engine.connect() as conn:
        found = {h.exchange_uid for h in search(conn, query, SearchOptions(limit=100))}
    assert found == expected(rows, query), query
