"""The reviewable summary of a parse that expected files store and tests compare.

Texts are kept as their first and last 40 characters, so an expected file stays short
enough to check by reading the page, yet catches a label left in or a paragraph lost.
"""

from __future__ import annotations

from typing import Any

from crawler.schema import Briefing

EDGE = 40


def edges(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [text[:EDGE], text[-EDGE:]]


def summarize(briefing: Briefing) -> dict[str, Any]:
    data = briefing.to_dict()
    return {
        "source": data["source"],
        "url": data["url"],
        "language": data["language"],
        "title": data["title"],
        "held_on": data["held_on"],
        "published_at": data["published_at"],
        "spokespersons": data["spokespersons"],
        "translations": data["translations"],
        "exchange_count": len(data["exchanges"]),
        "exchanges": [summarize_exchange(e) for e in data["exchanges"]],
    }


def summarize_exchange(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": e["kind"],
        "asker": e["asker"],
        "answerer": e["answerer"],
        "follow_up": e["follow_up"],
        "after_conference": e["after_conference"],
        "question": edges(e["question"]),
        "answer": edges(e["answer"]),
        "turns": [[t["role"], t["speaker"]] for t in e["turns"]],
    }
