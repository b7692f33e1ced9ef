"""Bad requests and missing things as 400/404 pages (HTML) or JSON (``/api``): never a
traceback. The archive's own errors carry a one-line message meant for users."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from scheduler.web.render import Renderer
from storage.api import ArchiveError, ArchiveUnavailable, BadQuery, NotFound

log = logging.getLogger("briefings.web")
TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 500: "Server error"}


class BadParameter(BadQuery):
    """A query parameter the app cannot use; the message names it."""


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path.endswith(".json")


def error_response(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    renderer: Renderer = request.app.state.renderer
    title = TITLES.get(status, "Unavailable" if status == 503 else "Error")
    return renderer.page(
        request, "error.html", {"status": status, "title": title, "message": message}, status
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error_response(request, 404, str(exc))

    @app.exception_handler(BadQuery)
    async def bad_query(request: Request, exc: BadQuery) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(ArchiveUnavailable)
    async def unavailable(request: Request, exc: ArchiveUnavailable) -> Response:
        return error_response(request, 503, str(exc))

    @app.exception_handler(ArchiveError)
    async def archive_error(request: Request, exc: ArchiveError) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, validation_message(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)
        return error_response(request, 500, "the server could not answer this request")


def validation_message(exc: RequestValidationError) -> str:
    """One line naming the first bad parameter (FastAPI's own says much more)."""
    for error in exc.errors():
        where = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body")]
        name = ".".join(where) or "request"
        return f"{name}: {error.get('msg', 'invalid value')}"
    return "invalid request"
