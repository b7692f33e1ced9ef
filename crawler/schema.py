"""The shared exchange schema (v1) as typed Python objects.

``Briefing.to_dict()`` produces exactly the JSON described by
``crawler/schemas/briefing.v1.schema.json`` (a packaged copy of
``shared/schema/briefing.v1.schema.json``); ``validate`` checks a dict against it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import orjson

SCHEMA_VERSION = 1
SCHEMA_FILENAME = "briefing.v1.schema.json"

Role = Literal["journalist", "official", "other"]
Kind = Literal["statement", "qa"]


@dataclass(slots=True)
class Turn:
    role: Role
    speaker: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "speaker": self.speaker, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        return cls(role=data["role"], speaker=data["speaker"], text=data["text"])


@dataclass(slots=True)
class Exchange:
    index: int
    kind: Kind
    asker: str | None
    question: str | None
    answerer: str | None
    answer: str | None
    follow_up: bool = False
    after_conference: bool = False
    turns: list[Turn] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "asker": self.asker,
            "question": self.question,
            "answerer": self.answerer,
            "answer": self.answer,
            "follow_up": self.follow_up,
            "after_conference": self.after_conference,
            "turns": [t.to_dict() for t in self.turns],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        return cls(
            index=data["index"],
            kind=data["kind"],
            asker=data["asker"],
            question=data["question"],
            answerer=data["answerer"],
            answer=data["answer"],
            follow_up=data["follow_up"],
            after_conference=data["after_conference"],
            turns=[Turn.from_dict(t) for t in data["turns"]],
        )


@dataclass(slots=True)
class Translation:
    language: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"language": self.language, "url": self.url}


@dataclass(slots=True)
class Briefing:
    source: str
    url: str
    language: str
    title: str
    held_on: str  # YYYY-MM-DD
    published_at: str | None
    spokespersons: list[str] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "source": self.source,
            "url": self.url,
            "language": self.language,
            "title": self.title,
            "held_on": self.held_on,
            "published_at": self.published_at,
            "spokespersons": list(self.spokespersons),
            "translations": [t.to_dict() for t in self.translations],
            "exchanges": [e.to_dict() for e in self.exchanges],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Briefing:
        return cls(
            source=data["source"],
            url=data["url"],
            language=data["language"],
            title=data["title"],
            held_on=data["held_on"],
            published_at=data["published_at"],
            spokespersons=list(data["spokespersons"]),
            translations=[Translation(**t) for t in data["translations"]],
            exchanges=[Exchange.from_dict(e) for e in data["exchanges"]],
            schema_version=data.get("schema_version", SCHEMA_VERSION),
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent=indent)


def dumps(data: dict[str, Any], *, indent: int | None = None) -> str:
    """Serialize schema JSON: UTF-8 text, never ASCII-escaped."""
    return json.dumps(data, ensure_ascii=False, indent=indent)


def content_hash(data: dict[str, Any]) -> str:
    """sha256 of the normalized transcript, the only thing that decides a revision.

    The URL is left out on purpose: the same transcript served under a host alias or a
    republished URL is the same content.
    """
    payload = {k: v for k, v in data.items() if k != "url"}
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def canonical_json(value: Any) -> bytes:
    """``value`` as the bytes every content hash is of: UTF-8 JSON, keys sorted, no spaces,
    nothing ASCII-escaped: ``json.dumps(value, ensure_ascii=False, sort_keys=True,
    separators=(",", ":")).encode()``, the form the archive's hashes were first taken of.

    orjson writes exactly those bytes for everything schema JSON holds (strings, integers,
    booleans, null, lists, objects; ``tests/extract/test_content_hash.py`` checks every
    character and the fixture pages) in a seventh of the time (0.03 against 0.17 ms a
    page). It writes floats another way (``1e-7`` for ``1e-07``) and refuses integers
    beyond 64 bits: for those the standard library writes them, so a hash never changes."""
    if not _has_float(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # an integer beyond 64 bits, a type orjson does not write
            pass
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def _has_float(value: Any) -> bool:
    """Whether a float is anywhere in ``value`` (schema JSON has none: its one number,
    ``index``, is an integer)."""
    if not isinstance(value, dict | list | tuple):
        return isinstance(value, float)
    pending = [value]
    while pending:
        item = pending.pop()
        for child in item.values() if isinstance(item, dict) else item:
            if type(child) is str:  # nearly every value: the quickest test first
                continue
            if isinstance(child, dict | list | tuple):
                pending.append(child)
            elif isinstance(child, float):
                return True
    return False


def schema_path() -> Path:
    """Path of the packaged JSON Schema file (identical to shared/schema)."""
    return Path(str(resources.files("crawler") / "schemas" / SCHEMA_FILENAME))


@cache
def _validator() -> Any:
    import jsonschema

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validation_errors(data: dict[str, Any]) -> list[str]:
    """Every way ``data`` breaks the JSON Schema, as readable strings (empty when valid)."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]


def validate(data: dict[str, Any]) -> None:
    """Raise ``ValueError`` listing every schema violation of ``data``."""
    errors = validation_errors(data)
    if errors:
        raise ValueError("briefing does not match schema v1:\n" + "\n".join(errors))
