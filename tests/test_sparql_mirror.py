"""SPARQL that SHACL validation sends is answered by an Oxigraph mirror of the data graph: the validation
results are exactly those of rdflib's own engine, and queries Oxigraph would not take fall back to rdflib."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path

import pytest
from conftest import corpus_file
from rdflib import BNode, Graph, Literal, Namespace
from rdflib import URIRef as URIRef_

from keifu.extract.pipeline import extract_file
from keifu.graph import sparql_mirror as M
from keifu.graph import validate as V
from keifu.graph.emit import emit_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EX = Namespace("http://example.org/")


def _key(results: list[V.ValidationResult]) -> Counter:
    return Counter((r.focus, r.shape, r.path, r.value, r.message_ja, r.message_en, r.severity, r.line)
                   for r in results)


def _graph(path: Path) -> Graph:
    return Graph().parse(path) if path.suffix == ".ttl" else emit_file(extract_file(path))


def _compare(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _graph(path)
    answered: list[str] = []
    real = M.Mirror.answer

    def counting(self: M.Mirror, text: str, *args: object) -> object:
        out = real(self, text, *args)
        if out is not None:
            answered.append(text)
        return out

    monkeypatch.setattr(M.Mirror, "answer", counting)
    conforms, results, _ = V.validate_graph(data, ntriples=data.serialize(format="nt", encoding="utf-8"))
    assert answered, "the mirror answered none of the validation's SPARQL"
    monkeypatch.setattr(V, "mirrored", lambda _g, _nt=None: contextlib.nullcontext())
    expected_conforms, expected, _ = V.validate_graph(data)
    assert conforms == expected_conforms
    assert _key(results) == _key(expected)


@pytest.mark.parametrize("name", ["draft_rd_bad.txt", "draft_midterm_good.txt", "policy_table.txt",
                                  "lineage_defects.ttl", "datacube_ic.ttl"])
def test_mirror_gives_rdflibs_results_on_fixtures(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _compare(FIXTURES / name, monkeypatch)


@pytest.mark.parametrize("prefix", ["002", "003"])
def test_mirror_gives_rdflibs_results_on_corpus(prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _compare(corpus_file(prefix), monkeypatch)


def test_prebound_variable_not_projected_falls_back_to_rdflib() -> None:
    """Oxigraph only substitutes projected variables; rdflib pre-binds any. The answer must be rdflib's."""
    g = Graph()
    g.add((EX.a, EX.p, Literal(1)))
    g.add((EX.b, EX.p, Literal(2)))
    text = "SELECT ?o WHERE { $this <http://example.org/p> ?o }"
    expected = {r[0] for r in g.query(text, initBindings={"this": EX.b})}
    with M.mirrored(g):
        got = {r[0] for r in g.query(text, initBindings={"this": EX.b})}
        other = Graph()  # a graph that is not mirrored is answered by rdflib as before
        assert list(other.query("ASK { ?s ?p ?o }")) == [False]
    assert got == expected == {Literal(2)}
    assert text in M._REFUSED


def test_blank_nodes_come_back_as_the_graphs_own() -> None:
    """Loading N-Triples would rename blank nodes; a graph holding them is mirrored term by term."""
    g = Graph()
    node = BNode("keep")
    g.add((node, EX.p, Literal("x")))
    nt = g.serialize(format="nt", encoding="utf-8")
    with M.mirrored(g, nt) as mirror:
        rows = list(g.query("SELECT ?s WHERE { ?s <http://example.org/p> ?o }"))
        projected = list(g.query("SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }",
                                 initBindings={"s": node}))
    assert len(mirror.store) == 1
    assert rows[0][0] == node and (node, EX.p, Literal("x")) in g
    assert [tuple(r) for r in projected] == [(node, Literal("x"))]


def _line_graph(line: Literal, subject: str = "http://example.org/c") -> Graph:
    """A citation-like node whose kf:line is ``line``: enough for LineShape."""
    from rdflib import URIRef
    from rdflib.namespace import RDF

    from keifu.graph.vocab import KF

    g = Graph()
    node = URIRef(subject)
    g.add((node, RDF.type, KF.Citation))
    g.add((node, KF.line, line))
    return g


