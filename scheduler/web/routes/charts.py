"""Chart images (SVG): trends per month, one name's exchanges per month, a search term's
frequency. Served with a CSP that allows the chart's own styles and no script."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from scheduler.web import charts, params
from scheduler.web.deps import archive_of
from scheduler.web.routes.search import search_options
from scheduler.web.security import CHART_CSP
from storage.api import MonthCount, TrendRow

router = APIRouter()
METRICS = {
    "exchanges": "Exchanges per month",
    "edited": "Edits detected per month",
    "removed": "Removals detected per month",
}


def svg(body: bytes) -> Response:
    return Response(
        body,
        media_type="image/svg+xml",
        headers={"content-security-policy": CHART_CSP, "cache-control": "no-cache"},
    )


def fill_months(months: list[str]) -> list[str]:
    """Every month from the first to the last (a chart must not skip empty months)."""
    known = sorted(m for m in months if len(m) == 7 and m[4] == "-")
    if not known:
        return []
    year, month = int(known[0][:4]), int(known[0][5:])
    end = known[-1]
    out: list[str] = []
    while f"{year:04d}-{month:02d}" <= end and len(out) < 2400:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def trend_series(rows: tuple[TrendRow, ...], metric: str) -> tuple[list[str], dict[str, list[int]]]:
    months = fill_months([r.month for r in rows if getattr(r, metric)])
    series: dict[str, list[int]] = {}
    for source in sorted({r.source for r in rows}):
        values = {r.month: getattr(r, metric) for r in rows if r.source == source}
        series[source] = [values.get(m, 0) for m in months]
    return months, series


def month_values(counts: tuple[MonthCount, ...]) -> tuple[list[str], list[int]]:
    months = fill_months([c.month for c in counts])
    values = {c.month: c.count for c in counts}
    return months, [values.get(m, 0) for m in months]


@router.get("/charts/trends/{metric}.svg", include_in_schema=False)
def trends_chart(
    request: Request, metric: str = Path(...), source: str | None = Query(None)
) -> Response:
    if metric not in METRICS:
        params.choice("metric", metric, tuple(METRICS))
    picked = params.choice("source", source, params.SOURCES)
    rows = archive_of(request).trends(source=picked)
    months, series = trend_series(rows, metric)
    return svg(charts.line_chart(METRICS[metric], months, series))


@router.get("/charts/name.svg", include_in_schema=False)
def name_chart(request: Request, role: str = Query(...), name: str = Query(...)) -> Response:
    role = params.choice("role", role, ("asker", "answerer")) or "asker"
    profile = archive_of(request).name_profile(role, params.text("name", name) or "")
    months, values = month_values(profile.months)
    what = "Questions" if role == "asker" else "Answers"
    return svg(charts.bar_chart(f"{what} per month: {profile.name}", months, values, what))


@router.get("/charts/term.svg", include_in_schema=False)
def term_chart(request: Request) -> Response:
    text, options, _, _ = search_options(request, limit=1)
    if not text:
        params.text("q", None)
        from scheduler.web.errors import BadParameter

        raise BadParameter("q: give a word or phrase to search for")
    months, values = month_values(archive_of(request).term_frequency(text, options))
    return svg(charts.bar_chart(f"Exchanges matching {text} per month", months, values, "matches"))
