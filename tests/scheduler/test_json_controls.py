"""``--json`` output carries no raw terminal control: C0 are JSON-escaped by json.dumps, DEL
and C1 (the 8-bit CSI U+009B) by echo_json; the value read back is the text as stored."""

from __future__ import annotations

import json

import pytest

from scheduler.cli.options import echo_json

HOSTILE = "title\x9b31m red \x7f\x1b]0;pwned\x07 \x1b[2J 中文"


def test_json_escapes_every_control_and_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    echo_json({"title": HOSTILE, "items": [HOSTILE]})
    out = capsys.readouterr().out
    assert not [c for c in out if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0]
    assert "\\u009b" in out and "\\u007f" in out and "中文" in out
    assert json.loads(out) == {"title": HOSTILE, "items": [HOSTILE]}
