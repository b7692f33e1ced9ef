"""The bilingual outlet table: labels as printed on the fixture pages, config extension."""

from __future__ import annotations

import tomllib

import pytest

from storage.align import canonical_outlet, canonical_outlets, default_table, outlet_table
from storage.align.outlets import build_table, is_generic


@pytest.mark.parametrize(
    ("label", "language", "outlet"),
    [
        ("Reuters", "en", "reuters"),
        ("路透社记者", "zh", "reuters"),
        ("路透社记者提问", "zh", "reuters"),  # 2020-06-15 prints 记者提问
        ("CCTV", "en", "cctv"),
        ("中央广播电视总台央视记者", "zh", "cctv"),
        ("总台央视记者", "zh", "cctv"),
        ("中央电视台记者", "zh", "cctv"),
        ("央视记者", "zh", "cctv"),
        ("《中国日报》记者", "zh", "china-daily"),  # 《》 as printed from mid-2020
        ("中国日报记者", "zh", "china-daily"),
        ("日本共同社记者", "zh", "kyodo"),  # country prefix
        ("Kyodo News", "en", "kyodo"),
        ("加拿大《环球邮报》记者", "zh", "globe-and-mail"),
        ("The Globe and Mail", "en", "globe-and-mail"),
        ("香港中评社记者", "zh", "china-review-news"),
        ("日本NHK电视台记者", "zh", "nhk"),
        ("Bloomberg News", "en", "bloomberg"),
        ("彭博社", "zh", "bloomberg"),
        ("RIA Novosti", "en", "ria-novosti"),
        ("今日俄罗斯记者", "zh", "ria-novosti"),  # 2020-06-17, 06-18, 07-03
        ("The Global Times", "en", "global-times"),
        ("Tass News Agency", "en", "tass"),
        ("Yonhap News Agency", "en", "yonhap"),
        ("韩联社记者", "zh", "yonhap"),
        ("People’s Daily", "en", "peoples-daily"),  # curly apostrophe as printed
        ("总台国广记者", "zh", "cri"),
        ("总台央广记者", "zh", "cnr"),
        ("Hubei Media Group", "en", "hubei-media-group"),
        ("湖北广电记者", "zh", "hubei-media-group"),
        ("阿纳多卢通讯社记者", "zh", "anadolu"),
        ("半岛电视台记者", "zh", "al-jazeera"),
    ],
)
def test_printed_labels_resolve(label: str, language: str, outlet: str) -> None:
    found = canonical_outlet(label, language)  # type: ignore[arg-type]
    assert found is not None and found.id == outlet


def test_the_label_is_not_changed_and_names_are_given() -> None:
    label = "《中国日报》记者"
    outlet = canonical_outlet(label, "zh")
    assert label == "《中国日报》记者"
    assert outlet is not None and (outlet.name_en, outlet.name_zh) == ("China Daily", "中国日报")


@pytest.mark.parametrize(
    ("label", "language"),
    [("Q", "en"), ("问", "zh"), ("追问", "zh"), ("Follow-up", "en"), ("记者", "zh"),
     ("Journalist adds", "en"), ("会后有记者问及", "zh")],
)  # fmt: skip
def test_role_labels_are_no_outlet(label: str, language: str) -> None:
    assert is_generic(label)
    assert canonical_outlet(label, language) is None  # type: ignore[arg-type]


def test_unknown_labels_are_none() -> None:
    assert canonical_outlet("Radio Nowhere", "en") is None
    assert canonical_outlet("无名电台记者", "zh") is None
    assert canonical_outlet(None, "zh") is None


def test_a_label_naming_two_outlets_resolves_to_both_or_none() -> None:
    both = canonical_outlets("彭博社记者、土耳其阿纳多卢通讯社记者", "zh")  # 2022-07-28
    assert [o.id for o in both] == ["bloomberg", "anadolu"]
    assert [o.id for o in canonical_outlets("英国独立电视台和英国广播公司记者", "zh")] == [
        "itn",
        "bbc",
    ]
    assert [o.id for o in canonical_outlets("ITN&BBC", "en")] == ["itn", "bbc"]
    assert canonical_outlet("ITN&BBC", "en") is None  # one outlet cannot stand for two
    assert canonical_outlets("路透社、无名电台记者", "zh") == ()  # one part unknown: none


def test_config_adds_an_outlet() -> None:
    config = tomllib.loads(
        """
        [outlets.rthk]
        en = ["RTHK"]
        zh = ["香港电台"]
        """
    )
    table = outlet_table(config["outlets"])
    found = canonical_outlet("香港电台记者", "zh", table)
    assert found is not None and found.id == "rthk"
    assert canonical_outlet("RTHK", "en", table) is not None
    assert canonical_outlet("RTHK", "en") is None  # the shipped table is untouched


def test_config_overrides_an_outlet_and_takes_its_label() -> None:
    table = outlet_table(
        {
            "reuters": {"en": ["Reuters", "Thomson Reuters"], "zh": ["路透社", "路透"]},
            "rt": {"en": ["RT", "Russia Today"], "zh": ["今日俄罗斯"]},
        }
    )
    assert table.lookup("Thomson Reuters", "en").id == "reuters"  # type: ignore[union-attr]
    # The config claims 今日俄罗斯 for RT: it wins over the shipped RIA Novosti entry.
    assert table.lookup("今日俄罗斯记者", "zh").id == "rt"  # type: ignore[union-attr]
    assert table.lookup("俄新社记者", "zh").id == "ria-novosti"  # type: ignore[union-attr]


def test_the_shipped_table_is_consistent() -> None:
    table = default_table()
    assert len(table.outlets) > 60
    with pytest.raises(ValueError, match="claimed by"):
        build_table({"a": {"en": ["Same"]}, "b": {"en": ["Same"]}})
    with pytest.raises(ValueError, match="unknown parent"):
        build_table({"a": {"en": ["A"], "parent": "nobody"}})


def test_a_parent_and_its_channel_are_the_same_outlet_siblings_are_not_opposed() -> None:
    table = default_table()
    assert table.relation("cctv", "cctv4") == "same"
    assert table.relation("cmg", "cnr") == "same"
    assert table.relation("cctv", "cri") == "related"
    assert table.relation("reuters", "afp") == "unrelated"


def test_the_table_fingerprint_changes_with_its_entries() -> None:
    from storage.align import default_table, outlet_table

    assert outlet_table(None).fingerprint() == default_table().fingerprint()
    extended = outlet_table({"rtl": {"en": ["RTL"], "zh": ["卢森堡广播电视台"]}})
    assert extended.fingerprint() != default_table().fingerprint()


def test_descendants_of_a_media_group() -> None:
    from storage.align import default_table

    table = default_table()
    assert {"cmg", "cctv", "cgtn", "cnr", "cri", "cctv4"} <= table.descendants("cmg")
    assert table.descendants("reuters") == {"reuters"}


def test_two_config_entries_cannot_claim_one_label() -> None:
    import pytest

    from storage.align import outlet_table

    with pytest.raises(ValueError, match="claimed by x and y"):
        outlet_table({"x": {"en": ["Zed"]}, "y": {"en": ["Zed"]}})
    taken = outlet_table({"x": {"en": ["Reuters"]}})  # from a shipped outlet: allowed
    found = taken.lookup("Reuters", "en")
    assert found is not None and found.id == "x"
