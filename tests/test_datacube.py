"""Indicator series as RDF Data Cube (issue 4, item 3): the emitted datasets pass the W3C Data Cube
integrity constraints (SHACL form in tests/fixtures/datacube_ic.ttl) and each constraint catches its defect.
Also the failing cases of shapes/policy.ttl."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import corpus_file
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from keifu.extract.pipeline import extract_file
from keifu.graph.emit import emit_file
from keifu.graph.validate import ontology_graph
from keifu.graph.vocab import KF, QB

HERE = Path(__file__).parent
IC = Graph().parse(HERE / "fixtures" / "datacube_ic.ttl")
POLICY_SHAPES = Graph().parse(HERE.parent / "shapes" / "policy.ttl")


def _cube(g: Graph) -> Graph:
    """The graph plus the ontology (component properties carry their rdfs:range there)."""
    return g + ontology_graph()


def _ic_failures(g: Graph) -> set[str]:
    ok, report, _ = validate(_cube(g), shacl_graph=IC, advanced=True)
    return {str(m) for m in report.objects(None, URIRef("http://www.w3.org/ns/shacl#resultMessage"))}


@pytest.fixture(scope="module")
def fixture_graph() -> Graph:
    return emit_file(extract_file(HERE / "fixtures" / "policy_table.txt"))


def test_fixture_cube_conforms(fixture_graph):
    assert len(set(fixture_graph.subjects(RDF.type, QB.DataSet))) >= 5
    assert _ic_failures(fixture_graph) == set()


def test_categories_and_grades_are_separate_cells(fixture_graph):
    g = fixture_graph
    cats = {str(o) for o in g.objects(None, KF.seriesCategory)}
    assert {"東部", "西部", "全体"} <= cats
    ratings = {str(o) for o in g.objects(None, KF.rating)}
    assert {"A", "B"} <= ratings


@pytest.mark.parametrize(("defect", "ic"), [("dataset", "IC-1"), ("structure", "IC-2"), ("dimension", "IC-11"),
                                             ("duplicate", "IC-12"), ("measure", "IC-14")])
def test_each_constraint_catches_its_defect(fixture_graph, defect, ic):
    g = Graph() + fixture_graph
    obs = sorted(g.subjects(KF.value, None))
    o = obs[0]
    if defect == "dataset":
        g.remove((o, QB.dataSet, None))
    elif defect == "structure":
        g.remove((g.value(o, QB.dataSet), QB.structure, None))
    elif defect == "dimension":
        g.remove((o, KF.seriesCategory, None))
    elif defect == "duplicate":
        twin = URIRef(f"{o}-twin")
        for p, v in g.predicate_objects(o):
            g.add((twin, p, v))
    elif defect == "measure":
        g.remove((o, KF.value, None))
    assert ic in _ic_failures(g)


def test_corpus_cube_conforms():
    g = emit_file(extract_file(corpus_file("003")))
    assert len(set(g.subjects(RDF.type, KF.Observation))) > 450
    assert _ic_failures(g) == set()


def _policy_results(g: Graph) -> set[str]:
    ok, report, _ = validate(g, shacl_graph=POLICY_SHAPES, ont_graph=None, advanced=True)  # SPARQL targets
    return {str(s) for s in report.objects(None, URIRef("http://www.w3.org/ns/shacl#sourceShape"))
            if isinstance(s, URIRef)} | {str(m) for m in report.objects(None, URIRef("http://www.w3.org/ns/shacl#resultMessage"))}


def test_policy_shapes_pass_on_fixture(fixture_graph):
    ok, _, text = validate(fixture_graph, shacl_graph=POLICY_SHAPES, advanced=True)
    assert "Violation" not in text


@pytest.mark.parametrize(("defect", "needle"), [
    ("missing-value", "missing value has no kf:value"),
    ("two-years", "exactly one of kf:fiscalYear or kf:calendarYear"),
    ("no-code", "no code of the form 7-1-2"),
    ("inferred-silent", "inferred code needs kf:inferred"),
    ("id-shared", "Budget ID conflict"),
])
def test_policy_shapes_catch_defects(fixture_graph, defect, needle):
    g = Graph() + fixture_graph
    if defect == "missing-value":
        m = next(g.subjects(RDF.type, KF.MissingValue))
        g.add((m, KF.value, Literal(Decimal(0), datatype=XSD.decimal)))
    elif defect == "two-years":
        o = next(g.subjects(RDF.type, KF.Observation))
        g.add((o, KF.calendarYear, Literal(2020)))
    elif defect == "no-code":
        a = next(g.subjects(RDF.type, KF.AchievementGoal))
        g.set((a, KF.sectionNumber, Literal("row3")))
    elif defect == "inferred-silent":
        a = next(s for s in g.subjects(KF.codeRule, Literal("inferred")))
        g.remove((a, KF.uncertain, None))
    elif defect == "id-shared":
        b = next(g.subjects(RDF.type, KF.BudgetProgram))
        g.add((b, KF.idAnomaly, Literal("id-shared")))
    assert any(needle in r for r in _policy_results(g)), needle
