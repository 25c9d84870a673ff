"""Targets and actual values in every printed form (FORMAT-NOTES §7 "Targets", "Actual values", §8), on
invented phrases: value, unit and year are read, the phrase is kept, placeholders are never numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from keifu.extract.targets import parse_observations, parse_targets, parse_value


def one(text: str, cell: bool = True):
    ts = parse_targets(text, cell=cell)
    assert len(ts) == 1, ts
    return ts[0]


@pytest.mark.parametrize(("text", "kind", "value", "unit", "fy", "qual"), [
    ("2,400\n（2027 年度）", "absolute", Decimal(2400), None, 2027, None),     # wrapped, spaced year
    ("45冊（毎年度）", "recurring", Decimal(45), "冊", None, "毎年度"),
    ("毎年度75％", "recurring", Decimal(75), "％", None, "毎年度"),
    ("令和9年度までに1,500人", "absolute", Decimal(1500), "人", 2027, None),
    ("7,410(2026年度）", "absolute", Decimal(7410), None, 2026, None),          # ASCII ( closed by ）
    ("3件（2022年度～2026年度累計）", "cumulative", Decimal(3), "件", 2022, "累計"),
    ("85％以上", "absolute", Decimal(85), "％", None, "以上"),
    ("9,000件程度（2031年度）", "absolute", Decimal(9000), "件", 2031, "程度"),
    ("令和10年度12件", "absolute", Decimal(12), "件", 2028, None),
    ("4万人**（2031年度）", "absolute", Decimal(4), "万人", 2031, None),        # slide ** residue
])
def test_numeric_targets(text, kind, value, unit, fy, qual):
    t = one(text)
    assert (t.kind, t.value, t.unit, t.fiscal_year, t.qualifier) == (kind, value, unit, fy, qual)
    assert t.expression.replace("*", "") in text.replace("*", "") or t.expression == text.strip()


def test_relative_target_keeps_base_year_and_fraction():
    t = one("2026 年度までに、対 2019 年度比で約６割増加")
    assert (t.kind, t.value, t.fiscal_year, t.base_year) == ("relative", Decimal("0.6"), 2026, 2019)
    assert "約" in t.qualifier


@pytest.mark.parametrize(("text", "kind"), [
    ("前年度を上回る数（毎年度）", "rule"), ("直近5\n年間の平均", "rule"), ("前年度実績値を上回る", "rule"),
    ("国際平均値以上", "benchmark"), ("A評価以上", "rating"), ("-", "placeholder"), ("－（2026年度）", "placeholder"),
    ("地域の活力の向上", "qualitative"),
])
def test_kinds_without_a_number(text, kind):
    t = one(text)
    assert t.kind == kind and t.value is None and t.expression == text.strip()


def test_rating_grade_and_recurrence():
    t = one("B評価以上（毎年度）")
    assert (t.kind, t.rating) == ("rating", "B") and "毎年度" in t.qualifier


def test_several_values_in_one_phrase():
    a, b = parse_targets("早期に 15％、2027 年度までに19％")
    assert (a.value, a.fiscal_year, b.value, b.fiscal_year) == (15, None, 19, 2027)
    assert a.qualifier == "早期に"
    c = parse_targets("令和8年度までに、北部\n25％、南部 18％")
    assert [(t.category, t.value, t.fiscal_year) for t in c] == [("北部", 25, 2026), ("南部", 18, 2026)]
    d = parse_targets("1,100人（2027年度）、1,300人（2029年度）")
    assert [(t.value, t.fiscal_year) for t in d] == [(1100, 2027), (1300, 2029)]


def test_calendar_year_and_range():
    t = parse_targets("2028年までに北部\n14.5％、南部8.0％")
    assert [(x.category, x.calendar_year, x.fiscal_year) for x in t] == [("北部", 2028, None), ("南部", 2028, None)]
    r = one("累計5万人（2027～2031年度）")
    assert (r.kind, r.value, r.unit, r.fiscal_year, r.year_to) == ("cumulative", 5, "万人", 2027, 2031)


def test_body_target_per_year_with_period_total():
    """AMED-style body target: a yearly value and the period total in parentheses."""
    a, b = parse_targets("論文数 90件／年 （令和８年度～令和12年度累計450件）", cell=False)
    assert (a.kind, a.value, a.unit, a.fiscal_year, a.year_to) == ("recurring", 90, "件", 2026, 2030)
    assert (b.kind, b.value, b.fiscal_year, b.year_to) == ("cumulative", 450, 2026, 2030)
    assert a.start == len("論文数 ")  # the indicator name ends where the target starts


def test_rank_ratio_horizon():
    assert (one("世界第4位へ").kind, one("世界第4位へ").value) == ("rank", 4)
    r = one("開発期間を1/5に")
    assert (r.kind, r.value) == ("ratio", Decimal("0.2"))
    h = one("2年後までに、試作速度5倍")
    assert (h.kind, h.value, h.horizon) == ("ratio", 5, "2年後までに")


def test_labels_and_notes_are_not_values():
    t = parse_targets("100%（2026年度（目標１，２，４））")
    assert [x.value for x in t] == [100]
    assert one("418機関※").value == 418
    assert parse_targets("灯台の保全", cell=False) == []


def test_parse_value():
    assert parse_value("2,047億円") == (Decimal(2047), "億円")
    assert parse_value("集計中") == (None, None)
    assert parse_value("－") == (None, None)


def test_value_then_year_series_with_circled_marker():
    obs = parse_observations("①612名（2020年度）、2,133名（2021年度）")
    assert [(o.fiscal_year, o.value, o.unit) for o in obs] == [(2020, 612, "名"), (2021, 2133, "名")]
    assert obs[0].raw == "612名"  # ① is not glued to the value


def test_year_then_value_and_categories():
    obs = parse_observations("⑥令和３年度：北部17.1％、南部12.4％、令和４年度：北部18.0％")
    assert [(o.fiscal_year, o.category, o.value) for o in obs] == [
        (2021, "北部", Decimal("17.1")), (2021, "南部", Decimal("12.4")), (2022, "北部", Decimal("18.0"))]
    cal = parse_observations("①小学校：72％、中学校：61％（2023年）")
    assert [(o.calendar_year, o.fiscal_year, o.category) for o in cal] == [(2023, None, "小学校"), (2023, None, "中学校")]


def test_placeholders_are_missing_not_zero():
    obs = parse_observations("④データなし（令和３年度）、240研究・41,002人（令和４年度）、集計中（令和５年度）")
    assert [(o.fiscal_year, o.missing, o.value) for o in obs] == [
        (2021, True, None), (2022, False, 240), (2022, False, 41002), (2023, True, None)]
    assert {o.category for o in obs if o.fiscal_year == 2022} == {"研究", "人"}  # two units, one year
    dash = parse_observations("-（2022年度）、7（2023年度）")
    assert [(o.fiscal_year, o.missing, o.raw) for o in dash] == [(2022, True, "-"), (2023, False, "7")]


def test_ratings_mixed_units_unordered_and_notes():
    assert [(o.fiscal_year, o.rating) for o in parse_observations("④S（2019年度）、A（2020年度）")] == [
        (2019, "S"), (2020, "A")]
    mixed = parse_observations("14（2021年度）、17（2022年）")
    assert [(o.fiscal_year, o.calendar_year, o.unit) for o in mixed] == [(2021, None, None), (None, 2022, None)]
    desc = parse_observations("③4100本（2023年度）、3900本（2022年度）※直近の値は調査中")
    assert [o.fiscal_year for o in desc] == [2023, 2022]
    cum = parse_observations("①2022年度：120件、2023年度：240件（累計）")
    assert cum[-1].qualifier == "累計" and cum[-1].value == 240
    cur = parse_observations("※ 7,200件程度（2025年度）")
    assert [(o.value, o.fiscal_year, o.qualifier) for o in cur] == [(7200, 2025, "程度")]
