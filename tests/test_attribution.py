"""Attribution: every traced item says why it traces to a plan (direct, series, via-plan, document), document-level
items are scored for relevance, the default answer keeps the direct and relevant ones (--all / all=true add the
rest, flagged), indicators of a parent row count for a citing objective, and coverage applies the same rule —
on an invented fixture for each rule, and on the corpus for the figures of issue 14."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_file
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lineage_fixtures import fixture_store
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from keifu.api.lineage import router
from keifu.api.named_queries import bound_query, parse_query_file
from keifu.cli import main
from keifu.graph.attribution import RELEVANT, _context, plan_keywords, policy_fields
from keifu.graph.build import build
from keifu.graph.lineage import LINEAGE_GRAPH, index_for
from keifu.graph.lineage.coverage import coverage
from keifu.graph.lineage.trace import DOWN_NOTE, SERIES_NOTE, trace
from keifu.graph.store import Store
from keifu.graph.validate import ontology_graph
from keifu.graph.vocab import CONCEPT_BASE, KF, sparql_prefixes

EX = "https://w3id.org/keifu/id/test/"
REPO = Path(__file__).resolve().parents[1]
IND = str(KF.Indicator)
FIXTURE = "lineage_attribution.ttl"


@pytest.fixture(scope="module")
def store() -> Store:
    return fixture_store(FIXTURE)


@pytest.fixture(scope="module")
def idx(store: Store):
    return index_for(store)


def by_iri(result) -> dict[str, object]:
    return {r.node: r for r in result.rows}


# --- the vocabulary ----------------------------------------------------------------------------------


def test_attribution_kinds_and_policy_fields_are_skos_data() -> None:
    g = ontology_graph()
    scheme = URIRef(CONCEPT_BASE + "attribution")
    kinds = {str(c).rsplit("/", 1)[-1]: c for c in g.subjects(SKOS.inScheme, scheme)}
    assert set(kinds) == {"direct", "document", "via-plan", "series"}
    for c in kinds.values():
        assert {lbl.language for lbl in g.objects(c, SKOS.prefLabel)} == {"ja", "en"}
        assert {d.language for d in g.objects(c, SKOS.definition)} == {"ja", "en"}
    fields = policy_fields()
    assert len(fields) >= 10 and all(fields.values())
    props = {str(c).rsplit("/", 1)[-1]: p for p, c in g.subject_objects(KF.attributionKind)}
    assert set(props) == set(kinds)  # one sub-property of kf:attributedTo per kind
    for p in props.values():
        assert (p, RDFS.subPropertyOf, KF.attributedTo) in g and (p, RDF.type, OWL.ObjectProperty) in g
    # a plan's fields come from its name; a general plan falls in none
    assert "診断" in plan_keywords(["架空健康・医療総合戦略"])
    assert not plan_keywords(["架空科学技術総合計画"])


# --- each rule on the fixture ------------------------------------------------------------------------


def test_document_level_items_are_scored_and_only_relevant_ones_are_the_default(idx) -> None:
    rows = by_iri(trace(idx, EX + "PH"))
    # Ⅲ.1 by its title, Ⅲ.3 by its body text; agency F by its name (what it is for)
    assert {EX + "IE1", EX + "IE3", EX + "IF1"} <= set(rows)
    assert rows[EX + "IE1"].attribution.kind == "document" and rows[EX + "IE1"].attribution.relevance == 1.0
    assert rows[EX + "IE3"].attribution.relevance >= RELEVANT
    assert rows[EX + "IF1"].attribution.relevance == 0.8
    # the accelerator and the basic research rows are not about health: outside the default answer
    assert EX + "IE2" not in rows and EX + "IE4" not in rows and EX + "IE5" not in rows
    every = by_iri(trace(idx, EX + "PH", everything=True))
    for n in ("IE2", "IE4", "IE5"):
        r = every[EX + n]
        assert r.attribution.kind == "document" and r.attribution.relevance < RELEVANT and not r.default, n
        assert "[--all]" in r.how()
    assert all(every[n].default for n in rows)
    # the document-level step cites the position chapter's citation or the diagram's
    last = rows[EX + "IE1"].steps[-1]
    assert last.prop == "basedOn" and last.line in (8, 300) and last.file == "907_attribution.txt"


def test_citing_sentence_is_the_context_of_a_position_chapter_citation(idx) -> None:
    ctx = _context(idx, EX + "PH", EX + "E1")
    assert "がんの早期診断と治療" in ctx and "加速器の共用" not in ctx  # the sentence, not the paragraph


def test_plan_of_no_field_applies_to_the_whole_document(idx) -> None:
    rows = by_iri(trace(idx, EX + "PG"))
    assert {EX + f"IE{k}" for k in range(1, 7)} <= set(rows)
    assert all(r.default for r in rows.values())
    assert rows[EX + "IE4"].attribution.kind == "document" and rows[EX + "IE4"].attribution.relevance is None


def test_direct_citation_beats_document_level(idx) -> None:
    rows = by_iri(trace(idx, EX + "PG7"))
    r = rows[EX + "IE2"]  # Ⅲ.2 cites the 7th edition; the diagram cites the series for the whole document
    assert r.attribution.kind == "direct" and r.attribution.anchor == EX + "E32"
    assert [s.prop for s in r.steps] == ["hasIndicator", "basedOn"] and r.steps[-1].line == 31


def test_edition_cited_counts_for_its_series(idx) -> None:
    r = by_iri(trace(idx, EX + "PG"))[EX + "IE2"]
    assert r.attribution.kind == "series" and r.attribution.cited == EX + "PG7"
    assert [s.prop for s in r.steps] == ["hasIndicator", "basedOn", "dcterms:isVersionOf"]
    assert r.as_dict()["evidence"][-1]["edge"] == "dcterms:isVersionOf"


def test_series_cited_counts_for_the_edition_in_force(idx) -> None:
    six = by_iri(trace(idx, EX + "PG6"))
    r = six[EX + "IF2"]  # agency F cites the series in Ⅲ.2; its period (2020–2025) is the 6th edition's
    assert r.attribution.kind == "series" and r.attribution.cited == EX + "PG"
    assert [s.prop for s in r.steps] == ["hasIndicator", "basedOn", "dcterms:isVersionOf"]
    assert r.steps[-1].note == SERIES_NOTE and r.chain[-2:] == ["架空科学技術総合計画", "第6期架空科学技術総合計画"]
    assert not any(n.startswith(EX + "IE") for n in six)  # agency E's period starts after the 7th edition
    seven = by_iri(trace(idx, EX + "PG7"))
    assert EX + "IF2" not in seven
    assert seven[EX + "IE2"].attribution.kind == "direct"  # its own citation of the 7th edition
    assert seven[EX + "IE4"].attribution.kind == "document" and seven[EX + "IE4"].attribution.cited == EX + "PG"


def test_plan_based_on_the_plan_asked_for_is_via_plan(idx) -> None:
    rows = by_iri(trace(idx, EX + "PH"))
    r = rows[EX + "IE6"]
    assert r.attribution.kind == "via-plan" and r.attribution.cited == EX + "PM" and r.default
    assert r.chain[-2:] == ["架空医療研究推進計画", "架空健康・医療総合戦略"]
    assert by_iri(trace(idx, EX + "PM"))[EX + "IE6"].attribution.kind == "direct"


def test_row_indicators_count_for_the_citing_objective_below(idx) -> None:
    res = trace(idx, EX + "PB")
    rows = by_iri(res)
    assert set(rows) == {EX + "IE4", EX + "IE5"}  # Ⅲ.4.(2) holds none; the row of Ⅲ.4 holds both
    r = rows[EX + "IE5"]
    assert r.attribution.kind == "direct" and r.attribution.inherited == EX + "E34"
    assert r.inherited_label == "Ⅲ.4 基盤研究の推進"
    down = [s for s in r.steps if s.note == DOWN_NOTE]
    assert [(s.lower, s.higher) for s in down] == [(EX + "E34", EX + "E342")] and down[0].line == 56
    assert r.steps[-1].prop == "basedOn" and r.steps[-1].line == 57
    light = by_iri(trace(idx, EX + "PB", evidence=False))[EX + "IE5"]
    assert not light.steps and light.chain == ["収集した標本の数", "Ⅲ.4 基盤研究の推進", "Ⅲ.4.(2) 生物資源の研究", "架空バイオ資源戦略"]
    # the objective beside the citing one gets nothing from it
    goals = by_iri(trace(idx, EX + "PB", classes=[str(KF.Objective)]))
    assert EX + "E342" in goals and EX + "E341" not in goals and EX + "E34" not in goals


def test_materialised_attributions_and_default_traces(store: Store) -> None:
    g = f"<{LINEAGE_GRAPH}>"
    traces = {(r["s"].value, r["o"].value) for r in store.ox.query(
        f"SELECT ?s ?o WHERE {{ GRAPH {g} {{ ?s <{KF.tracesTo}> ?o }} }}")}
    assert (EX + "IE1", EX + "PH") in traces and (EX + "IE2", EX + "PH") not in traces
    # every pair is written with the property of its kind; the kind is read from the ontology's annotation
    onto = ontology_graph()
    kind_of = {str(p): str(c).rsplit("/", 1)[-1] for p, c in onto.subject_objects(KF.attributionKind)}
    values = " ".join(f"<{p}>" for p in kind_of)
    q = f"SELECT ?n ?p WHERE {{ VALUES ?p {{ {values} }} GRAPH {g} {{ ?n ?p <{EX}PH> }} }}"
    kinds = {r["n"].value: kind_of[r["p"].value] for r in store.ox.query(q)}
    assert kinds[EX + "IE2"] == "document" and kinds[EX + "IE6"] == "via-plan" and kinds[EX + "IE1"] == "document"
    assert {(n, EX + "PH") for n in kinds} >= {(s, o) for s, o in traces if o == EX + "PH"}  # tracesTo ⊑ attributedTo
    assert kinds[EX + "IE4"] == "document"
    pb = {r["n"].value: kind_of[r["p"].value] for r in store.ox.query(
        f"SELECT ?n ?p WHERE {{ VALUES ?p {{ {values} }} GRAPH {g} {{ ?n ?p <{EX}PB> }} }}")}
    assert pb[EX + "IE4"] == pb[EX + "IE5"] == "direct"  # the row's indicators, inherited by Ⅲ.4.(2)


def test_named_query_reads_attributions(store: Store) -> None:
    nq = parse_query_file(REPO / "queries" / "attributions.rq")
    rows = list(store.select(sparql_prefixes() + bound_query(nq, {"plan": "架空健康"})))
    got = {(r["indicator"], r["kind"].rsplit("/", 1)[-1], r["inDefault"]) for r in rows}
    assert (EX + "IE6", "via-plan", "true") in got and (EX + "IE2", "document", "false") in got
    assert (EX + "IE1", "document", "true") in got and len(got) == 8


def test_coverage_uses_the_same_rule_as_trace(idx) -> None:
    rep = {p.plan: p for p in coverage(idx).plans}
    goals = sorted(str(c) for c in (KF.Goal, KF.Objective))
    for plan in (EX + "PH", EX + "PB", EX + "PG", EX + "PM"):
        res = trace(idx, plan, classes=[IND, *goals])
        assert rep[plan].agencies == len({r.agency for r in res.rows if r.agency}), plan
        assert rep[plan].indicators == sum(1 for r in res.rows if r.cls == "Indicator"), plan
    assert rep[EX + "PH"].agencies == 2 and rep[EX + "PB"].indicators == 2


def test_cli_and_api_flag_the_rest(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "st"
    fixture_store(FIXTURE, path=path).close()
    assert main(["trace", "架空健康・医療総合戦略", "--store", str(path), "--format", "json"]) == 0
    default = json.loads(capsys.readouterr().out)
    assert main(["trace", "架空健康・医療総合戦略", "--store", str(path), "--format", "json", "--all"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert default["all"] is False and every["all"] is True
    assert all(r["default"] for r in default["rows"]) and default["count"] == every["default_count"]
    flagged = [r for r in every["rows"] if not r["default"]]
    assert {r["iri"] for r in flagged} == {EX + "IE2", EX + "IE4", EX + "IE5"}
    assert all(r["attribution"] == "document" and r["relevance"] < RELEVANT for r in flagged)
    assert main(["trace", "架空健康・医療総合戦略", "--store", str(path), "--all"]) == 0
    table = capsys.readouterr().out
    assert "attribution 帰属" in table and "[--all]" in table and "via-plan" in table
    assert main(["trace", "架空健康・医療総合戦略", "--store", str(path), "--format", "csv"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert "attribution,relevance,default" in csv_lines[0] and len(csv_lines) == default["count"] + 1
    app = FastAPI()
    app.include_router(router)
    app.state.store = store
    client = TestClient(app)
    api_default = client.get("/trace", params={"plan": EX + "PH"}).json()
    api_all = client.get("/trace", params={"plan": EX + "PH", "all": "true"}).json()
    assert {r["iri"] for r in api_default["rows"]} == {r["iri"] for r in default["rows"]}
    assert {r["iri"] for r in api_all["rows"] if not r["default"]} == {r["iri"] for r in flagged}


# --- corpus: the figures of issue 14 ----------------------------------------------------------------

HEALTH_WORDS = ("健康", "医療", "医学", "生命")  # the health area of an agency, read from its section titles


@pytest.fixture(scope="module")
def corpus_idx(tmp_path_factory: pytest.TempPathFactory):
    corpus_file("000")
    s = Store(tmp_path_factory.mktemp("attribution") / "store")
    results = list(build([CORPUS], s, validate=False))
    assert all(r.error is None for r in results)
    return index_for(s)


def _agency_indicators(idx, agency_word: str) -> set[str]:
    docs = {d for d, (_, label) in idx.agency_of_doc.items() if agency_word in label
            and str(KF.ObjectivesDocument) in idx.types.get(d, ())}
    return {n for n, t in idx.types.items() if IND in t and idx.doc_of.get(n) in docs}


def _health(idx, node: str) -> bool:
    """Under an objective whose title names health, medicine or life (the objective subtree)."""
    return any(w in idx.labels.get(a, "") for a in idx.ancestors(node) for w in HEALTH_WORDS)


def test_corpus_health_strategy_precision_and_recall(corpus_idx) -> None:
    idx = corpus_idx
    res = trace(idx, "健康・医療戦略")
    got = {r.node for r in res.rows}
    qst = _agency_indicators(idx, "量子科学技術研究開発機構")
    amed = _agency_indicators(idx, "日本医療研究開発機構")
    if not qst or not amed:
        pytest.skip("QST or AMED indicators are not in the corpus graph")
    amed_oo = {n for n in amed if idx.indicator_kind.get(n) in ("outcome", "output")}
    qst_health = {n for n in qst if _health(idx, n)}
    assert amed_oo and qst_health and len(qst_health) < len(qst)
    recall_amed = len(got & amed_oo) / len(amed_oo)
    recall_qst = len(got & qst_health) / len(qst_health)
    precision_qst = len(got & qst_health) / max(1, len(got & qst))
    assert recall_amed >= 0.85, recall_amed
    assert recall_qst >= 0.85, recall_qst
    assert precision_qst >= 0.70, precision_qst
    # --all still returns the rest of QST's indicators, flagged
    every = trace(idx, "健康・医療戦略", everything=True)
    rows = {r.node: r for r in every.rows}
    assert qst <= set(rows)
    assert {n for n, r in rows.items() if r.default} == got
    assert all(rows[n].attribution.kind == "document" for n in qst - got)


def test_corpus_riken_life_science_indicators_come_from_the_parent_row(corpus_idx) -> None:
    idx = corpus_idx
    riken = _agency_indicators(idx, "理化学研究所")
    rows = [r for r in trace(idx, "健康・医療戦略").rows if r.node in riken]
    assert rows, "no RIKEN indicator traces to 健康・医療戦略"
    for r in rows:
        assert r.attribution.kind == "direct" and r.attribution.inherited and r.default
        assert any(s.note == DOWN_NOTE for s in r.steps)
        assert r.steps[-1].prop == "basedOn" and "健康・医療戦略" in (r.steps[-1].quote or "")
        anchor = idx.labels.get(r.attribution.anchor, "")
        assert "生命" in anchor, anchor


def test_corpus_coverage_and_trace_agree_on_agencies(corpus_idx) -> None:
    idx = corpus_idx
    plan = trace(idx, "健康・医療戦略").plan.iri
    cov = {p.plan: p for p in coverage(idx).plans}[plan]
    goals = sorted(str(c) for c in (KF.Goal, KF.Objective))
    with_goals = trace(idx, plan, classes=[IND, *goals])
    indicators_only = trace(idx, plan)
    assert cov.agencies == len({r.agency for r in with_goals.rows if r.agency})
    assert cov.agencies == len({r.agency for r in indicators_only.rows if r.agency}) >= 3
    assert cov.indicators == len(indicators_only.rows)
