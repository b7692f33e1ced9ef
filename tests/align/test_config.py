"""The config's ``[outlets]`` section and notification filters for asymmetry events."""

from __future__ import annotations

import dataclasses

import pytest

from scheduler.config import ConfigError, EventFilter
from storage.api import ChangeEvent, outlet_table
from tests.scheduler.helpers import config_from

FINDING = ChangeEvent.from_json(
    {
        "id": 9,
        "type": "only-in-zh",
        "cause": "page",
        "detected_at": "2026-11-27T12:00:00+00:00",
        "briefing": {
            "id": 2,
            "url": "https://www.fmprc.gov.cn/web/x.shtml",
            "source": "mfa-zh",
            "held_on": "2026-11-27",
            "title": "例行记者会",
        },
        "exchange": {"id": "cd", "asker": "路透社记者", "answerer": "毛宁", "index_after": 10},
        "detail": {"finding": 1, "twin": 1, "description": "Chinese exchange 10 has no twin"},
    }
)
OUTLETS = """
[outlets.nordic-daily]
en = ["Nordic Daily"]
zh = ["北欧日报"]

[outlets.reuters]
zh = ["路透社", "路透"]
"""


def test_outlets_extend_the_shipped_table(tmp_path) -> None:
    config = config_from(tmp_path, OUTLETS)
    assert config.outlets == {
        "nordic-daily": {"en": ["Nordic Daily"], "zh": ["北欧日报"]},
        "reuters": {"zh": ["路透社", "路透"]},
    }
    table = outlet_table(config.outlets)
    found = table.lookup("北欧日报记者", "zh")
    assert found is not None and found.id == "nordic-daily"
    reuters = table.get("reuters")
    assert reuters is not None and reuters.labels_en == ("Reuters",)  # kept: only zh given
    assert config.to_json()["outlets"]["nordic-daily"]["en"] == ["Nordic Daily"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[outlets.x]\nen = "X"\nfr = ["X"]\n', "outlets.x: unknown key"),
        ("[outlets.x]\nen = [1]\n", "outlets.x.en: expected a list of labels"),
        ('[outlets.x]\nen = ["X"]\nparent = "nobody"\n', "unknown parent"),
        ('[outlets]\nx = "X"\n', "outlets.x: expected a table"),
    ],
)
def test_bad_outlets_name_the_key(tmp_path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from(tmp_path, text)


def test_targets_get_asymmetries_only_when_they_ask() -> None:
    assert not EventFilter().matches(FINDING)
    assert not EventFilter(types=("removed", "edited")).matches(FINDING)
    assert EventFilter(types=("only-in-zh",)).matches(FINDING)
    assert EventFilter(asymmetries=True).matches(FINDING)
    assert EventFilter(asymmetries=True, askers=("路透社",)).matches(FINDING)
    assert not EventFilter(asymmetries=True, sources=("mfa-en",)).matches(FINDING)
    retracted = dataclasses.replace(FINDING, type="asymmetry-resolved", cause="parser")
    assert not EventFilter(asymmetries=True).matches(retracted)
    assert EventFilter(asymmetries=True, include_parser=True).matches(retracted)


def test_webhook_filters_read_asymmetry_types_and_reject_unknown_ones(tmp_path) -> None:
    config = config_from(
        tmp_path,
        '[[notify.webhooks]]\nurl = "https://hooks.example.org/x"\n'
        'types = ["only-in-zh", "one-sided-edit"]\n'
        '[[notify.emails]]\nto = ["desk@example.org"]\nasymmetries = true\n'
        '[notify.smtp]\nhost = "smtp.example.org"\nfrom = "b@example.org"\n',
    )
    (hook,) = config.notify.webhooks
    assert hook.filter.types == ("only-in-zh", "one-sided-edit")
    (email,) = config.notify.emails
    assert email.filter.asymmetries and email.filter.matches(FINDING)
    with pytest.raises(ConfigError, match=r"types: unknown event type\(s\) \['only-in-fr'\]"):
        config_from(
            tmp_path,
            '[[notify.webhooks]]\nurl = "https://hooks.example.org/x"\ntypes = ["only-in-fr"]\n',
        )
