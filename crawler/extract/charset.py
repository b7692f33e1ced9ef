"""Bytes -> text for the ministry's pages, with one explicit decision rule.

Candidates, in order: the charset of the ``Content-Type`` header, a byte-order mark, the
page's own ``<meta charset>`` / ``http-equiv`` declaration (the ``document.charset='gb2312'``
line some pages carry for a mail link is JavaScript, not a declaration, and is ignored),
then UTF-8, then GB18030.

Rule:
1. A body that is valid UTF-8 and contains multi-byte sequences is UTF-8, whatever a label
   says: legacy Chinese text is practically never valid UTF-8 by accident, while mislabelled
   UTF-8 pages are common.
2. Otherwise the first candidate that decodes *without errors* wins. So a page declared
   UTF-8 whose bytes are GBK decodes as GB18030 (the declared charset yields replacement
   characters, GB18030 decodes cleanly).
3. If no candidate decodes cleanly, the candidate with the fewest U+FFFD replacements wins
   (earlier candidates win ties); :func:`decode_report` says so, so a caller can flag the
   page instead of silently archiving mojibake.

GB2312 and GBK labels are read as GB18030, their superset.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:\-]+)", re.IGNORECASE)
# <meta charset="utf-8"> or <meta http-equiv="Content-Type" content="text/html; charset=utf-8">
_META_CHARSET = re.compile(
    rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([\w.:\-]+)", re.IGNORECASE | re.DOTALL
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
_META_SCAN_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    clean: bool  # decoded without a single error
    replacements: int = 0  # U+FFFD characters introduced by decoding


def _normalize(name: str | None) -> str | None:
    if not name:
        return None
    try:
        canonical = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _ALIASES.get(canonical, _ALIASES.get(name.strip().lower(), canonical))


def header_charset(content_type: str | None) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return _normalize(m[1]) if m else None


def bom_charset(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def meta_charset(body: bytes) -> str | None:
    m = _META_CHARSET.search(body[:_META_SCAN_BYTES])
    return _normalize(m[1].decode("ascii", "ignore")) if m else None


def candidates(body: bytes, content_type: str | None) -> list[str]:
    found = [
        header_charset(content_type),
        bom_charset(body),
        meta_charset(body),
        "utf-8",
        "gb18030",
    ]
    return list(dict.fromkeys(c for c in found if c))


def decode_report(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode ``body`` by the rule in this module's docstring and say how it went."""
    bom = bom_charset(body)
    if bom:
        payload = body[len(codecs.BOM_UTF8) :] if bom == "utf-8" else body
        text = payload.decode(bom if bom != "utf-8" else "utf-8", errors="replace")
        return Decoded(text.lstrip("\ufeff"), bom, "\ufffd" not in text, text.count("\ufffd"))
    if not body.isascii():
        try:
            return Decoded(body.decode("utf-8"), "utf-8", True)
        except UnicodeDecodeError:
            pass
    names = candidates(body, content_type)
    for name in names:
        try:
            return Decoded(body.decode(name), name, True)
        except (UnicodeDecodeError, LookupError):
            continue
    best = min(names, key=lambda n: body.decode(n, errors="replace").count("\ufffd"))
    text = body.decode(best, errors="replace")
    return Decoded(text, best, False, text.count("\ufffd"))


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """The page's text (see :func:`decode_report` for how the encoding was chosen)."""
    return decode_report(body, content_type).text
