"""SPARQL for SHACL validation, answered by Oxigraph over a mirror of the data graph.

pyshacl evaluates SPARQL-based targets and constraints (our shapes have about twenty) through rdflib's SPARQL
engine, which parses each query in Python (200 ms for our shapes, once per process) and evaluates it on rdflib's
in-memory store (about a third of all SHACL time on the corpus). While :func:`mirrored` is active, the queries
that pyshacl sends to that data graph are answered by an in-memory Oxigraph store holding the same triples:
the same answers, a hundred times sooner. A query Oxigraph cannot take as given (a pre-bound variable that is
not projected, a syntax it refuses) falls back to rdflib, so the answer never depends on the mirror.

Registered as rdflib's "sparql" query processor; parsed queries of the rdflib path are cached by text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
import rdflib.plugin
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor, translateQuery
from rdflib.query import Processor

from .store import to_term
from .vocab import iri

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def rdflib_term(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> URIRef | BNode | Literal:
    """An Oxigraph term as rdflib's (simple literals without a datatype, as rdflib keeps them)."""
    if isinstance(t, ox.NamedNode):
        return iri(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if t.language:
        return Literal(t.value, lang=t.language)
    if t.datatype.value == _XSD_STRING:
        return Literal(t.value)
    return Literal(t.value, datatype=URIRef(t.datatype.value))


def _has_blank_nodes(nt: bytes) -> bool:
    """A blank node in N-Triples: a subject at a line's start or an object after the predicate. (A literal
    containing such text only sends the graph down the slower, always-right path; bytes.find is ~10x faster
    than a multi-line regex over the whole document.)"""
    return nt.startswith(b"_:") or b"\n_:" in nt or b"> _:" in nt


class Mirror:
    """An Oxigraph copy of one rdflib graph, answering the SPARQL queries sent to that graph."""

    def __init__(self, graph: Graph, ntriples: bytes | None = None) -> None:
        self.graph = graph
        self.store = ox.Store()
        if ntriples is not None and not _has_blank_nodes(ntriples):
            self.store.load(ntriples, ox.RdfFormat.N_TRIPLES)
        else:  # term by term: loading a document would rename its blank nodes, and pyshacl must find them again
            dg = ox.DefaultGraph()
            self.store.extend(ox.Quad(to_term(s), to_term(p), to_term(o), dg) for s, p, o in graph)

    def answer(self, text: str, bindings: Mapping[Any, Any], ns: Mapping[str, Any],
               base: str | None) -> Mapping[str, Any] | None:
        """The result mapping rdflib's SPARQLResult takes, or None where rdflib must answer instead."""
        if text in _REFUSED:
            return None
        try:
            subs = {ox.Variable(str(k)): to_term(v) for k, v in bindings.items()}
            res = self.store.query(text, base_iri=base, prefixes=_prefixes(tuple(ns.items())),
                                   substitutions=subs or None)
            if isinstance(res, ox.QueryBoolean):
                return {"type_": "ASK", "askAnswer": bool(res)}
            if not isinstance(res, ox.QuerySolutions):
                return None  # CONSTRUCT / DESCRIBE: not sent by SHACL validation; rdflib answers
            variables = res.variables
            names = [Variable(v.value) for v in variables]
            rows = [{n: rdflib_term(t) for v, n in zip(variables, names, strict=True)
                     if (t := sol[v]) is not None} for sol in res]
        except (SyntaxError, RuntimeError, ValueError, TypeError):
            _REFUSED.add(text)  # e.g. a pre-bound variable that is not projected: rdflib pre-binds it
            return None
        return {"type_": "SELECT", "vars_": names, "bindings": rows}


#: Query texts Oxigraph would not take as given; rdflib answers them from then on.
_REFUSED: set[str] = set()


@lru_cache(maxsize=64)
def _prefixes(ns: tuple[tuple[str, Any], ...]) -> dict[str, str]:
    return {k: str(v) for k, v in ns if k}


_ACTIVE: ContextVar[Mirror | None] = ContextVar("keifu_sparql_mirror", default=None)


@contextmanager
def mirrored(graph: Graph, ntriples: bytes | None = None) -> Iterator[Mirror]:
    """Answer SPARQL sent to ``graph`` from an Oxigraph copy while the block runs. ``ntriples``, the graph's
    own N-Triples if the caller has them, saves converting the triples one by one. The graph must not change
    inside the block (SHACL validation without inference does not change it)."""
    mirror = Mirror(graph, ntriples)
    token = _ACTIVE.set(mirror)
    try:
        yield mirror
    finally:
        _ACTIVE.reset(token)


@lru_cache(maxsize=1024)
def _prepared(text: str, base: str | None, ns: tuple[tuple[str, Any], ...]) -> Any:
    return translateQuery(parseQuery(text), base, dict(ns))


class CachingSPARQLProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor: queries on a mirrored graph go to Oxigraph; others are parsed once per text,
    base and namespaces (pyshacl sends the same text for every focus node; rdflib would re-parse it each time)."""

    def query(self, strOrQuery: Any, initBindings: Any = None, initNs: Any = None, base: str | None = None,  # noqa: N803
              DEBUG: bool = False) -> Mapping[str, Any]:  # noqa: N803
        mirror = _ACTIVE.get()
        if mirror is not None and isinstance(strOrQuery, str) and self.graph is mirror.graph:
            answer = mirror.answer(strOrQuery, initBindings or {}, initNs or {}, base)
            if answer is not None:
                return answer
        if isinstance(strOrQuery, str):
            strOrQuery = _prepared(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return super().query(strOrQuery, initBindings, None, base, DEBUG)


rdflib.plugin.register("sparql", Processor, __name__, "CachingSPARQLProcessor")
