"""Evaluation RDF: rows, axes, indicators, targets, markers; plan links in the store; evaluation shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, SAMPLES, corpus_file
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SH

from keifu.extract.pipeline import extract_file
from keifu.graph.build import build
from keifu.graph.emit import emit_file
from keifu.graph.emit.evaluation import LINK_NOTE, link_plans
from keifu.graph.store import Store
from keifu.graph.validate import shapes_graph, validate_graph
from keifu.graph.vocab import KF, concept

FIXTURES = REPO / "tests" / "fixtures"
KFSH = Namespace("https://w3id.org/keifu/shapes#")
EVAL_SHAPES = REPO / "shapes" / "evaluation.ttl"


@pytest.fixture(scope="module")
def table_graph() -> Graph:
    return emit_file(extract_file(FIXTURES / "axis_interleaved.txt"))


@pytest.fixture(scope="module")
def body_graph() -> Graph:
    return emit_file(extract_file(FIXTURES / "axis_body_indicators.txt"))


def _label(g: Graph, node: URIRef) -> str:
    return str(g.value(node, RDFS.label))


def test_rows_axes_and_indicators_hang_off_their_objective(table_graph: Graph) -> None:
    g = table_graph
    rows = sorted(g.subjects(RDF.type, KF.EvaluationRow), key=lambda r: int(g.value(r, KF.order)))
    assert len(rows) == 6
    first = g.value(rows[0], KF.evaluates)
    assert _label(g, first) == "自律型探査機の開発"
    axes = sorted(g.objects(first, KF.hasAxis), key=lambda a: int(g.value(a, KF.line)))
    assert [_label(g, a) for a in axes][1] == "開発成果を社会に橋渡しする取組が進んでいるか。"
    kinds = sorted(str(g.value(i, KF.indicatorKind)).rsplit("/", 1)[-1] for i in g.objects(first, KF.hasIndicator))
    assert kinds == ["evaluation", "evaluation", "monitoring", "monitoring"]
    for node in [*rows, *axes]:
        assert g.value(node, KF.inDocument) is not None and g.value(node, PROV.wasDerivedFrom) is not None
        assert g.value(node, KF.line) is not None and g.value(node, KF.quote) is not None
    assert (rows[0], KF.note, Literal("※評価に当たっては安全確保の観点を含むこと。", lang="ja")) in g


def test_uncertain_and_unmatched_rows_are_visible(table_graph: Graph) -> None:
    g = table_graph
    fuzzy = [r for r in g.subjects(RDF.type, KF.EvaluationRow) if g.value(r, KF.uncertain)]
    assert any("fuzzy" in str(g.value(r, KF.uncertain)) for r in fuzzy)
    assert any("content" in str(g.value(r, KF.uncertain)) for r in fuzzy)
    unmatched = [r for r in g.subjects(RDF.type, KF.EvaluationRow) if g.value(r, KF.evaluates) is None]
    assert len(unmatched) == 2
    _, results, _ = validate_graph(g)
    warned = {r.line for r in results if r.shape == str(KFSH.RowEvaluatesShape)}
    assert warned == {int(g.value(r, KF.line)) for r in unmatched}


def test_body_indicators_and_markers(body_graph: Graph) -> None:
    g = body_graph
    kinds = [str(g.value(i, KF.indicatorKind)).rsplit("/", 1)[-1] for i in g.subjects(RDF.type, KF.Indicator)]
    assert sorted(kinds) == ["outcome", "outcome", "output", "output", "strategic-goal", "strategic-goal"]
    env = next(o for o in g.subjects(RDF.type, KF.Objective) if _label(g, o) == "研究環境の整備")
    assert (env, KF.importance, Literal("高")) in g and (env, KF.difficulty, Literal("高")) in g
    assert str(g.value(env, KF.targetRationale)).startswith("外部の利用状況")


def test_body_targets_in_rdf(body_graph: Graph) -> None:
    pytest.importorskip("keifu.extract.targets", reason="the shared target parser (extract/targets.py) is not in this tree yet")
    g = body_graph
    targets = list(g.subjects(RDF.type, KF.Target))
    assert targets
    for t in targets:
        assert g.value(t, KF.expression) is not None and g.value(t, KF.inDocument) is not None
    assert any(g.value(t, KF.targetKind) == concept("target-kind", "cumulative") for t in targets)


def test_build_summary_counts_indicator_kinds(tmp_path: Path) -> None:
    results = list(build([FIXTURES / "axis_interleaved.txt"], Store(tmp_path / "st"), validate=False, jobs=1))
    counts = results[0].documents[0].counts
    assert counts["EvaluationRow"] == 6 and counts["EvaluationAxis"] == 7
    assert counts["Indicator.evaluation"] == 7 and counts["Indicator.monitoring"] == 4
    assert counts["Indicator"] == 11


# --- plan links over the store -----------------------------------------------------------------------


def test_link_plans_writes_implements_into_the_plan_graph(tmp_path: Path) -> None:
    store = Store(tmp_path / "st")
    reports = []
    list(build([SAMPLES / "annual_plan.txt", SAMPLES / "objectives_compendium.txt"], store, validate=False,
               jobs=1, on_links=reports.append))
    rows = list(store.select("""PREFIX kf: <https://w3id.org/keifu/ns#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?g ?pl ?ol WHERE { GRAPH ?g { ?p kf:implements ?o } ?p rdfs:label ?pl . ?o rdfs:label ?ol }"""))
    assert rows and all(r["g"].endswith("annual_plan.txt") for r in rows)
    assert {(r["pl"], r["ol"]) for r in rows} >= {("深海観測技術の高度化", "深海観測技術の高度化"),
                                                 ("航法技術の開発", "自律型探査機の開発")}
    assert reports and any("予算" in line for line in reports[0].lines())
    # relinking replaces, never duplicates
    before = len(store)
    link_plans(store)
    assert len(store) == before
    notes = list(store.select(f"""PREFIX kf: <https://w3id.org/keifu/ns#>
        SELECT ?u WHERE {{ ?p kf:uncertain ?u FILTER(STRSTARTS(?u, "{LINK_NOTE}")) }}"""))
    assert notes  # ancestor / renamed links say so


