"""Scraped text never controls the user's terminal (issue 14, item 1).

The parser drops control characters, but text stored by an older parser or an import can
still carry terminal escape sequences. Here a real page is archived twice through the real
write path (``Archive.record_capture``) with a briefing as such a parser would have read it:
an OSC window title, a screen clear, blinking SGR colours, an OSC 8 hyperlink, a reset
(``ESC c``), an 8-bit CSI (U+009B), a carriage return, a backspace and DEL in the title,
the asker and an edited answer; a run's finish reason carries them too. Then the real
``briefings`` command runs under a pseudo-terminal for every text output, and what reaches
the terminal may hold no escape sequence but our own SGR styling, no C1 control and no
other C0 control than newline, carriage return (the pty's own, before a newline) and tab;
the hostile controls are shown as ``␛`` and ``\\x9b`` (``scheduler/render/terminal.py``).
"""

from __future__ import annotations

import copy
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.faultsite import EN_DIR, site_page

PAGE = EN_DIR + "t1794629.shtml"
URL = "http://127.0.0.1:8/" + PAGE.lstrip("/")
# Everything but NUL (PostgreSQL text cannot hold it).
HOSTILE = (
    "\x1b]0;pwned-title\x07"  # OSC 0: window title
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b[5;45mBLINK\x1b[0m"  # SGR: blinking magenta
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"  # OSC 8 hyperlink
    "\x1bc"  # RIS: reset the terminal
    "\x9b2J"  # 8-bit CSI: clear again
    "\rover\x08\x7f\x05"  # carriage return, backspace, DEL, ENQ (answerback)
)
WORD = "hostileword"
OUR_SGR = re.compile(r"\x1b\[[0-9;]*m")


def briefing_v1() -> dict[str, Any]:
    from crawler.extract import parse_html

    data = parse_html(site_page(PAGE), URL).to_dict()
    data["title"] = f"{data['title']} {HOSTILE}"
    exchange = data["exchanges"][1]
    exchange["asker"] = f"Beijing Youth Daily {HOSTILE}"
    exchange["turns"][0]["speaker"] = exchange["asker"]
    return data


def briefing_v2() -> dict[str, Any]:
    data = copy.deepcopy(briefing_v1())
    exchange = data["exchanges"][1]
    exchange["answer"] = f"{WORD} {HOSTILE} {exchange['answer']}"
    for turn in exchange["turns"]:
        if turn["role"] != "journalist":
            turn["text"] = f"{WORD} {HOSTILE} {turn['text']}"
            break
    return data


@pytest.fixture
def hostile_archive(db_url: str, archive: Any) -> str:
    """The page archived as v1 then v2 (an edit), as a parser that kept controls read it."""
    from crawler.extract import PARSER_VERSION

    run = archive.start_run("mfa-en")
    for briefing in (briefing_v1(), briefing_v2()):
        archive.record_capture(
            run,
            url=URL,
            final_url=URL,
            status_code=200,
            headers={"Content-Type": "text/html"},
            body=site_page(PAGE),
            briefing=briefing,
            parser_version=PARSER_VERSION,
        )
    archive.finish_run(
        run,
        stats={"downloader/request_count": 2, "downloader/response_status_count/200": 2},
        finish_reason="\x1b]0;pwned-title\x07\x1b[2J\x1bc\x9b2J",  # a varchar(64)
    )
    return db_url


def briefings_command() -> list[str]:
    script = Path(sys.executable).with_name("briefings")
    if script.exists():
        return [str(script)]
    found = shutil.which("briefings")
    assert found, "the briefings command is not installed (pip install -e .)"
    return [found]


def run_in_pty(args: list[str]) -> tuple[int, bytes]:
    """The real command with stdin, stdout and stderr on a pseudo-terminal (80×24): what it
    exits with and every byte the terminal received."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env |= {"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24", "PYTHONUTF8": "1"}
    proc = subprocess.Popen(
        [*briefings_command(), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    out = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            if not ready:
                proc.kill()
                raise AssertionError(f"no output for 120 s from {args}")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
    return proc.wait(timeout=120), bytes(out)


def assert_terminal_safe(raw: bytes) -> str:
    text = raw.decode("utf-8")  # strict: no stray 8-bit byte either
    for payload in ("\x1b]", "\x1b[2J", "\x1b[5;45m", "\x1bc", "pwned-title\x07"):
        assert payload not in text, (payload, text[:2000])
    bare = OUR_SGR.sub("", text)
    assert "\x1b" not in bare, bare[:2000]
    controls = re.findall("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]", bare)
    assert not controls, (controls, bare[:2000])
    return bare


COMMANDS = [
    ("show", URL),
    ("show", URL, "--version", "1"),
    ("history", URL),
    ("changes",),
    ("changes", "--include-cosmetic"),
    ("diff", URL),
    ("diff", URL, "--include-cosmetic"),
    ("search", WORD),
    ("search", "Wuhan", "--asker", "Beijing"),
    ("list",),
    ("runs",),
    ("stats", "--by", "asker"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a).replace(URL, "url"))
def test_no_escape_sequence_reaches_the_terminal(
    hostile_archive: str, args: tuple[str, ...]
) -> None:
    code, raw = run_in_pty([*args, "--db", hostile_archive])
    assert code == 0, raw.decode("utf-8", "replace")
    shown = assert_terminal_safe(raw)
    # The controls are shown, not silently dropped: a reader sees the page carried them.
    assert "␛" in shown or "\\x9b" in shown, shown[:2000]


def test_the_archive_really_holds_the_controls(hostile_archive: str) -> None:
    """The test is only worth something if the raw controls are stored and come out of
    --json (machine output, escaped by JSON itself)."""
    from storage.api import Archive

    with Archive.open(hostile_archive) as archive:
        shown = archive.show(URL, None)
    assert HOSTILE in shown.data["title"]
    code, raw = run_in_pty(["show", URL, "--json", "--db", hostile_archive])
    assert code == 0
    assert "\\u001b]0;pwned-title\\u0007" in raw.decode("utf-8")


def test_terminal_text_mapping() -> None:
    from scheduler.render.terminal import terminal_safe, terminal_text

    assert terminal_text("a\x1b[31mb\x07\r\x7f\x9b\tc\n") == "a␛[31mb␇␍␡\\x9b\tc\n"
    assert terminal_text("plain 中文 ‘quoted’") == "plain 中文 ‘quoted’"
    nested = terminal_safe({"k\x1b": [("\x1b", 1), None]})
    assert nested == {"k␛": [("␛", 1), None]}
