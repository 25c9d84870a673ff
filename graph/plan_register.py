"""The plan register in the graph: series, editions, kinds, aliases and plan-to-plan bases, after a build.

Once every file is stored, :func:`register_plans` writes one named graph (:data:`REGISTER_GRAPH`, replaced as a
whole) holding, for the plans the build found:

* the curated facts of ``ontology/plans.ttl`` (:mod:`keifu.extract.plan_register`) for every found plan the
  register knows, its series and the plans it is based on: ``skos:prefLabel``, ``skos:altLabel``,
  ``kf:planKind``, ``kf:edition``, ``kf:decisionDate``, ``kf:decidedBy``, ``kf:basedOn``;
* every edition tied to its series by ``dcterms:isVersionOf`` (a series the register does not know is made
  from the edition's name without its 第N期; a yearly version such as 統合イノベーション戦略2024 belongs to the
  name without the year), and editions ordered by ``kf:supersedes`` (by number, yearly versions by year);
* ``skos:prefLabel`` of every plan and, as ``skos:altLabel``, every variant its citations print.

Lineage reads ``dcterms:isVersionOf`` upwards (``ontology/lineage.ttl``), so what traces to an edition traces to
its series, and ``kf:basedOn`` between plans, so what traces to a plan traces to the strategy it serves.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from keifu.extract.normalize import squash
from keifu.extract.plan_names import plan_kind_of
from keifu.extract.plan_register import Entry, Register, load_register
from keifu.extract.plans import base_name, classify_body, document_noun, plan_key

from .store import Store
from .vocab import KF, concept, mint, sparql_prefixes

__all__ = ["REGISTER_GRAPH", "RegisterReport", "register_graph", "register_plans"]

#: The named graph holding the register's facts about the plans of the store.
REGISTER_GRAPH = mint("graph", "register")

_FOUND = """
SELECT ?p ?label ?edition WHERE {
  GRAPH ?g { ?p a kf:NationalPlan ; rdfs:label ?label . OPTIONAL { ?p kf:edition ?edition } }
  FILTER(?g != <%s>)
}"""
_PRINTED = """
SELECT DISTINCT ?p ?n WHERE {
  GRAPH ?g { ?c kf:cites ?p . { ?c kf:name ?n } UNION { ?c kf:alias ?n } }
  FILTER(?g != <%s>)
}"""


@dataclass(slots=True)
class RegisterReport:
    plans: int
    series: int
    editions: int

    def line(self) -> str:
        return (f"計画登録簿 / plan register: {self.plans} 計画 / plans, {self.series} 系列 / series, "
                f"{self.editions} 版 / editions")


#: a yearly version: the series' name, a year, optionally 年版 and a subtitle (経済財政運営と改革の基本方針2024~…~)
_YEAR_VERSION = re.compile(r"^(?P<base>.+?[^0-9])(?P<year>(?:19|20)[0-9]{2})(?:年版?|年度)?(?:~[^~]*~|-[^-]*-|〜[^〜]*〜)?$")


def _versions(found: dict[str, tuple[str, int | None]], reg: Register) -> dict[str, tuple[str, int, Entry | None, str]]:
    """Found plans the register does not know that are an edition (第N期X) or a yearly version (X2024) of a
    series X: plan IRI → (series key, order among the versions, the register's series or None, X as printed)."""
    out: dict[str, tuple[str, int, Entry | None, str]] = {}
    for p, (label, ed) in found.items():
        year = _YEAR_VERSION.match(squash(label)) if ed is None else None
        if year is not None and document_noun(year.group("base")):
            order, base = int(year.group("year")), year.group("base")
        elif ed is not None and (b := base_name(label)):
            order, base = ed, b
        else:
            continue
        known = reg.resolve(base)
        known = known if known is not None and known.edition is None else None
        out[p] = (known.key if known else plan_key(base), order, known, base)
    return out


def _iri(key: str) -> URIRef:
    return mint("plan", key)


def _display(name: str) -> str:
    return squash(name).replace("「", "").replace("」", "").replace("『", "").replace("』", "")


def register_graph(found: dict[str, tuple[str, int | None]], printed: dict[str, set[str]],
                   reg: Register | None = None) -> Graph:
    """The register graph for the found plans (IRI → (label, edition)) and their printed names."""
    reg = reg or load_register()
    g = Graph(identifier=REGISTER_GRAPH)
    by_iri = {str(_iri(e.key)): e for e in reg.entries.values()}
    emitted: dict[str, Entry] = {}
    versions = _versions({p: v for p, v in found.items() if p not in by_iri}, reg)
    todo = [by_iri[p] for p in found if p in by_iri] + [k for _, _, k, _ in versions.values() if k is not None]
    while todo:  # the found plans the register knows, their series and their bases
        e = todo.pop()
        if e.ref in emitted:
            continue
        emitted[e.ref] = e
        todo += [reg.entries[r] for r in (e.series, *e.based_on) if r and r in reg.entries]
    labels: dict[str, str] = {p: lbl for p, (lbl, _) in found.items()}
    series_of: dict[str, str] = {}
    edition_of: dict[str, int] = {}
    for e in emitted.values():
        node = _iri(e.key)
        labels[str(node)] = e.label
        g.add((node, RDF.type, KF.NationalPlan))
        for a in e.alt:
            g.add((node, SKOS.altLabel, Literal(a, lang="ja")))
        kind = reg.kind(e)
        if kind:
            g.add((node, KF.planKind, concept("plan-kind", kind)))
        if e.edition is not None:
            g.add((node, KF.edition, Literal(e.edition)))
            edition_of[str(node)] = e.edition
        if e.series and e.series in reg.entries:
            series_of[str(node)] = str(_iri(reg.entries[e.series].key))
        if e.date:
            g.add((node, KF.decisionDate, Literal(e.date[0], datatype=URIRef(e.date[1]))))
        body = reg.body(e)
        if body:
            b = mint("body", squash(body))
            g.add((node, KF.decidedBy, b))
            g.add((b, RDF.type, KF.GovernmentBody))
            g.add((b, RDFS.label, Literal(squash(body), lang="ja")))
            if (bk := classify_body(body)) is not None:
                g.add((b, KF.decidingBodyKind, concept("deciding-body-kind", bk)))
        for r in e.based_on:
            if r in reg.entries:
                g.add((node, KF.basedOn, _iri(reg.entries[r].key)))
    for p, (skey, order, _known, base) in versions.items():  # editions and yearly versions found by name
        series_of[p], edition_of[p] = str(_iri(skey)), order
        if series_of[p] not in labels:
            labels[series_of[p]] = _display(base)
            snode = URIRef(series_of[p])
            g.add((snode, RDF.type, KF.NationalPlan))
            kind = plan_kind_of(base)
            if kind:
                g.add((snode, KF.planKind, concept("plan-kind", kind)))
    by_series: dict[str, dict[int, str]] = defaultdict(dict)
    for p, s in series_of.items():
        g.add((URIRef(p), DCTERMS.isVersionOf, URIRef(s)))
        by_series[s].setdefault(edition_of.get(p, 0), p)
    for eds in by_series.values():
        ordered = [eds[n] for n in sorted(eds)]
        for newer, older in zip(ordered[1:], ordered, strict=False):
            g.add((URIRef(newer), KF.supersedes, URIRef(older)))
    for p, label in labels.items():
        node = URIRef(p)
        g.add((node, SKOS.prefLabel, Literal(label, lang="ja")))
        if p not in found:
            g.add((node, RDFS.label, Literal(label, lang="ja")))
        for n in sorted({_display(x) for x in printed.get(p, ())} - {_display(label)}):
            g.add((node, SKOS.altLabel, Literal(n, lang="ja")))
    return g


def register_plans(store: Store) -> RegisterReport:
    """Write the register graph for everything stored (replacing the previous one)."""
    found: dict[str, tuple[str, int | None]] = {}
    for r in store.select(sparql_prefixes() + _FOUND % REGISTER_GRAPH):
        old = found.get(r["p"])
        ed = int(r["edition"]) if r.get("edition") else None
        if old is None or len(r["label"]) > len(old[0]):  # one label per plan: the longest printed
            found[r["p"]] = (r["label"], ed if ed is not None else (old[1] if old else None))
    printed: dict[str, set[str]] = defaultdict(set)
    for r in store.select(sparql_prefixes() + _PRINTED % REGISTER_GRAPH):
        printed[r["p"]].add(r["n"])
    g = register_graph(found, printed)
    store.replace_graph(g)
    series = set(g.objects(None, DCTERMS.isVersionOf))
    editions = set(g.subjects(DCTERMS.isVersionOf, None))
    plans = set(g.subjects(RDF.type, KF.NationalPlan)) | {URIRef(p) for p in found}
    return RegisterReport(len(plans), len(series), len(editions))
