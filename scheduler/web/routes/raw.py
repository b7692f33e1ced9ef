"""A stored raw page, byte for byte, served so that it cannot run: ``text/plain`` with
``nosniff`` and a CSP ``sandbox`` (no script, an opaque origin) that also forbids every
resource. ``?download=1`` saves it instead."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from scheduler.web import params
from scheduler.web.deps import archive_of
from scheduler.web.security import RAW_CSP

router = APIRouter()


@router.get("/raw/{sha256}", tags=["provenance"], summary="A stored raw page (as text, sandboxed)")
def raw_page(
    request: Request,
    sha256: str = Path(description="SHA-256 of the page, 64 hex digits", max_length=64),
    download: str | None = Query(None, description="1: as a file download"),
) -> Response:
    page = archive_of(request).raw_page(sha256)
    headers = {
        "content-security-policy": RAW_CSP,
        "x-original-content-type": (page.content_type or "unknown")[:200],
        "cache-control": "public, max-age=31536000, immutable",  # named by its hash
    }
    if params.flag(download):
        headers["content-disposition"] = f'attachment; filename="{page.sha256}.html.txt"'
    # Bytes as stored; the browser shows them as text whatever they hold.
    return Response(page.body, media_type="text/plain; charset=utf-8", headers=headers)
