"""``briefings parse FILE``: one saved page in, schema JSON out (no database, no network)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import click
from parsel import Selector

from crawler.sources import known_sources
from scheduler.cli.options import fail
from scheduler.render.terminal import terminal_text

NOT_A_TRANSCRIPT_EXIT = 2
# Where the crawler finds each language's 2016-2020 pages (crawler/sources.py). Those pages
# never print their own address, but a saved copy keeps the article id in its file name
# (``t1794629.shtml``, or a name that contains ``t1794629``).
LEGACY_FOLDERS = {
    "en": "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/",
    "zh": "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/",
}
_LEGACY_ID = re.compile(r"(?<![0-9A-Za-z])t(1\d{6})(?!\d)")
_HOST = re.compile(
    r"^(localhost|[0-9a-f:]*:[0-9a-f:]*|[a-z0-9-]+(\.[a-z0-9-]+)+)$"
)  # not "..." (a README placeholder)
_CJK = re.compile("[\u4e00-\u9fff]")


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
    help=(
        "URL the page was fetched from (default: the URL the page declares in its meta tags;"
        " for a 2016-2020 page, which declares none, built from the article id in the file"
        " name, e.g. t1794629.shtml, and the page's language, with a note on stderr)."
    ),
)
@click.option("--compact", is_flag=True, help="One line of JSON instead of indented output.")
def parse_command(file: Path, source: str | None, url: str | None, compact: bool) -> None:
    """Parse a saved transcript page and print it as schema JSON.

    A page that is not a transcript (error page, list page, statement, empty body) exits
    with code 2 and says why on stderr. Pages from 2021 on say their own URL; a 2016-2020
    page does not, so its URL comes from its file name's article id (t1794629.shtml) and its
    language, or from --url.

    \b
    Examples:
      briefings parse page.html                      # a page that says its URL (2021 on)
      briefings parse t1794629.shtml                 # 2016-2020: the id in the file name
      briefings parse page.html --url https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1794629.shtml
      briefings parse page.html | jq '.exchanges[] | {asker, answerer}'
    """
    from crawler.extract import (
        NotATranscript,
        decode_body,
        page_url,
        parse_briefing,
    )

    body = _read(file)
    selector = Selector(text=decode_body(body))
    if url is None:
        url = page_url(selector)
    if url is None:
        url = _url_from_name(file, selector)
        if url is None:
            folder = LEGACY_FOLDERS[_language(selector)]
            fail(
                f"{file}: the page does not say its URL (2016-2020 pages never do) and its file"
                " name holds no article id (t1794629.shtml): give the URL it was fetched from,"
                f" e.g. briefings parse {file} --url {folder}t1794629.shtml",
                1,
            )
        click.echo(
            f"note: {file} does not say its URL; read as {url} (the article id in its file"
            " name, in the folder of its language's 2016-2020 pages); --url gives another",
            err=True,
        )
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(parts.hostname or ""):
        fail(f"--url must be a full http(s) URL, got {url!r}", 1)
    try:
        briefing = parse_briefing(selector, url, source)
    except NotATranscript as exc:
        fail(f"not a transcript: {terminal_text(exc.reason)}", NOT_A_TRANSCRIPT_EXIT)
    click.echo(briefing.to_json(indent=None if compact else 2))


def _language(selector: Selector) -> str:
    title = " ".join(selector.xpath("//title//text()").getall())
    return "zh" if _CJK.search(title) else "en"


def _url_from_name(file: Path, selector: Selector) -> str | None:
    """The 2016-2020 URL of a saved page whose file name holds its article id, or None."""
    found = _LEGACY_ID.search(file.name)
    if found is None:
        return None
    extension = ".shtml"
    return f"{LEGACY_FOLDERS[_language(selector)]}t{found.group(1)}{extension}"


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