@pytest.mark.parametrize("line", [
    Literal("12", datatype=URIRef_("http://www.w3.org/2001/XMLSchema#positiveInteger")),  # stored as xsd:integer
    Literal("12", datatype=URIRef_("http://www.w3.org/2001/XMLSchema#int")),
    Literal("twelve", datatype=URIRef_("http://www.w3.org/2001/XMLSchema#integer")),  # ill-typed
    Literal("12\x1c"),  # Python's \s matches U+001C, Oxigraph's does not
], ids=["positiveInteger", "int", "ill-typed", "control-char"])
def test_unfaithful_graphs_are_answered_by_rdflib(line: Literal, monkeypatch: pytest.MonkeyPatch) -> None:
    """Oxigraph would store these literals otherwise (or compare them otherwise): no mirror, and LineShape
    reports them exactly as rdflib's engine does."""
    g = _line_graph(line)
    assert M.Mirror.of(g) is None
    shapes = V.shapes_graph(("integrity.ttl",))
    _, results, _ = V.validate_graph(g, shapes)
    monkeypatch.setattr(V, "mirrored", lambda _g, _nt=None: contextlib.nullcontext())
    _, expected, _ = V.validate_graph(g, shapes)
    assert _key(results) == _key(expected)
    assert any(r.shape and r.shape.endswith("LineShape") for r in results)


def test_a_graph_oxigraph_refuses_is_validated_without_mirror() -> None:
    """rdflib accepts an IRI with a space (warning only); Oxigraph refuses it: no mirror, no error."""
    g = _line_graph(Literal(12), subject="http://example.org/a citation")
    assert M.Mirror.of(g) is None
    conforms, _, _ = V.validate_graph(g, V.shapes_graph(("integrity.ttl",)))
    assert conforms is False  # the node lacks provenance: reported, not crashed


def test_emitted_graphs_are_mirrored() -> None:
    """keifu writes literals in the form the store keeps (decimal_literal), so its graphs are faithful."""
    g = emit_file(extract_file(FIXTURES / "policy_table.txt"))
    assert M.Mirror.of(g, g.serialize(format="nt", encoding="utf-8")) is not None


def _stored(lit: Literal) -> Literal:
    import pyoxigraph as ox

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                      M.to_term(lit), ox.DefaultGraph()))
    return M.rdflib_term(next(iter(store)).object)  # type: ignore[return-value]


@pytest.mark.filterwarnings("ignore:Parsing weird boolean:UserWarning")  # the odd literals are the point
def test_literals_judged_stored_as_is_are_stored_as_is() -> None:
    """The mirror's test of a graph (Mirror.of) trusts _stored_as_is: every literal it accepts must come back
    from Oxigraph unchanged, and the ones Oxigraph changes must be refused."""
    from rdflib.namespace import XSD

    texts = ["0", "7", "-7", "007", "+7", "-0", "7.00", "7.5", "0.5", "-0.5", "12.50", ".5", "1e3", "true", "false",
             "1", "0", "2025-04-01", "2025-4-1", "2025-04-01Z", "2025-04-01+00:00", "2025-02-30", "2025", "02025",
             "2025-04", "2025-13", " 7", "abc", "令和7年"]
    datatypes = [None, XSD.string, XSD.integer, XSD.int, XSD.positiveInteger, XSD.decimal, XSD.double, XSD.boolean,
                 XSD.date, XSD.gYear, XSD.gYearMonth, XSD.dateTime]
    judged = 0
    for dt in datatypes:
        for text in texts:
            lit = Literal(text, datatype=dt)
            same = _stored(lit)
            kept = str(same) == str(lit) and same.datatype == lit.datatype and same.language == lit.language
            if M._stored_as_is(lit):
                judged += 1
                assert kept, (text, dt, str(same), same.datatype)
    for lang in ("ja", "en", "JA", "en-US"):
        lit = Literal("名", lang=lang)
        assert M._stored_as_is(lit) == (_stored(lit).language == lit.language)
    assert judged > 30  # the test exercised the accepting side too


@pytest.mark.parametrize("path", sorted((FIXTURES.parent.parent / "samples").glob("*.txt"))
                         + [FIXTURES / "policy_table.txt", FIXTURES / "draft_rd_bad.txt"], ids=lambda p: p.name)
def test_graphs_keifu_writes_are_mirrored(path: Path) -> None:
    g = emit_file(extract_file(path))
    assert M.Mirror.of(g, g.serialize(format="nt", encoding="utf-8")) is not None
