"""Language-neutral evidence in a text: numbers, dates and Latin-script tokens.

Both versions of an exchange print the same figures and the same Latin-script names
(`WTO`, `COVID-19`, `5G`, `Lowy Institute` inside Chinese text), written differently:
full-width digits, `1,000` against `1000`, `270 billion` against `2700亿`, `June 12`
against `6月12日`, `19th` against `十九`. Each is turned into one token string so that the
two sides can be compared as sets:

- a number becomes its value (`1153`, `270000000000`, `3.5`);
- a full date becomes `m6d12` and its day `d12`; a day alone `d12`; a month alone `m6`.

Chinese numerals are read where they carry a unit character (`十九`, `四十七`,
`一百一十一`, `一百万`, `二十国集团`; a bare 十 only as `第十` or before a counted word,
`十年`); single characters (一, 三) are left alone, they are everywhere in ordinary words,
and so are vague amounts (`数十万`, `上百`).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_FULLWIDTH = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
)

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_EN_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_EN_DATE = re.compile(
    r"(?=[JFMASOND])" + _EN_MONTH + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"
    r"(?:\s*(?:to|and|-|–|through)\s*(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?:%|percent)))?"
)
# A month alone, except May (a modal verb at the start of a sentence).
_EN_MONTH_ALONE = re.compile(
    r"\b(?=[JFMASOND])(Jan(?:uary)?|Feb(?:ruary)?|March|April|June|July|Aug(?:ust)?|Sept(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b"
)
_ZH_DATE = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")
_ZH_DAY = re.compile(r"(?=\d)(?<![\d月])(\d{1,2})[日号]")
_ZH_MONTH = re.compile(r"(?=\d)(?<!\d)(\d{1,2})月(?!\d)")
_EN_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
# Written as words as often as figures, or names rather than amounts: "100%" (all, fully),
# "10+3" (ASEAN Plus Three), "2018-19" (the year 2018-2019): read apart, or not at all.
_WHOLE = re.compile(r"(?<![\d.])100\s*(?:%|percent\b|per cent\b)", re.I)
_PLUS_NAME = re.compile(r"(?<![\d.])\d{1,2}\s*\+\s*\d{1,2}(?![\d.])")
_YEAR_SPAN = re.compile(r"\b((?:19|20)\d\d)\s*[-–/]\s*(\d\d)\b(?![-–/]\d)")
_DECADE_EN = re.compile(r"\b((?:1[89]|20)\d0)'?s\b")
_DECADE_ZH = re.compile(r"(\d{2})世纪(\d)0年代")
_ZH_HOUR = re.compile(r"\d{1,2}[-—至到]?\d{0,2}时")  # 0-24时: the English says "on March 23"

_EN_MAGNITUDE = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_EN_MAGNITUDE |= {"bn": 10**9, "mn": 10**6, "tn": 10**12}  # "$4bn", "$416bn" (quoted press)
_ZH_MAGNITUDE = {"万": 10**4, "亿": 10**8, "万亿": 10**12}
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_EN_SCALED = re.compile(
    rf"(?=\d)({_NUMBER})(?:[\s-]*(thousand|million|billion|trillion)|(bn|mn|tn))\b", re.I
)
_ZH_SCALED = re.compile(rf"({_NUMBER})\s*[多余]?(万亿|万|亿)")
_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "a": 1,
}  # fmt: skip
_WORD = re.compile(r"[a-z]+")
# "Seventy-seven", "twenty one": one number (77), not two (70 and 7).
_EN_COMPOUND = re.compile(
    r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[-\s]"
    r"(one|two|three|four|five|six|seven|eight|nine)\b"
)
_NUMBER_WORDS = frozenset(_EN_WORDS) - {"a"}
_ABBREVIATED = re.compile(r"\d(?:bn|mn|tn)\b")
_EN_WORD_SCALED = re.compile(
    r"\b(?=[aotfsenhAOTFSENH])(a|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred)[\s-]+"
    r"(thousand|million|billion|trillion)\b",
    re.I,
)
# Digits that are part of a Latin token (COVID-19, 5G, G20, H1N1) are not numbers.
_PLAIN = re.compile(
    rf"(?=\d)(?<![A-Za-z\d.])(?<![A-Za-z]-)(?:{_NUMBER})(?:st|nd|rd|th)?(?![A-Za-z\d])"
)
_PLAIN_ZH = re.compile(rf"(?=\d)(?<![A-Za-z\d.])(?<![A-Za-z]-)(?:{_NUMBER})(?![A-Za-z\d])")

_ZH_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_RUN = re.compile(r"[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*")
_ZH_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_UNITS = set("十百千万亿")
_VAGUE = set("数几上")
_COUNTED = set("年天日月周个多余名人国次家项条位万亿倍")

LATIN_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-.&'][A-Za-z0-9]+)*")
# The same on case-folded text, matching only tokens with a letter (not 2020, not 1.5).
_LATIN_WORD = re.compile(
    r"[0-9]*[a-z][a-z0-9]*(?:[-.&'][a-z0-9]+)*|[0-9]+(?:[-.&'][0-9]+)*[-.&'][0-9]*[a-z][a-z0-9]*(?:[-.&'][a-z0-9]+)*"
)
_NEEDS_HALFWIDTH = re.compile("[\uff01-\uff5e\u3000]")


def halfwidth(text: str) -> str:
    """Full-width ASCII (digits, letters, ％) as ASCII; U+3000 as a space."""
    return text.translate(_FULLWIDTH) if _NEEDS_HALFWIDTH.search(text) else text


def numbers_en(text: str) -> set[str]:
    """Number and date tokens of an English text."""
    text = halfwidth(text)
    tokens: set[str] = set()
    text = _take_en_dates(text, tokens)
    text = _common_forms(text, tokens)
    tokens.update(m.group(1) for m in _DECADE_EN.finditer(text))
    if ":" in text:
        text = _EN_TIME.sub(" ", text)
    lower = text.casefold()
    # The magnitude patterns are costly: only where a magnitude word is.
    if "illion" in lower or "thousand" in lower or _ABBREVIATED.search(lower):
        text = _take_scaled(_EN_SCALED, _EN_MAGNITUDE, text, tokens, lower=True)
        for m in _EN_WORD_SCALED.finditer(text):
            tokens.add(str(_EN_WORDS[m.group(1).lower()] * _EN_MAGNITUDE[m.group(2).lower()]))
        text = _EN_WORD_SCALED.sub(" ", text)
        lower = text.casefold()
    tokens.update(_value(m.group(0)) for m in _PLAIN.finditer(text))
    if "ty-" in lower or "ty " in lower:
        for m in _EN_COMPOUND.finditer(lower):
            tokens.add(str(_EN_WORDS[m.group(1)] + _EN_WORDS[m.group(2)]))
        lower = _EN_COMPOUND.sub(" ", lower)
    words = set(_WORD.findall(lower)) & _NUMBER_WORDS
    tokens.update(str(_EN_WORDS[w]) for w in words)
    tokens.update(f"m{_MONTHS[m.group(1)[:3].lower()]}" for m in _EN_MONTH_ALONE.finditer(text))
    tokens.discard("")
    return tokens


def numbers_zh(text: str) -> set[str]:
    """Number and date tokens of a Chinese text (Arabic digits and cheap Chinese numerals)."""
    text = halfwidth(text)
    tokens: set[str] = set()
    # Each pattern scans the whole text: only where the character it needs is.
    if "月" in text:
        for m in _ZH_DATE.finditer(text):
            tokens.update((f"m{int(m.group(1))}d{int(m.group(2))}", f"d{int(m.group(2))}"))
        text = _ZH_DATE.sub(" ", text)
    if "日" in text or "号" in text:
        tokens.update(f"d{int(m.group(1))}" for m in _ZH_DAY.finditer(text))
        text = _ZH_DAY.sub(" ", text)
    if "月" in text:
        tokens.update(f"m{int(m.group(1))}" for m in _ZH_MONTH.finditer(text))
        text = _ZH_MONTH.sub(" ", text)
    if "时" in text:
        text = _ZH_HOUR.sub(" ", text)
    if "世纪" in text:
        for m in _DECADE_ZH.finditer(text):  # 20世纪80年代: the 1980s
            tokens.add(str((int(m.group(1)) - 1) * 100 + int(m.group(2)) * 10))
        text = _DECADE_ZH.sub(" ", text)
    text = _common_forms(text, tokens)
    if "万" in text or "亿" in text:
        text = _take_scaled(_ZH_SCALED, _ZH_MAGNITUDE, text, tokens, lower=False)
    tokens.update(_value(m.group(0)) for m in _PLAIN_ZH.finditer(text))
    tokens.update(_chinese_numerals(text))
    tokens.discard("")
    return tokens


def _common_forms(text: str, tokens: set[str]) -> str:
    """Take out what both languages write in forms the number patterns would misread."""
    if "100" in text:
        text = _WHOLE.sub(" ", text)
    if "+" in text:
        text = _PLUS_NAME.sub(" ", text)
    if "-" not in text and "–" not in text and "/" not in text:
        return text

    def span(m: re.Match[str]) -> str:
        first = int(m.group(1))
        second = first // 100 * 100 + int(m.group(2))
        if second <= first:
            return m.group(0)
        tokens.update((str(first), str(second)))
        return " "

    return _YEAR_SPAN.sub(span, text)


def latin_tokens(text: str) -> set[str]:
    """Latin-script tokens, case-folded; in Chinese text these are names kept as printed."""
    return {t for t in set(_LATIN_WORD.findall(halfwidth(text).casefold())) if len(t) > 1}


def _take_en_dates(text: str, tokens: set[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        month, day = _MONTHS[m.group(1)[:3].lower()], int(m.group(2))
        if not 1 <= day <= 31:
            return m.group(0)
        tokens.update((f"m{month}d{day}", f"d{day}"))
        if m.group(3) and 1 <= int(m.group(3)) <= 31:  # May 12 to 16, March 20 and 21
            tokens.update((f"m{month}d{int(m.group(3))}", f"d{int(m.group(3))}"))
        return " "

    return _EN_DATE.sub(repl, text)


def _take_scaled(
    pattern: re.Pattern[str], scale: dict[str, int], text: str, tokens: set[str], *, lower: bool
) -> str:
    def repl(m: re.Match[str]) -> str:
        word = m.group(2) or (m.group(3) if pattern.groups >= 3 else None)
        unit = word.lower() if lower and word else str(word)
        try:
            value = Decimal(m.group(1).replace(",", "")) * scale[unit]
        except InvalidOperation:
            return m.group(0)
        tokens.add(_format(value))
        return " "

    return pattern.sub(repl, text)


def _value(literal: str) -> str:
    if literal.isdigit():
        return str(int(literal))
    digits = re.sub(r"(st|nd|rd|th)$", "", literal).replace(",", "")
    try:
        return _format(Decimal(digits))
    except InvalidOperation:
        return ""


def _format(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _chinese_numerals(text: str) -> set[str]:
    found: set[str] = set()
    for m in _ZH_RUN.finditer(text):
        run = m.group(0)
        before, after = text[max(0, m.start() - 1) : m.start()], text[m.end() : m.end() + 1]
        if not any(c in _ZH_UNITS for c in run) or before in _VAGUE:
            continue  # digits alone (一, 三) are words; 数十万 is "several hundred thousand"
        if run == "十" and before != "第" and after not in _COUNTED:
            continue  # a bare 十 (十分, 十足) is no number; 第十, 十年, 十多 are
        found.add(str(_chinese_value(run)))
    return found


def _chinese_value(run: str) -> int:
    """一百一十一 → 111, 二十 → 20, 一百万 → 1000000, 十九 → 19."""
    total, section, digit = 0, 0, 0
    for ch in run:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_SMALL_UNITS:
            section += (digit or 1) * _ZH_SMALL_UNITS[ch]
            digit = 0
        else:  # 万, 亿
            total = (total + section + digit) * _ZH_MAGNITUDE[ch]
            section = digit = 0
    return total + section + digit
