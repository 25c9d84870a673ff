"""The integrity shapes must accept a well-formed keifu graph and catch each defect they are written for,
with the right shape, severity and a bilingual message, so the lead can trust a failing report."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD

REPO = Path(__file__).resolve().parents[1]
KF = Namespace("https://w3id.org/keifu/ns#")
KFSH = Namespace("https://w3id.org/keifu/shapes#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ID = Namespace("https://w3id.org/keifu/id/test/")
CONCEPT = "https://w3id.org/keifu/ns/concept/"
DK, AK, PK = (Namespace(f"{CONCEPT}{s}/") for s in ("document-kind", "agency-kind", "plan-kind"))
IK, DBK, TK = (Namespace(f"{CONCEPT}{s}/") for s in ("indicator-kind", "deciding-body-kind", "target-kind"))
SHA = "0123456789abcdef" * 4



@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(REPO / "shapes" / "integrity.ttl")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(REPO / "ontology" / "keifu.ttl").parse(REPO / "ontology" / "concepts.ttl")


def _prov(g: Graph, node: URIRef, line: int, quote: str) -> None:
    g.add((node, PROV.wasDerivedFrom, ID.file))
    g.add((node, KF.line, Literal(line)))
    g.add((node, KF.lastLine, Literal(line + 2)))
    g.add((node, KF.quote, Literal(quote)))


def good_graph() -> Graph:
    """An invented agency with objectives, a plan item, a citation, an indicator chain and a budget programme."""
    g = Graph()
    g.add((ID.file, RDF.type, KF.SourceFile))
    g.add((ID.file, DCTERMS.title, Literal("999_example.txt")))
    g.add((ID.file, KF.sha256, Literal(SHA)))

    g.add((ID.agency, RDF.type, KF.Agency))
    g.add((ID.agency, RDFS.label, Literal("国立研究開発法人架空技術機構", lang="ja")))
    g.add((ID.agency, KF.agencyKind, AK["national-rd-agency"]))
    g.add((ID.ministry, RDF.type, KF.GovernmentBody))
    g.add((ID.ministry, RDFS.label, Literal("架空省", lang="ja")))
    g.add((ID.ministry, KF.decidingBodyKind, DBK.ministry))

    for doc, cls, kind in ((ID.doc, KF.ObjectivesDocument, DK["mid-long-term-objectives"]),
                           (ID.plan, KF.AgencyPlan, DK["annual-plan"])):
        g.add((doc, RDF.type, cls))
        g.add((doc, KF.documentKind, kind))
        g.add((doc, KF.setFor, ID.agency))
        g.add((doc, PROV.wasDerivedFrom, ID.file))
    g.add((ID.doc, KF.issuedBy, ID.ministry))
    g.add((ID.doc, KF["term"], Literal(3)))
    g.add((ID.doc, KF.periodStart, Literal("2025-04-01", datatype=XSD.date)))
    g.add((ID.doc, KF.periodEnd, Literal("2032-03-31", datatype=XSD.date)))
    g.add((ID.doc, KF.draft, Literal(True)))
    g.add((ID.doc, KF.dateText, Literal("令和７年〇月〇日")))
    g.add((ID.doc, KF.dateUnknown, Literal(True)))
    g.add((ID.plan, KF.issuedBy, ID.agency))
    g.add((ID.plan, KF.fiscalYear, Literal(2025)))

    objectives = (  # node, document, number, title, parent
        (ID.o1, ID.doc, "Ⅰ.", "架空技術の研究開発の推進", None),
        (ID.o2, ID.doc, "Ⅰ.1.", "試験設備の共用の拡大", ID.o1),
        (ID.o4, ID.doc, "Ⅱ.", "業務運営の見直し", None),
        (ID.o3, ID.plan, "Ⅰ.1.", "共用設備の利用者支援", None),
    )
    for i, (node, doc, number, title, parent) in enumerate(objectives, start=1):
        g.add((node, RDF.type, KF.Objective))
        g.add((node, RDF.type, KF.Goal))  # the emitter states the superclass too, so queries need no inference
        g.add((node, RDFS.label, Literal(title, lang="ja")))
        g.add((node, KF.sectionNumber, Literal(number)))
        g.add((node, KF.inDocument, doc))
        if parent is not None:
            g.add((node, KF.partOf, parent))
        _prov(g, node, 10 * i, f"{number}{title} ")
    g.add((ID.o3, KF.implements, ID.o2))
    g.add((ID.o3, KF.page, Literal(2)))

    g.add((ID.nplan, RDF.type, KF.NationalPlan))
    g.add((ID.nplan, RDFS.label, Literal("第９期架空技術振興基本計画", lang="ja")))
    g.add((ID.nplan, KF.planKind, PK["basic-plan"]))
    g.add((ID.nplan, KF.edition, Literal(9)))
    g.add((ID.nplan, KF.decisionDate, Literal("2026-03-27", datatype=XSD.date)))
    g.add((ID.law, RDF.type, KF.Law))
    g.add((ID.law, RDFS.label, Literal("架空技術機構法", lang="ja")))
    g.add((ID.law, KF.lawNumber, Literal("平成30年法律第999号")))
    g.add((ID.law, KF.decisionDate, Literal("2018", datatype=XSD.gYear)))

    for cit, target, date, line in ((ID.cit, ID.nplan, Literal("2026-03", datatype=XSD.gYearMonth), 12),
                                    (ID.cit2, ID.law, None, 2)):
        g.add((cit, RDF.type, KF.Citation))
        g.add((cit, KF.cites, target))
        if date is not None:
            g.add((cit, KF.decisionDate, date))
        _prov(g, cit, line, "「第９期架空技術振興基本計画」（令和８年３月閣議決定）")
    g.add((ID.cit, KF.decisionVerb, Literal("閣議決定")))
    g.add((ID.cit, KF.decidingBodyKind, DBK.cabinet))
    g.add((ID.o1, KF.hasCitation, ID.cit))
    g.add((ID.o1, KF.basedOn, ID.nplan))

    g.add((ID.axis, RDF.type, KF.EvaluationAxis))
    g.add((ID.o2, KF.hasAxis, ID.axis))
    g.add((ID.ind, RDF.type, KF.Indicator))
    g.add((ID.ind, KF.indicatorKind, IK.evaluation))
    g.add((ID.axis, KF.hasIndicator, ID.ind))
    g.add((ID.tgt, RDF.type, KF.Target))
    g.add((ID.tgt, KF.expression, Literal("1,200件（2030年度）", lang="ja")))
    g.add((ID.tgt, KF.targetValue, Literal(Decimal("1200"))))
    g.add((ID.tgt, KF.targetFiscalYear, Literal(2030)))
    g.add((ID.tgt, KF.targetKind, TK.absolute))
    g.add((ID.ind, KF.hasTarget, ID.tgt))
    g.add((ID.obs, RDF.type, KF.Observation))
    g.add((ID.obs, KF.value, Literal(Decimal("980"))))
    g.add((ID.obs, KF.fiscalYear, Literal(2024)))
    g.add((ID.obs, KF.inferred, Literal(True)))
    g.add((ID.obs, KF.uncertain, Literal("year-from-column-order")))
    g.add((ID.ind, KF.hasObservation, ID.obs))
    for node, line in ((ID.axis, 40), (ID.ind, 42), (ID.tgt, 42), (ID.obs, 44)):
        _prov(g, node, line, "架空の評価軸と指標の行 ")

    g.add((ID.budget, RDF.type, KF.BudgetProgram))
    g.add((ID.budget, KF.budgetProgramId, Literal("009999")))
    g.add((ID.budget, KF.contributesTo, ID.o2))
    return g


def _swap(s: URIRef, p: URIRef, *values) -> Callable[[Graph], None]:
    """A mutation that replaces every value of (s, p) with the given values (none = remove)."""
    def mutate(g: Graph) -> None:
        g.remove((s, p, None))
        for v in values:
            g.add((s, p, v if isinstance(v, URIRef | Literal) else Literal(v)))
    return mutate


def _add(s: URIRef, p: URIRef, o) -> Callable[[Graph], None]:
    return lambda g: g.add((s, p, o))


def _all(*mutations: Callable[[Graph], None]) -> Callable[[Graph], None]:
    def mutate(g: Graph) -> None:
        for m in mutations:
            m(g)
    return mutate


def _date(text: str, dt: URIRef = XSD.date) -> Literal:
    return Literal(text, datatype=dt)


CASES: list[tuple[str, str, Callable[[Graph], None], set[str]]] = [
    # (case id, shape expected to fire, mutation, other shapes allowed to fire alongside)
    ("label-missing", "ObjectiveLabelShape", _swap(ID.o1, RDFS.label), set()),
    ("label-english-only", "ObjectiveLabelShape", _swap(ID.o1, RDFS.label, Literal("R&D", lang="en")), set()),
    ("label-two", "ObjectiveLabelShape", _add(ID.o1, RDFS.label, Literal("別名", lang="ja")), set()),
    ("label-blank", "ObjectiveLabelShape", _swap(ID.o1, RDFS.label, Literal("  ", lang="ja")), set()),
    ("section-missing", "ObjectiveSectionNumberShape", _swap(ID.o4, KF.sectionNumber), set()),
    ("section-two", "ObjectiveSectionNumberShape", _add(ID.o4, KF.sectionNumber, Literal("2.")), set()),
    ("indoc-missing", "ObjectiveInDocumentShape", _swap(ID.o3, KF.inDocument), set()),
    ("indoc-not-document", "ObjectiveInDocumentShape", _swap(ID.o3, KF.inDocument, ID.nplan), set()),
    ("indoc-two", "ObjectiveInDocumentShape", _add(ID.o3, KF.inDocument, ID.doc), set()),
    ("partof-two", "ObjectivePartOfShape", _add(ID.o2, KF.partOf, ID.o4), set()),
    ("parent-not-goal", "ParentIsGoalShape", _swap(ID.o2, KF.partOf, ID.nplan), {"ParentSameDocumentShape"}),
    ("parent-other-document", "ParentSameDocumentShape", _swap(ID.o2, KF.partOf, ID.o3), set()),
    ("partof-cycle", "PartOfCycleShape", _add(ID.o1, KF.partOf, ID.o2), set()),
    ("derived-missing", "DerivedFromShape", _swap(ID.ind, PROV.wasDerivedFrom), set()),
    ("derived-not-file", "DerivedFromShape", _swap(ID.ind, PROV.wasDerivedFrom, ID.agency), set()),
    ("line-missing", "LineShape", _swap(ID.cit, KF.line), set()),
    ("line-zero", "LineShape", _swap(ID.cit, KF.line, 0), set()),
    ("line-string", "LineShape", _swap(ID.cit, KF.line, Literal("12")), {"LineOrderShape"}),
    # (without a kf:lastLine: pyshacl's sh:lessThanOrEquals raises on an ill-typed value)
    ("line-ill-typed", "LineShape", _all(_swap(ID.cit, KF.lastLine),
                                         _swap(ID.cit, KF.line, Literal("twelve", datatype=XSD.integer))), set()),
    ("indoc-two-literals", "ObjectiveInDocumentShape", _swap(ID.o3, KF.inDocument, Literal("a"),
                                                             Literal("b", lang="en")), {"ParentSameDocumentShape"}),
    ("lastline-two", "LastLineShape", _add(ID.cit, KF.lastLine, Literal(20)), set()),
    ("line-after-lastline", "LineOrderShape", _swap(ID.axis, KF.lastLine, 39), set()),
    ("page-zero", "PageShape", _swap(ID.o3, KF.page, 0), set()),
    ("lastpage-zero", "LastPageShape", _add(ID.o3, KF.lastPage, Literal(0)), {"PageOrderShape"}),
    ("lastpage-two", "LastPageShape", _all(_add(ID.o3, KF.lastPage, Literal(3)), _add(ID.o3, KF.lastPage, Literal(4))),
     set()),
    ("page-after-lastpage", "PageOrderShape", _add(ID.o3, KF.lastPage, Literal(1)), set()),
    ("lastpage-without-page", "PageOrderShape", _all(_swap(ID.o3, KF.page), _add(ID.o3, KF.lastPage, Literal(3))),
     set()),
    ("quote-missing", "QuoteShape", _swap(ID.tgt, KF.quote), set()),
    ("quote-empty", "QuoteShape", _swap(ID.tgt, KF.quote, ""), set()),
    ("cites-missing", "CitationCitesShape", _swap(ID.cit, KF.cites), set()),
    ("cites-agency", "CitationCitesShape", _swap(ID.cit, KF.cites, ID.agency), set()),
    ("cites-two", "CitationCitesShape", _add(ID.cit, KF.cites, ID.law), set()),
    ("date-bad-month", "DecisionDateShape", _swap(ID.cit, KF.decisionDate, _date("2026-13", XSD.gYearMonth)), set()),
    ("date-impossible-day", "DecisionDateShape", _swap(ID.nplan, KF.decisionDate, _date("2026-02-30")), set()),
    ("date-29-feb-common-year", "DecisionDateShape", _swap(ID.nplan, KF.decisionDate, _date("2023-02-29")), set()),
    ("date-era-text", "DecisionDateShape", _swap(ID.nplan, KF.decisionDate, "令和８年３月"), set()),
    ("date-bad-year", "DecisionDateShape", _swap(ID.law, KF.decisionDate, _date("H30", XSD.gYear)), set()),
    ("date-datetime", "DecisionDateShape", _swap(ID.law, KF.decisionDate, _date("2018-01-01T00:00:00", XSD.dateTime)), set()),
    ("period-reversed", "PeriodShape", _swap(ID.doc, KF.periodEnd, _date("2020-03-31")), set()),
    ("period-start-string", "PeriodShape", _swap(ID.doc, KF.periodStart, "2025-04-01"), set()),
    ("period-end-two", "PeriodEndShape", _add(ID.doc, KF.periodEnd, _date("2033-03-31")), set()),
    ("setfor-missing", "DocumentSetForShape", _swap(ID.doc, KF.setFor), set()),
    ("setfor-ministry", "DocumentSetForShape", _swap(ID.plan, KF.setFor, ID.ministry), set()),
    ("issuer-missing", "DocumentIssuedByShape", _swap(ID.doc, KF.issuedBy), set()),
    ("issuer-wrong-type", "DocumentIssuerClassShape", _swap(ID.doc, KF.issuedBy, ID.nplan), set()),
    ("document-no-source", "DocumentSourceShape", _swap(ID.plan, PROV.wasDerivedFrom), set()),
    ("term-zero", "TermShape", _swap(ID.doc, KF["term"], 0), set()),
    ("term-text", "TermShape", _swap(ID.doc, KF["term"], "第３期"), set()),
    ("fiscal-year-era", "FiscalYearShape", _swap(ID.plan, KF.fiscalYear, 7), set()),
    ("fiscal-year-two", "FiscalYearShape", _add(ID.obs, KF.fiscalYear, Literal(2023)), set()),
    ("target-year-far", "TargetFiscalYearShape", _swap(ID.tgt, KF.targetFiscalYear, 2200), set()),
    ("edition-zero", "EditionShape", _swap(ID.nplan, KF.edition, 0), set()),
    ("file-title-missing", "SourceFileTitleShape", _swap(ID.file, DCTERMS.title), set()),
    ("hash-upper", "SourceFileHashShape", _swap(ID.file, KF.sha256, SHA.upper()), set()),
    ("hash-short", "SourceFileHashShape", _swap(ID.file, KF.sha256, SHA[1:]), set()),
    ("plan-label-missing", "NationalPlanLabelShape", _swap(ID.nplan, RDFS.label), set()),
    ("expression-missing", "TargetExpressionShape", _swap(ID.tgt, KF.expression), set()),
    ("target-value-text", "TargetValueShape", _swap(ID.tgt, KF.targetValue, "1,200"), set()),
    ("observation-placeholder", "ObservationValueShape", _swap(ID.obs, KF.value, "集計中"), set()),
    ("budget-id-missing", "BudgetProgramIdShape", _swap(ID.budget, KF.budgetProgramId), set()),
    ("budget-id-prefixed", "BudgetProgramIdShape", _swap(ID.budget, KF.budgetProgramId, "ID009999"),
     {"BudgetProgramIdFormatShape"}),
    ("budget-id-seven-digits", "BudgetProgramIdFormatShape", _swap(ID.budget, KF.budgetProgramId, "0099990"), set()),
    ("inferred-without-rule", "InferredRuleShape", _swap(ID.obs, KF.uncertain), set()),
    ("document-kind-typo", "DocumentKindShape", _swap(ID.doc, KF.documentKind, DK["mid-long-term-objective"]), set()),
    ("document-kind-two", "DocumentKindShape", _add(ID.doc, KF.documentKind, DK["mid-term-objectives"]), set()),
    ("agency-kind-typo", "AgencyKindShape", _swap(ID.agency, KF.agencyKind, AK["national-rnd-agency"]), set()),
    ("plan-kind-other-scheme", "PlanKindShape", _swap(ID.nplan, KF.planKind, DK["annual-plan"]), set()),
    ("indicator-kind-typo", "IndicatorKindShape", _swap(ID.ind, KF.indicatorKind, IK["evaluation-indicator"]), set()),
    ("target-kind-typo", "TargetKindShape", _swap(ID.tgt, KF.targetKind, TK["absolute-value"]), set()),
    ("body-kind-literal", "DecidingBodyKindShape", _swap(ID.cit, KF.decidingBodyKind, "閣議"), set()),
]


def _run(g: Graph, shapes: Graph, ontology: Graph | None) -> tuple[bool, Graph]:
    conforms, report, _ = validate(g, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True,
                                   allow_warnings=True)
    return conforms, report


def _language(message: Literal) -> str:
    """pyshacl drops the language tag of SPARQL-constraint messages, so fall back to the script used."""
    if message.language:
        return message.language
    return "ja" if any("\u3040" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in message) else "en"


def _results(report: Graph) -> list[dict]:
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.append({"shape": report.value(r, SH.sourceShape), "severity": report.value(r, SH.resultSeverity),
                    "focus": report.value(r, SH.focusNode),
                    "messages": {_language(m) for m in report.objects(r, SH.resultMessage)}})
    return out


def _named_shapes(shapes: Graph) -> set[URIRef]:
    return {s for k in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, k)
            if isinstance(s, URIRef)}


def test_good_graph_conforms_without_warnings(shapes: Graph, ontology: Graph) -> None:
    conforms, report = _run(good_graph(), shapes, ontology)
    assert conforms, [(r["shape"], r["focus"]) for r in _results(report)]
    assert _results(report) == []


def test_good_graph_conforms_without_the_ontology(shapes: Graph) -> None:
    """Class checks list concrete classes, so a caller that forgets ont_graph gets the same verdict."""
    conforms, report = _run(good_graph(), shapes, None)
    assert conforms and _results(report) == []


@pytest.mark.parametrize("inference", ["rdfs", "both"])
def test_good_graph_conforms_under_inference(inference: str, shapes: Graph, ontology: Graph) -> None:
    """Domains and ranges must not entail types that make valid data fail when a caller turns inference on."""
    conforms, report, _ = validate(good_graph(), shacl_graph=shapes, ont_graph=ontology, inference=inference)
    assert conforms, [(r["shape"], r["focus"]) for r in _results(report)]


def test_shapes_graph_is_valid_shacl(shapes: Graph, ontology: Graph) -> None:
    conforms, _, text = validate(good_graph(), shacl_graph=shapes, ont_graph=ontology, inference="none",
                                 meta_shacl=True)
    assert conforms, text


@pytest.mark.parametrize(("case", "shape", "mutate", "also"), CASES, ids=[c[0] for c in CASES])
def test_each_shape_catches_its_defect(case: str, shape: str, mutate: Callable[[Graph], None], also: set[str],
                                       shapes: Graph, ontology: Graph) -> None:
    g = good_graph()
    mutate(g)
    _, report = _run(g, shapes, ontology)
    results = _results(report)
    fired = {str(r["shape"]).removeprefix(str(KFSH)) for r in results}
    assert shape in fired, f"{case}: {shape} did not fire; fired {fired}"
    assert fired <= {shape} | also, f"{case}: unexpected shapes {fired - {shape} - also}"
    severity = shapes.value(KFSH[shape], SH.severity)
    for r in results:
        if r["shape"] == KFSH[shape]:
            assert r["severity"] == severity
            assert {"ja", "en"} <= r["messages"], f"{case}: messages {r['messages']}"


def test_a_span_over_a_page_break_counts_its_last_line_on_its_last_page(shapes: Graph, ontology: Graph) -> None:
    """A PDF objective starting at line 30 of page 2 and ending at line 4 of page 3 is in order."""
    g = good_graph()
    _all(_swap(ID.o3, KF.line, 30), _swap(ID.o3, KF.lastLine, 4), _add(ID.o3, KF.lastPage, Literal(3)))(g)
    conforms, report = _run(g, shapes, ontology)
    assert conforms, [str(r["shape"]) for r in _results(report)]
    _swap(ID.o3, KF.lastPage)(g)  # the same lines on one page are out of order
    _, report = _run(g, shapes, ontology)
    assert "LineOrderShape" in {str(r["shape"]).removeprefix(str(KFSH)) for r in _results(report)}


@pytest.mark.parametrize("value", [_date("2024-02-29"), _date("2021-03-26"), _date("2021-03", XSD.gYearMonth),
                                   _date("2021", XSD.gYear), _date("2021-03-26+09:00")])
def test_valid_decision_dates_pass(value: Literal, shapes: Graph, ontology: Graph) -> None:
    """The quick path of DecisionDateShape and its full check agree on valid dates (leap day, time zone)."""
    g = good_graph()
    _swap(ID.nplan, KF.decisionDate, value)(g)
    _, report = _run(g, shapes, ontology)
    assert "DecisionDateShape" not in {str(r["shape"]).removeprefix(str(KFSH)) for r in _results(report)}


def test_missing_issuer_is_only_a_warning(shapes: Graph, ontology: Graph) -> None:
    g = good_graph()
    g.remove((ID.doc, KF.issuedBy, None))
    conforms, report = _run(g, shapes, ontology)
    assert conforms
    assert [r["severity"] for r in _results(report)] == [SH.Warning]
    strict, _, _ = validate(g, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=False)
    assert not strict


def test_document_check_holds_without_the_ontology(shapes: Graph) -> None:
    g = good_graph()
    _swap(ID.o3, KF.inDocument, ID.nplan)(g)
    _, report = _run(g, shapes, None)
    assert {r["shape"] for r in _results(report)} == {KFSH.ObjectiveInDocumentShape}


def test_every_shape_has_a_failing_case(shapes: Graph) -> None:
    tested = {KFSH[c[1]] for c in CASES}
    for s in _named_shapes(shapes):
        assert s in tested, f"{s} has no failing case"


TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target)


@pytest.mark.parametrize("path", sorted((REPO / "shapes").glob("*.ttl")), ids=lambda p: p.name)
def test_every_shape_runs_on_its_own_targets(path: Path) -> None:
    """A named shape with no target that nothing refers to never runs: pyshacl reports nothing, silently. Named
    property shapes carry their own targets rather than hang from a node shape's sh:property, which pyshacl
    evaluates once per focus node (about ten times slower on the corpus)."""
    g = Graph().parse(path)
    for s in _named_shapes(g):
        targeted = any((s, p, None) in g for p in TARGETS)
        assert targeted or (None, None, s) in g, f"{path.name}: {s} has no target and no referrer"
        assert (None, SH.property, s) not in g, f"{path.name}: {s} is nested with sh:property"


def test_every_shape_is_documented(shapes: Graph) -> None:
    named = _named_shapes(shapes)
    assert len(named) >= 40
    for s in named:
        assert shapes.value(s, SH.severity) in (SH.Violation, SH.Warning, SH.Info), s
        for p in (SH.message, RDFS.comment):
            langs = {o.language for o in shapes.objects(s, p)}
            assert {"ja", "en"} <= langs, f"{s} {p} languages {langs}"
    for c in shapes.objects(None, SH.sparql):
        assert {o.language for o in shapes.objects(c, SH.message)} >= {"ja", "en"}


def test_kind_lists_match_the_concept_schemes(shapes: Graph, ontology: Graph) -> None:
    """A concept added to concepts.ttl must also be accepted by its shape, and no shape may accept a non-concept."""
    for shape, scheme in (("DocumentKindShape", "document-kind"), ("AgencyKindShape", "agency-kind"),
                          ("PlanKindShape", "plan-kind"), ("IndicatorKindShape", "indicator-kind"),
                          ("TargetKindShape", "target-kind"), ("DecidingBodyKindShape", "deciding-body-kind")):
        allowed = set(Collection(shapes, shapes.value(KFSH[shape], SH["in"])))
        concepts = set(ontology.subjects(SKOS.inScheme, URIRef(CONCEPT + scheme)))
        assert allowed == concepts, f"{shape}: {allowed ^ concepts}"


def test_shapes_document_imports_the_ontology(shapes: Graph) -> None:
    head = URIRef("https://w3id.org/keifu/shapes")
    assert (head, OWL.imports, URIRef("https://w3id.org/keifu/ns")) in shapes
    prefixes = {str(shapes.value(d, SH.prefix)) for d in shapes.objects(head, SH.declare)}
    assert {"kf", "rdfs"} <= prefixes


# -- policy shapes: the year of an observation, each defect reported once -----------------------------------------


@pytest.fixture(scope="module")
def policy_shapes() -> Graph:
    return Graph().parse(REPO / "shapes" / "policy.ttl")


@pytest.mark.parametrize(("fiscal", "calendar", "fired"), [
    ([2024], [], set()),
    ([], [2024], set()),
    ([], [], {"ObservationYearShape"}),
    ([2023], [2024], {"ObservationYearShape"}),
    ([2024], [2024], {"ObservationYearKindShape"}),  # one value to the alternative path: the disjointness catches it
], ids=["fiscal", "calendar", "none", "both-differ", "both-same"])
def test_observation_year_defects_are_reported_once(fiscal: list[int], calendar: list[int], fired: set[str],
                                                     policy_shapes: Graph) -> None:
    g = Graph()
    obs = ID.observation
    g.add((obs, RDF.type, KF.Observation))
    g.add((obs, KF.value, Literal(Decimal("12"))))
    for y in fiscal:
        g.add((obs, KF.fiscalYear, Literal(y)))
    for y in calendar:
        g.add((obs, KF.calendarYear, Literal(y)))
    _, report = _run(g, policy_shapes, None)
    results = _results(report)
    assert sorted(str(r["shape"]).removeprefix(str(KFSH)) for r in results) == sorted(fired)
    assert all({"ja", "en"} <= r["messages"] for r in results)


@pytest.mark.parametrize(("rule", "inferred", "uncertain", "fires"), [
    ("inferred", True, "the page's code list", False),
    ("inferred", None, None, True),
    ("inferred", True, None, True),
    ("printed", None, None, False),
    (None, None, None, False),
], ids=["inferred-with-rule", "inferred-bare", "inferred-no-rule", "printed", "no-rule"])
def test_inferred_code_needs_its_rule(rule: str | None, inferred: bool | None, uncertain: str | None, fires: bool,
                                      policy_shapes: Graph) -> None:
    """InferredCodeShape's SPARQL target picks only goals whose code rule is "inferred": the others pass its
    sh:or by the first branch, and the ones it picks still fail without kf:inferred and kf:uncertain."""
    g = Graph()
    goal = ID.goal
    g.add((goal, RDF.type, KF.AchievementGoal))
    g.add((goal, KF.sectionNumber, Literal("1-2-3")))
    for p, v in ((KF.codeRule, rule), (KF.inferred, inferred), (KF.uncertain, uncertain)):
        if v is not None:
            g.add((goal, p, Literal(v)))
    _, report = _run(g, policy_shapes, None)
    fired = {str(r["shape"]).removeprefix(str(KFSH)) for r in _results(report)}
    assert ("InferredCodeShape" in fired) == fires, fired
