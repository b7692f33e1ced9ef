"""``/docs``: Swagger UI for ``/openapi.json``, served from the ``swagger-ui-bundle``
package (no CDN), started by a script file (no inline script)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from scheduler.web.deps import renderer_of
from scheduler.web.errors import BadParameter
from scheduler.web.security import DOCS_CSP

router = APIRouter()


def swagger_dir() -> Path:
    """The Swagger UI files inside the installed ``swagger-ui-bundle`` package, found
    without importing it (its ``__init__`` pulls in importlib_resources, which warns)."""
    spec = importlib.util.find_spec("swagger_ui_bundle")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-bundle is not installed (pip install -e .)")
    package = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(package.glob("vendor/swagger-ui-*/swagger-ui-bundle.js"))
    if not found:
        raise RuntimeError(f"no Swagger UI files under {package}")
    return found[-1].parent


SWAGGER = swagger_dir()
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


@router.get("/docs", include_in_schema=False)
def docs_page(request: Request) -> Response:
    response = renderer_of(request).page(request, "docs.html", {})
    response.headers["content-security-policy"] = DOCS_CSP
    return response


@router.get("/docs/assets/{name}", include_in_schema=False)
def docs_asset(name: str) -> Response:
    if name not in ASSETS:
        raise BadParameter(f"no such asset: {name[:60]}")
    return FileResponse(SWAGGER / name, headers={"cache-control": "public, max-age=86400"})
