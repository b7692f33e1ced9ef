"""``briefings import``: history from WARC/WACZ files or the Wayback Machine (issue 18)."""

from __future__ import annotations

import sys
import time
from datetime import datetime

import click

from crawler.sources import known_sources
from scheduler.cli.options import day, db_option, echo_json, fail, json_option, open_archive
from scheduler.render.tables import print_table
from scheduler.render.terminal import terminal_text
from storage.api import ImportSummary

DEFAULT_WAYBACK_URL = "https://web.archive.org"


@click.command("import")
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option(
    "--wayback",
    "source",
    type=click.Choice(known_sources()),
    help="Import the Wayback Machine's captures of this source instead of files.",
)
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="Captured on or after.")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]), help="Captured on or before.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Wayback requests per second, at most.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Import at most N Wayback captures.")
@click.option(
    "--wayback-url",
    envvar="BRIEFINGS_WAYBACK_URL",
    default=DEFAULT_WAYBACK_URL,
    show_default=True,
    metavar="URL",
    help="The Wayback service (env BRIEFINGS_WAYBACK_URL).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 1),
    default=None,
    envvar="BRIEFINGS_IMPORT_WORKERS",
    help="Processes parsing files while this one stores: 0 or 1 "
    "(env BRIEFINGS_IMPORT_WORKERS) [default: 1 on 2+ CPUs].",
)
@json_option
@db_option
def import_command(
    files: tuple[str, ...],
    source: str | None,
    since: datetime | None,
    until: datetime | None,
    rate: float,
    limit: int | None,
    wayback_url: str,
    workers: int | None,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Import history captured before briefings was watching: every response of a
    transcript or list page in WARC/WACZ files (or the Wayback Machine) becomes a capture
    at its own capture time, through the same parse → version → diff path as a crawl.

    Records of other URLs, revisits and errors are counted and skipped; 404s and error
    pages are evidence, as in a crawl. A record imported before is skipped, so an
    interrupted import is resumed by running it again. Damaged records (truncated files,
    bad digests or hashes, lying lengths, invalid HTTP) are listed with file:offset and
    never become versions; the exit code is then 1, as when the run failed otherwise
    (nothing read at all).

    \b
    Examples:
      briefings import crawl.warc.gz other.wacz
      briefings import crawl.warc.gz --json | jq .skipped
      briefings import crawl.warc.gz --workers 0      # parse in this process
      briefings import --wayback mfa-en --from 2020-01-01 --to 2020-12-31
      briefings import --wayback mfa-zh --rate 0.5 --limit 100
    """
    if source is None and not files:
        fail("give WARC/WACZ files or --wayback SOURCE (see --help)", 2)
    if source is not None and files:
        fail("give either files or --wayback SOURCE, not both", 2)
    if source is None and (since or until or limit):
        fail("--from, --to and --limit go with --wayback", 2)
    if source is not None and workers is not None:
        fail("--workers goes with files (a Wayback import is paced by the network)", 2)
    progress = _Progress() if sys.stderr.isatty() and not as_json else None
    with open_archive(db_url, must_exist=False) as archive:
        try:
            if source is None:
                summary = archive.import_files(list(files), progress=progress, workers=workers)
            else:
                summary = archive.import_wayback(
                    source,
                    base_url=wayback_url,
                    rate=rate,
                    since=day(since),
                    until=day(until),
                    limit=limit,
                    progress=progress,
                )
        finally:
            if progress is not None:
                progress.done()
    if as_json:
        echo_json(summary.to_json())
    else:
        _print_summary(summary)
    if summary.failed or summary.status != "succeeded":  # e.g. a file with no record at all
        sys.exit(1)


class _Progress:
    """One line on stderr, redrawn at most 5 times a second."""

    def __init__(self) -> None:
        self.last = 0.0
        self.shown = False

    def __call__(self, summary: ImportSummary) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        self.shown = True
        line = (
            f"{summary.records} records · {summary.imported} imported · "
            f"{sum(summary.skipped.values())} skipped · {summary.failed} failed"
        )
        click.echo(f"\r{line}\x1b[K", nl=False, err=True)

    def done(self) -> None:
        if self.shown:
            click.echo(err=True)


def _print_summary(summary: ImportSummary) -> None:
    outcomes = ", ".join(f"{k} {n}" for k, n in sorted(summary.outcomes.items()))
    skipped = ", ".join(f"{k} {n}" for k, n in sorted(summary.skipped.items(), key=_by_count))
    rows = [
        ["records", str(summary.records), ""],
        ["imported", str(summary.imported), outcomes],
        ["skipped", str(sum(summary.skipped.values())), skipped],
        ["failed", str(summary.failed), ""],
    ]
    print_table({"what": "left", "count": "right", "detail": "left"}, rows, flex="detail")
    for problem in summary.problems:
        click.echo(terminal_text(f"  {problem.where}: {problem.message}"))
    if summary.failed > len(summary.problems):
        click.echo(f"  … and {summary.failed - len(summary.problems)} more")
    click.echo(f"run {summary.run_id}: {summary.status}")


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


COMMANDS = [import_command]
