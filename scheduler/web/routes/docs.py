"""``/docs``: Swagger UI for ``/openapi.json``, served from the ``swagger-ui-bundle``
package (no CDN), started by a script file (no inline script)."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from scheduler.web.deps import renderer_of
from scheduler.web.errors import BadParameter
from scheduler.web.security import DOCS_CSP

router = APIRouter()
SWAGGER = Path(swagger_ui_bundle.swagger_ui_path)
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
