"""``briefings crawl SOURCE...``: fetch new briefings into the archive (a thin layer over
``scheduler.crawl_runner.run_crawl``: one ``scrapy crawl`` subprocess per source)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import click

from crawler.sources import RevisitMode, source_of_url
from scheduler.cli.options import (
    Seconds,
    db_option,
    echo_json,
    fail,
    json_option,
    open_archive,
)
from scheduler.render.tables import print_table
from storage.api import skip_reasons, summarize_stats, values

EXIT_FAILED = 1
EXIT_BUSY = 3
# A crawl that hangs (a server that drips, a loop the bounds miss) must not run forever;
# six hours is about twice a full walk of the ministry's lists at the polite delay.
DEFAULT_TIMEOUT = 6 * 3600.0
FIGURES = (
    "requests", "new", "revised", "unchanged", "not_modified", "suspect", "skipped", "errors"
)  # fmt: skip
HEADERS = ("req", "new", "rev", "same", "304", "susp", "skip", "err")


@click.command("crawl")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option(
    "--start-url",
    "start_urls",
    multiple=True,
    metavar="URL",
    help="Start at this list page instead of the source's current one (repeatable; with "
    "several sources, at least one each, matched by URL shape); the crawl stays on its host.",
)
@click.option("--full", is_flag=True, help="Walk every list page, not only the new ones.")
@click.option("--max-pages", type=click.IntRange(min=1), metavar="N", help="At most N list pages.")
@click.option(
    "--revisit",
    type=click.Choice(values(RevisitMode)),
    help="Re-fetch archived briefings (conditional GET) instead of looking for new ones.",
)
@click.option(
    "--confirm-now",
    is_flag=True,
    help="With --revisit: a suspect page fetched again confirms its suspicion at once "
    "(instead of an hour after it first looked gone or cut short).",
)
@click.option("--wait", is_flag=True, help="When the source is being crawled, wait for it.")
@click.option(
    "--timeout",
    type=Seconds(allow_zero=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    envvar="BRIEFINGS_CRAWL_TIMEOUT",
    metavar="SECONDS",
    help='Stop each crawl after this long (its run ends "timeout"); 0: no limit '
    "(env BRIEFINGS_CRAWL_TIMEOUT).",
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="A Scrapy setting for the crawl (repeatable), e.g. -s DOWNLOAD_DELAY=2.",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, writable=True),
    help="Keep the crawl's Scrapy log in this file.",
)
@db_option
@json_option
def crawl_command(
    sources: tuple[str, ...],
    start_urls: tuple[str, ...],
    full: bool,
    max_pages: int | None,
    revisit: str | None,
    confirm_now: bool,
    wait: bool,
    timeout: float | None,
    settings: tuple[str, ...],
    log_file: str | None,
    db_url: str | None,
    as_json: bool,
) -> None:
    """Crawl SOURCE (mfa-en, mfa-zh) for new briefings and archive them.

    Each source is crawled in its own process, politely (robots.txt, one request at a
    time, a delay). Exits 1 when a crawl failed, timed out (default: after 6 hours) or was
    stopped (Ctrl-C, SIGTERM: the crawl process stops too, its run ends "stopped"), 3 when a
    source is being crawled by another process (unless --wait).

    \b
    Examples:
      briefings crawl mfa-en mfa-zh                  # new briefings into ./briefings.db
      briefings crawl mfa-en --full --max-pages 5    # walk the first 5 list pages
      briefings crawl mfa-zh --revisit due           # re-check briefings that are due
      briefings crawl mfa-en --revisit suspect --confirm-now   # settle suspects now
      briefings crawl mfa-en --start-url http://127.0.0.1:8000/eng/xw/fyrbt/lxjzh/ \\
          -s DOWNLOAD_DELAY=0.1 --json    # a local mirror, faster (keep the delay > 0)
    """
    from scheduler.crawl_runner import CrawlError, check_options, run_crawl

    scrapy_settings = _parse_settings(settings)
    if confirm_now:
        if revisit is None:
            fail("--confirm-now needs --revisit (e.g. --revisit suspect)", 2)
        scrapy_settings["BRIEFINGS_CONFIRM_AFTER"] = "0"
    plan = _plan(sources, start_urls, source_of_url)
    try:
        for source, urls in plan:
            check_options(source, revisit, max_pages, urls)
    except CrawlError as exc:
        fail(str(exc), 2)
    # The archive must be usable before a crawl starts: a missing directory, another
    # program's database or a full disk is one line and exit 2 here, not a failed run.
    with open_archive(db_url, must_exist=False, read_only=False):
        pass
    results = []
    stop = threading.Event()
    with _progress_display(enabled=not as_json) as show, _stop_on_signals(stop):
        for source, urls in plan:
            if stop.is_set():
                break
            results.append(
                run_crawl(
                    source,
                    db_url=db_url,
                    start_urls=urls,
                    full=full,
                    max_pages=max_pages,
                    revisit=revisit,
                    settings=scrapy_settings,
                    timeout=timeout or None,
                    wait=wait,
                    on_progress=show(source),
                    log_file=log_file,
                    stop_event=stop,
                )
            )
    _report(results, as_json)
    sys.exit(_exit_code(results))


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM / SIGHUP (``timeout 60 briefings crawl``, a closed terminal, systemd) stop
    the crawl the way Ctrl-C does: the child is told, its run ends "stopped", we exit 1.
    Without this Python would die at once and leave the crawl running on its own."""

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(f"-s takes NAME=VALUE, not {pair!r}", 2)
        settings[name.strip()] = value
    return settings


