"""``briefings serve``: the read-only web app and HTTP API over an archive."""

from __future__ import annotations

import click

from scheduler.cli.options import db_option, open_archive

COMMANDS: list[click.Command] = []
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="TCP port."
)
@click.option("--log-level", default="info", show_default=True, help="uvicorn's log level.")
@db_option
def serve_command(host: str, port: int, log_level: str, db_url: str | None) -> None:
    """Browse the archive in a web browser: changes, briefings, diffs, search, trends.

    The archive is opened read-only: the app never writes to it. Every page has a JSON
    twin under /api (OpenAPI at /openapi.json, interactive docs at /docs).

    \b
    Examples:
      briefings serve                                  # http://127.0.0.1:8000/
      briefings serve --port 8080 --db sqlite:///archive/briefings.db
      briefings serve --db postgresql+psycopg://reader@db/briefings
    """
    import uvicorn

    from scheduler.web import create_app

    if host not in LOOPBACK:
        click.echo(
            f"warning: listening on {host}: anyone who can reach this machine can read the "
            "archive (the app has no login); put it behind a proxy with access control",
            err=True,
        )
    with open_archive(db_url, read_only=True) as archive:
        app = create_app(archive)
        click.echo(f"serving {archive.url} read-only at http://{_netloc(host, port)}/", err=True)
        uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False)


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


COMMANDS.append(serve_command)
