"""The Jinja2 environment: autoescape for every template, filters for dates and links."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"


def stamp(value: datetime | None) -> str:
    """A UTC time as ``2026-11-27 10:00 UTC`` (stored times are UTC)."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def iso(value: datetime | date | None) -> str:
    return value.isoformat() if value else ""


def web_href(url: str | None) -> str | None:
    """A stored (scraped) URL as a link target only when it is an http(s) URL."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def query(params: dict[str, Any], **changes: Any) -> str:
    """``?a=1&b=2``: ``params`` with ``changes`` applied, empty values left out."""
    merged = {**params, **changes}
    kept = {k: v for k, v in merged.items() if v is not None and v != "" and v is not False}
    return "?" + urlencode(kept, doseq=True) if kept else ""


def who(asker: str | None, answerer: str | None) -> str:
    if asker and answerer:
        return f"{asker} → {answerer}"
    return asker or answerer or "unattributed"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # Every template, whatever its name: scraped text is never markup.
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(stamp=stamp, iso=iso, web_href=web_href)
    env.globals.update(query=query, who=who)
    return env


class Renderer:
    def __init__(self) -> None:
        self.env = make_environment()

    def page(
        self, request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> HTMLResponse:
        template = self.env.get_template(name)
        body = template.render(request=request, path=request.url.path, **context)
        return HTMLResponse(body, status_code=status_code)
