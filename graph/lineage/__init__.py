"""Lineage: the chain of edges from an indicator up to the national plans it serves.

The edge set, the direction in which each edge is read and where the evidence of a step is found are
data in ``ontology/lineage.ttl`` (``kf:lineageDirection``, ``kf:lineageEvidence``, ``kf:lineageFallback``);
this module reads them, loads the edges from the store into a networkx graph whose edges all point
upwards (lower → higher), and materialises ``kf:tracesTo`` into one named graph after a build.
Paths are recomputed on demand (breadth-first, fewest steps, ties by IRI), each step with the
provenance of its evidence node, so every materialised triple can be explained.
"""

from __future__ import annotations

import hashlib
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from functools import cache

import networkx as nx
import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDFS

from ..attribution import Attribution, attribute, concept_iri, kind_properties, norm
from ..store import Store
from ..validate import ontology_graph
from ..vocab import KF, concept, mint, sparql_prefixes

__all__ = [
    "LINEAGE_GRAPH", "EdgeKind", "LineageIndex", "MaterialiseReport", "Step", "edge_kinds", "index_for",
    "materialise",
]

#: The named graph that holds the materialised kf:tracesTo triples.
LINEAGE_GRAPH = mint("graph", "lineage")
_DCT_ID = "http://purl.org/dc/terms/identifier"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def local(iri: str) -> str:
    """The local name of a kf: term (other IRIs unchanged)."""
    return iri.removeprefix(str(KF))


_DCTERMS = "http://purl.org/dc/terms/"


def edge_name(iri: str) -> str:
    """A lineage property as named in paths: the local name of a kf: term, ``dcterms:…`` for Dublin Core."""
    return "dcterms:" + iri.removeprefix(_DCTERMS) if iri.startswith(_DCTERMS) else local(iri)


def curie(name: str) -> str:
    """An edge name as printed: ``kf:partOf``, ``dcterms:isVersionOf``."""
    return name if ":" in name else f"kf:{name}"


# --------------------------------------------------------------------------------------------------
# Semantics, read from the ontology
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EdgeKind:
    """One lineage property: ``up`` when subject → object already points towards the plans."""

    prop: str
    up: bool
    evidence: str  # "lower" | "citation"
    fallback: bool  # followed only from nodes with no parent in their own document

    @property
    def name(self) -> str:
        return edge_name(self.prop)


@cache
def edge_kinds() -> tuple[EdgeKind, ...]:
    """The lineage edges declared in the ontology, structural edges first (fallback edges last)."""
    g = ontology_graph()
    kinds = []
    for prop, direction in g.subject_objects(KF.lineageDirection):
        ev = g.value(prop, KF.lineageEvidence)
        fb = g.value(prop, KF.lineageFallback)
        kinds.append(EdgeKind(str(prop), str(direction) == "up", str(ev or "lower"), bool(fb and fb.toPython())))
    return tuple(sorted(kinds, key=lambda k: (k.fallback, k.evidence == "citation", k.prop)))


def _subclasses(cls: URIRef) -> set[URIRef]:
    g = ontology_graph()
    return {cls} | set(g.transitive_subjects(RDFS.subClassOf, cls))


@cache
def superclasses(cls: str) -> frozenset[str]:
    return frozenset(str(c) for c in ontology_graph().transitive_objects(URIRef(cls), RDFS.subClassOf))


@cache
def layer_of_class() -> dict[str, int]:
    """Class IRI → drawing layer (subclasses inherit their superclass's layer unless they set their own)."""
    g = ontology_graph()
    out: dict[str, int] = {}
    for cls, layer in sorted(g.subject_objects(KF.lineageLayer), key=lambda t: int(t[1])):
        for sub in _subclasses(cls):  # type: ignore[arg-type]
            out.setdefault(str(sub), int(layer))
        out[str(cls)] = int(layer)
    return out


@cache
def traced_classes() -> frozenset[str]:
    """Classes that receive kf:tracesTo: the members of its declared domain and their subclasses."""
    g = ontology_graph()
    dom = g.value(KF.tracesTo, RDFS.domain)
    members = list(Collection(g, g.value(dom, OWL.unionOf))) if g.value(dom, OWL.unionOf) else [dom]
    return frozenset(str(s) for m in members for s in _subclasses(m))  # type: ignore[arg-type]


@cache
def document_classes() -> frozenset[str]:
    return frozenset(str(s) for s in _subclasses(KF.Document))


