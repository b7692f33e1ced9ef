"""Changes (the home page): the ledger, newest first, filtered; its JSON and Atom twins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from scheduler.render.atom import render_atom
from scheduler.web import params
from scheduler.web.deps import archive_of, renderer_of
from storage.api import LedgerFilter

router = APIRouter()
PAGE_SIZE = 50
ATOM_SIZE = 100


def ledger_filter(
    request: Request, *, limit: int = PAGE_SIZE
) -> tuple[LedgerFilter, dict[str, Any]]:
    """The filter of the query string, and the query string values kept for links."""
    q = request.query_params
    source = params.choice("source", q.get("source"), params.SOURCES)
    types = params.types(q.getlist("type"))
    outlet = params.text("outlet", q.get("outlet"))
    spokesperson = params.text("spokesperson", q.get("spokesperson"))
    since, until = params.text("since", q.get("since")), params.text("until", q.get("until"))
    cosmetic, parser = params.flag(q.get("cosmetic")), params.flag(q.get("parser"))
    page = params.number("page", q.get("page"), minimum=1, maximum=100_000) or 1
    flt = LedgerFilter(
        source=source,
        types=types,
        asker=outlet,
        answerer=spokesperson,
        since=params.day("since", since),
        until=params.day("until", until),
        include_parser=parser,
        include_cosmetic=cosmetic,
        limit=limit,
        offset=(page - 1) * limit,
    )
    shown: dict[str, Any] = {
        "source": source,
        "type": list(types),
        "outlet": outlet,
        "spokesperson": spokesperson,
        "since": since,
        "until": until,
        "cosmetic": "1" if cosmetic else None,
        "parser": "1" if parser else None,
    }
    return flt, shown


FILTER_DOC = {
    "source": Query(None, description="mfa-en or mfa-zh"),
    "type": Query(None, description="change type (repeatable): added, removed, edited ..."),
    "outlet": Query(None, description="part of the asking outlet's name"),
    "spokesperson": Query(None, description="part of the answering spokesperson's name"),
    "since": Query(None, description="detected on or after (YYYY-MM-DD)"),
    "until": Query(None, description="detected on or before (YYYY-MM-DD)"),
    "cosmetic": Query(None, description="1: include cosmetic-only edits"),
    "parser": Query(None, description="1: include changes caused by a parser upgrade"),
    "page": Query(None, description="page number, from 1"),
}


@router.get("/", include_in_schema=False)
def changes_page(request: Request) -> Response:
    flt, shown = ledger_filter(request)
    page = archive_of(request).ledger(flt)
    number = flt.offset // flt.limit + 1
    return renderer_of(request).page(
        request,
        "changes.html",
        {
            "page": page,
            "shown": shown,
            "number": number,
            "sources": params.SOURCES,
            "types": params.CHANGE_TYPES,
            "atom": "/changes.atom" + _query_of(shown),
        },
    )


@router.get("/api/changes", tags=["changes"], summary="The change ledger, newest first")
def changes_json(
    request: Request,
    source: str | None = FILTER_DOC["source"],
    type: list[str] | None = FILTER_DOC["type"],
    outlet: str | None = FILTER_DOC["outlet"],
    spokesperson: str | None = FILTER_DOC["spokesperson"],
    since: str | None = FILTER_DOC["since"],
    until: str | None = FILTER_DOC["until"],
    cosmetic: str | None = FILTER_DOC["cosmetic"],
    parser: str | None = FILTER_DOC["parser"],
    page: str | None = FILTER_DOC["page"],
) -> JSONResponse:
    flt, _ = ledger_filter(request)
    return JSONResponse(archive_of(request).ledger(flt).to_json())


@router.get("/changes.atom", tags=["changes"], summary="The change ledger as an Atom feed")
def changes_atom(request: Request) -> Response:
    flt, shown = ledger_filter(request, limit=ATOM_SIZE)
    events = archive_of(request).ledger(flt).events
    feed_id = "tag:briefings,2026:changes" + _query_of(shown)
    body = render_atom(events, title="briefings: changes", feed_id=feed_id, link=str(request.url))
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _query_of(shown: dict[str, Any]) -> str:
    from scheduler.web.render import query

    return query(shown)
