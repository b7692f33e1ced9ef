"""Outlets and spokespersons: an index page each, and one page per name with its exchanges
per month (a chart) and the edits and removals that touched its exchanges; JSON twins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.responses import JSONResponse, Response

from scheduler.web import params
from scheduler.web.deps import archive_of, renderer_of
from scheduler.web.errors import BadParameter
from scheduler.web.render import query
from storage.api import NotFound

router = APIRouter()
# URL word → (archive role, singular, plural)
KINDS = {
    "outlets": ("asker", "Outlet", "Outlets"),
    "spokespersons": ("answerer", "Spokesperson", "Spokespersons"),
}
KIND = Path(description="outlets or spokespersons")
NAME = Path(description="the name exactly as stored")


def kind_of(kind: str) -> tuple[str, str, str]:
    if kind not in KINDS:
        raise NotFound(f"no page /{kind[:60]} (try /outlets or /spokespersons)")
    return KINDS[kind]


def name_index(request: Request, kind: str) -> dict[str, Any]:
    role, singular, plural = kind_of(kind)
    archive = archive_of(request)
    rows = [r for r in archive.stats(by=role) if r.key != "(none)"]
    # Outlets as entities too: one row per outlet of the table, both languages' labels.
    canonical = [o for o in archive.outlets() if o.exchanges] if role == "asker" else []
    return {
        "kind": kind,
        "role": role,
        "singular": singular,
        "plural": plural,
        "rows": rows,
        "canonical": canonical,
    }


def name_view(request: Request, kind: str, name: str) -> dict[str, Any]:
    role, singular, plural = kind_of(kind)
    picked = params.text("name", name)
    if picked is None:
        raise BadParameter("name: empty")
    profile = archive_of(request).name_profile(role, picked)
    chart = "/charts/name.svg" + query({"role": role, "name": profile.name})
    filter_key = "outlet" if role == "asker" else "spokesperson"
    return {
        "kind": kind,
        "role": role,
        "singular": singular,
        "plural": plural,
        "profile": profile,
        "chart": chart,
        "changes_link": "/" + query({filter_key: profile.name}),
    }


# The API routes first: /{kind}/{name:path} would match /api/names/... too.
@router.get("/api/names/{kind}", tags=["names"], summary="Every outlet or spokesperson")
def index_json(request: Request, kind: str = KIND) -> JSONResponse:
    view = name_index(request, kind)
    return JSONResponse([r.to_json(view["role"]) for r in view["rows"]])


@router.get("/api/names/{kind}/{name:path}", tags=["names"], summary="One outlet or spokesperson")
def name_json(request: Request, kind: str = KIND, name: str = NAME) -> JSONResponse:
    return JSONResponse(name_view(request, kind, name)["profile"].to_json())


@router.get("/{kind}", include_in_schema=False)
def index_page(request: Request, kind: str = KIND) -> Response:
    return renderer_of(request).page(request, "names.html", name_index(request, kind))


@router.get("/{kind}/{name:path}", include_in_schema=False)
def name_page(request: Request, kind: str = KIND, name: str = NAME) -> Response:
    return renderer_of(request).page(request, "name.html", name_view(request, kind, name))
