"""The kinds table (extract/data/document_kinds.tsv) is the one place a document kind is described: the ontology
and the shapes agree with it, every detector and parser it names is registered, every parser has an emitter, and a
new kind added through the README's steps is recognised, parsed, emitted and validated."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from keifu.extract import kinds, registry, segment
from keifu.extract.kinds import DocumentKind, KindTableError, parse_table
from keifu.extract.model import Line, SourceText
from keifu.extract.pipeline import ExtractedDocument, extract_file
from keifu.extract.vocab import rows
from keifu.graph import emit
from keifu.graph.emit import Emitter, MissingEmitter, emit_file
from keifu.graph.validate import validate_graph
from keifu.graph.vocab import CONCEPT_BASE, KF, concept, mint
from keifu.resources import turtle_files

KFSH = "https://w3id.org/keifu/shapes#"


def _ontology() -> Graph:
    g = Graph()
    for f in turtle_files("ontology"):
        g.parse(f, format="turtle")
    return g


def _shapes(patch: dict[str, str] | None = None) -> Graph:
    """The shipped shapes, with ``integrity.ttl``'s text edited as a developer would (old → new)."""
    g = Graph()
    for f in turtle_files("shapes"):
        text = f.read_text(encoding="utf-8")
        if f.name == "integrity.ttl":
            for old, new in (patch or {}).items():
                assert text.count(old) == 1, old
                text = text.replace(old, new)
        g.parse(data=text, format="turtle")
    return g


def _kind_of_concept(g: Graph, node: URIRef) -> URIRef | None:
    """The class a document-kind concept corresponds to (its own rdfs:seeAlso, else its broader concept's)."""
    for c in (node, *g.objects(node, SKOS.broader)):
        for cls in g.objects(c, RDFS.seeAlso):
            if str(cls).startswith(str(KF)):
                return cls  # type: ignore[return-value]
    return None


def _targets(shapes: Graph, name: str) -> set[str]:
    return {str(c).removeprefix(str(KF)) for c in shapes.objects(URIRef(KFSH + name), SH.targetClass)}


def _list(shapes: Graph, name: str, pred: URIRef) -> list:
    head = shapes.value(URIRef(KFSH + name), pred)
    assert head is not None, f"{name} has no {pred}"
    return list(Collection(shapes, head))


def shapes_disagreements(shapes: Graph, table: dict[str, DocumentKind], ontology: Graph) -> list[str]:
    """Where shapes/integrity.ttl's lists of kinds and classes differ from the kinds table."""
    out = []
    codes = {concept("document-kind", k) for k in table}
    broader = {b for c in codes for b in ontology.objects(c, SKOS.broader)}
    listed = set(_list(shapes, "DocumentKindShape", SH["in"]))
    if listed != codes | broader:
        out.append(f"DocumentKindShape sh:in: extra {listed - codes - broader}, missing {(codes | broader) - listed}")
    classes = {k.doc_class for k in table.values()} | {kinds.DEFAULT_CLASS}
    for name in ("DocumentSourceShape", "PartOfCycleShape"):
        if _targets(shapes, name) != classes:
            out.append(f"{name} targets {_targets(shapes, name)}, the table {classes}")
    hier = {k.doc_class for k in table.values() if k.hierarchical}
    branches = {str(shapes.value(b, SH["class"])).removeprefix(str(KF))
                for b in _list(shapes, "ObjectiveInDocumentShape", SH["or"])}
    if branches != hier:
        out.append(f"ObjectiveInDocumentShape sh:or {branches}, the table's hierarchical classes {hier}")
    return out


# ------------------------------------------------------------------------------------------- the shipped table


def test_table_agrees_with_ontology() -> None:
    """Each kind is a dk: concept whose English label is the table's and whose class is the table's; each class
    is declared under kf:Document."""
    g = _ontology()
    assert kinds.KINDS, "the kinds table is empty"
    for code, k in kinds.KINDS.items():
        c = concept("document-kind", code)
        assert (c, SKOS.inScheme, URIRef(f"{CONCEPT_BASE}document-kind")) in g, \
            f"dk:{code} is not a concept of ontology/concepts.ttl"
        assert Literal(k.label_en, lang="en") in set(g.objects(c, SKOS.prefLabel)), code
        assert _kind_of_concept(g, c) == KF[k.doc_class], f"dk:{code} does not correspond to kf:{k.doc_class}"
        assert (KF[k.doc_class], RDF.type, OWL.Class) in g
        assert (KF[k.doc_class], RDFS.subClassOf, KF.Document) in g, k.doc_class