@cache
def target_classes() -> frozenset[str]:
    """Classes that kf:tracesTo points at (its declared range and subclasses)."""
    return frozenset(str(s) for s in _subclasses(ontology_graph().value(KF.tracesTo, RDFS.range)))  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# The index: lineage edges and what is needed to describe a path
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    """One step of a path, upwards, with the provenance of the node that is its evidence."""

    lower: str
    higher: str
    prop: str  # local name, as printed in the graph (hasIndicator is shown even though it is read downwards)
    evidence: str | None = None
    quote: str | None = None
    file: str | None = None
    page: int | None = None
    line: int | None = None
    last_line: int | None = None
    note: str | None = None  # kf:uncertain of the evidence node: the rule behind an inferred step

    def where(self) -> str:
        """``file:p.N:line`` as shown to users."""
        parts = [self.file, f"p.{self.page}" if self.page else None, str(self.line) if self.line else None]
        return ":".join(p for p in parts if p)

    def as_dict(self) -> dict[str, object]:
        return {"from": self.lower, "to": self.higher, "edge": curie(self.prop), "evidence": self.evidence,
                "quote": self.quote, "file": self.file, "page": self.page, "line": self.line,
                "last_line": self.last_line, "note": self.note}


_STEP_FIELDS = tuple(f.name for f in fields(Step))


