"""Hand-built schema-v1 briefing dicts, so storage tests need no parser."""

from __future__ import annotations

from typing import Any

BASE_URL = "https://www.fmprc.gov.cn/eng/xwfw_665399/s2510_665401/2511_665403/202402/"
OUTLETS = ("China Daily", "Reuters", "AFP", "Bloomberg", "CCTV", "NHK", "TASS", "AP")


def make_exchange(index: int, *, asker: str | None = None, answer: str | None = None) -> dict:
    asker = asker or OUTLETS[index % len(OUTLETS)]
    question = f"Question {index} from {asker} about topic number {index} and its many aspects?"
    answer = answer or f"Answer {index}: our position on topic {index} is consistent and clear."
    return {
        "index": index,
        "kind": "qa",
        "asker": asker,
        "question": question,
        "answerer": "Mao Ning",
        "answer": answer,
        "follow_up": False,
        "after_conference": False,
        "turns": [
            {"role": "journalist", "speaker": asker, "text": question},
            {"role": "official", "speaker": "Mao Ning", "text": answer},
        ],
    }


def make_briefing(
    n: int = 5,
    *,
    source: str = "mfa-en",
    url: str | None = None,
    held_on: str = "2024-02-27",
    title: str | None = None,
    answers: dict[int, str] | None = None,
    drop: tuple[int, ...] = (),
    exchanges: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A valid schema-v1 briefing with ``n`` Q&A exchanges; ``answers`` overrides some
    answers, ``drop`` removes some exchanges (re-indexed, as a parser would)."""
    if exchanges is None:
        answers = answers or {}
        exchanges = [make_exchange(i, answer=answers.get(i)) for i in range(n) if i not in drop]
        for position, ex in enumerate(exchanges):
            ex["index"] = position
    return {
        "schema_version": 1,
        "source": source,
        "url": url or f"{BASE_URL}t{held_on.replace('-', '')}_1.html",
        "language": "en" if source.endswith("en") else "zh",
        "title": title or f"Foreign Ministry Spokesperson's Regular Press Conference on {held_on}",
        "held_on": held_on,
        "published_at": None,
        "spokespersons": ["Mao Ning"],
        "translations": [],
        "exchanges": exchanges,
    }


def html_of(briefing: dict[str, Any]) -> bytes:
    """A stand-in raw body that differs whenever the briefing does."""
    import json

    return ("<html><body>" + json.dumps(briefing, ensure_ascii=False) + "</body></html>").encode()
