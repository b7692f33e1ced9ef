"""The alignment core stays pure: no archive models, SQLAlchemy, Scrapy or Twisted."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

FORBIDDEN = ("sqlalchemy", "scrapy", "twisted", "storage.models", "storage.db", "crawler")


def test_importing_the_package_loads_nothing_forbidden() -> None:
    code = (
        "import json, sys, storage.align, storage.align.asymmetry, storage.align.suggest; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout)
    bad = [m for m in loaded if m.split(".")[0] in FORBIDDEN or m in FORBIDDEN]
    assert bad == []
