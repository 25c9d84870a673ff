"""Briefing slides (issue 4, item 6): plan → pillars → measure groups → measures → KPI targets with
current values; traps (figures of the present, estimates, budgets) are not targets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import corpus_file
from rdflib.namespace import RDF

from keifu.extract.pipeline import extract_file
from keifu.extract.plans import plan_key
from keifu.graph.emit import emit_file
from keifu.graph.validate import validate_graph
from keifu.graph.vocab import KF, mint

FIXTURE = Path(__file__).parent / "fixtures" / "slides_deck.txt"


@pytest.fixture(scope="module")
def ef():
    return extract_file(FIXTURE)


def test_plan_and_pillars(ef):
    deck = ef.documents[0].extras["slides"]
    assert deck.plan_key == plan_key("第3期架空海洋振興基本計画") and deck.plan_edition == 3
    assert [p.title for p in deck.pillars] == ["灯台を核とした観光の推進", "灯台の保全と人材の確保", "海の文化の継承",
                                             "推進体制の強化"]
    # a later section head with shorter wording is the same pillar (number + containment)
    assert [s for _, _, s in deck.pillars[1].heads] == [True]


def test_groups_measures_targets(ef):
    deck = ef.documents[0].extras["slides"]
    g = deck.pillars[0].groups[0]
    assert g.title == "周遊観光の拡大" and [m.text for m in g.measures] == ["沿岸周遊パスの普及", "多言語案内の整備"]
    (kpi,) = g.kpis
    assert kpi.name == "灯台来訪者数"
    assert [(t.value, t.unit, t.fiscal_year, t.qualifier) for t in kpi.targets] == [(120, "万人", 2031, "程度")]
    assert [(o.value, o.fiscal_year) for o in kpi.current] == [(80, 2026)]
    (cum,) = deck.pillars[1].groups[0].kpis  # current value on the same line, ** residue around it
    assert [(t.kind, t.value, t.fiscal_year, t.year_to) for t in cum.targets] == [("cumulative", 2000, 2027, 2031)]
    assert [(o.value, o.fiscal_year) for o in cum.current] == [(350, 2026)]
    rank = deck.kpis[0]
    assert (rank.name, rank.targets[0].kind, rank.targets[0].value) == ("灯台の来訪者数", "rank", Decimal(5))


def test_not_targets(ef):
    deck = ef.documents[0].extras["slides"]
    names = [k.name for k in deck.all_kpis()]
    assert "灯台の平均築年数" not in names  # a figure of the present
    assert all("倍" not in "".join(t.unit or "" for t in k.targets) for k in deck.all_kpis())  # overseas estimate
    assert all(t.unit != "億円" for k in deck.all_kpis() for t in k.targets)  # budget


def test_graph(ef):
    g = emit_file(ef)
    plan = mint("plan", plan_key("第3期架空海洋振興基本計画"))
    assert (plan, RDF.type, KF.NationalPlan) in g
    pillars = list(g.subjects(RDF.type, KF.Pillar))
    assert len(pillars) == 4 and all((p, KF.contributesTo, plan) in g for p in pillars)
    assert all((p, RDF.type, KF.Goal) in g for p in pillars)
    _, results, _ = validate_graph(g)
    assert not [r for r in results if r.severity == "Violation"], [r.describe() for r in results]


def test_corpus_slide_targets():
    deck = extract_file(corpus_file("004")).documents[0].extras["slides"]
    assert deck.plan_edition == 7 and len(deck.pillars) == 6
    got = {(k.name, t.value, t.unit, t.fiscal_year, t.year_to) for k in deck.all_kpis() for t in k.targets}
    assert ("挑戦的研究課題件数", 13000, "件", 2030, None) in got  # 004:113
    assert ("長期海外派遣数", 3, "万人", 2026, 2030) in got  # 004:120
    assert ("博士号取得者数", 2, "万人", 2030, None) in got  # 004:129
    assert ("政府目標", 60, "兆円", None, None) in got  # 004:75
    assert ("トップレベル論文数指標", 3, "位", None, None) in got  # 004:69
    assert any(t.value == Decimal("0.1") and t.kind == "ratio" for k in deck.all_kpis() for t in k.targets)  # 004:611
    cur = {k.name: [(o.value, o.fiscal_year) for o in k.current] for k in deck.all_kpis()}
    assert cur["挑戦的研究課題件数"] == [(6500, 2024)] and cur["特定の大学の研究時間"] == [(Decimal("32.2"), 2022)]
    lines = {k.line.no for k in deck.all_kpis()}
    assert not lines & {37, 38, 40, 318, 790, 791, 792, 822, 831, 896}  # present figures, thresholds, estimates
