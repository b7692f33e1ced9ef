"""Scripted edits of real legacy English pages, each checked with the real parser.

An edit is made on the HTML (as the ministry would make it) and then verified: the edited
page must parse to the original transcript with exactly that one change, so a soak that
expects "one exchange removed" really served a page with one exchange removed.
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass
from typing import Any

from tests.faultsite import paragraphs

NEW_QUESTION = "Bloomberg: Soak question: will the ministry publish its edit log?"
NEW_ANSWER = "Zhao Lijian: Soak answer: we have nothing to announce at the moment."


@dataclass(frozen=True)
class Edit:
    """One scripted edit: what the ledger must show afterwards."""

    kind: str  # removed | edited | added
    path: str
    before: bytes
    after: bytes
    asker: str | None  # of the exchange concerned
    fields: tuple[str, ...] = ()  # for "edited"


def parsed(page: bytes, url: str) -> list[dict[str, Any]]:
    from crawler.extract import parse_html

    return parse_html(page, url).to_dict()["exchanges"]


def _marker(page: bytes, text: str) -> bytes:
    """The longest prefix of ``text`` (>= 12 chars) found verbatim in the raw HTML."""
    for size in (40, 30, 20, 12):
        snippet = _html.escape(text[:size], quote=False).encode()
        if snippet in page:
            return snippet
        raw = text[:size].encode()
        if raw in page:
            return raw
    raise ValueError(f"no marker for {text[:40]!r}")


def _paragraph_index(page: bytes, marker: bytes, start: int = 0) -> int:
    for i, m in enumerate(paragraphs(page)):
        if i >= start and marker in m.group(0):
            return i
    raise ValueError(f"no paragraph holds {marker!r}")


def remove_exchange(page: bytes, url: str, index: int) -> Edit:
    """Delete exchange ``index`` (its question and answer paragraphs)."""
    exchanges = parsed(page, url)
    target, following = exchanges[index], exchanges[index + 1]
    paras = paragraphs(page)
    first = _paragraph_index(page, _marker(page, target["question"]))
    last = _paragraph_index(page, _marker(page, following["question"]), first + 1)
    edited = page[: paras[first].start()] + page[paras[last].start() :]
    after = parsed(edited, url)
    kept = exchanges[:index] + exchanges[index + 1 :]
    assert [_content(e) for e in after] == [_content(e) for e in kept], "removal check"
    return Edit("removed", "", page, edited, target.get("asker"))


def edit_answer(page: bytes, url: str, old: str, new: str) -> Edit:
    """Replace the sentence ``old`` of an answer with ``new``."""
    exchanges = parsed(page, url)
    edited = page.replace(old.encode(), new.encode(), 1)
    assert edited != page, f"{old!r} not in page"
    after = parsed(edited, url)
    changed = [i for i, (a, b) in enumerate(zip(exchanges, after, strict=True)) if a != b]
    assert len(changed) == 1, changed
    assert new in after[changed[0]]["answer"]
    return Edit("edited", "", page, edited, exchanges[changed[0]].get("asker"), ("answer",))


def add_exchange(page: bytes, url: str, before_index: int) -> Edit:
    """Insert a new question and answer before exchange ``before_index``."""
    exchanges = parsed(page, url)
    anchor = _marker(page, exchanges[before_index]["question"])
    i = _paragraph_index(page, anchor)
    at = paragraphs(page)[i].start()
    asker, question = NEW_QUESTION.split(": ", 1)
    markup = (
        f"<P><B><SPAN>{asker}: </SPAN></B><B><SPAN>{question}</SPAN></B></P>\n"
        f"<P><SPAN>{NEW_ANSWER}</SPAN></P>\n"
    ).encode()
    edited = page[:at] + markup + page[at:]
    after = parsed(edited, url)
    assert len(after) == len(exchanges) + 1, (len(after), len(exchanges))
    assert after[before_index]["asker"] == asker and question in after[before_index]["question"]
    assert [_content(e) for e in after[:before_index] + after[before_index + 1 :]] == [
        _content(e) for e in exchanges
    ]
    return Edit("added", "", page, edited, asker)


def _content(exchange: dict[str, Any]) -> tuple[Any, ...]:
    """An exchange without its position."""
    return tuple(sorted((k, str(v)) for k, v in exchange.items() if k != "index"))
