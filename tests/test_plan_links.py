"""Agency-plan items → objectives (kf:implements): the pure matcher, and 001 → 000 on the corpus."""

from __future__ import annotations

import pytest
from conftest import corpus_file

from keifu.extract.pipeline import extract_file
from keifu.extract.plan_links import PlanItem, is_statutory, link_plan

OBJECTIVES = [
    PlanItem("o1", "政策体系における法人の位置付け及び役割"),
    PlanItem("o2", "中長期目標の期間"),
    PlanItem("o3", "研究開発の成果の最大化その他の業務の質の向上に関する事項"),
    PlanItem("o3.1", "海洋観測に関する研究開発", "o3"),
    PlanItem("o3.1.1", "深海観測技術の高度化", "o3.1"),
    PlanItem("o3.1.2", "気象予測モデルの開発", "o3.1"),
    PlanItem("o3.2", "人材の育成", "o3"),
    PlanItem("o4", "業務運営の効率化に関する事項"),
    PlanItem("o5", "財務内容の改善に関する事項"),
    PlanItem("o6", "その他業務運営に関する重要事項"),
    PlanItem("o6.1", "人事に関する事項", "o6"),
]
PLAN = [
    PlanItem("p1", "研究開発の成果の最大化その他の業務の質の向上に関する目標を達成するためとるべき措置"),
    PlanItem("p1.1", "海洋観測に関する研究開発", "p1"),
    PlanItem("p1.1.1", "深海観測技術の高度化", "p1.1"),
    PlanItem("p1.1.1.a", "探査機の運用", "p1.1.1"),
    PlanItem("p1.1.2", "気象予測モデルの研究開発", "p1.1"),  # renamed
    PlanItem("p1.2", "若手の登用", "p1"),  # renamed beyond recognition: sibling order
    PlanItem("p2", "業務運営の効率化に関する目標を達成するためとるべき措置"),
    PlanItem("p3", "予算（人件費の見積りを含む。）、収支計画及び資金計画"),
    PlanItem("p3.1", "短期借入金の限度額", "p3"),
    PlanItem("p3.2", "自己収入の確保", "p3"),
    PlanItem("p4", "その他業務運営に関する重要事項"),
    PlanItem("p4.1", "人事に関する事項", "p4"),
    PlanItem("p4.2", "剰余金の使途", "p4"),
]


@pytest.fixture(scope="module")
def links():
    return link_plan(PLAN, OBJECTIVES)


def test_chapters_are_offset_and_titles_lose_their_boilerplate(links) -> None:
    got = links.by_plan()
    assert (got["p1"].objective, got["p1"].rule) == ("o3", "title")
    assert (got["p2"].objective, got["p2"].rule) == ("o4", "title")
    assert (got["p4"].objective, got["p4"].rule) == ("o6", "title")
    assert (got["p3"].objective, got["p3"].rule) == ("o5", "order")  # between two linked chapters


def test_renamed_subdivided_and_statutory_items(links) -> None:
    got = links.by_plan()
    assert (got["p1.1.2"].objective, got["p1.1.2"].rule) == ("o3.1.2", "renamed") and got["p1.1.2"].uncertain
    assert (got["p1.2"].objective, got["p1.2"].rule) == ("o3.2", "order")
    assert (got["p1.1.1.a"].objective, got["p1.1.1.a"].rule) == ("o3.1.1", "ancestor")
    assert (got["p3.2"].objective, got["p3.2"].rule) == ("o5", "ancestor")
    assert "p3.1" not in got and "p4.2" not in got
    assert links.unmatched == [("p3.1", "statutory"), ("p4.2", "statutory")]


def test_statutory_items_are_data() -> None:
    assert is_statutory("短期借入金の限度額") and is_statutory("剰 余 金 の 使 途")
    assert not is_statutory("自己収入の確保")


def test_a_plan_without_counterparts_is_reported_not_forced() -> None:
    res = link_plan([PlanItem("x", "全く別の事業")], OBJECTIVES)
    assert res.links == [] and res.unmatched == [("x", "no-counterpart")]


# --- corpus: 001 (QST annual plan) → 000 (QST objectives) ------------------------------------------


def _items(doc) -> list[PlanItem]:  # noqa: ANN001
    return [PlanItem(str(i), h.title, str(h.parent) if h.parent is not None else None) for i, h in enumerate(doc.headings)]


@pytest.fixture(scope="module")
def qst():
    objectives = extract_file(corpus_file("000")).documents[0]
    plan = extract_file(corpus_file("001")).documents[0]
    res = link_plan(_items(plan), _items(objectives))
    sec = {str(i): h.section_number for i, h in enumerate(objectives.headings)}
    psec = {str(i): h.section_number for i, h in enumerate(plan.headings)}
    return {psec[lk.plan]: (sec[lk.objective], lk.rule) for lk in res.links}, [(psec[p], r) for p, r in res.unmatched]


def test_corpus_chapter_offset(qst) -> None:
    links, _ = qst
    assert links["Ⅰ"] == ("Ⅲ", "title") and links["Ⅱ"] == ("Ⅳ", "title") and links["Ⅳ"] == ("Ⅵ", "title")
    assert links["Ⅲ"] == ("Ⅴ", "order")
    assert links["Ⅱ.1.(1)"] == ("Ⅳ.1.1）", "title")  # (1) in the plan is 1） in the objectives


def test_corpus_renamed_headings(qst) -> None:
    links, _ = qst
    assert links["Ⅰ.1.(3)"] == ("Ⅲ.1.(3)", "renamed")  # フュージョン / 核融合
    assert links["Ⅰ.3.(1)"] == ("Ⅲ.3.(1)", "renamed")  # …の整備・共用の推進 / …の整備等


def test_corpus_subdivisions_link_to_the_nearest_ancestor(qst) -> None:
    links, _ = qst
    assert links["Ⅰ.1.(3).2).a.①"] == ("Ⅲ.1.(3).2）", "ancestor")
    assert links["Ⅱ.2.(1)"] == ("Ⅳ.2", "ancestor")
    assert links["Ⅲ.1.(4)"] == ("Ⅴ", "ancestor")  # 自己収入の確保, under the statutory budget items


def test_corpus_statutory_items_are_unmatched(qst) -> None:
    links, unmatched = qst
    assert {s for s, _ in unmatched} == {"Ⅲ.1", "Ⅲ.1.(1)", "Ⅲ.1.(2)", "Ⅲ.1.(3)", "Ⅲ.2", "Ⅲ.3", "Ⅲ.4", "Ⅲ.5",
                                         "Ⅳ.5", "Ⅳ.6"}
    assert all(r == "statutory" for _, r in unmatched)
    assert len(links) == 88 - len(unmatched)
    assert sum(1 for _, r in links.values() if r == "title") == 42
