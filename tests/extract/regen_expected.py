"""Write expected files for fixture cases that have none yet (``--force``: rewrite all).

An expected file is the *spec*, not a snapshot: after generating one, read the page and
check every field before committing it. Run: ``python -m tests.extract.regen_expected``.
"""

from __future__ import annotations

import json
import sys

from crawler.extract import NotATranscript, parse_html
from tests.extract.cases import EXPECTED_DIR, all_cases
from tests.extract.expectations import summarize


def render(data: dict) -> str:
    """Indented JSON with one exchange per line, so a diff shows which exchange changed."""
    exchanges = data.get("exchanges")
    head = {k: v for k, v in data.items() if k != "exchanges"}
    text = json.dumps(head, ensure_ascii=False, indent=1)
    if exchanges is None:
        return text + "\n"
    rows = ",\n".join("  " + json.dumps(e, ensure_ascii=False) for e in exchanges)
    return text[:-2] + ',\n "exchanges": [\n' + rows + "\n ]\n}\n"


def main(force: bool = False) -> None:
    EXPECTED_DIR.mkdir(exist_ok=True)
    for case in all_cases():
        if case.expected_path.exists() and not force:
            continue
        try:
            data = summarize(parse_html(case.path.read_bytes(), case.url))
        except NotATranscript as exc:
            data = {"url": case.url, "not_a_transcript": exc.reason}
        case.expected_path.write_text(render(data), encoding="utf-8")
        print("wrote", case.expected_path.name)


if __name__ == "__main__":
    main(force="--force" in sys.argv)