@dataclass
class LineageIndex:
    """The lineage edges of a store (networkx, lower → higher) and the facts paths are described with."""

    graph: nx.DiGraph = field(default_factory=nx.DiGraph)
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[str, str] = field(default_factory=dict)
    section: dict[str, str] = field(default_factory=dict)
    doc_of: dict[str, str] = field(default_factory=dict)
    agency_of_doc: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: (owner, cited plan or law) → the citation nodes it holds
    citations: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    #: (document, cited plan or law) → citations held by the items of the document (document-level evidence)
    doc_citations: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    #: plan → extra names (citation names, aliases, alternative labels) for search
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    indicator_kind: dict[str, str] = field(default_factory=dict)
    #: objectives of the chapter on the agency's position in the policy system (kf:chapterRole): document level
    position: set[str] = field(default_factory=set)
    #: objective → indicators of the evaluation rows that evaluate or cover it
    row_members: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: citation → the node holding it
    citation_owner: dict[str, str] = field(default_factory=dict)
    #: plan → its decision date (ISO); document → its period (ISO start, end), for editions and their series
    decided: dict[str, str] = field(default_factory=dict)
    period: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    digest: str | None = None
    store: Store | None = None
    _prov: dict[str, dict[str, object]] = field(default_factory=dict)
    #: each edge's step, once worked out (a trace of every plan walks the same upper edges thousands of times)
    _steps: dict[tuple[str, str], tuple] = field(default_factory=dict)  # type: ignore[type-arg]
    _bodies: dict[str, str] = field(default_factory=dict)
    _body_docs: set[str] = field(default_factory=set)
    _ancestors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _targets: frozenset[str] | None = None
    _below: dict[str, set[str]] = field(default_factory=dict)
    _attributions: dict[str, dict] = field(default_factory=dict)  # plan → node → Attribution
    _contexts: dict[tuple[str, str], str] = field(default_factory=dict)
    _scores: dict[tuple, float] = field(default_factory=dict)
    _keywords: dict[str, frozenset[str]] = field(default_factory=dict)
    _memo: dict[tuple[str, ...], object] = field(default_factory=dict)

    # -- loading ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, store: Store, facts: bool = True) -> LineageIndex:
        """The index of ``store``; ``facts=False`` loads only the nodes and edges (what kf:tracesTo needs), not
        the labels, agencies, citations and names that describe paths to users."""
        idx = cls(store=store)
        node_classes = layer_of_class()
        values = " ".join(f"<{c}>" for c in node_classes)
        for r in _rows(store, f"SELECT ?n ?c WHERE {{ VALUES ?c {{ {values} }} ?n a ?c }}"):
            idx.types[r[0]].add(r[1])
        in_document = list(_rows(store, "SELECT ?n ?d (isIRI(?d) AS ?iri) WHERE { ?n kf:inDocument ?d }"))
        for n, d, _ in in_document:
            if n in idx.types:
                idx.doc_of[n] = d
        raw: list[tuple[str, str, EdgeKind]] = []
        for k in edge_kinds():
            if k.prop == str(KF.inDocument):  # read just above: the same rows, not a second scan
                rows: Iterable[tuple[str, ...]] = [(n, d) for n, d, is_iri in in_document if is_iri == "true"]
            else:
                rows = _rows(store, f"SELECT ?s ?o WHERE {{ ?s <{k.prop}> ?o . FILTER(isIRI(?o)) }}")
            for s, o in rows:
                lo, hi = (s, o) if k.up else (o, s)
                if lo in idx.types and hi in idx.types:
                    raw.append((lo, hi, k))
        idx._add_edges(raw)
        idx._load_structure(store)
        if facts:  # the light index is materialise's, which computes the digest itself
            idx._load_facts(store)
            idx.digest = stored_digest(store)
        return idx

    def _load_structure(self, store: Store) -> None:
        """What attribution needs beyond the edges: position chapters and evaluation-row members."""
        for (o,) in _rows(store, f"SELECT ?o WHERE {{ ?o kf:chapterRole <{concept('chapter-role', 'position')}> }}"):
            self.position.add(o)
        for i, o in _rows(store, """SELECT ?i ?o WHERE { ?i a kf:Indicator ; kf:inRow ?r .
                { ?r kf:coversObjective ?o } UNION { ?r kf:evaluates ?o } }"""):
            if o in self.types and i in self.types:
                self.row_members[o].add(i)
        plans = {n for n, t in self.types.items() if str(KF.NationalPlan) in t}
        for p, d in store.pairs(str(KF.decisionDate)):  # distinct: a join would repeat them per citing file
            if p in plans:
                self.decided[p] = min(d, self.decided.get(p, d))
        for r in store.select(sparql_prefixes() + """SELECT ?d ?s ?e ?fy WHERE {
                { ?d kf:periodStart ?s } UNION { ?d kf:periodEnd ?e } UNION { ?d kf:fiscalYear ?fy } }"""):
            s0, e0 = self.period.get(r["d"], (None, None))
            if r["fy"]:
                s0, e0 = s0 or f"{r['fy']}-04-01", e0 or f"{int(r['fy']) + 1}-03-31"
            self.period[r["d"]] = (r["s"] or s0, r["e"] or e0)

    def _load_facts(self, store: Store) -> None:
        for n, lbl in _rows(store, "SELECT ?n ?l WHERE { ?n rdfs:label ?l }"):
            if n in self.types:
                self.labels.setdefault(n, lbl)
        for n, sec in _rows(store, "SELECT ?n ?s WHERE { ?n kf:sectionNumber ?s }"):
            self.section[n] = sec
        # an agency's label is stated in each of its files: read once per agency, not joined per document
        label_of: dict[str, list[str]] = {}
        for d, a in _rows(store, """SELECT ?d ?a WHERE {
                { ?d kf:setFor ?a } UNION { ?d kf:issuedBy ?a . FILTER NOT EXISTS { ?d kf:setFor ?x } } }"""):
            if a not in label_of:
                label_of[a] = sorted(store.objects(a, str(RDFS.label)))
            if label_of[a]:
                self.agency_of_doc.setdefault(d, (a, label_of[a][0]))
        for owner, target, c in _rows(store, "SELECT ?s ?p ?c WHERE { ?s kf:hasCitation ?c . ?c kf:cites ?p }"):
            self.citations[(owner, target)].append(c)
            self.citation_owner[c] = owner
            if owner in self.doc_of:
                self.doc_citations[(self.doc_of[owner], target)].append(c)
        for p, name in _rows(store, """SELECT ?p ?n WHERE {
                { ?c kf:cites ?p . { ?c kf:name ?n } UNION { ?c kf:alias ?n } } UNION { ?p skos:altLabel ?n } }"""):
            self.names[p].add(name)
        for i, k in _rows(store, "SELECT ?i ?k WHERE { ?i kf:indicatorKind ?k }"):
            self.indicator_kind[i] = k.rsplit("/", 1)[-1]

    def _add_edges(self, raw: list[tuple[str, str, EdgeKind]]) -> None:
        """Structural edges first; a fallback edge only from a node with no parent in its own document."""
        has_parent: set[str] = set()
        for lo, hi, k in raw:
            if not k.fallback and lo in self.doc_of and self.doc_of.get(hi) == self.doc_of[lo]:
                has_parent.add(lo)
        for lo, hi, k in raw:
            if lo == hi or (k.fallback and lo in has_parent) or self.graph.has_edge(lo, hi):
                continue
            self.graph.add_edge(lo, hi, prop=k.name, evidence=k.evidence)

    # -- facts -------------------------------------------------------------------------------------

    def cls(self, node: str) -> str:
        """The most specific lineage class of a node (kf:PolicyGoal over kf:Goal; then the lower layer)."""
        kinds = self.types.get(node) or set()
        specific = [c for c in kinds if not any(o != c and c in superclasses(o) for o in kinds)] or list(kinds)
        layers = layer_of_class()
        return local(max(specific, key=lambda c: (layers.get(c, -1), c))) if specific else "Node"

    def is_a(self, node: str, classes: Iterable[str]) -> bool:
        return bool(self.types.get(node, set()) & set(classes))

    def plans(self) -> list[str]:
        return sorted(self.target_set())

    def target_set(self) -> frozenset[str]:
        """National plans (and laws): the nodes traces end at."""
        if self._targets is None:
            self._targets = frozenset(n for n, t in self.types.items() if t & target_classes())
        return self._targets

    def is_document(self, node: str) -> bool:
        return bool(self.types.get(node, set()) & document_classes())

    def ancestors(self, node: str) -> tuple[str, ...]:
        """The objectives above a node in its own document, nearest first (kf:partOf, or the owner of an indicator
        or axis)."""
        hit = self._ancestors.get(node)
        if hit is not None:
            return hit
        if node not in self.graph:
            return ()
        out: list[str] = []
        cur, doc = node, self.doc_of.get(node)
        while True:
            ups = sorted(hi for hi in self.graph.successors(cur) if self.graph.edges[cur, hi]["prop"] in
                         ("partOf", "hasIndicator", "hasAxis") and self.doc_of.get(hi) == doc and hi not in out
                         and hi != node)
            if not ups:
                break
            cur = ups[0]
            out.append(cur)
        self._ancestors[node] = tuple(out)
        return self._ancestors[node]

    def body(self, node: str) -> str:
        """kf:bodyText of a node, width- and spacing-normalised (read per document on first use)."""
        doc = self.doc_of.get(node, node)
        if doc not in self._body_docs and self.store is not None:
            self._body_docs.add(doc)
            for n, b in _rows(self.store, f"SELECT ?n ?b WHERE {{ ?n kf:inDocument <{doc}> ; kf:bodyText ?b }}"):
                self._bodies[n] = norm(b)
        return self._bodies.get(node, "")

    def agency(self, node: str) -> tuple[str, str] | None:
        doc = node if node in self.agency_of_doc else self.doc_of.get(node)
        return self.agency_of_doc.get(doc) if doc else None

    def display(self, node: str) -> str:
        """Section number and title, as printed (a plan or document: its label)."""
        lbl = self.labels.get(node, node.rsplit("/", 1)[-1])
        sec = self.section.get(node)
        return f"{sec} {lbl}" if sec else lbl

    # -- paths -------------------------------------------------------------------------------------

    def traced_from(self, plan: str) -> dict[str, str]:
        """Every node that reaches ``plan``, with the next node on its shortest path there (BFS, ties by IRI)."""
        if plan not in self.graph:
            return {}
        # edges are lower → higher, so the search runs against them; neighbours in IRI order break ties
        return {lo: hi for hi, lo in nx.bfs_edges(self.graph, plan, reverse=True, sort_neighbors=sorted)}

    def path(self, node: str, plan: str, nxt: dict[str, str] | None = None) -> list[str]:
        """The nodes from ``node`` up to ``plan`` (empty when it does not trace there)."""
        nxt = self.traced_from(plan) if nxt is None else nxt
        if node not in nxt:
            return []
        out = [node]
        while out[-1] != plan:
            out.append(nxt[out[-1]])
        return out

    def steps(self, nodes: list[str]) -> list[Step]:
        """The steps of a path, each with the provenance of its evidence."""
        return self.edge_steps(list(zip(nodes, nodes[1:], strict=False)))

    def edge_steps(self, pairs: list[tuple[str, str]]) -> list[Step]:
        """Steps for upward edges (lower, higher), their evidence provenance looked up in batched queries; each
        edge is worked out once per index, and every call gets steps of its own."""
        todo = [pair for pair in dict.fromkeys(pairs) if pair not in self._steps]
        if not todo:
            return [Step(*self._steps[pair]) for pair in pairs]
        self.provenance(c for lo, hi in todo if self.graph.edges[lo, hi]["evidence"] == "citation"
                        for c in (*self.citations.get((lo, hi), ()), *self.doc_citations.get((lo, hi), ())))
        made = []
        for lo, hi in todo:
            data = self.graph.edges[lo, hi]
            ev = self._citation(lo, hi) if data["evidence"] == "citation" else lo
            made.append(Step(lo, hi, data["prop"], ev or lo))
        prov = self.provenance(s.evidence for s in made if s.evidence)
        for s in made:
            p = prov.get(s.evidence or "", {})
            s.quote, s.file, s.page, s.line, s.last_line, s.note = (  # type: ignore[assignment]
                p.get(k) for k in ("quote", "file", "page", "line", "last", "note"))
            self._steps[s.lower, s.higher] = tuple(getattr(s, f) for f in _STEP_FIELDS)  # no deep copy (astuple)
        return [Step(*self._steps[pair]) for pair in pairs]

    def _citation(self, owner: str, target: str) -> str | None:
        """The citation behind ``owner kf:basedOn target``: its own first, else one held by an item of the document."""
        cands = sorted(set(self.citations.get((owner, target), ()))) or sorted(
            set(self.doc_citations.get((owner, target), ())))
        if not cands:
            return None
        prov = self.provenance(cands)
        return min(cands, key=lambda c: (prov[c].get("page") or 0, prov[c].get("line") or 0, c))

    def provenance(self, nodes: Iterable[str]) -> dict[str, dict[str, object]]:
        """quote, file, page, line, last line and kf:uncertain note of nodes (cached per index)."""
        nodes = list(nodes)
        todo = sorted(n for n in set(nodes) if n not in self._prov)
        for chunk in (todo[i:i + 400] for i in range(0, len(todo), 400)):
            for n in chunk:
                self._prov[n] = {}
            if self.store is not None:
                self._read_provenance("VALUES ?n { " + " ".join(f"<{n}>" for n in chunk) + " }")
        return {n: self._prov.get(n, {}) for n in nodes}

    def read_all_provenance(self) -> None:
        """Read the provenance of every node at once, a scan per property (:meth:`Store.pairs`), for a caller that
        will ask for most of it (the trace index written whole). Why: the batched lookups of :meth:`provenance`
        cost ≈ 0.3 ms a node (their OPTIONAL joins), the scans ≈ 0.01 ms a value (8 copies of the corpus: 3.7 s of
        lookups for the 13,000 nodes a full index needs, 0.7 s to scan everything). A node with two values of
        any of these properties is left to :meth:`provenance`, whose query picks one as it always has."""
        if self.store is None:
            return
        dct = "http://purl.org/dc/terms/"
        props = {"line": KF.line, "q": KF.quote, "last": KF.lastLine, "page": KF.page, "note": KF.uncertain,
                 "src": "http://www.w3.org/ns/prov#wasDerivedFrom", "title": f"{dct}title"}
        values: dict[str, dict[str, list[str]]] = {k: defaultdict(list) for k in props}
        for k, prop in props.items():
            for s, o in self.store.pairs(str(prop)):
                values[k][s].append(o)
        for n, lines in values["line"].items():
            if n in self._prov:
                continue
            one = {k: values[k].get(n, ()) for k in ("q", "last", "page", "note", "src")}
            srcs = one["src"]
            titles = values["title"].get(srcs[0], ()) if len(srcs) == 1 else ()
            if len(lines) > 1 or any(len(v) > 1 for v in one.values()) or len(titles) > 1:
                continue  # several rows in the query's answer: its own choice, on demand
            first = {k: (v[0] if v else None) for k, v in one.items()}
            self._prov[n] = {"quote": first["q"], "file": titles[0] if titles else None, "line": _int(lines[0]),
                             "last": _int(first["last"]), "page": _int(first["page"]), "note": first["note"]}

    def _read_provenance(self, values: str) -> None:
        q = f"""SELECT ?n ?q ?line ?last ?page ?file ?note WHERE {{ {values}
            ?n kf:line ?line . OPTIONAL {{ ?n kf:quote ?q }} OPTIONAL {{ ?n kf:lastLine ?last }}
            OPTIONAL {{ ?n kf:page ?page }} OPTIONAL {{ ?n prov:wasDerivedFrom ?src . ?src dcterms:title ?file }}
            OPTIONAL {{ ?n kf:uncertain ?note }} }}"""
        for r in self.store.select(sparql_prefixes() + "PREFIX dcterms: <http://purl.org/dc/terms/>\n" + q):  # type: ignore[union-attr]
            if not self._prov.get(r["n"]):
                self._prov[r["n"]] = {
                    "quote": r["q"], "file": r["file"], "line": _int(r["line"]), "last": _int(r["last"]),
                    "page": _int(r["page"]), "note": r["note"]}

    # -- materialisation -----------------------------------------------------------------------------

    def attributions(self, plan: str) -> dict[str, Attribution]:
        """Every traced node (indicators and goals) that reaches ``plan``, with why (see keifu.graph.attribution)."""
        traced = traced_classes()
        return {n: a for n, a in attribute(self, plan).items() if self.types.get(n, set()) & traced}

    def traces(self, everything: bool = False) -> dict[str, set[str]]:
        """plan → the traced nodes of its default answer (direct and relevant document-level attributions), or of
        every attribution with ``everything``."""
        return {p: {n for n, a in self.attributions(p).items() if everything or a.relevant} for p in self.plans()}


