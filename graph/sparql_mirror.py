"""SPARQL for SHACL validation, answered by Oxigraph over a mirror of the data graph.

pyshacl evaluates SPARQL-based targets and constraints (our shapes have about twenty) through rdflib's SPARQL
engine, which parses each query in Python (200 ms for our shapes, once per process) and evaluates it on rdflib's
in-memory store (about a third of all SHACL time on the corpus). While :func:`mirrored` is active, the queries
that pyshacl sends to that data graph are answered by an in-memory Oxigraph store holding the same triples.

The mirror is used only where Oxigraph sees exactly what rdflib sees (:meth:`Mirror.of`): Oxigraph stores
literals in canonical form (``7.00`` becomes ``7``, ``xsd:int`` becomes ``xsd:integer``, language tags lower
case), compares ill-typed literals differently and its regex ``\\s`` leaves out U+001C-U+001F. A graph where any
of that shows, or that Oxigraph refuses, is answered by rdflib, as are queries Oxigraph will not take as given (a
pre-bound variable that is not projected). Graphs built by keifu are written in the stored form, so they are
mirrored.

Registered as rdflib's "sparql" query processor; parsed queries of the rdflib path are cached by text.
"""

from __future__ import annotations

import re
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

from .indexed import IndexedGraph
from .store import to_term
from .vocab import iri

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = f"{_XSD}string"


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


def _regex_space_differs(nt: bytes) -> bool:
    """U+001C-U+001F, raw or escaped: Python's regex \\s matches them, Oxigraph's (XPath's) does not. Plain
    substring tests: a regex over the whole document took 30 ms for the largest file."""
    return any(c in nt for c in (b"\x1c", b"\x1d", b"\x1e", b"\x1f")) or (
        b"\\u001" in nt and re.search(rb"\\u001[cdefCDEF]", nt) is not None)


#: Literal forms Oxigraph stores unchanged (checked against it in the tests); any other sends the graph to rdflib.
#: Not xsd:string: Oxigraph gives it back as a simple literal, which rdflib holds to be another term.
_STORED_AS_IS: dict[str, re.Pattern[str]] = {
    f"{_XSD}integer": re.compile(r"0|-?[1-9][0-9]*"),
    f"{_XSD}decimal": re.compile(r"0|0\.[0-9]*[1-9]|-?[1-9][0-9]*(?:\.[0-9]*[1-9])?"),  # no negative zero part
    f"{_XSD}boolean": re.compile(r"true|false"),
    f"{_XSD}date": re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"),
    f"{_XSD}gYearMonth": re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])"),
    f"{_XSD}gYear": re.compile(r"[0-9]{4}"),
}


def _stored_as_is(lit: Literal) -> bool:
    """Whether Oxigraph keeps ``lit`` as it is: same datatype, same text, same language tag, and a value rdflib
    and Oxigraph compare alike (not ill-typed)."""
    if lit.ill_typed:
        return False
    if lit.datatype is None:
        return lit.language is None or lit.language == lit.language.lower()
    pattern = _STORED_AS_IS.get(str(lit.datatype))
    return pattern is not None and pattern.fullmatch(str(lit)) is not None


def _literals_stored_as_is(graph: Graph) -> bool:
    objects = graph.distinct_objects() if isinstance(graph, IndexedGraph) else set(graph.objects())
    return all(_stored_as_is(o) for o in objects if type(o) is Literal)


def _has_blank_nodes(nt: bytes) -> bool:
    """A blank node in N-Triples: a subject at a line's start or an object after the predicate. (A literal
    containing such text only sends the graph down the slower, always-right path; bytes.find is ~10x faster
    than a multi-line regex over the whole document.)"""
    return nt.startswith(b"_:") or b"\n_:" in nt or b"> _:" in nt


class Mirror:
    """An Oxigraph copy of one rdflib graph, answering the SPARQL queries sent to that graph."""

    def __init__(self, graph: Graph, ntriples: bytes) -> None:
        self.graph = graph
        self.store = ox.Store()
        if not _has_blank_nodes(ntriples):
            self.store.load(ntriples, ox.RdfFormat.N_TRIPLES)
        else:  # term by term: loading a document would rename its blank nodes, and pyshacl must find them again
            dg = ox.DefaultGraph()
            self.store.extend(ox.Quad(to_term(s), to_term(p), to_term(o), dg) for s, p, o in graph)

    @classmethod
    def of(cls, graph: Graph, ntriples: bytes | None = None) -> Mirror | None:
        """The mirror of ``graph``, or None where it would not answer as rdflib does."""
        try:
            nt = ntriples if ntriples is not None else graph.serialize(format="nt", encoding="utf-8")
            if _regex_space_differs(nt) or not _literals_stored_as_is(graph):
                return None
            return cls(graph, nt)
        except Exception:  # noqa: BLE001 - a term rdflib or Oxigraph cannot write or read: rdflib answers
            return None

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
def mirrored(graph: Graph, ntriples: bytes | None = None) -> Iterator[Mirror | None]:
    """Answer SPARQL sent to ``graph`` from an Oxigraph copy while the block runs, where the copy is faithful
    (yields the mirror, or None: rdflib answers). ``ntriples``, the graph's own N-Triples if the caller has
    them, saves serialising it again. The graph must not change inside the block (SHACL validation without
    inference does not change it)."""
    mirror = Mirror.of(graph, ntriples)
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
