"""Trends: exchanges, edits and removals per month by source (charts, and the figures);
its JSON twin."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from scheduler.web import params
from scheduler.web.deps import archive_of, renderer_of
from scheduler.web.render import query
from scheduler.web.routes.charts import METRICS

router = APIRouter()


@router.get("/trends", include_in_schema=False)
def trends_page(request: Request) -> Response:
    source = params.choice("source", request.query_params.get("source"), params.SOURCES)
    rows = archive_of(request).trends(source=source)
    charts = [
        (title, f"/charts/trends/{metric}.svg" + query({"source": source}))
        for metric, title in METRICS.items()
    ]
    return renderer_of(request).page(
        request,
        "trends.html",
        {"rows": rows, "charts": charts, "source": source, "sources": params.SOURCES},
    )


@router.get(
    "/api/trends", tags=["trends"], summary="Per month and source: exchanges, edits, removals"
)
def trends_json(
    request: Request, source: str | None = Query(None, description="mfa-en or mfa-zh")
) -> JSONResponse:
    picked = params.choice("source", source, params.SOURCES)
    return JSONResponse([r.to_json() for r in archive_of(request).trends(source=picked)])