def _int(v: str | None) -> int | None:
    return int(v) if v not in (None, "") else None


def _rows(store: Store, sparql: str) -> Iterable[tuple[str, ...]]:
    res = store.query(sparql_prefixes() + sparql)
    for sol in res:  # type: ignore[union-attr]
        yield tuple(t.value for t in sol)


def stored_digest(store: Store) -> str | None:
    """The digest written with the lineage graph, or None when lineage was never materialised."""
    res = store.ox.query(f"SELECT ?d WHERE {{ GRAPH <{LINEAGE_GRAPH}> {{ <{LINEAGE_GRAPH}> <{_DCT_ID}> ?d }} }}")
    for sol in res:  # type: ignore[union-attr]
        return sol["d"].value
    return None


_CACHE: weakref.WeakKeyDictionary[Store, tuple[object, LineageIndex]] = weakref.WeakKeyDictionary()


def index_for(store: Store) -> LineageIndex:
    """The lineage index of a store, reused while its lineage digest (or, unmaterialised, its size) holds."""
    digest = stored_digest(store)
    key: object = digest if digest is not None else ("size", len(store))
    hit = _CACHE.get(store)
    if hit is not None and hit[0] == key:
        return hit[1]
    idx = LineageIndex.load(store)
    _CACHE[store] = (key, idx)
    return idx


