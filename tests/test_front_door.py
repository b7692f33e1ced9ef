"""The front door (issue 14, item 11): what a new user sees first."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from scheduler.cli import main
from tests.faultsite import EN_DIR, ZH_DIR, site_page

PAGES = [EN_DIR + "t1794629.shtml", EN_DIR + "t1794266.shtml", EN_DIR + "t1793861.shtml"]
ZH_PAGE = ZH_DIR + "t1794584.shtml"


def test_list_at_80_columns_shows_what_tells_titles_apart(db_url: str, archive: Any) -> None:
    from crawler.extract import PARSER_VERSION, parse_html

    run = archive.start_run("mfa-en")
    titles = []
    for path in [*PAGES, ZH_PAGE]:
        url = "http://127.0.0.1:8/" + path.lstrip("/")
        briefing = parse_html(site_page(path), url).to_dict()
        titles.append(briefing["title"])
        archive.record_capture(
            run,
            url=url,
            final_url=url,
            status_code=200,
            headers={"Content-Type": "text/html"},
            body=site_page(path),
            briefing=briefing,
            parser_version=PARSER_VERSION,
        )
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["list", "--db", db_url])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if line.lstrip()[:1].isdigit()]
    assert len(rows) == 4
    assert len({row.split(" ", 3)[-1] for row in rows}) == 4  # no two rows read the same
    assert not any("Foreign Ministry Spokesperson" in row for row in rows)
    for title in titles[:3]:  # the spokesperson and the title's date, whole
        who = title.split("Spokesperson ", 1)[1].split("'s ")[0]
        date = title.rsplit(" on ", 1)[1]
        assert any(f"{who}, {date}" in row for row in rows), (who, date, rows)
    assert any("赵立坚 2020年7月3日" in row for row in rows), rows
    # --json keeps the whole title.
    data = CliRunner().invoke(main, ["list", "--json", "--db", db_url]).output
    assert all(title in data for title in titles)


def test_short_titles() -> None:
    from scheduler.render.titles import short_title

    assert (
        short_title(
            "Foreign Ministry Spokesperson Hua Chunying's Daily Briefing Online on February 6, 2020"
        )
        == "Hua Chunying: Daily Briefing Online, February 6, 2020"
    )
    assert (
        short_title("2020年2月6日外交部发言人华春莹主持网上例行记者会")
        == "华春莹（网上） 2020年2月6日"
    )
    assert (
        short_title("外交部发言人耿爽就十四世达赖窜访蒙古答记者问")
        == "外交部发言人耿爽就十四世达赖窜访蒙古答记者问"
    )
    assert short_title("Something else") == "Something else"


def test_progress_before_the_first_list_page_never_says_none() -> None:
    from rich.progress import Progress

    from scheduler.render.progress import BriefingCountColumn

    column = BriefingCountColumn()
    with Progress(column, disable=True) as progress:
        task_id = progress.add_task("mfa-en", total=None)
        task = progress.tasks[0]
        assert column.render(task).plain == "0 briefings (counting…)"
        progress.update(task_id, total=40, completed=12)
        assert column.render(task).plain == "12/40 briefings"


def test_crawl_progress_uses_the_count_column() -> None:
    import inspect

    from scheduler.cli import crawl

    source = inspect.getsource(crawl._progress_display)
    assert "BriefingCountColumn()" in source and "{task.total}" not in source