def test_table_agrees_with_integrity_shapes() -> None:
    assert shapes_disagreements(_shapes(), kinds.KINDS, _ontology()) == []


def test_every_detector_and_parser_named_is_registered_and_every_parser_has_an_emitter() -> None:
    emit._load_plugins()
    for name, code in kinds.detectors():
        assert name in segment.DETECTORS, (name, code)
    for code in kinds.KINDS:
        assert [p.name for p in registry.parsers_for(code)] == list(kinds.KINDS[code].parsers)
    assert set(registry.load_plugins()) <= set(emit.EMITTERS)
    assert set(registry.load_plugins()) == {p for k in kinds.KINDS.values() for p in k.parsers}


def test_class_wide_columns_must_agree() -> None:
    base = rows("document_kinds.tsv")
    clash = (*base, ("odd-plan", "AgencyPlan", "", "", "x", "x", "no", "statutory", "", "#000000"))
    with pytest.raises(KindTableError) as e:
        parse_table(clash)
    assert "odd-plan" in e.value.message_en and "odd-plan" in e.value.message_ja
    with pytest.raises(KindTableError, match="twice"):
        parse_table((*base, base[0]))


def test_a_parser_without_emitter_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    emit._load_plugins()
    monkeypatch.setattr(registry, "_PARSERS", dict(registry.load_plugins()))
    monkeypatch.setattr(emit, "_plugins_checked", False)
    registry.register_parser("orphan_parser", lambda _src, _doc: None)
    f = tmp_path / "minutes.txt"
    f.write_text("架空市議会 会議録\n\n本日の議題について審議した。\n", encoding="utf-8")
    with pytest.raises(MissingEmitter) as e:
        emit_file(extract_file(f))
    assert "orphan_parser" in e.value.message_en and "orphan_parser" in e.value.message_ja


def test_a_kind_naming_an_unregistered_parser_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    table = [*rows("document_kinds.tsv")]
    table[-1] = (*table[-1][:8], "budget_programmes;no_such_parser", table[-1][9])
    monkeypatch.setattr(kinds, "KINDS", parse_table(tuple(table)))
    f = tmp_path / "minutes.txt"
    f.write_text("架空市議会 会議録\n\n本日の議題について審議した。\n", encoding="utf-8")
    with pytest.raises(KindTableError) as e:
        extract_file(f)
    assert "no_such_parser" in e.value.message_en and "no_such_parser" in e.value.message_ja


# ------------------------------------------------------------------- a new kind through the README's steps

#: Step 1: one row of the kinds table (here added to a copy, before the fallback kind).
NEW_ROW = ("council-report", "CouncilReport", "", "", "答申", "council report", "no", "report-header",
           "report_items", "#a04000")

_REPORT = """\
潮見県森林審議会答申

本審議会は、諮問のあった事項について審議を重ねた。その結果を次のとおり述べる。

・ 間伐の遅れた人工林を優先して手入れを進めること。
・ 林道の点検を年に一度は行うこと。
・ 木材の県内での利用を広げること。

令和８年３月　潮見県森林審議会
"""


def _detect_report(lines: list[Line], kind: str) -> list[segment.Segment]:
    """Step 2: the detector: a first line that ends in 答申 (report of a council)."""
    first = next(segment.iter_nonblank(lines, 0, len(lines)), None)
    if first is None or not lines[first].text.strip().endswith("答申"):
        return []
    seg = segment.Segment(kind=kind, start=0, end=len(lines), body_start=first + 1, body_end=len(lines),
                          title=lines[first].text.strip(), title_line=lines[first])
    seg.evidence.append(segment.Evidence("first line ends in 答申", lines[first]))
    return [seg]


@dataclass(frozen=True, slots=True)
class Recommendations:
    items: tuple[Line, ...]


def _parse_report(src: SourceText, doc: ExtractedDocument) -> Recommendations:
    """Step 3: the parser: its result type is what the emitter receives."""
    seg = doc.segment
    return Recommendations(tuple(ln for ln in src.lines[seg.body_start:seg.body_end] if ln.text.startswith("・")))


