"""``briefings parse FILE``: one saved page in, schema JSON out (no database, no network)."""

from __future__ import annotations

from pathlib import Path

import click
from parsel import Selector

from crawler.sources import known_sources
from scheduler.cli.options import fail
from scheduler.render.terminal import terminal_text

NOT_A_TRANSCRIPT_EXIT = 2


@click.command("parse")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--source",
    type=click.Choice(known_sources()),
    default=None,
    help="Source slug (default: inferred from the URL, then from the page).",
)
@click.option(
    "--url",
    default=None,
    metavar="URL",
    help="URL the page was fetched from (default: the URL the page declares in its meta tags).",
)
@click.option("--compact", is_flag=True, help="One line of JSON instead of indented output.")
def parse_command(file: Path, source: str | None, url: str | None, compact: bool) -> None:
    """Parse a saved transcript page and print it as schema JSON.

    A page that is not a transcript (error page, list page, statement, empty body) exits
    with code 2 and says why on stderr.

    \b
    Examples:
      briefings parse page.html --url https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202504/t20250430_11614172.html
      briefings parse t1794584.shtml --source mfa-zh --url https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/t1794584.shtml
      briefings parse page.html | jq '.exchanges[] | {asker, answerer}'
    """
    from crawler.extract import (
        MISSING_URL_REASON,
        NotATranscript,
        decode_body,
        page_url,
        parse_briefing,
    )

    body = _read(file)
    selector = Selector(text=decode_body(body))
    url = url or page_url(selector)
    if not url:
        fail(f"{file}: {MISSING_URL_REASON}; pass --url URL", 1)
    if not url.lower().startswith(("http://", "https://")):
        fail(f"--url must be an http(s) URL, got {url!r}", 1)
    try:
        briefing = parse_briefing(selector, url, source)
    except NotATranscript as exc:
        fail(f"not a transcript: {terminal_text(exc.reason)}", NOT_A_TRANSCRIPT_EXIT)
    click.echo(briefing.to_json(indent=None if compact else 2))


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except FileNotFoundError:
        fail(f"{file}: no such file", 1)
    except IsADirectoryError:
        fail(f"{file}: is a directory", 1)
    except OSError as exc:
        fail(f"{file}: cannot read ({exc.strerror or exc})", 1)
    raise AssertionError("unreachable")


COMMANDS = [parse_command]
