"""``create_app(archive)``: the FastAPI application over one read-only archive."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from scheduler.web import errors
from scheduler.web.render import Renderer
from scheduler.web.routes import (
    briefings,
    changes,
    charts,
    diff,
    docs,
    exchanges,
    names,
    pairs,
    raw,
    runs,
    search,
    trends,
)
from scheduler.web.security import SecurityHeaders
from storage.api import Archive

STATIC = Path(__file__).parent / "static"
# names last: its /{kind} would otherwise shadow the fixed paths after it.
# names last: its /{kind} would match every one-word path.
ROUTERS = (
    changes, briefings, diff, exchanges, search, trends, runs, raw, charts, docs, pairs, names
)  # fmt: skip
DESCRIPTION = """Read-only HTTP API over a *briefings* archive: the change ledger, briefings and
their versions, diffs between any two versions, one exchange's history, search, outlets and
spokespersons, trends and crawl runs. Every page of the web app has a JSON twin here."""


def create_app(archive: Archive) -> FastAPI:
    """The app over ``archive`` (open it with ``read_only=True``; the app never writes)."""
    app = FastAPI(
        title="briefings",
        description=DESCRIPTION,
        version="1",
        docs_url=None,  # FastAPI's default /docs loads Swagger UI from a CDN: ours is local
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    # The packaged Swagger UI (4.x) renders OpenAPI 3.0 documents, not 3.1.
    app.openapi_version = "3.0.3"
    app.state.archive = archive
    app.state.renderer = Renderer()
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in ROUTERS:
        app.include_router(module.router)
    return app