def _emit_report(em: Emitter, doc: ExtractedDocument, res: Recommendations, dnode: URIRef,
                 _onodes: list[URIRef]) -> None:
    """Step 4: the emitter, registered under the parser's key."""
    for n, ln in enumerate(res.items, start=1):
        node = mint("doc", em.fkey, doc.number, "recommendation", n)
        em.add(node, RDF.type, KF.Recommendation)
        em.add(node, KF.inDocument, dnode)
        em.prov(node, ln, ln.text)


#: Step 5: the kind's code and class in shapes/integrity.ttl's lists.
SHAPES_PATCH = {
    "dk:briefing dk:government-document )": "dk:briefing dk:government-document dk:council-report )",
    "kf:Briefing , kf:GovernmentDocument , kf:Document ;": "kf:Briefing , kf:GovernmentDocument , kf:Document , kf:CouncilReport ;",
    "kf:PolicyEvaluation , kf:Briefing , kf:GovernmentDocument ;":
        "kf:PolicyEvaluation , kf:Briefing , kf:GovernmentDocument , kf:CouncilReport ;",
}


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    f = tmp_path / "shiomi_forest_report.txt"
    f.write_text(_REPORT, encoding="utf-8")
    return f


@pytest.fixture
def new_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[DocumentKind]:
    """The README's steps 1-4 in a temporary registration (undone after the test)."""
    emit._load_plugins()
    table = [*rows("document_kinds.tsv")]
    table.insert(len(table) - 1, NEW_ROW)
    monkeypatch.setattr(kinds, "KINDS", parse_table(tuple(table)))
    monkeypatch.setattr(segment, "DETECTORS", dict(segment.DETECTORS))
    monkeypatch.setattr(registry, "_PARSERS", dict(registry.load_plugins()))
    monkeypatch.setattr(emit, "EMITTERS", dict(emit.EMITTERS))
    monkeypatch.setattr(emit, "_plugins_checked", False)
    segment.register_detector("report-header", _detect_report)
    key = registry.register_parser("report_items", _parse_report)
    emit.register_emitter(key, _emit_report)
    yield kinds.KINDS["council-report"]


def test_without_the_new_kind_the_report_is_a_generic_document(report_file: Path) -> None:
    doc = extract_file(report_file).documents[0]
    assert doc.segment.kind == "government-document" and "report_items" not in doc.extras


@pytest.mark.usefixtures("new_kind")
def test_a_new_kind_is_recognised_parsed_emitted_and_validated(report_file: Path) -> None:
    ef = extract_file(report_file)
    [doc] = ef.documents
    assert (doc.segment.kind, doc.segment.doc_class) == ("council-report", "CouncilReport")
    assert list(doc.extras) == ["report_items"]
    res = doc.extras.of(registry._PARSERS["report_items"])
    assert isinstance(res, Recommendations) and [ln.no for ln in res.items] == [5, 6, 7]

    g = emit_file(ef)
    dnode = mint("doc", "shiomi_forest_report", 1)
    assert (dnode, RDF.type, KF.CouncilReport) in g
    assert (dnode, KF.documentKind, concept("document-kind", "council-report")) in g
    recs = sorted(g.subjects(RDF.type, KF.Recommendation))
    assert len(recs) == 3 and all((r, KF.inDocument, dnode) in g for r in recs)
    assert {int(g.value(r, KF.line)) for r in recs} == {5, 6, 7}

    # Until step 5 the shapes refuse the new code, and the consistency test says where.
    before = _shapes()
    assert shapes_disagreements(before, kinds.KINDS, _ontology())
    conforms, results, _ = validate_graph(g, before)
    assert not conforms and any(r.shape == KFSH + "DocumentKindShape" for r in results)
    after = _shapes(SHAPES_PATCH)
    ontology = _ontology()
    ontology.add((concept("document-kind", "council-report"), SKOS.prefLabel, Literal("council report", lang="en")))
    assert shapes_disagreements(after, kinds.KINDS, ontology) == []
    conforms, results, _ = validate_graph(g, after)
    assert conforms, [r.describe() for r in results]
    # and the new class's documents are checked by the document shapes: no source, a violation
    g.remove((dnode, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), None))
    conforms, results, _ = validate_graph(g, after)
    assert any(r.shape == KFSH + "DocumentSourceShape" and r.focus == str(dnode) for r in results)