def test_corpus_qst_plan_links_in_the_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "st")
    reports = []
    list(build([corpus_file("000"), corpus_file("001")], store, validate=False, jobs=1, on_links=reports.append))
    n = next(store.select("PREFIX kf: <https://w3id.org/keifu/ns#> SELECT (COUNT(*) AS ?n) WHERE { ?p kf:implements ?o }"))
    assert int(n["n"]) == 78
    (res,) = reports[0].plans.values()
    assert len(res.unmatched) == 10 and res.count("renamed") == 2


# --- shapes ------------------------------------------------------------------------------------------


def _good() -> Graph:
    return emit_file(extract_file(FIXTURES / "axis_interleaved.txt")) + emit_file(
        extract_file(FIXTURES / "axis_body_indicators.txt"))


def _fired(g: Graph) -> set[str]:
    _, report, _ = validate(g, shacl_graph=Graph().parse(EVAL_SHAPES), inference="none", advanced=True,
                            allow_warnings=True)
    return {str(s).rsplit("#", 1)[-1] for s in report.objects(None, SH.sourceShape)}


def _first(g: Graph, cls: URIRef) -> URIRef:
    return sorted(g.subjects(RDF.type, cls))[0]


def _drop(p: URIRef, cls: URIRef):  # noqa: ANN202
    def mutate(g: Graph) -> None:
        n = _first(g, cls)
        g.remove((n, p, None))
    return mutate


def _no_owner(g: Graph) -> None:
    ind = _first(g, KF.Indicator)
    g.remove((None, KF.hasIndicator, ind))


def _target_without_year(g: Graph) -> None:
    t = URIRef("https://w3id.org/keifu/id/test/target")
    doc = _first(g, KF.ObjectivesDocument)
    g.add((t, RDF.type, KF.Target))
    g.add((t, KF.inDocument, doc))
    g.add((t, KF.expression, Literal("令和11年度までに200件", lang="ja")))
    g.add((t, KF.targetValue, Literal("200", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))))


def _uncovered(g: Graph) -> None:
    for s, p, o in list(g.triples((None, KF.hasAxis, None))) + list(g.triples((None, KF.hasIndicator, None))):
        if str(g.value(s, RDFS.label)) in ("自律型探査機の開発",) or str(g.value(o, KF.inRow)).endswith("row/1"):
            g.remove((s, p, o))


def _no_framework(g: Graph) -> None:
    """No axis or indicator, and no item under the quality chapter (with items, each is reported instead)."""
    for cls in (KF.EvaluationAxis, KF.Indicator):
        for n in list(g.subjects(RDF.type, cls)):
            g.remove((n, RDF.type, cls))
    for top in [c for c, r in g.subject_objects(KF.chapterRole) if "quality" in str(r)]:
        for item in list(g.subjects(KF.partOf, top)):
            g.remove((item, KF.partOf, top))


CASES = [
    ("RowLabelShape", _drop(RDFS.label, KF.EvaluationRow)),
    ("RowInDocumentShape", _drop(KF.inDocument, KF.EvaluationRow)),
    ("RowEvaluatesShape", _drop(KF.evaluates, KF.EvaluationRow)),
    ("AxisLabelShape", _drop(RDFS.label, KF.EvaluationAxis)),
    ("AxisInDocumentShape", _drop(KF.inDocument, KF.EvaluationAxis)),
    ("IndicatorLabelShape", _drop(RDFS.label, KF.Indicator)),
    ("IndicatorKindRequiredShape", _drop(KF.indicatorKind, KF.Indicator)),
    ("IndicatorInDocumentShape", _drop(KF.inDocument, KF.Indicator)),
    ("IndicatorOwnerShape", _no_owner),
    ("TargetYearGivenShape", _target_without_year),
    ("TargetUnitGivenShape", _target_without_year),
    ("EvaluationCoverageShape", _uncovered),
    ("EvaluationFrameworkShape", _no_framework),
]


def test_fixtures_conform_apart_from_the_reported_rows() -> None:
    assert _fired(_good()) == {"RowEvaluatesShape", "EvaluationCoverageShape"}


@pytest.mark.parametrize("shape,mutate", CASES, ids=[c[0] for c in CASES])
def test_each_shape_catches_its_defect(shape: str, mutate) -> None:  # noqa: ANN001
    g = _good()
    mutate(g)
    assert shape in _fired(g)


def test_every_evaluation_shape_has_a_case_and_documentation() -> None:
    shapes = Graph().parse(EVAL_SHAPES)
    named = {str(s).rsplit("#", 1)[-1] for k in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, k)
             if (s, RDF.type, SH.NodeShape) not in shapes or not list(shapes.objects(s, SH.property))}
    assert named <= {c[0] for c in CASES}, named - {c[0] for c in CASES}
    for s in shapes.subjects(RDF.type, SH.NodeShape):
        for p in (SH.message, RDFS.comment):
            assert {o.language for o in shapes.objects(s, p)} >= {"ja", "en"}, (s, p)
        assert shapes.value(s, SH.severity) in (SH.Violation, SH.Warning, SH.Info)
    assert EVAL_SHAPES.name in {p.name for p in (REPO / "shapes").glob("*.ttl")} and len(shapes_graph()) > len(shapes)
