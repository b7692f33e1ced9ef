"""Full-text search over the questions and answers of the archive, in English and Chinese.

Matching is the same on both backends: the query is split into terms (whitespace separates
terms, ``"double quotes"`` keep a phrase together) and an exchange matches when every term
occurs, case-insensitively, in its question or its answer:

- a term in an alphabetic script (``sanction``, ``"South China Sea"``) must start a word: the
  character before it is not a letter or digit, anything may follow. ``sanction`` finds
  ``sanctions``, ``sea`` finds ``seas`` but not ``ASEAN`` nor ``overseas``. A term that does
  not begin with a letter or digit (``%``, ``_``, ``(Taiwan``) has no word to start.
- a term holding Chinese (or other CJK) characters is a plain substring: Chinese puts no
  spaces between words, so ``台湾`` must be found inside ``台湾问题``.

SQLite finds candidates with its trigram index (substring matching) and then keeps the
candidates where every word-start term really starts a word (``word_match``); PostgreSQL
answers word-start terms from a word index (below); snippets use ``term_regex``. The
letters and digits that make a word are spelled out in ``WORD_CHARS``, not left to each
engine's locale.

- SQLite: two FTS5 indexes over ``exchange`` (``storage.ftsindex`` writes them): a row of
  Latin, Greek or Cyrillic text (almost every English exchange) is in ``exchange_words``
  (the ``unicode61`` word tokenizer, migration 0011), every other row (any Chinese) in
  ``exchange_fts`` (``trigram``, substring matching, migration 0002). Both answer terms of
  3+ characters and search asks both at once (``UNION ALL``): the trigram one with every
  term as a substring, the words one with each term as a phrase of its words, the last one
  a prefix (``words_query``: a superset of the rows where the term starts a word), or not at
  all when a term cannot occur in a words row (Chinese). Each index ranks by its own
  ``bm25``, and the two scores are not comparable (each index has its own word
  frequencies: an English word is rare among Chinese rows), so the words matches come first,
  then the trigram ones: for a query in a spaced script, the exchanges written in one
  before the Chinese ones that quote it. A trigram index cannot answer 1-2 character
  terms (``台湾`` is two), so those become escaped ``LIKE`` conditions; a query made only of
  short terms is a ``LIKE`` scan of the latest versions, newest briefings first, which stops
  as soon as ``limit`` hits are found (short terms are common words, so the scan is short).
  The word-start check is ``word_match(text, term)``, a Python function registered on the
  connection; a substring term found through the word index is checked by
  ``text_has(text, term)``.
- PostgreSQL: a word-start term is looked up in the word index (migration 0010:
  ``exchange.search_words``, the lower-cased words split exactly at ``WORD_CHARS``, and its
  GIN index; ``term_words``): ``sanction`` is ``'sanction':*``, which is the word-start test
  itself, so a one-word term needs nothing else; a term of several words (a phrase,
  ``U.S.``) gets its candidates there and the regular expression on ``lower(text)`` then
  checks them. Other terms (Chinese, leading punctuation): ``ILIKE``, answered by the
  ``pg_trgm`` GIN indexes on question and answer. Ranked with ``ts_rank_cd`` over
  ``exchange.search_vector`` (migration 0003: the English tsvector of question and answer,
  a stored generated column, so ranking reads it instead of parsing every candidate), then
  newest first.

Every user value is a bound parameter. Terms reach FTS5 only as string literals (``"..."``,
inner quotes doubled), so FTS5 syntax in a query (``NEAR``, ``*``, ``-``, ``AND``, ``:``,
parentheses) is searched for as text, never obeyed. ``LIKE`` wildcards are escaped, and
regular expression metacharacters are escaped before a term becomes a pattern.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, text

from storage.errors import BadQuery
from storage.ftsindex import WORDS_ONLY

MIN_FTS_CHARS = 3  # the trigram tokenizer indexes nothing shorter
MAX_TERMS = 32  # bounds the SQL expression depth and the number of bound parameters
DEFAULT_LIMIT = 20
TOP_K_FACTOR, TOP_K_EXTRA = 4, 50  # first pass: the best limit * 4 + 50 FTS matches
TOP_K_GROWTH = 8  # second pass: 8x as many; third: all of them
SNIPPET_WIDTH = 160
LIKE_ESCAPE = "\\"

# Objects of migrations 0002 and 0003 that are not in storage/models.py; ``db check`` ignores
# them (0003 replaced 0002's ix_exchange_english_fts with ix_exchange_search_vector).
SQLITE_OBJECTS = (
    "exchange_fts",
    "exchange_fts_data",
    "exchange_fts_idx",
    "exchange_fts_docsize",
    "exchange_fts_config",
    "exchange_fts_ai",
    "exchange_fts_ad",
    "exchange_fts_au",
    "exchange_words",
    "exchange_words_data",
    "exchange_words_idx",
    "exchange_words_docsize",
    "exchange_words_config",
    "exchange_words_ad",
)
POSTGRESQL_OBJECTS = (
    "ix_exchange_question_trgm",
    "ix_exchange_answer_trgm",
    "ix_exchange_search_vector",
    "exchange.search_vector",
    "ix_exchange_search_words",
    "exchange.search_words",
)
VIEWS = ("latest_exchange", "change_log", "briefing_overview")
SEARCH_OBJECTS = SQLITE_OBJECTS + POSTGRESQL_OBJECTS + VIEWS

_TERM_RE = re.compile(r'"([^"]*)"|(\S+)')

# The letters and digits of the scripts that put spaces between words (Latin with its accents
# and combining marks, Greek, Cyrillic): a word-start term must not follow one of them.
# Spelled out as ranges because ``\w`` / ``[[:alnum:]]`` differ between Python and the
# database's locale, and because a Chinese character right before a Latin word (``在WTO``)
# is a boundary. The characters themselves (not ``\u`` escapes) go into the pattern: both
# regular expression engines read them literally.
WORD_CHARS = (
    "0-9A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
    "\u0300-\u036f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff"
)
_WORD_CHAR_RE = re.compile(f"[{WORD_CHARS}]")
_NON_WORD_RE = re.compile(f"[^{WORD_CHARS}]+")

# PostgreSQL's word index (migration 0010: the stored column ``exchange.search_words`` and its
# GIN index): the lower-cased question and answer split at every character that is not a
# word character, each run a lexeme (``array_to_tsvector``: no text search parser, stemming
# or stop words, so nothing depends on the server's locale or dictionaries). A lexeme holds
# at most 2047 bytes: a run longer than WORD_RUN_LIMIT characters keeps its first
# WORD_RUN_LIMIT (PostgreSQL's regular expressions bound a repetition at 255). A word-start
# term whose every run is shorter is answered by this index exactly (``term_words``).
# Changing the expression needs a migration (0010 builds the column from it).
WORD_RUN_LIMIT = 255
PG_WORDS_DOCUMENT = (
    "array_to_tsvector(array_remove(regexp_split_to_array(regexp_replace("
    "lower(coalesce(question, '') || ' ' || coalesce(answer, '')), "
    f"'([{WORD_CHARS}]{{{WORD_RUN_LIMIT}}})[{WORD_CHARS}]+', '\\1', 'g'), "
    f"'[^{WORD_CHARS}]+'), ''))"
)
# Han (with extensions and compatibility forms), CJK punctuation, kana, Hangul, full-width
# forms: a term holding any of these is matched as a substring.
_CJK_RE = re.compile(
    "[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


class SearchError(BadQuery):
    """The query cannot be searched (empty, too many terms); the message says why."""


@dataclass(frozen=True, slots=True)
class SearchOptions:
    source: str | None = None
    language: str | None = None
    asker: str | None = None  # case-insensitive substring of the exchange's asker
    answerer: str | None = None
    since: date | None = None  # held_on bounds, inclusive
    until: date | None = None
    include_removed: bool = False
    limit: int = DEFAULT_LIMIT
    # labels naming the asker's canonical outlet in either language
    # (``Archive.search`` fills it from the outlet table); an asker matches either way.
    asker_labels: tuple[str, ...] = ()


@dataclass(slots=True)
class SearchHit:
    rank: int
    briefing_id: int
    url: str
    held_on: date | None
    source: str
    language: str
    title: str | None
    version: int
    index: int
    exchange_uid: str
    kind: str
    asker: str | None
    answerer: str | None
    snippet: str
    score: float | None
    removed: bool
    edited_away: bool
    # (text, highlighted) pieces of the snippet, for rich output; not in JSON.
    segments: list[tuple[str, bool]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("segments")
        data["held_on"] = self.held_on.isoformat() if self.held_on else None
        return data


# ---------------------------------------------------------------------------- query text


def parse_terms(query: str) -> list[str]:
    """The query's terms: whitespace-separated words, ``"quoted phrases"`` kept whole.

    An unmatched quote is an ordinary character. Duplicates (ignoring case) are dropped.
    """
    query = query.replace("\x00", " ")  # PostgreSQL text cannot hold NUL
    terms: list[str] = []
    seen: set[str] = set()
    for match in _TERM_RE.finditer(query):
        term = " ".join((match.group(1) if match.group(1) is not None else match.group(2)).split())
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            terms.append(term)
    if not terms:
        raise SearchError("empty query: give a word or phrase to search for")
    if len(terms) > MAX_TERMS:
        raise SearchError(f"too many search terms ({len(terms)}); at most {MAX_TERMS}")
    return terms


def fts5_string(term: str) -> str:
    """``term`` as an FTS5 string literal: searched for as text, never parsed as syntax."""
    return '"' + term.replace('"', '""') + '"'


def like_contains(term: str) -> str:
    """A ``LIKE ... ESCAPE '\\'`` pattern matching ``term`` anywhere, wildcards escaped."""
    escaped = (
        term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def starts_a_word(term: str) -> bool:
    """Whether ``term`` must match at the start of a word: it begins with a letter or digit
    of a spaced script and holds no CJK character (Chinese has no word boundaries)."""
    return bool(_WORD_CHAR_RE.match(term)) and not _CJK_RE.search(term)


def term_regex(term: str) -> str:
    """The regular expression (to apply case-insensitively) that finds ``term`` as searched:
    at a word start, or anywhere for a substring term. Every character of the term is
    literal (``re.escape`` puts a backslash only before ASCII punctuation and spaces, which
    PostgreSQL's regular expressions also read as the literal character)."""
    escaped = re.escape(term)
    return f"(?<![{WORD_CHARS}]){escaped}" if starts_a_word(term) else escaped


def pg_word_start_regex(term: str) -> str:
    """PostgreSQL's word-start test, applied case-sensitively to ``lower(text)``: the
    lower-cased term at the start of the text or after a character that is not a letter or
    digit. The same test as ``word_match`` (which lower-cases both sides too), and 3-4x
    faster than ``~*`` with ``term_regex``'s lookbehind: PostgreSQL's case-insensitive
    matching and its lookbehind are both slow on long answers."""
    return f"(^|[^{WORD_CHARS}]){re.escape(term.lower())}"


def term_words(term: str) -> tuple[str, bool] | None:
    """The ``tsquery`` of ``exchange.search_words`` that finds the exchanges where ``term``
    starts a word, and whether that is all the word-start test asks; None when the index
    cannot answer (not a word-start term, or a run too long for it).

    The lower-cased term's runs of word characters: in a match, the first starts a word of
    the text, the middle ones are whole words and the last one starts a word (is one, when
    the term ends with punctuation). So ``sanction`` is ``'sanction':*``, exactly the
    word-start test; ``"South China Sea"`` is ``'south' & 'china' & 'sea':*``, which does not
    say the words are adjacent, so the regular expression still checks its candidates.
    """
    if not starts_a_word(term):
        return None
    lowered = term.lower()
    runs = [r for r in _NON_WORD_RE.split(lowered) if r]
    if not runs or any(len(r) >= WORD_RUN_LIMIT for r in runs):
        return None
    prefix_last = bool(_WORD_CHAR_RE.match(lowered[-1]))
    parts = [
        "'"
        + run.replace("\\", "\\\\").replace("'", "''")
        + "'"
        + (":*" if i == len(runs) - 1 and prefix_last else "")
        for i, run in enumerate(runs)
    ]
    exact = len(runs) == 1 and prefix_last and lowered == runs[0]
    return " & ".join(parts), exact


# SQLite's word index (``storage.ftsindex``): the text a words row can hold, and characters
# its tokenizer certainly keeps in a word (a subset: tests/storage/test_words_index.py).
_WORDS_ROW_TEXT = re.compile(f"[{WORDS_ONLY}]*")
_SURELY_A_TOKEN = re.compile(
    "[0-9A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u012f\u0131-\u0180"
    "\u0386\u0388-\u03f5\u0400-\u0481\u048a-\u0527\u1e00-\u1eff]"
)


def words_query(terms: list[str]) -> str | None:
    """The FTS5 query of ``exchange_words`` that finds (among others) every words row where
    all ``terms`` match as search matches them; ``""`` when no term has a word to look up
    (every words row is a candidate), None when no words row can hold them all.

    Each lower-cased term is a phrase of its words, the last one a prefix when the term ends
    inside a word: ``"south china se" *``. The tokenizer cuts a words row's text at least
    wherever ``WORD_CHARS`` does and folds case as ``str.lower()`` does, so where a term
    starts a word of the text, its words are consecutive tokens there. Candidates are then
    checked exactly (``word_match``, ``text_has``)."""
    phrases = []
    for term in terms:
        lowered = term.lower()
        if not _WORDS_ROW_TEXT.fullmatch(lowered):
            return None  # a character no words row holds (Chinese): only trigram rows
        if _SURELY_A_TOKEN.search(lowered):
            prefix = " *" if _WORD_CHAR_RE.match(lowered[-1]) else ""
            phrases.append(fts5_string(lowered) + prefix)
    return " AND ".join(phrases)


def text_has(value: str | None, term: str) -> bool:
    """SQLite's ``text_has(text, term)``: lower-case ``term`` occurs in ``text``, ignoring
    case as the trigram index does (SQLite's ``LIKE`` ignores the case of ASCII only)."""
    return value is not None and term in value.lower()


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def word_match(value: str | None, term: str) -> bool:
    """SQLite's ``word_match(text, term)``: lower-case ``term`` starts a word of ``text``.

    The test ``term_regex`` makes for PostgreSQL, written with ``str.find``: a regular
    expression opening with a lookbehind is tried at every position of the text, 5-8x slower
    on long answers, and this runs on every candidate the trigram index returns.
    """
    if value is None:
        return False
    text_lower = value.lower()
    at = text_lower.find(term)
    while at != -1:
        if at == 0 or not _WORD_CHAR_RE.match(text_lower, at - 1):
            return True
        at = text_lower.find(term, at + 1)
    return False


def register_sqlite_functions(conn: Connection) -> None:
    """Make ``word_match`` and ``text_has`` callable in SQL, once per SQLite connection."""
    info = conn.connection.info
    if not info.get("briefings_word_match"):
        dbapi: Any = conn.connection.driver_connection
        dbapi.create_function("word_match", 2, word_match, deterministic=True)
        dbapi.create_function("text_has", 2, text_has, deterministic=True)
        info["briefings_word_match"] = True


# ---------------------------------------------------------------------------- SQL pieces

_COLUMNS = """
    b.id AS briefing_id, b.url, b.held_on, b.source, b.language, b.title,
    v.number AS version, e.position, e.uid, e.kind, e.asker, e.answerer,
    e.question, e.answer"""

_FROM = """
    exchange e
    JOIN version v ON v.id = e.version_id
    JOIN briefing b ON b.id = e.briefing_id"""

# The same exchange (uid) in the briefing's latest version, optionally with a condition.
_IN_LATEST = """EXISTS (
    SELECT 1 FROM exchange le JOIN version lv ON lv.id = le.version_id
    WHERE lv.briefing_id = e.briefing_id AND lv.is_latest AND le.uid = e.uid{extra})"""

_CURRENT_SCOPE = "v.is_latest AND b.status <> 'removed'"

# With --include-removed: every version, minus older copies of text that is still current
# and minus older copies of the same text (only the newest version holding it is shown).
_ALL_SCOPE = f"""(v.is_latest OR b.status = 'removed'
        OR NOT {_IN_LATEST.format(extra=" AND le.fingerprint = e.fingerprint")})
    AND NOT EXISTS (
        SELECT 1 FROM exchange e2 JOIN version v2 ON v2.id = e2.version_id
        WHERE e2.briefing_id = e.briefing_id AND e2.uid = e.uid
          AND e2.fingerprint = e.fingerprint AND v2.number > v.number)"""

_FLAGS_CURRENT = "0 AS removed, 0 AS edited_away"
_FLAGS_ALL = f"""
    CASE WHEN b.status = 'removed' THEN 1 WHEN v.is_latest THEN 0
         WHEN NOT {_IN_LATEST.format(extra="")} THEN 1 ELSE 0 END AS removed,
    CASE WHEN b.status = 'removed' OR v.is_latest THEN 0
         WHEN {_IN_LATEST.format(extra="")} THEN 1 ELSE 0 END AS edited_away"""


def _filters(options: SearchOptions, params: dict[str, Any], like: str) -> list[str]:
    clauses = []
    if options.source:
        clauses.append("b.source = :source")
        params["source"] = options.source
    if options.language:
        clauses.append("b.language = :language")
        params["language"] = options.language
    if options.asker:
        asker = f"e.asker {like} :asker ESCAPE '\\'"
        params["asker"] = like_contains(options.asker)
        # or one of the outlet's labels, exactly as printed
        names = [f":asker_label{i}" for i in range(len(options.asker_labels))]
        params |= {n[1:]: label for n, label in zip(names, options.asker_labels, strict=True)}
        clauses.append(f"({asker} OR e.asker IN ({', '.join(names)}))" if names else asker)
    if options.answerer:
        clauses.append(f"e.answerer {like} :answerer ESCAPE '\\'")
        params["answerer"] = like_contains(options.answerer)
    if options.since:
        clauses.append("b.held_on >= :since")
        params["since"] = options.since
    if options.until:
        clauses.append("b.held_on <= :until")
        params["until"] = options.until
    return clauses


def _term_clauses(terms: list[str], params: dict[str, Any], like: str) -> list[str]:
    """A substring condition per term (what the trigram index answers)."""
    clauses = []
    for i, term in enumerate(terms):
        params[f"t{i}"] = like_contains(term)
        clauses.append(
            f"(e.question {like} :t{i} ESCAPE '\\' OR e.answer {like} :t{i} ESCAPE '\\')"
        )
    return clauses


def _word_start_clauses(terms: list[str], params: dict[str, Any], sqlite: bool) -> list[str]:
    """The precise filter: every word-start term starts a word in the question or answer."""
    clauses = []
    for i, term in enumerate(terms):
        if not starts_a_word(term):
            continue
        name = f"w{i}"
        if sqlite:
            params[name] = term.lower()
            tests = [f"word_match({col}, :{name})" for col in ("e.question", "e.answer")]
        else:
            params[name] = pg_word_start_regex(term)
            tests = [f"lower({col}) ~ :{name}" for col in ("e.question", "e.answer")]
        clauses.append(f"({' OR '.join(tests)})")
    return clauses


def _pg_match_clauses(terms: list[str], params: dict[str, Any]) -> list[str]:
    """PostgreSQL: every term matches. Word-start terms take their candidates from the word
    index (``term_words``), and a term it answers exactly (one word, the common case) needs
    no other test; the others (Chinese, leading punctuation) are ILIKE conditions, answered
    by the pg_trgm indexes. Then the regular expression for whatever is left to check."""
    words = {t: term_words(t) for t in terms}
    clauses = _term_clauses([t for t, w in words.items() if w is None], params, "ILIKE")
    indexed = [w[0] for w in words.values() if w is not None]
    if indexed:
        params["words"] = " & ".join(indexed)
        clauses.append("e.search_words @@ CAST(:words AS tsquery)")
    unsure = [t for t, w in words.items() if w is None or not w[1]]
    return clauses + _word_start_clauses(unsure, params, sqlite=False)


def _scope(options: SearchOptions) -> tuple[str, str]:
    if options.include_removed:
        return _ALL_SCOPE, _FLAGS_ALL
    return _CURRENT_SCOPE, _FLAGS_CURRENT


_RECENT_ORDER = "b.held_on DESC, b.id DESC, v.number DESC, e.position"


def _sqlite_matches(long_terms: list[str], params: dict[str, Any], *, ranked: bool) -> str:
    """The rows of both FTS5 indexes that match every 3+ character term: ``id``, ``src``
    (1: from the word index, whose matches ``_words_checks`` still checks) and, ranked,
    ``bm25`` (each index's own)."""
    params["match"] = " AND ".join(fts5_string(t) for t in long_terms)
    bm25 = ", bm25(exchange_fts) AS bm25" if ranked else ""
    parts = [
        f"SELECT rowid AS id, 0 AS src{bm25} FROM exchange_fts WHERE exchange_fts MATCH :match"
    ]
    words = words_query(long_terms)
    if words:
        params["words"] = words
        bm25 = ", bm25(exchange_words) AS bm25" if ranked else ""
        parts.append(
            f"SELECT rowid AS id, 1 AS src{bm25} FROM exchange_words WHERE exchange_words MATCH :words"
        )
    elif words is not None:  # no word to look up ("..."): every words row, checked
        parts.append(
            f"SELECT id, 1 AS src{', 0.0 AS bm25' if ranked else ''} FROM exchange_words_docsize"
        )
    return "\n            UNION ALL ".join(parts)


def _words_checks(long_terms: list[str], params: dict[str, Any]) -> list[str]:
    """A word-index match is a candidate: a substring term (the word-start ones are checked
    by ``_word_start_clauses`` for every row) must really occur in it."""
    clauses = []
    for i, term in enumerate(long_terms):
        if starts_a_word(term):
            continue
        name = f"s{i}"
        params[name] = term.lower()
        clauses.append(
            f"(m.src = 0 OR text_has(e.question, :{name}) OR text_has(e.answer, :{name}))"
        )
    return clauses


def _sqlite_sql(
    terms: list[str], options: SearchOptions, params: dict[str, Any], *, top_k: int | None
) -> str:
    """SQLite search SQL. With ``top_k``, only the ``top_k`` best FTS matches are joined
    and filtered (see ``search``); without, every match is."""
    scope, flags = _scope(options)
    long_terms = [t for t in terms if len(t) >= MIN_FTS_CHARS]
    short_terms = [t for t in terms if len(t) < MIN_FTS_CHARS]
    where = [
        scope,
        *_filters(options, params, "LIKE"),
        *_term_clauses(short_terms, params, "LIKE"),
        *_words_checks(long_terms, params),
        *_word_start_clauses(terms, params, sqlite=True),  # last: the dearest
    ]
    if not long_terms:
        return f"""SELECT {_COLUMNS}, NULL AS score, {flags}
            FROM {_FROM} WHERE {" AND ".join(where)}
            ORDER BY {_RECENT_ORDER} LIMIT :limit"""
    matches = _sqlite_matches(long_terms, params, ranked=True)
    params["top_k"] = top_k if top_k is not None else -1  # LIMIT -1: no limit
    return f"""WITH m AS (
            SELECT id, src, bm25 FROM ({matches}) ORDER BY src DESC, bm25 LIMIT :top_k)
        SELECT {_COLUMNS}, -m.bm25 AS score, {flags}
        FROM m JOIN exchange e ON e.id = m.id
            JOIN version v ON v.id = e.version_id
            JOIN briefing b ON b.id = e.briefing_id
        WHERE {" AND ".join(where)}
        ORDER BY m.src DESC, m.bm25, {_RECENT_ORDER} LIMIT :limit"""


# What ranking reads: the stored English tsvector of migration 0003, the value of
# to_tsvector('english', coalesce(question, '') || ' ' || coalesce(answer, '')). A module
# constant so benchmarks/search.py can time the per-row to_tsvector it replaced.
PG_RANK_VECTOR = "e.search_vector"


def _pg_sql(terms: list[str], options: SearchOptions, params: dict[str, Any]) -> str:
    scope, flags = _scope(options)
    # Word-start terms: candidates from the word index (``term_words``), and for a term it
    # answers exactly (one word, the common case) no other test. The others (Chinese,
    # leading punctuation): ILIKE, answered by the pg_trgm indexes.
    where = [scope, *_filters(options, params, "ILIKE"), *_pg_match_clauses(terms, params)]
    if all(len(t) < MIN_FTS_CHARS for t in terms):
        return f"""SELECT {_COLUMNS}, NULL AS score, {flags}
            FROM {_FROM} WHERE {" AND ".join(where)}
            ORDER BY {_RECENT_ORDER} LIMIT :limit"""
    params["tsquery"] = " ".join(terms)
    return f"""SELECT {_COLUMNS},
            ts_rank_cd({PG_RANK_VECTOR}, plainto_tsquery('english', :tsquery)) AS score, {flags}
        FROM {_FROM} WHERE {" AND ".join(where)}
        ORDER BY score DESC, {_RECENT_ORDER} LIMIT :limit"""


# ---------------------------------------------------------------------------- search


def search(conn: Connection, query: str, options: SearchOptions | None = None) -> list[SearchHit]:
    """The best ``options.limit`` exchanges matching ``query``, best first."""
    options = options or SearchOptions()
    if options.limit < 1:
        raise SearchError("limit must be at least 1")
    terms = parse_terms(query)
    params: dict[str, Any] = {"limit": options.limit}
    if conn.dialect.name != "sqlite":
        rows = conn.execute(text(_pg_sql(terms, options, params)), params).mappings().all()
        return [_hit(rank, row, terms) for rank, row in enumerate(rows, start=1)]
    register_sqlite_functions(conn)
    # Joining and filtering every match costs more than ranking them: first try the best
    # few matches only. When enough of them pass the filters, they are exactly the best
    # hits overall (any other passing match ranks below all of them); else try 8x as many
    # (the word-start check can drop most of the best: "sea" ranks "ASEAN ... ASEAN" high),
    # and at last search them all.
    top_k = options.limit * TOP_K_FACTOR + TOP_K_EXTRA
    for k in (top_k, top_k * TOP_K_GROWTH, None):
        sql = _sqlite_sql(terms, options, params, top_k=k)
        rows = conn.execute(text(sql), params).mappings().all()
        if len(rows) >= options.limit or "match" not in params:
            break
    return [_hit(rank, row, terms) for rank, row in enumerate(rows, start=1)]


def _hit(rank: int, row: Any, terms: list[str]) -> SearchHit:
    segments = snippet_segments(row["question"], row["answer"], terms)
    return SearchHit(
        rank=rank,
        briefing_id=row["briefing_id"],
        url=row["url"],
        held_on=_as_date(row["held_on"]),
        source=row["source"],
        language=row["language"],
        title=row["title"],
        version=row["version"],
        index=row["position"],
        exchange_uid=row["uid"],
        kind=row["kind"],
        asker=row["asker"],
        answerer=row["answerer"],
        snippet="".join(f"[{t}]" if hot else t for t, hot in segments),
        score=None if row["score"] is None else round(float(row["score"]), 6),
        removed=bool(row["removed"]),
        edited_away=bool(row["edited_away"]),
        segments=segments,
    )


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # raw text SQL on SQLite gives a string


# ---------------------------------------------------------------------------- snippets


def snippet_segments(
    question: str | None, answer: str | None, terms: list[str], width: int = SNIPPET_WIDTH
) -> list[tuple[str, bool]]:
    """A window of the question or answer around the first match, matches marked hot.

    Built in Python for every backend so results look the same on SQLite and PostgreSQL.
    """
    # The same patterns as the search: a word-start term is not highlighted inside a word.
    pattern = _compiled("|".join(term_regex(t) for t in sorted(terms, key=len, reverse=True)))
    fields = [("Q", question), ("A", answer)]
    label, body, found = next(
        ((lbl, txt, m) for lbl, txt in fields if txt and (m := pattern.search(txt))),
        next(((lbl, txt, None) for lbl, txt in fields if txt), ("", "", None)),
    )
    body = " ".join(body.split())  # one line: newlines and runs of spaces become one space
    start = 0
    if found is not None:
        hit = pattern.search(body)
        start = _word_start(body, max(0, (hit.start() if hit else 0) - width // 3))
    end = min(len(body), start + width)
    segments: list[tuple[str, bool]] = [(f"{label}: " + ("…" if start else ""), False)]
    pos = start
    # Search the body, not a cut-out window: the word-start lookbehind must see the character
    # before the window (a window opening inside "ASEAN" must not highlight "SEA").
    for m in pattern.finditer(body, start, end):
        segments.append((body[pos : m.start()], False))
        segments.append((m.group(0), True))
        pos = m.end()
    segments.append((body[pos:end] + ("…" if end < len(body) else ""), False))
    return [(t, hot) for t, hot in segments if t]


def _word_start(body: str, start: int) -> int:
    """Move ``start`` past a cut word (Latin text), so a snippet never opens mid-word."""
    if start == 0 or not (body[start - 1].isascii() and body[start - 1].isalnum()):
        return start
    space = body.find(" ", start, start + 20)
    return space + 1 if space != -1 else start


# ---------------------------------------------------------------------------- frequency


def monthly_counts(
    conn: Connection, query: str, options: SearchOptions | None = None
) -> list[tuple[str, int]]:
    """How many exchanges match ``query`` per month their briefing was held, oldest first:
    the same matching and filters as ``search``, every match counted (no limit)."""
    options = options or SearchOptions()
    terms = parse_terms(query)
    params: dict[str, Any] = {}
    sqlite = conn.dialect.name == "sqlite"
    scope, _ = _scope(options)
    like = "LIKE" if sqlite else "ILIKE"
    long_terms = [t for t in terms if len(t) >= MIN_FTS_CHARS] if sqlite else []
    short_terms = [t for t in terms if len(t) < MIN_FTS_CHARS]
    matching = (
        [
            *_term_clauses(short_terms, params, like),
            *_words_checks(long_terms, params),
            *_word_start_clauses(terms, params, True),
        ]
        if sqlite
        else _pg_match_clauses(terms, params)
    )
    where = [scope, *_filters(options, params, like), *matching]
    source = _FROM
    if sqlite:
        register_sqlite_functions(conn)
        if long_terms:
            matches = _sqlite_matches(long_terms, params, ranked=False)
            source = f"""({matches}) AS m JOIN exchange e ON e.id = m.id
                JOIN version v ON v.id = e.version_id
                JOIN briefing b ON b.id = e.briefing_id"""
        month = "strftime('%Y-%m', b.held_on)"
    else:
        month = "to_char(b.held_on, 'YYYY-MM')"
    sql = f"""SELECT {month} AS month, count(*) AS n FROM {source}
        WHERE b.held_on IS NOT NULL AND {" AND ".join(where)}
        GROUP BY {month} ORDER BY {month}"""
    return [(str(m), int(n)) for m, n in conn.execute(text(sql), params).all()]


# ---------------------------------------------------------------------------- cache

# What a search's answer depends on, read in well under a millisecond: new exchanges and
# versions get new ids (so does the latest-version flag, which moves only when a version is
# written), and a briefing's removal or restoration writes a change event.
GENERATION_SQL = text(
    """SELECT (SELECT max(id) FROM exchange), (SELECT max(id) FROM version),
              (SELECT max(id) FROM change_event),
              (SELECT count(*) FROM briefing WHERE status = 'removed')"""
)
CACHE_SIZE = 512


class SearchCache:
    """The hits of recent searches, for a long-lived reader (the web app), kept only while
    the archive is unchanged: every lookup first reads the archive's generation
    (``GENERATION_SQL``) and drops everything when it moved. A repeated search costs that
    one read instead of matching and ranking every candidate again (on PostgreSQL a common
    English word has thousands: 30-170 ms on 100,000 exchanges)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        from collections import OrderedDict
        from threading import Lock

        self.size = size
        self._hits: OrderedDict[tuple[Any, ...], list[SearchHit]] = OrderedDict()
        self._generation: tuple[Any, ...] | None = None
        self._lock = Lock()

    def search(
        self, conn: Connection, query: str, options: SearchOptions | None = None
    ) -> list[SearchHit]:
        options = options or SearchOptions()
        generation = tuple(conn.execute(GENERATION_SQL).one())
        key = (query, options)
        with self._lock:
            if generation != self._generation:
                self._hits.clear()
                self._generation = generation
            cached = self._hits.get(key)
            if cached is not None:
                self._hits.move_to_end(key)
                return list(cached)
        hits = search(conn, query, options)
        with self._lock:
            if generation == self._generation:
                self._hits[key] = hits
                while len(self._hits) > self.size:
                    self._hits.popitem(last=False)
        return list(hits)
