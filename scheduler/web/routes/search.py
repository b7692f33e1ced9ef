"""Search: English and Chinese, the CLI's filters, highlighted hits, removed or
edited-away text marked, pagination, a chart of the term over time; its JSON twin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from scheduler.web import params
from scheduler.web.deps import archive_of, renderer_of
from scheduler.web.render import query
from storage.api import SearchHit, SearchOptions

router = APIRouter()
PAGE_SIZE = 20
MAX_PAGE = 50  # deeper pages: narrow the search instead


def search_options(
    request: Request, *, limit: int | None = None
) -> tuple[str | None, SearchOptions, dict[str, Any], int]:
    q = request.query_params
    shown: dict[str, Any] = {
        "q": params.text("q", q.get("q")),
        "source": params.choice("source", q.get("source"), params.SOURCES),
        "lang": params.choice("lang", q.get("lang"), params.LANGUAGES),
        "asker": params.text("asker", q.get("asker")),
        "answerer": params.text("answerer", q.get("answerer")),
        "since": params.text("since", q.get("since")),
        "until": params.text("until", q.get("until")),
        "removed": "1" if params.flag(q.get("removed")) else None,
    }
    page = params.number("page", q.get("page"), minimum=1, maximum=MAX_PAGE) or 1
    options = SearchOptions(
        source=shown["source"],
        language=shown["lang"],
        asker=shown["asker"],
        answerer=shown["answerer"],
        since=params.day("since", shown["since"]),
        until=params.day("until", shown["until"]),
        include_removed=bool(shown["removed"]),
        limit=limit or page * PAGE_SIZE + 1,  # one more: is there a next page?
    )
    return shown["q"], options, shown, page


def hits_page(hits: list[SearchHit], page: int) -> tuple[list[SearchHit], bool]:
    start = (page - 1) * PAGE_SIZE
    return hits[start : start + PAGE_SIZE], len(hits) > start + PAGE_SIZE


def diff_link(hit: SearchHit) -> str:
    """Removed or edited-away text: the diff from its version to the latest; current text:
    the change that made its version."""
    if hit.removed or hit.edited_away:
        return f"/b/{hit.briefing_id}/diff" + query({"from": hit.version})
    return f"/b/{hit.briefing_id}/diff" + query({"to": hit.version})


@router.get("/search", include_in_schema=False)
def search_page(request: Request) -> Response:
    text, options, shown, page = search_options(request)
    hits: list[SearchHit] = []
    more = False
    if text:
        hits, more = hits_page(archive_of(request).search(text, options), page)
    chart = "/charts/term.svg" + query(shown) if text else None
    return renderer_of(request).page(
        request,
        "search.html",
        {
            "q": text,
            "shown": shown,
            "hits": hits,
            "page": page,
            "more": more,
            "chart": chart,
            "diff_link": diff_link,
            "sources": params.SOURCES,
            "languages": params.LANGUAGES,
        },
    )


@router.get("/api/search", tags=["search"], summary="Search questions and answers")
def search_json(
    request: Request,
    q: str = Query(..., description='words or "quoted phrases"; English or Chinese'),
    source: str | None = Query(None, description="mfa-en or mfa-zh"),
    lang: str | None = Query(None, description="en or zh"),
    asker: str | None = Query(None, description="part of the asker's name"),
    answerer: str | None = Query(None, description="part of the answerer's name"),
    since: str | None = Query(None, description="held on or after (YYYY-MM-DD)"),
    until: str | None = Query(None, description="held on or before (YYYY-MM-DD)"),
    removed: str | None = Query(None, description="1: include removed and edited-away text"),
    page: str | None = Query(None, description=f"page of {PAGE_SIZE} hits, from 1"),
) -> JSONResponse:
    text, options, _, number = search_options(request)
    if not text:
        from scheduler.web.errors import BadParameter

        raise BadParameter("q: give a word or phrase to search for")
    hits, more = hits_page(archive_of(request).search(text, options), number)
    return JSONResponse(
        {
            "query": text,
            "page": number,
            "has_more": more,
            "hits": [
                {**h.to_dict(), "diff": diff_link(h), "exchange": f"/x/{h.exchange_uid}"}
                for h in hits
            ],
        }
    )


@router.get("/api/search/frequency", tags=["search"], summary="Matches per month")
def frequency_json(
    request: Request, q: str = Query(..., description="as for /api/search")
) -> JSONResponse:
    text, options, _, _ = search_options(request, limit=1)
    if not text:
        from scheduler.web.errors import BadParameter

        raise BadParameter("q: give a word or phrase to search for")
    months = archive_of(request).term_frequency(text, options)
    return JSONResponse({"query": text, "months": [m.to_json() for m in months]})
