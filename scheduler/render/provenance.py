"""Where captures came from (history import, issue 18): provenance in ``history`` and
``show``. A version's origin is the first capture observed of it: a crawl run, a WARC
record (file @ offset) or a Wayback capture (timestamp and URL)."""

from __future__ import annotations

from typing import Any

from storage.api import CaptureOrigin


def first_origins(origins: list[CaptureOrigin]) -> dict[int, CaptureOrigin]:
    """Version number → the earliest observed capture of it (``origins`` oldest first)."""
    first: dict[int, CaptureOrigin] = {}
    for origin in origins:
        if origin.version is not None:
            first.setdefault(origin.version, origin)
    return first


def short_origin(origin: CaptureOrigin) -> str:
    """For a table cell: the file's name (not its path), the Wayback timestamp alone."""
    provenance = origin.provenance
    if provenance is None:
        return origin.origin
    if provenance["kind"] == "wayback":
        return f"Wayback {provenance['timestamp']}"
    name = str(provenance["file"]).replace("\\", "/").rsplit("/", 1)[-1]
    return f"WARC {name} @ {provenance['offset']}"


def history_with_origins(history: dict[str, Any], origins: list[CaptureOrigin]) -> dict[str, Any]:
    """``history --json`` with each version's ``origin`` and every capture's provenance."""
    first = first_origins(origins)
    for version in history["versions"]:
        origin = first.get(version["number"])
        version["origin"] = origin.origin if origin else None
    history["captures"] = [origin.to_json() for origin in origins]
    return history
