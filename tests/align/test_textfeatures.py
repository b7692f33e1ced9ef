"""Numbers, dates and Latin-script tokens read alike in both languages."""

from __future__ import annotations

from storage.align.textfeatures import latin_tokens, numbers_en, numbers_zh


def test_thousands_separators_and_full_width_digits() -> None:
    assert "1153" in numbers_en("a total of 1,153 cured")
    assert "1153" in numbers_zh("累计治愈出院１１５３例")


def test_magnitudes() -> None:
    assert "270000000000" in numbers_en("a ten-year, 270-billion-dollar defense plan")
    assert "270000000000" in numbers_zh("总额为2700亿澳元")
    assert "20000000" in numbers_en("over 20 million are Muslims")
    assert "20000000" in numbers_zh("其中2000多万人是穆斯林")
    assert "1000000" in numbers_en("the lie of one million Uyghurs")
    assert "1000000" in numbers_zh("关押一百万穆斯林")


def test_dates_and_ranges() -> None:
    en = numbers_en("from May 16 to 24, and on June 12, 2018")
    zh = numbers_zh("将于5月16日至24日，6月12日，2018年")
    assert {"m5d16", "d24", "m6d12", "2018"} <= en & zh
    assert "d18" in numbers_zh("18日，阿富汗独立选举委员会宣布") & numbers_en("on February 18")


def test_chinese_numerals_where_cheap() -> None:
    zh = numbers_zh("第十轮高级别战略对话，十九大，二十国集团，第一百一十一条，七十年代")
    assert {"10", "19", "20", "111", "70"} <= zh
    assert numbers_zh("十分重要，数十万美元，一个中国") == set()


def test_digits_inside_latin_tokens_are_not_numbers() -> None:
    assert numbers_en("COVID-19, 5G, G20 and H1N1") == set()
    assert {"covid-19", "5g", "g20", "h1n1"} <= latin_tokens("COVID-19, 5G, G20 and H1N1")


def test_latin_names_inside_chinese_text() -> None:
    tokens = latin_tokens("悉尼澳大利亚智库罗伊研究所（Lowy Institute）民调，ＷＴＯ")
    assert tokens == {"lowy", "institute", "wto"}


def test_times_of_day_are_not_figures() -> None:
    assert "24" not in numbers_zh("3月23日0-24时，中国境内新增治愈出院病例456例")
    assert numbers_en("Between 00:00 and 24:00, March 4") == {"m3d4", "d4"}


def test_abbreviated_magnitudes_in_quoted_press() -> None:
    # 2022-08-15: the English quotes the FT ("$4bn"), the Chinese writes 40亿美元.
    text = "Bangladesh owes approximately $4bn to China, a GDP of $416bn and debt of $51bn"
    assert {"4000000000", "416000000000", "51000000000"} <= numbers_en(text)
    assert numbers_zh("40亿美元、4160亿美元和510亿美元") >= {"4000000000", "51000000000"}


def test_forms_both_languages_write_differently() -> None:
    # Real pairs: "2018-19" / 2018-2019年; "the 1980s" / 20世纪80年代; "all the votes" /
    # 100%的选票; "ASEAN Plus Three" / 东盟与中日韩（10+3）.
    assert numbers_en("funds for the year 2018-19") == {"2018", "2019"}
    assert numbers_zh("2018-2019年，澳战略政策研究所") >= {"2018", "2019"}
    assert "1980" in numbers_en("In the 1980s, China and the UK exchanged memoranda")
    assert "1980" in numbers_zh("20世纪80年代，中英双方曾就相关问题互致备忘录")
    assert "100" not in numbers_zh("目前俄中选委已统计100%的选票")
    assert "100" not in numbers_en("100 percent of the votes")
    assert "10" not in numbers_zh("东盟与中日韩（10+3）领导人特别会议")


def test_compound_number_words_are_one_number() -> None:
    assert numbers_en("Seventy-seven years ago, the Chinese people") == {"77"}
