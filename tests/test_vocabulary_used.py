"""Every kf: term the code emits is declared in the ontology; every concept it points at exists."""

from __future__ import annotations

from conftest import CORPUS, SAMPLES
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from keifu.extract.pipeline import extract_file
from keifu.graph.emit import emit_file
from keifu.graph.validate import ontology_graph
from keifu.graph.vocab import CONCEPT_BASE, KF


def _emitted() -> Graph:
    g = Graph()
    files = sorted(SAMPLES.glob("*.txt")) + (sorted(CORPUS.glob("*.txt")) if CORPUS.is_dir() else [])
    for f in files:
        g += emit_file(extract_file(f))
    return g


def test_every_emitted_term_is_declared():
    onto = ontology_graph()
    g = _emitted()
    declared = {s for s in onto.subjects(RDF.type, None) if str(s).startswith(str(KF))}
    used = {p for p in g.predicates() if str(p).startswith(str(KF))}
    used |= {o for o in g.objects(None, RDF.type) if str(o).startswith(str(KF))}
    missing = sorted(str(t) for t in used - declared)
    assert not missing, f"terms emitted but not declared in ontology/: {missing}"
    for t in used:  # declared with labels in both languages
        langs = {lbl.language for lbl in onto.objects(t, RDFS.label)}
        assert {"ja", "en"} <= langs, t
        kinds = set(onto.objects(t, RDF.type))
        assert kinds & {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property,
                        OWL.AnnotationProperty}, t


def test_every_concept_pointed_at_is_in_a_scheme():
    onto = ontology_graph()
    g = _emitted()
    concepts = {o for o in g.objects() if str(o).startswith(CONCEPT_BASE)}
    assert concepts, "the graph uses no SKOS concept at all"
    for c in concepts:
        assert (c, RDF.type, SKOS.Concept) in onto, f"undeclared concept {c}"
        assert any(True for _ in onto.objects(c, SKOS.inScheme)), c
