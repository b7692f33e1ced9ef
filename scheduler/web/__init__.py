"""The web app and HTTP API over the archive (``briefings serve``).

Server-rendered pages (Starlette through FastAPI, Jinja2 templates with autoescape), each
with a JSON twin under ``/api`` described by ``/openapi.json``. Read-only: it opens the
archive with ``read_only=True`` and calls only read methods of ``storage.api.Archive``.
Every asset is inside this package (templates, CSS, one small script, Swagger UI from the
``swagger-ui-bundle`` package); nothing is loaded from the internet. See ``docs/web.md``.
"""

from __future__ import annotations

from scheduler.web.app import create_app

__all__ = ["create_app"]