def _plan(
    sources: tuple[str, ...], start_urls: tuple[str, ...], source_of_url: Any
) -> list[tuple[str, tuple[str, ...]]]:
    """Each source with its start URLs: all of them for one source, else by URL shape.

    With start URLs and several sources, every source needs one of its own: a source left
    without would crawl the real site, which someone pointing at a mirror never wants.
    """
    unique = list(dict.fromkeys(sources))
    if len(unique) == 1 or not start_urls:
        return [(source, start_urls) for source in unique]
    plan = []
    for source in unique:
        plan.append((source, tuple(u for u in start_urls if source_of_url(u) == source)))
    orphans = [u for u in start_urls if source_of_url(u) not in unique]
    if orphans:
        fail(f"cannot tell which source {orphans[0]} belongs to: crawl one source at a time", 2)
    for source, urls in plan:
        if not urls:
            fail(
                f"no --start-url is a {source} list page; give one for each source, or crawl "
                f"{source} on its own (without a start URL it crawls the ministry's site)",
                2,
            )
    return plan


# --- progress ---------------------------------------------------------------------------------


@contextmanager
def _progress_display(*, enabled: bool) -> Iterator[Any]:
    """A rich progress bar per source on a terminal; silent otherwise."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scheduler.render.progress import BriefingCountColumn

    console = Console(stderr=True)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        BriefingCountColumn(),  # not "0/None" before the first list page
        TextColumn("pages {task.fields[pages]}  new {task.fields[new]}"),
        TextColumn("revised {task.fields[revised]}  errors {task.fields[error]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not (enabled and console.is_terminal),
    )

    def show(source: str) -> Any:
        task = progress.add_task(source, total=None, pages=0, new=0, revised=0, error=0)

        def update(event: dict[str, Any]) -> None:
            kind = event.get("event")
            if kind == "waiting":
                progress.update(task, description=f"{source} (waiting: busy)")
                return
            if kind not in ("progress", "finished"):
                return
            fields = {k: event.get(k, 0) for k in ("pages", "new", "revised", "error")}
            total = max(event.get("articles", 0), event.get("stored", 0)) or None
            progress.update(
                task, description=source, completed=event.get("stored", 0), total=total, **fields
            )

        return update

    with progress:
        yield show


# --- summary ----------------------------------------------------------------------------------


def _report(results: list[Any], as_json: bool) -> None:
    if as_json:
        echo_json([_as_dict(r) for r in results])
    else:
        _table(results)
    for result in results:
        if result.status == "busy":
            click.echo(
                f"error: {result.source} is being crawled by another process "
                "(use --wait to wait for it)",
                err=True,
            )
        elif result.status != "succeeded":
            click.echo(
                f"error: {result.source}: {result.status}: {result.error or 'see the log'}",
                err=True,
            )


def _as_dict(result: Any) -> dict[str, Any]:
    return {
        "source": result.source,
        "status": result.status,
        "run_id": result.run_id,
        "returncode": result.returncode,
        "seconds": round(result.seconds, 2),
        "error": result.error,
        **summarize_stats(result.stats),
        "skip_reasons": skip_reasons(result.stats),
        "stats": result.stats,
    }


def _table(results: list[Any]) -> None:
    from rich.text import Text

    columns = {"source": "left", "status": "left", "run": "right"}
    columns |= dict.fromkeys(HEADERS, "right") | {"time": "right"}
    styles = {"succeeded": "green", "busy": "yellow"}
    rows = []
    for result in results:
        figures = summarize_stats(result.stats)
        figures["skipped"] += figures["rejected"]  # one column: every list item left alone
        rows.append(
            [
                result.source,
                Text(result.status, style=styles.get(result.status, "red")),
                str(result.run_id or "-"),
                *(str(figures[name]) for name in FIGURES),
                f"{result.seconds:.1f}s",
            ]
        )
    print_table(columns, rows, title="crawl summary")
    for result in results:  # what was left alone, and why (--json: skip_reasons)
        reasons = skip_reasons(result.stats)
        if reasons:
            why = "; ".join(f"{n} {reason}" for reason, n in reasons.items())
            click.echo(f"{result.source}: list items not crawled: {why}")
        suspects = summarize_stats(result.stats)["suspect"]
        if suspects:
            click.echo(
                f"{result.source}: {suspects} page(s) suspect (gone or truncated): confirmed by "
                "a second fetch after BRIEFINGS_CONFIRM_AFTER (1 h); see `briefings list "
                "--status suspect`, or `briefings crawl SOURCE --revisit suspect --confirm-now`"
            )


def _exit_code(results: list[Any]) -> int:
    statuses = {r.status for r in results}
    if statuses - {"succeeded", "busy"}:
        return EXIT_FAILED
    if "busy" in statuses:
        return EXIT_BUSY
    return 0


COMMANDS = [crawl_command]
