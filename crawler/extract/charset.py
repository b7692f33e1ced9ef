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
   (earlier candidates win ties). The page is still decoded, with every invalid byte
   sequence replaced by U+FFFD, so it is archived and parsed; :func:`decode_report` says how
   many replacements decoding made (``Decoded.replaced``, U+FFFD characters the page itself
   carried not counted), so a caller can flag the version instead of silently archiving
   mojibake. ``crawler.extract.parse_html`` fills a ``ParseReport`` with the same figures.

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
    replaced: int = 0  # invalid byte sequences replaced by U+FFFD (not U+FFFD in the page)


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
        return _decode_replacing(payload, bom, strip_bom=True)
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
    best = min(names, key=lambda n: _decode_replacing(body, n).replaced)
    return _decode_replacing(body, best)


def _decode_replacing(body: bytes, name: str, *, strip_bom: bool = False) -> Decoded:
    """Decode with U+FFFD for invalid sequences, counting only the replacements made: the
    same bytes decoded with ``ignore`` keep just the U+FFFD the page itself carried."""
    text = body.decode(name, errors="replace")
    if strip_bom:
        text = text.lstrip("\ufeff")
    found = text.count("\ufffd")
    replaced = found - body.decode(name, errors="ignore").count("\ufffd") if found else 0
    return Decoded(text, name, replaced == 0, replaced)


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """The page's text (see :func:`decode_report` for how the encoding was chosen)."""
    return decode_report(body, content_type).text
