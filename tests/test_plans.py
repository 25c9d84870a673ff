"""Plan identity keys, editions and kinds."""

from __future__ import annotations

import pytest

from keifu.extract.plans import classify_body, classify_plan, is_law, plan_edition, plan_key


def test_key_folds_width_spacing_and_quotes() -> None:
    k = plan_key("第６期海洋未来基本計画")
    assert k == plan_key("第6期 海洋未来基本計画") == plan_key("「第６期海洋未来基本計画」")
    assert k == plan_key("第六期海洋未来基本計画") == plan_key("第６次海洋未来基本計画")
    assert k == plan_key("海洋未来基本計画（第６期）")


def test_editions_never_merge() -> None:
    assert plan_key("第６期海洋未来基本計画") != plan_key("第7期海洋未来基本計画")
    assert plan_key("海洋未来基本計画") != plan_key("第６期海洋未来基本計画")


def test_key_folds_trailing_etc_and_about() -> None:
    assert plan_key("海洋未来基本計画等") == plan_key("海洋未来基本計画")
    assert plan_key("「『研究所の運営の適正化』について」") == plan_key("研究所の運営の適正化")
    assert plan_key("宙戦略 2024") == plan_key("宙戦略2024") != plan_key("宙戦略2025")


@pytest.mark.parametrize(
    ("name", "edition"),
    [("第６期A基本計画", 6), ("第6次B計画", 6), ("第十二期C計画", 12), ("D計画（第２期）", 2), ("E戦略", None),
     ("第24条に規定する計画", None)],
)
def test_plan_edition(name: str, edition: int | None) -> None:
    assert plan_edition(name) == edition


@pytest.mark.parametrize(
    ("name", "code"),
    [("海洋未来基本計画", "basic-plan"), ("月面推進計画", "promotion-plan"), ("星空戦略", "strategy"),
     ("運用の基本的な方針", "policy"), ("安全対策指針", "guideline"), ("調査ガイドライン", "guideline"),
     ("未来社会ビジョン", "vision"), ("資産運用プリンシプル", "principle"), ("審議会中間とりまとめ", "report"),
     ("共同研究に関する協定", "international-agreement"), ("研修プログラム", "program"),
     ("新しい分析手法", None), ("海洋開発法", None), ("研究所", None)],
)
def test_classify_plan(name: str, code: str | None) -> None:
    assert classify_plan(name) == code


@pytest.mark.parametrize(
    ("body", "code"),
    [("閣議", "cabinet"), ("宇宙探査戦略本部", "headquarters"), ("未来技術戦略推進会議", "council"),
     ("総務大臣", "minister"), ("内閣総理大臣総務大臣", "minister"), ("総務省行政管理局長", "ministry"),
     ("関係府省", "agreement-of-ministries"), ("国連海洋サミット", "international"),
     ("運用に関する有識者検討会", "expert-panel"), ("学術審議会資源分科会", "council"),
     ("内閣情報センター（NIC）情報戦略本部", "headquarters"), ("総務省、財務省、文部科学省", "ministry")],
)
def test_classify_body(body: str, code: str) -> None:
    assert classify_body(body) == code


def test_is_law() -> None:
    assert is_law("海洋開発促進法", "令和２年法律第 12 号")
    assert is_law("星空の保全に関する法律", None)
    assert not is_law("星空保全基本計画", None)
    assert not is_law("運用の基本的な指針", "平成26年総務省告示第１号")
