"""Briefing: title, date, spokespersons, locations, the version timeline, the current
exchanges; its JSON twin. The other-language twin and evidence bundles plug in as partials."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.responses import JSONResponse, Response

from scheduler.web.deps import archive_of, renderer_of
from storage.api import Archive

router = APIRouter()
BRIEFING_ID = Path(description="briefing id", ge=1, le=2**63 - 1)


def briefing_view(archive: Archive, briefing_id: int) -> dict[str, Any]:
    with archive.snapshot():  # one read transaction for the page's parts
        history = archive.history(briefing_id)
        shown = archive.show(briefing_id)
        exchanges = archive.version_exchanges(briefing_id)
        twin = archive.twin(briefing_id)  # the other-language briefing, once paired
    latest = next((v for v in reversed(history.versions) if v.is_latest), None)
    return {
        "history": history,
        "latest": latest,
        "spokespersons": list(shown.data.get("spokespersons") or []),
        "published_at": shown.data.get("published_at"),
        "exchanges": exchanges,
        "twin": twin,
    }


@router.get("/b/{briefing_id}", include_in_schema=False)
def briefing_page(request: Request, briefing_id: int = BRIEFING_ID) -> Response:
    view = briefing_view(archive_of(request), briefing_id)
    return renderer_of(request).page(request, "briefing.html", view)


@router.get("/api/briefings/{briefing_id}", tags=["briefings"], summary="One briefing")
def briefing_json(request: Request, briefing_id: int = BRIEFING_ID) -> JSONResponse:
    view = briefing_view(archive_of(request), briefing_id)
    data = view["history"].to_json()
    data["spokespersons"] = view["spokespersons"]
    data["published_at"] = view["published_at"]
    data["exchanges"] = [e.to_json() for e in view["exchanges"]]
    twin = view["twin"]
    data["twin"] = twin.to_json() if twin else None
    return JSONResponse(data)
