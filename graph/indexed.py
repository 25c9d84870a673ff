"""An rdflib graph held in three plain dict indexes, for the graphs a build emits and validates.

rdflib's default memory store is context-aware: each ``add`` and each ``triples`` call does context
bookkeeping (about 25 µs an add, most of emission's time) that a graph of one file's triples never uses.
pyshacl calls ``objects`` / ``subjects`` / ``triples`` more than a hundred thousand times on the corpus, and
emission adds 31,000 triples. This graph answers every pattern from dicts (spo, pos, osp), iterates in insertion
order (what it serialises does not depend on hashing), and keeps the parts of rdflib's Graph API that read and
write triples: serialisers, SPARQL, paths, namespaces, pickling and copying. Its rdflib store holds no triples,
so code that bypasses the Graph for the store (a Dataset over ``g.store``, pyshacl's lookup of blank nodes) does
not see them: keifu validates an IndexedGraph with blank nodes as a plain Graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import BNode, Graph, URIRef
from rdflib.paths import Path

_Index = dict[Any, dict[Any, dict[Any, None]]]
_Triple = tuple[Any, Any, Any]


def _rebuild(identifier: Any, triples: list[_Triple]) -> IndexedGraph:
    g = IndexedGraph(identifier)
    for t in triples:
        g.add(t)
    return g


class IndexedGraph(Graph):
    """A Graph whose triples live in dict indexes instead of its store (which keeps only namespaces)."""

    def __init__(self, identifier: Any = None) -> None:
        super().__init__(identifier=identifier)
        self._spo: _Index = {}
        self._pos: _Index = {}
        self._osp: _Index = {}
        self._len = 0

    def __len__(self) -> int:
        return self._len

    def add(self, triple: _Triple) -> IndexedGraph:
        s, p, o = triple
        objs = self._spo.setdefault(s, {}).setdefault(p, {})
        if o not in objs:
            objs[o] = None
            self._pos.setdefault(p, {}).setdefault(o, {})[s] = None
            self._osp.setdefault(o, {}).setdefault(s, {})[p] = None
            self._len += 1
        return self

    def addN(self, quads: Any) -> IndexedGraph:  # noqa: N802 - rdflib's name
        for s, p, o, _ in quads:
            self.add((s, p, o))
        return self

    def remove(self, triple: _Triple) -> IndexedGraph:
        for s, p, o in list(self.triples(triple)):
            for index, a, b, c in ((self._spo, s, p, o), (self._pos, p, o, s), (self._osp, o, s, p)):
                inner = index[a][b]
                del inner[c]
                if not inner:
                    del index[a][b]
                    if not index[a]:
                        del index[a]
            self._len -= 1
        return self

    def triples(self, triple: _Triple) -> Iterator[_Triple]:  # type: ignore[override]
        s, p, o = triple
        if p is not None and type(p) is not URIRef and isinstance(p, Path):  # Path is an ABC: slow to test
            for x, y in p.eval(self, s, o):
                yield x, p, y
        elif s is not None:
            by_p = self._spo.get(s)
            if not by_p:
                return
            for q, objs in ((p, by_p.get(p)),) if p is not None else by_p.items():
                if not objs:
                    continue
                if o is None:
                    for y in objs:
                        yield s, q, y
                elif o in objs:
                    yield s, q, o
        elif p is not None:
            by_o = self._pos.get(p)
            if not by_o:
                return
            for y, subs in ((o, by_o.get(o)),) if o is not None else by_o.items():
                for x in subs or ():
                    yield x, p, y
        elif o is not None:
            for x, preds in self._osp.get(o, {}).items():
                for q in preds:
                    yield x, q, o
        else:
            for x, by_p in self._spo.items():
                for q, objs in by_p.items():
                    for y in objs:
                        yield x, q, y

    def distinct_objects(self) -> Iterable[Any]:
        """Every term used as an object, once."""
        return self._osp.keys()

    def has_blank_nodes(self) -> bool:
        return any(type(t) is BNode for t in self._spo) or any(type(t) is BNode for t in self._osp)

    def triples_choices(self, triple: Any, context: Any = None) -> Iterator[_Triple]:  # type: ignore[override]  # noqa: ARG002 - rdflib passes context= by keyword
        """As rdflib's: one position holds a list of terms (the store's own method would find nothing here)."""
        s, p, o = triple
        for s1 in s if isinstance(s, list) else [s]:
            for p1 in p if isinstance(p, list) else [p]:
                for o1 in o if isinstance(o, list) else [o]:
                    yield from self.triples((s1, p1, o1))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled and copied with its triples (rdflib's way would copy the empty store)."""
        return _rebuild, (self.identifier, list(self))

    def __copy__(self) -> IndexedGraph:
        return _rebuild(self.identifier, list(self))

    def __contains__(self, triple: Any) -> bool:
        for _ in self.triples(triple):
            return True
        return False

    def __iter__(self) -> Iterator[_Triple]:
        return self.triples((None, None, None))
