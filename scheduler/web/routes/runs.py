"""Runs: crawl health, newest first; failed runs say why. Its JSON twin."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from scheduler.web import params
from scheduler.web.deps import archive_of, renderer_of

router = APIRouter()
LIMIT = 100


def _runs(
    request: Request, source: str | None, failed: str | None
) -> tuple[str | None, bool, list]:  # type: ignore[type-arg]
    picked = params.choice("source", source, params.SOURCES)
    only_failed = params.flag(failed)
    return (
        picked,
        only_failed,
        archive_of(request).runs(source=picked, failed=only_failed, limit=LIMIT),
    )


@router.get("/runs", include_in_schema=False)
def runs_page(request: Request, source: str | None = None, failed: str | None = None) -> Response:
    picked, only_failed, runs = _runs(request, source, failed)
    return renderer_of(request).page(
        request,
        "runs.html",
        {"runs": runs, "source": picked, "failed": only_failed, "sources": params.SOURCES},
    )


@router.get("/api/runs", tags=["runs"], summary="Crawl runs, newest first")
def runs_json(
    request: Request,
    source: str | None = Query(None, description="mfa-en or mfa-zh"),
    failed: str | None = Query(None, description="1: failed runs only"),
) -> JSONResponse:
    _, _, runs = _runs(request, source, failed)
    return JSONResponse([r.to_json() for r in runs])
