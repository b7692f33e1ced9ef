"""Diff between any two versions of a briefing: the event list first, then every exchange
(inline or side by side, all or changes only), removed ones as tombstones, provenance of
both sides, previous/next stepping; its JSON twin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from scheduler.web import diffview, params
from scheduler.web.deps import archive_of, renderer_of
from scheduler.web.routes.briefings import BRIEFING_ID
from storage.api import Archive, ChangeType, NotFound

router = APIRouter()
VIEWS = ("inline", "side")


def pick_versions(numbers: list[int], from_n: int | None, to_n: int | None) -> tuple[int, int]:
    """Both sides: default the latest and the one before it (or before ``to``)."""
    if not numbers:
        raise NotFound("this briefing has no versions")
    to_n = numbers[-1] if to_n is None else to_n
    if to_n not in numbers:
        raise NotFound(f"no version {to_n} (versions 1..{numbers[-1]})")
    if from_n is None:
        earlier = [n for n in numbers if n < to_n]
        from_n = earlier[-1] if earlier else to_n
    if from_n not in numbers:
        raise NotFound(f"no version {from_n} (versions 1..{numbers[-1]})")
    return from_n, to_n


def diff_view(
    archive: Archive,
    briefing_id: int,
    from_raw: str | None,
    to_raw: str | None,
    *,
    include_cosmetic: bool,
) -> dict[str, Any]:
    with archive.snapshot():  # one read transaction for the page's parts
        history = archive.history(briefing_id)
        numbers = [v.number for v in history.versions]
        from_n, to_n = pick_versions(
            numbers,
            params.number("from", from_raw, minimum=1),
            params.number("to", to_raw, minimum=1),
        )
        comparison = archive.diff(briefing_id, from_n, to_n)
        before = archive.version_exchanges(briefing_id, from_n)
        after = archive.version_exchanges(briefing_id, to_n)
        removed = [
            e.exchange.uid
            for e in comparison.changes
            if e.type == ChangeType.REMOVED and e.exchange is not None
        ]
        spans = archive.exchange_spans(briefing_id, removed)
        provenance = (
            archive.provenance(briefing_id, from_n),
            archive.provenance(briefing_id, to_n),
        )
    view = diffview.build(comparison, before, after, spans, include_cosmetic=include_cosmetic)
    step = to_n - from_n if to_n > from_n else 1
    return {
        "history": history,
        "view": view,
        "from_n": from_n,
        "to_n": to_n,
        "previous": (from_n - step, to_n - step) if from_n - step >= numbers[0] else None,
        "next": (from_n + step, to_n + step) if to_n + step <= numbers[-1] else None,
        "provenance": provenance,
        "versions": {v.number: v for v in history.versions},
    }


@router.get("/b/{briefing_id}/diff", include_in_schema=False)
def diff_page(request: Request, briefing_id: int = BRIEFING_ID) -> Response:
    q = request.query_params
    view_mode = params.choice("view", q.get("view"), VIEWS) or "inline"
    only = params.flag(q.get("only"))
    cosmetic = params.flag(q.get("cosmetic"))
    context = diff_view(
        archive_of(request), briefing_id, q.get("from"), q.get("to"), include_cosmetic=cosmetic
    )
    context["shown"] = {
        "from": context["from_n"],
        "to": context["to_n"],
        "view": None if view_mode == "inline" else view_mode,
        "only": "1" if only else None,
        "cosmetic": "1" if cosmetic else None,
    }
    context.update(view_mode=view_mode, only=only, cosmetic=cosmetic)
    return renderer_of(request).page(request, "diff.html", context)


@router.get(
    "/api/briefings/{briefing_id}/diff",
    tags=["briefings"],
    summary="The changes between two versions (default: the latest and the one before)",
)
def diff_json(
    request: Request,
    briefing_id: int = BRIEFING_ID,
    from_: str | None = Query(None, alias="from", description="older version number"),
    to: str | None = Query(None, description="newer version number (default: the latest)"),
    cosmetic: str | None = Query(None, description="1: include cosmetic-only changes"),
) -> JSONResponse:
    context = diff_view(
        archive_of(request), briefing_id, from_, to, include_cosmetic=params.flag(cosmetic)
    )
    view: diffview.DiffView = context["view"]
    data = view.comparison.to_json()
    data["counts"] = view.counts
    data["cosmetic_hidden"] = view.cosmetic_hidden
    data["nothing_changed"] = view.nothing_changed
    data["removed"] = [r.span.to_json() for r in view.rows if r.span is not None]
    data["provenance"] = {
        "from": context["provenance"][0].to_json(),
        "to": context["provenance"][1].to_json(),
    }
    return JSONResponse(data)
