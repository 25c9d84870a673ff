"""Japanese dates: eras, widths, spaces, mixed and abbreviated forms, ranges, placeholders."""

from __future__ import annotations

import pytest

from keifu.extract.dates import JDate, era_year, find_dates, fiscal_year, parse_date


@pytest.mark.parametrize(
    ("era", "n", "year"),
    [("令和", 7, 2025), ("平成", "31", 2019), ("昭和", "３５", 1960), ("大正", 1, 1912),
     ("令和", "元", 2019), ("R", 8, 2026), ("H", "25", 2013), ("S", 34, 1959)],
)
def test_era_year(era: str, n: int | str, year: int) -> None:
    assert era_year(era, n) == year


def test_era_year_rejects_unknown_era() -> None:
    with pytest.raises(ValueError):
        era_year("天平", 3)


@pytest.mark.parametrize(
    ("text", "iso", "precision"),
    [
        ("令和３年３月26日", "2021-03-26", "day"),
        ("令和 7年（2025年）4月 1日", "2025-04-01", "day"),
        ("令和７年（2025年）４月１日", "2025-04-01", "day"),
        ("平成 25 年 12 月 24日", "2013-12-24", "day"),
        ("平成元年１月８日", "1989-01-08", "day"),
        ("2021年3月", "2021-03", "month"),
        ("令和４年８月", "2022-08", "month"),
        ("R7.12", "2025-12", "month"),
        ("平成11年", "1999", "year"),
        ("令和２年 12 月\n25日", "2020-12-25", "day"),
    ],
)
def test_parse_date(text: str, iso: str, precision: str) -> None:
    d = parse_date(text)
    assert d is not None
    assert d.iso == iso
    assert d.precision == precision
    assert not d.unknown


def test_fiscal_forms() -> None:
    d = parse_date("2021(令和3)年度")
    assert d is not None and d.fiscal and d.year == 2021
    assert fiscal_year("令和７年度の計画") == 2025
    assert fiscal_year("２０２５年度") == 2025
    assert fiscal_year("R7年度") == 2025
    assert fiscal_year("2025年に") is None  # calendar year, not fiscal


@pytest.mark.parametrize(
    ("text", "year", "month"),
    [("令和７年〇月〇日", 2025, None), ("令和７年○月", 2025, None), ("令和8年●月", 2026, None),
     ("令和７年 月 日", 2025, None), ("令和７年４月〇日", 2025, 4)],
)
def test_placeholders_are_unknown_never_guessed(text: str, year: int, month: int | None) -> None:
    d = parse_date(text)
    assert d is not None
    assert d.unknown and d.iso is None and d.precision == "unknown"
    assert d.year == year and d.month == month and d.day is None


@pytest.mark.parametrize("text", ["令和３年13月１日", "令和３年２月30日", "令和３年１月32日", "2023年2月29日"])
def test_impossible_dates_are_not_dates(text: str) -> None:
    assert parse_date(text) is None


def test_leap_day_is_valid() -> None:
    d = parse_date("令和６年２月29日")
    assert d is not None and d.iso == "2024-02-29"


def test_find_dates_offsets_and_mixed_form_is_one_date() -> None:
    text = "本計画（令和７年（2025年）４月１日決定）は、2030年までに"
    found = find_dates(text)
    assert [d.iso for _, _, d in found] == ["2025-04-01", "2030"]
    a, b, d = found[0]
    assert text[a:b] == "令和７年（2025年）４月１日" == d.raw


def test_find_dates_ranges_give_both_ends() -> None:
    found = find_dates("支援期間（R8～R11年度）")
    assert [(d.year, d.fiscal) for _, _, d in found] == [(2026, True), (2029, True)]
    found = find_dates("７年間（令和７年４月１日～令和 14年３月 31日）")
    assert [d.iso for _, _, d in found] == ["2025-04-01", "2032-03-31"]
    found = find_dates("2021-2023年度")
    assert [d.year for _, _, d in found] == [2021, 2023]


def test_whole_string_must_be_one_date() -> None:
    assert parse_date("令和３年３月26日閣議決定") is None
    assert parse_date("量子技術") is None


def test_jdate_iso_precision() -> None:
    assert JDate(2021, None, None, "2021年").iso == "2021"
    assert JDate(2021, 3, None, "").iso == "2021-03"
    assert JDate(None, None, None, "", unknown=True).precision == "unknown"


def test_letters_before_abbreviation_are_not_eras() -> None:
    assert find_dates("GOSAT-2分 XR7.1") == []


@pytest.mark.parametrize(("text", "iso", "fiscal"), [
    ("令和七年四月一日", "2025-04-01", False),
    ("平成三十一年三月三十一日", "2019-03-31", False),
    ("令和二十年十二月二十五日", "2038-12-25", False),
    ("令和元年度", "2019", True),
    ("令和十一年度", "2029", True),
])
def test_kanji_numeral_dates(text: str, iso: str, fiscal: bool) -> None:
    """Statutes and some cover pages print dates in kanji numerals."""
    jd = parse_date(text)
    assert jd is not None and (jd.iso, jd.fiscal) == (iso, fiscal)


def test_kanji_numeral_dates_keep_placeholders_and_offsets() -> None:
    text = "本計画は令和七年〇月に決定し、令和八年四月一日から実施する。"
    found = find_dates(text)
    assert [(text[a:b], d.iso, d.unknown) for a, b, d in found] == [
        ("令和七年〇月", None, True), ("令和八年四月一日", "2026-04-01", False)]
    assert parse_date("令和三年二月三十日") is None  # impossible, as with Arabic digits


@pytest.mark.parametrize("text", ["令和0年", "令和0年4月1日", "令和0～3年度", "R0.4.1", "平成0年度"])
def test_a_zero_era_year_is_no_date_and_no_error(text: str) -> None:
    """令和0年 (a typo, or a template's blank) named no year: it used to raise ValueError and stop the file."""
    assert [jd.iso for _, _, jd in find_dates(text)] == []
    assert [jd.iso for _, _, jd in find_dates(f"{text}から令和3年度まで")] == ["2021"]
