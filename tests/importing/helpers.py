"""Counting rows and running the CLI for the import tests."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from scheduler.cli import main
from storage.db import make_engine
from storage.models import Base, Capture, CaptureProvenance, ChangeEvent, Version


def cli(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--db", db_url], catch_exceptions=False)


def cli_json(db_url: str, *args: str) -> tuple[int, Any]:
    result = cli(db_url, *args, "--json")
    return result.exit_code, json.loads(result.output)


def counts(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                name: conn.scalar(select(func.count()).select_from(model)) or 0
                for name, model in _MODELS.items()
            }
    finally:
        engine.dispose()


_MODELS: dict[str, type[Base]] = {
    "captures": Capture,
    "versions": Version,
    "events": ChangeEvent,
    "provenance": CaptureProvenance,
}
