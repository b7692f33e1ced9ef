"""English ↔ Chinese: a briefing's pair side by side, the asymmetry findings, and the
canonical outlets (one outlet, its labels as printed in both languages); JSON twins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import JSONResponse, Response

from scheduler.web import params
from scheduler.web.deps import archive_of, renderer_of
from scheduler.web.errors import BadParameter
from storage.api import AsymmetryFilter, ChangeType, PairView

router = APIRouter()
BRIEFING_ID = Path(description="briefing id, either language", ge=1, le=2**63 - 1)
OUTLET_ID = Path(description="outlet id of the outlet table (e.g. reuters)", max_length=80)
ASYMMETRY_TYPES = tuple(str(t) for t in ChangeType if t.is_asymmetry)
STATUSES = ("open", "resolved", "all")
TYPE_QUERY = Query([], alias="type", description="asymmetry type (repeatable)")
LIMIT = 200  # findings per page: the page is for reading, `/api/asymmetries` for bulk


def pair_view(request: Request, briefing_id: int) -> PairView:
    return archive_of(request).pair(briefing_id, texts=True)


def findings_by_row(view: PairView) -> dict[tuple[tuple[int, ...], tuple[int, ...]], list[Any]]:
    """Each finding under the aligned row it is about (a one-sided exchange has its own row)."""
    rows: dict[tuple[tuple[int, ...], tuple[int, ...]], list[Any]] = {}
    for finding in view.asymmetries:
        for row in view.rows:
            if (set(row.en) & set(finding.en)) or (set(row.zh) & set(finding.zh)):
                rows.setdefault((row.en, row.zh), []).append(finding)
                break
    return rows


@router.get("/pair/{briefing_id}", include_in_schema=False)
def pair_page(request: Request, briefing_id: int = BRIEFING_ID) -> Response:
    view = pair_view(request, briefing_id)
    context = {"pair": view, "findings": findings_by_row(view)}
    return renderer_of(request).page(request, "pair.html", context)


@router.get(
    "/api/pairs/{briefing_id}",
    tags=["alignment"],
    summary="A briefing's English↔Chinese pair: aligned rows with both texts, asymmetries",
)
def pair_json(request: Request, briefing_id: int = BRIEFING_ID) -> JSONResponse:
    return JSONResponse(pair_view(request, briefing_id).to_json(texts=True))


def asymmetry_filter(
    type_: list[str] = TYPE_QUERY,
    status: str | None = None,
    outlet: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> AsymmetryFilter:
    """The page's and the API's filter, from the query string (blank means absent)."""
    picked = tuple(dict.fromkeys(t for t in (params.text("type", r) for r in type_) if t))
    for t in picked:
        if t not in ASYMMETRY_TYPES:
            raise BadParameter(f"type: must be one of {', '.join(ASYMMETRY_TYPES)}")
    return AsymmetryFilter(
        types=picked,
        status=params.choice("status", status, STATUSES) or "open",
        outlet=params.text("outlet", outlet),
        since=params.day("since", since),
        until=params.day("until", until),
        limit=LIMIT,
    )


FILTER = Depends(asymmetry_filter)


@router.get("/asymmetries", include_in_schema=False)
def asymmetries_page(request: Request, flt: AsymmetryFilter = FILTER) -> Response:
    context = {
        "findings": archive_of(request).asymmetries(flt),
        "flt": flt,
        "types": ASYMMETRY_TYPES,
        "statuses": STATUSES,
        "limit": LIMIT,
    }
    return renderer_of(request).page(request, "asymmetries.html", context)


@router.get(
    "/api/asymmetries",
    tags=["alignment"],
    summary="What one language's version has and the other's lacks (newest briefing first)",
)
def asymmetries_json(request: Request, flt: AsymmetryFilter = FILTER) -> JSONResponse:
    return JSONResponse([f.to_json() for f in archive_of(request).asymmetries(flt)])


@router.get("/o/{outlet_id}", include_in_schema=False)
def outlet_page(request: Request, outlet_id: str = OUTLET_ID) -> Response:
    page = archive_of(request).outlet_page(outlet_id)
    return renderer_of(request).page(request, "outlet.html", {"page": page})


@router.get("/api/outlets", tags=["alignment"], summary="Canonical outlets, labels as printed")
def outlets_json(request: Request) -> JSONResponse:
    return JSONResponse([o.to_json() for o in archive_of(request).outlets()])


@router.get("/api/outlets/{outlet_id}", tags=["alignment"], summary="One canonical outlet")
def outlet_json(request: Request, outlet_id: str = OUTLET_ID) -> JSONResponse:
    return JSONResponse(archive_of(request).outlet_page(outlet_id).to_json())
