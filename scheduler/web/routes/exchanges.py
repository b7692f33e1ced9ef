"""Exchange: one exchange's history across versions (``/x/<uid>``), with a citation line;
its JSON twin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.responses import JSONResponse, Response

from scheduler.web.citation import citation
from scheduler.web.deps import archive_of, renderer_of
from storage.api import Archive, ChangeType

router = APIRouter()
UID = Path(description="the exchange's id (stable across versions)", max_length=64)


def exchange_view(archive: Archive, uid: str) -> dict[str, Any]:
    with archive.snapshot():  # one read transaction for the page's parts
        history = archive.exchange_history(uid)
        briefing = archive.history(history.briefing.id)
        cited = _cited_version(history)
        provenance = archive.provenance(history.briefing.id, cited)
    versions = {v.number: v for v in briefing.versions}
    return {
        "x": history,
        "briefing_versions": versions,
        "provenance": provenance,
        "citation": citation(history, versions, provenance.sha256),
    }


def _cited_version(history: Any) -> int:
    """The version whose archived page backs the citation: the one after the last change,
    else the latest one holding the exchange."""
    kinds = (ChangeType.EDITED, ChangeType.REMOVED, ChangeType.MOVED)
    for event in reversed(history.events):
        if event.type in kinds and event.to_version is not None:
            return int(event.to_version)
    return int(history.versions[-1].version)


@router.get("/x/{uid}", include_in_schema=False)
def exchange_page(request: Request, uid: str = UID) -> Response:
    view = exchange_view(archive_of(request), uid)
    return renderer_of(request).page(request, "exchange.html", view)


@router.get("/api/exchanges/{uid}", tags=["exchanges"], summary="One exchange's history")
def exchange_json(request: Request, uid: str = UID) -> JSONResponse:
    view = exchange_view(archive_of(request), uid)
    data = view["x"].to_json()
    data["citation"] = view["citation"]
    data["provenance"] = view["provenance"].to_json()
    return JSONResponse(data)
