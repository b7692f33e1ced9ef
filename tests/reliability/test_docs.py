"""docs/reliability.md agrees with the tests: every row names tests that exist, and every
fault the fault site offers is in the table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import REPO_ROOT

DOC = REPO_ROOT / "docs" / "reliability.md"
HERE = Path(__file__).parent
FAULTSITE = REPO_ROOT / "tests" / "faultsite.py"


def fault_table_rows() -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    cells = []
    for title in ("## Faults and hostile inputs", "## Operator and database faults"):
        section = text.split(title, 1)[1].split("\n## ", 1)[0]
        rows = [line for line in section.splitlines() if line.startswith("|")]
        cells += [[c.strip() for c in row.strip("|").split("|")] for row in rows[2:]]  # no header
    assert cells, "no table rows"
    return cells


def functions_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def test_every_row_names_existing_tests() -> None:
    for cells in fault_table_rows():
        assert len(cells) == 4, cells
        # A bare file name is in tests/reliability/; a path (tests/extract/...) is the repo's.
        refs = re.findall(r"`((?:[\w.]+/)*test_\w+\.py)::(test_\w+)`", cells[3])
        assert refs, f"row names no test: {cells[0]}"
        for file, function in refs:
            if "/" in file:
                path = REPO_ROOT / file
            else:
                path = HERE / file if (HERE / file).is_file() else HERE.parent / "scheduler" / file
            assert path.is_file(), f"{file} (row: {cells[0]})"
            assert function in functions_of(path), f"{file}::{function} (row: {cells[0]})"


def test_every_fault_of_the_site_is_documented() -> None:
    tree = ast.parse(FAULTSITE.read_text(encoding="utf-8"))
    faults = {
        n.name
        for n in tree.body
        if isinstance(n, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id in ("Fault", "Status") for b in n.bases)
    }
    assert {"Hang", "GzipBomb", "Versions", "Chaos"} <= faults
    table = "\n".join(" ".join(cells) for cells in fault_table_rows())
    missing = sorted(f for f in faults if f not in table)
    assert missing == [], f"faults not in docs/reliability.md: {missing}"


def test_every_reliability_test_module_is_in_the_table() -> None:
    table = "\n".join(cells[3] for cells in fault_table_rows())
    modules = {
        p.name
        for p in HERE.glob("test_*.py")
        if p.name not in ("test_docs.py", "test_faultsite.py", "test_archive_rules.py")
    }
    assert sorted(m for m in modules if m not in table) == []
