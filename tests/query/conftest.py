"""Fixtures for the query tests: a small archive in the fresh migrated test database.

The project's ``engine`` / ``db_url`` fixtures (tests/dbfixtures.py) give a database at the
head revision, migration 0002 (search index, views) included, on SQLite or PostgreSQL
(``BRIEFINGS_TEST_BACKEND``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from scheduler.cli import main
from tests.dbfixtures import fresh_db_url  # noqa: F401  (re-exported: migration tests)
from tests.query.factories import (
    EARLIER_PARSER,
    add_briefing,
    add_location,
    add_parser_version,
    add_version,
    ex,
)


@pytest.fixture
def cli(db_url: str) -> Any:
    """``cli("search", "Taiwan")`` runs the command against the test database."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        command, *rest = args  # --db right after the command, so "--" may end the options
        return runner.invoke(main, [command, "--db", db_url, *rest], catch_exceptions=False)

    return run


EN1_URL = "https://www.fmprc.gov.cn/eng/xwfw_665399/s2510_665401/2511_665403/202402/t20240227_11250193.html"
EN1_REPUBLISHED = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202405/t20240530_11322000.html"
EN2_URL = "https://www.fmprc.gov.cn/eng/xwfw_665399/s2510_665401/2511_665403/202403/t20240301_11252000.html"
ZH1_URL = "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/202402/t20240227_11250100.shtml"
ZH2_URL = "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/202312/t20231201_11190000.shtml"

EN1 = [
    ex("s0", None, "Foreign Minister Wang Yi will attend the Munich Security Conference."),
    ex(
        "e1",
        "The 55th Session of the United Nations Human Rights Council commenced yesterday. "
        "What is China's comment?",
        "The United Nations Human Rights Council is a core platform for human rights "
        "dialogue. China supports its work.",
        asker="China Daily",
    ),
    ex(
        "e2",
        "The United States announced new sanctions on Chinese companies. How will you respond?",
        "We firmly oppose illegal unilateral sanctions and will take necessary measures to "
        "defend the legitimate rights of Chinese companies.",
        asker="Reuters",
    ),
    ex(
        "e3",
        "Do you have any comment on the Taiwan election?",
        "Taiwan is part of China. The Taiwan question is China's internal affair. Whatever "
        "happens in Taiwan, the basic fact that there is only one China will not change.",
        asker="AFP",
    ),
    ex(
        "e4",
        "Economists forecast growth of 5% this year. Is the target realistic?",
        "The economy is recovering. Growth of around 5% is achievable.",
        asker="Bloomberg",
    ),
]
# EN1 as an earlier parser read it: the official's turn in e1 labelled "Spokesperson".
EN1_EARLIER_READING = [
    {**e, "official_label": "Spokesperson"} if e["uid"] == "e1" else e for e in EN1
]
EN2_V1 = [
    ex(
        "a1",
        "What is China's position on the South China Sea arbitration?",
        "Our position on the South China Sea is consistent and clear.",
        asker="Reuters",
        answerer="Wang Wenbin",
    ),
    ex(
        "a2",
        "Will the delegation visit Taiwan next month?",
        "I have no information to release.",
        asker="Bloomberg",
        answerer="Wang Wenbin",
    ),
    ex(
        "a3",
        "A question on the file_name of the report.",
        "I refer you to the competent authorities.",
        asker="TASS",
        answerer="Wang Wenbin",
    ),
]
EN2_V2 = [
    {**EN2_V1[0], "answer": "Sovereignty over the islands is indisputable."},
    EN2_V1[2],
]
ZH1 = [
    ex("z0", None, "应国务院总理李强邀请，越南总理将于3月访华。", answerer="毛宁"),
    ex(
        "z1",
        "关于台湾问题，中方有何评论？",
        "台湾是中国领土不可分割的一部分。台湾问题是中国内政。",
        asker="路透社记者",
        answerer="毛宁",
    ),
    ex(
        "z2",
        "美国宣布对中国企业实施制裁，中方如何回应？",
        "中方坚决反对非法单边制裁。",
        asker="法新社记者",
        answerer="毛宁",
    ),
    ex(
        "z3",
        "联合国人权理事会第55届会议开幕。",
        "人权理事会是人权对话的重要平台。",
        asker="总台记者",
        answerer="毛宁",
    ),
]
ZH2 = [ex("z4", "台湾地区选举", "台湾问题纯属中国内政。", asker="彭博社记者", answerer="汪文斌")]


@pytest.fixture
def corpus(engine: Engine) -> dict[str, int]:
    """Four briefings: two English (one revised, one read again by a newer parser and
    republished at a second URL), two Chinese (one removed)."""
    ids = {
        "en1": add_briefing(
            engine,
            url=EN1_URL,
            held_on=date(2024, 2, 27),
            title="Foreign Ministry Spokesperson Mao Ning's Regular Press Conference on February 27, 2024",
            exchanges=EN1_EARLIER_READING,
            parser_version=EARLIER_PARSER,
        ),
        "en2": add_briefing(
            engine,
            url=EN2_URL,
            held_on=date(2024, 3, 1),
            title="Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference on March 1, 2024",
            exchanges=EN2_V1,
        ),
        "zh1": add_briefing(
            engine,
            url=ZH1_URL,
            source="mfa-zh",
            language="zh",
            held_on=date(2024, 2, 27),
            title="2024年2月27日外交部发言人毛宁主持例行记者会",
            exchanges=ZH1,
        ),
        "zh2": add_briefing(
            engine,
            url=ZH2_URL,
            source="mfa-zh",
            language="zh",
            status="removed",
            held_on=date(2023, 12, 1),
            title="2023年12月1日外交部发言人汪文斌主持例行记者会",
            exchanges=ZH2,
        ),
    }
    add_version(engine, ids["en2"], EN2_V2)  # the writer records a1 edited and a2 removed
    add_parser_version(engine, ids["en1"], EN1)  # e1 edited by the parser: not the ministry
    add_location(engine, ids["en1"], EN1_REPUBLISHED)
    return ids
