"""``briefings parse`` through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from crawler.schema import validation_errors
from scheduler.cli import main
from tests.conftest import MFA_PAGES, MFA_RECONSTRUCTED

ZH_PAGE = MFA_PAGES / "zh_legacy_article_t1794584_2020-07-03_named.html"
ZH_URL = "http://www.mfa.gov.cn/web/wjdt_674879/fyrbt_674889/t1794584.shtml"


def run(*args: str):
    return CliRunner().invoke(main, ["parse", *args])


def test_prints_schema_json_unescaped_with_canonical_url():
    result = run(str(ZH_PAGE), "--url", ZH_URL)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert validation_errors(data) == []
    assert data["source"] == "mfa-zh"  # inferred from the URL
    assert data["url"] == "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/t1794584.shtml"
    assert "赵立坚" in result.stdout  # UTF-8, not \\u-escaped


def test_url_defaults_to_the_one_the_page_declares():
    page = MFA_PAGES / "en_lxjzh_article_t20250430_11614172.html"
    result = run(str(page))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["url"].endswith("/eng/xw/fyrbt/lxjzh/202504/t20250430_11614172.html")
    assert data["source"] == "mfa-en"


def test_page_without_url_and_no_flag_fails_clearly():
    result = run(str(MFA_RECONSTRUCTED / "embassy_2024-02-27_press_release.html"))
    assert result.exit_code == 1
    assert "--url" in result.stderr
    assert "Traceback" not in result.output


def test_source_flag_overrides_inference():
    page = MFA_RECONSTRUCTED / "embassy_2024-02-27_press_release.html"
    result = run(str(page), "--url", "http://embassy.test/x.htm", "--source", "mfa-en")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source"] == "mfa-en"


def test_error_page_exits_2_with_one_line_reason():
    page = MFA_PAGES / "site_error_page_error.htm_2020.html"
    result = run(str(page), "--url", "https://www.fmprc.gov.cn/error.htm")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a transcript" in lines[0]


def test_list_page_exits_2():
    page = MFA_PAGES / "en_legacy_list_2511_665403_default.shtml.html"
    url = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml"
    result = run(str(page), "--url", url)
    assert result.exit_code == 2
    assert "list page" in result.stderr


def test_unreadable_file_is_a_clear_error(tmp_path):
    for target in (tmp_path / "missing.html", tmp_path):
        result = run(str(target), "--url", "https://www.fmprc.gov.cn/web/x.shtml")
        assert result.exit_code == 1
        assert result.stderr.startswith("error:")
        assert "Traceback" not in result.output


def test_help_has_an_example():
    result = CliRunner().invoke(main, ["parse", "--help"])
    assert result.exit_code == 0
    assert "briefings parse" in result.output


def test_saved_2016_2020_page_gets_its_url_from_the_file_name(tmp_path):
    """Issue 14: 2016-2020 pages never print their URL; a saved copy named by its article
    id (as a browser or wget saves it) parses without --url, with a note on stderr."""
    from crawler.sources import is_article_url, source_of_url

    for name, language, saved_as in (
        ("en_legacy_article_t1567808_2018-06-11_journalist_title_typo.html", "en", "t1567808"),
        ("zh_legacy_article_t1415586_2016-11-15_QA.html", "zh", "t1415586"),
    ):
        saved = tmp_path / language / f"{saved_as}.shtml"
        saved.parent.mkdir()
        saved.write_bytes((MFA_PAGES / name).read_bytes())
        result = run(str(saved))
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert validation_errors(data) == []
        assert data["language"] == language
        assert data["url"].endswith(f"/{saved.name}")
        assert is_article_url(data["url"]) and source_of_url(data["url"]) == f"mfa-{language}"
        assert "does not say its URL; read as " + data["url"] in result.stderr


def test_page_without_url_or_id_shows_the_working_form(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes((MFA_PAGES / "en_legacy_article_t1794629_2020-07-03_named.html").read_bytes())
    result = run(str(page))
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line
    assert f"briefings parse {page} --url https://www.fmprc.gov.cn/mfa_eng/" in line
    # ... and that form works.
    form = line.split("e.g. briefings parse ", 1)[1].split()
    assert run(*form).exit_code == 0


def test_placeholder_url_is_refused(tmp_path):
    result = run(str(ZH_PAGE), "--url", "https://...")
    assert result.exit_code == 1
    assert "full http(s) URL" in result.stderr
