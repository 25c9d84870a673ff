"""IndexedGraph answers every triple pattern, path and serialisation exactly as rdflib's own Graph does."""

from __future__ import annotations

import itertools
import random

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from keifu.graph.indexed import IndexedGraph

EX = Namespace("http://example.org/")


def _pair(seed: int = 7, n: int = 400) -> tuple[Graph, IndexedGraph]:
    rnd = random.Random(seed)
    nodes = [EX[f"n{i}"] for i in range(30)]
    preds = [EX[f"p{i}"] for i in range(5)]
    values = nodes + [Literal(i) for i in range(10)] + [Literal("語", lang="ja"), Literal("語")]
    plain, indexed = Graph(), IndexedGraph()
    for _ in range(n):
        t = (rnd.choice(nodes), rnd.choice(preds), rnd.choice(values))
        plain.add(t)
        indexed.add(t)
    return plain, indexed


def test_every_pattern_matches_rdflib() -> None:
    plain, indexed = _pair()
    assert len(indexed) == len(plain) < 400  # duplicates were added and counted once
    subjects = [EX.n0, EX.n3, EX.missing, None]
    preds = [EX.p0, EX.p4, EX.missing, None]
    objects = [EX.n1, Literal(3), Literal("語", lang="ja"), Literal("語"), EX.missing, None]
    for pattern in itertools.product(subjects, preds, objects):
        assert sorted(indexed.triples(pattern)) == sorted(plain.triples(pattern)), pattern
        assert (pattern in indexed) == (pattern in plain), pattern


def test_paths_values_and_serialisations_match() -> None:
    plain, indexed = _pair()
    path = EX.p0 / EX.p1 | ~EX.p2
    assert sorted(indexed.objects(EX.n0, path)) == sorted(plain.objects(EX.n0, path))
    assert sorted(indexed.subjects(EX.p3 * "+", EX.n5)) == sorted(plain.subjects(EX.p3 * "+", EX.n5))
    assert indexed.value(EX.n1, EX.p1) in set(plain.objects(EX.n1, EX.p1)) | {None}
    for fmt in ("nt", "turtle"):
        assert isomorphic(Graph().parse(data=indexed.serialize(format=fmt), format=fmt), plain)
    rows = {tuple(r) for r in indexed.query("SELECT ?s ?o WHERE { ?s <http://example.org/p2> ?o }")}
    assert rows == {tuple(r) for r in plain.query("SELECT ?s ?o WHERE { ?s <http://example.org/p2> ?o }")}


def test_remove_with_wildcards_keeps_indexes_consistent() -> None:
    plain, indexed = _pair()
    for pattern in [(EX.n0, None, None), (None, EX.p1, None), (None, None, Literal(2)), (EX.n4, EX.p2, EX.n1)]:
        plain.remove(pattern)
        indexed.remove(pattern)
        assert len(indexed) == len(plain)
        assert sorted(indexed) == sorted(plain)
        for probe in [(None, EX.p1, None), (None, None, Literal(2)), (EX.n0, None, None)]:
            assert sorted(indexed.triples(probe)) == sorted(plain.triples(probe))


def test_iteration_follows_insertion_order() -> None:
    """What a build serialises must not depend on string hashing (PYTHONHASHSEED)."""
    g = IndexedGraph()
    triples = [(URIRef(f"http://example.org/s{i % 7}"), EX.p, Literal(i)) for i in range(50)]
    for t in triples:
        g.add(t)
    first_seen = list(dict.fromkeys(s for s, _, _ in triples))
    assert list(g) == [t for s in first_seen for t in triples if t[0] == s]


def test_minted_iris_are_shared_objects_and_the_table_stays_bounded(monkeypatch) -> None:
    """mint/concept/KF give one object per IRI (dict hits then skip rdflib's Python __eq__); the table is
    cleared when full, which costs identity, never equality."""
    from keifu.graph import vocab

    assert vocab.mint("doc", "x", 1) is vocab.mint("doc", "x", 1)
    assert vocab.KF.line is vocab.KF.line and vocab.KF.line == URIRef("https://w3id.org/keifu/ns#line")
    monkeypatch.setattr(vocab, "_IRIS", {})
    monkeypatch.setattr(vocab, "_IRIS_MAX", 3)
    terms = [vocab.iri(f"http://example.org/{i}") for i in range(10)]
    assert len(vocab._IRIS) <= 3
    assert terms == [URIRef(f"http://example.org/{i}") for i in range(10)]


def test_pickle_copy_and_choices_keep_the_triples() -> None:
    import copy
    import pickle

    plain, indexed = _pair()
    for twin in (pickle.loads(pickle.dumps(indexed)), copy.copy(indexed)):
        assert isinstance(twin, IndexedGraph) and sorted(twin) == sorted(plain)
        assert twin.identifier == indexed.identifier
    pattern = ([EX.n0, EX.n1, EX.n0], EX.p1, None)
    assert sorted(indexed.triples_choices(pattern)) == sorted(plain.triples_choices(pattern))
    pattern2 = (None, [EX.p0, EX.p2], Literal(3))
    assert sorted(indexed.triples_choices(pattern2)) == sorted(plain.triples_choices(pattern2))


def test_blank_nodes_are_validated_through_a_plain_graph() -> None:
    """pyshacl looks blank nodes up through the graph's store, which an IndexedGraph leaves empty: keifu
    validates such a graph as a plain Graph, and gets the plain Graph's report."""
    from rdflib import BNode
    from rdflib.namespace import RDF

    from keifu.graph.validate import shapes_graph, validate_graph
    from keifu.graph.vocab import KF

    g = IndexedGraph()
    a, b = BNode("a"), BNode("b")
    for x, y in ((a, b), (b, a)):  # a part-of cycle between blank nodes: results name them
        g.add((x, RDF.type, KF.Objective))
        g.add((x, KF.partOf, y))
    assert g.has_blank_nodes()
    shapes = shapes_graph(("integrity.ttl",))
    conforms, results, _ = validate_graph(g, shapes)
    plain = Graph()
    for t in g:
        plain.add(t)
    expected_conforms, expected, _ = validate_graph(plain, shapes)
    assert conforms is expected_conforms is False
    assert sorted((r.shape, r.focus) for r in results) == sorted((r.shape, r.focus) for r in expected)
