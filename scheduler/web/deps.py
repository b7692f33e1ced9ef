"""What every route needs: the archive, the renderer."""

from __future__ import annotations

from starlette.requests import Request

from scheduler.web.render import Renderer
from storage.api import Archive


def archive_of(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


def renderer_of(request: Request) -> Renderer:
    renderer: Renderer = request.app.state.renderer
    return renderer