# --------------------------------------------------------------------------------------------------
# Materialisation at build time
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class MaterialiseReport:
    traced: int
    edges: int
    plans: int
    seconds: float
    #: nodes whose kf:tracesTo (or attribution) triples were added or removed by this materialisation, and the
    #: plans on the other end of those triples: what an index fed from the lineage graph must refresh. Empty
    #: when nothing changed; ``rewritten`` when the lineage graph was written whole (first time: everything new).
    changed_nodes: frozenset[str] = frozenset()
    changed_plans: frozenset[str] = frozenset()
    rewritten: bool = False

    def line(self) -> str:
        return (f"系譜 / lineage: kf:tracesTo {self.traced} 件 / triples to {self.plans} 計画 / plans "
                f"over {self.edges} 辺 / edges in {self.seconds:.2f} s")


def materialise(store: Store, reuse: Callable[[LineageIndex], object] | None = None) -> MaterialiseReport:
    """Compute kf:tracesTo (the default answer) and the attribution of every traced pair (a sub-property of
    kf:attributedTo per kind) over everything stored, and replace the lineage graph with them in one transaction.
    ``reuse`` is given the loaded index before any attribution is computed, and may fill in the attributions of
    plans that a previous build computed from the same inputs (keifu.graph.lineage.trace_index.reuse_attributions)."""
    t0 = time.perf_counter()
    me = ox.NamedNode(str(LINEAGE_GRAPH))
    # kf:tracesTo and kf:attributedTo are no lineage edges, so the old lineage graph does not interfere
    idx = LineageIndex.load(store)
    if reuse is not None:
        reuse(idx)
    atts = sorted((n, p, a) for p in idx.plans() for n, a in idx.attributions(p).items())
    pairs = [(n, p) for n, p, a in atts if a.relevant]
    h = hashlib.sha1()
    for n, p, a in atts:
        h.update(f"{n}\t{p}\t{a.kind}\t{a.relevance}\t{a.relevant}\t{a.anchor}\t{a.inherited}\n".encode())
    for lo, hi in sorted(idx.graph.edges):
        h.update(f"{lo}>{hi}\n".encode())
    own = next(iter(store.ox.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LINEAGE_GRAPH}> {{ ?s ?p ?o }} }}")))
    h.update(str(len(store) - int(own["n"].value)).encode())  # any change elsewhere in the store changes the digest
    digest = h.hexdigest()
    report = MaterialiseReport(len(pairs), idx.graph.number_of_edges(), sum(1 for p in {p for _, p in pairs}), 0.0)
    if digest != stored_digest(store):  # unchanged since the last materialisation: keep the stored graph
        tr = ox.NamedNode(str(KF.tracesTo))
        triples = [ox.Triple(ox.NamedNode(n), tr, ox.NamedNode(p)) for n, p in pairs]
        triples += _attribution_triples(atts)
        triples += [
            ox.Triple(me, ox.NamedNode(_RDF_TYPE), ox.NamedNode(str(KF.LineageGraph))),
            ox.Triple(me, ox.NamedNode(_DCT_ID), ox.Literal(digest)),
            ox.Triple(me, ox.NamedNode(str(KF.tracedCount)), _int_lit(len(pairs))),
            ox.Triple(me, ox.NamedNode(str(KF.lineageEdgeCount)), _int_lit(idx.graph.number_of_edges())),
        ]
        _write_lineage(store, me, triples, [(n, p) for n, p, _ in atts], report)
    idx.digest = digest
    _CACHE[store] = (digest, idx)  # what the build does next (the trace index) reads this index, not a reload
    report.seconds = time.perf_counter() - t0
    return report


def _write_lineage(store: Store, me: ox.NamedNode, triples: list[ox.Triple], traced: list[tuple[str, str]],
                   report: MaterialiseReport) -> None:
    """Replace the lineage graph by ``triples``: whole the first time (or when most of it changed), else only
    the triples removed and added, in one update (one transaction), so a rebuild that changes a few traces
    writes a few triples. Records what changed in ``report`` (``traced``: every (node, plan) of the triples)."""
    if not store.ox.contains_named_graph(me):  # the first time: everything is new
        store.replace_ntriples(str(LINEAGE_GRAPH), ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        report.rewritten = True
        report.changed_nodes = frozenset(n for n, _ in traced)
        report.changed_plans = frozenset(p for _, p in traced)
        return
    old = {ox.Triple(q.subject, q.predicate, q.object) for q in store.ox.quads_for_pattern(None, None, None, me)}
    new = set(triples)
    removed, added = old - new, new - old
    if len(removed) + len(added) > len(new) // 2:
        store.replace_ntriples(str(LINEAGE_GRAPH), ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    else:
        def data(ts: set[ox.Triple]) -> str:
            return " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in sorted(ts, key=str))

        ops = [f"{op} DATA {{ GRAPH {me} {{ {data(ts)} }} }}" for op, ts in (("DELETE", removed), ("INSERT", added))
               if ts]
        if ops:
            store.ox.update(";\n".join(ops))
    props = {str(KF.tracesTo), *kind_properties().values()}
    diff = [t for t in removed | added if t.predicate.value in props]
    report.changed_nodes = frozenset(t.subject.value for t in diff)  # type: ignore[union-attr]
    report.changed_plans = frozenset(t.object.value for t in diff if isinstance(t.object, ox.NamedNode))


def _attribution_triples(atts: list[tuple[str, str, Attribution]]) -> list[ox.Triple]:
    """One triple per traced pair, its predicate the sub-property of kf:attributedTo for the kind of attribution."""
    props = {k: ox.NamedNode(p) for k, p in kind_properties().items()}
    kind = ox.NamedNode(str(KF.attributionKind))
    described = [ox.Triple(p, kind, ox.NamedNode(concept_iri(k))) for k, p in sorted(props.items())]  # self-describing
    return described + [ox.Triple(ox.NamedNode(n), props[a.kind], ox.NamedNode(plan)) for n, plan, a in atts]


def _int_lit(n: int) -> ox.Literal:
    lit = Literal(n)
    return ox.Literal(str(lit), datatype=ox.NamedNode(str(lit.datatype)))
