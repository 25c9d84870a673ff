"""Self-description: the SPARQL Service Description (GET /sparql) and VoID statistics (/.well-known/void).

Statistics are computed by SPARQL through the backend, so they describe a remote server the same way as
the embedded store; they are cached until the next write.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from keifu.graph.store import graph_triples
from keifu.graph.vocab import ID_BASE, KF

from .replies import Reply, not_acceptable
from .results import GRAPH_TYPES, RESULT_TYPES, negotiate, parse_accept, write_triples
from .service import Service, service_of, to_response
from .worker import Job

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
_FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON", "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV", "text/tab-separated-values": "SPARQL_Results_TSV", "text/turtle": "Turtle",
    "application/n-triples": "N-Triples", "application/rdf+xml": "RDF_XML", "application/ld+json": "JSON-LD",
    "application/trig": "TriG", "application/n-quads": "N-Quads",
}

router = APIRouter(tags=["SPARQL"])


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _select(svc: Service, query: str) -> list[dict[str, str]]:
    reply = await svc.backend.query(Job(query, [("application/sparql-results+json", 1.0)], max_rows=10**9))
    if reply.status != 200:
        raise RuntimeError(reply.body.decode("utf-8", "replace"))
    data = json.loads(reply.body)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def _graph_filter(svc: Service) -> str:
    parts = [f'!STRSTARTS(STR(?g), {json.dumps(p)})' for p in svc.backend.system_graphs]
    return f"FILTER({' && '.join(parts)})" if parts else ""


async def statistics(svc: Service) -> dict[str, object]:
    """Triples per graph, entities per class, triples per property, distinct subjects and objects."""
    if "stats" in svc.cache:
        return svc.cache["stats"]  # type: ignore[return-value]
    f = _graph_filter(svc)
    stats = {
        "graphs": {r["g"]: int(r["n"]) for r in await _select(
            svc, f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {f} }} GROUP BY ?g")},
        "classes": {r["c"]: int(r["n"]) for r in await _select(
            svc, f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} {f} }} GROUP BY ?c")},
        "properties": {r["p"]: int(r["n"]) for r in await _select(
            svc, f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {f} }} GROUP BY ?p")},
    }
    row = (await _select(svc, f"SELECT (COUNT(DISTINCT ?s) AS ?ds) (COUNT(DISTINCT ?o) AS ?do) "
                              f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {f} }}"))[0]
    stats["subjects"], stats["objects"] = int(row.get("ds", 0)), int(row.get("do", 0))
    svc.cache["stats"] = stats
    return stats


def _rdf_reply(g: Graph, accept: list[tuple[str, float]]) -> Reply:
    media = negotiate(accept, list(GRAPH_TYPES))
    if media is None:
        return not_acceptable("RDF", list(GRAPH_TYPES))
    prefixes = {p: str(ns) for p, ns in g.namespaces() if p in ("sd", "void", "kf", "dcterms", "formats", "xsd")}
    return Reply(200, media, write_triples(GRAPH_TYPES[media], list(graph_triples(g)), prefixes))


async def service_description(svc: Service, request: Request, accept: list[tuple[str, float]]) -> Reply:
    """sd:Service for this endpoint: languages, formats, features and the dataset with its graphs."""
    base = _base(request)
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("formats", FORMATS)
    me = URIRef(f"{base}/sparql")
    g.add((me, RDF.type, SD.Service))
    g.add((me, SD.endpoint, me))
    g.add((me, SD.supportedLanguage, SD.SPARQL11Query))
    if svc.limits.write_token:
        g.add((me, SD.supportedLanguage, SD.SPARQL11Update))
    g.add((me, SD.feature, SD.UnionDefaultGraph))
    if svc.limits.allow_service:
        g.add((me, SD.feature, SD.BasicFederatedQuery))
    for m in dict.fromkeys([*RESULT_TYPES, *GRAPH_TYPES]):
        if m in _FORMAT_IRIS:
            g.add((me, SD.resultFormat, FORMATS[_FORMAT_IRIS[m]]))
    stats = await statistics(svc)
    ds, dg = BNode("dataset"), BNode("defaultGraph")
    g.add((me, SD.defaultDataset, ds))
    g.add((ds, RDF.type, SD.Dataset))
    g.add((ds, SD.defaultGraph, dg))
    g.add((dg, RDF.type, SD.Graph))
    g.add((dg, VOID.triples, Literal(sum(stats["graphs"].values()), datatype=XSD.integer)))  # type: ignore[union-attr]
    for i, (name, n) in enumerate(sorted(stats["graphs"].items())):  # type: ignore[union-attr]
        ng, gr = BNode(f"ng{i}"), BNode(f"g{i}")
        g.add((ds, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
        g.add((ng, SD.graph, gr))
        g.add((gr, RDF.type, SD.Graph))
        g.add((gr, VOID.triples, Literal(n, datatype=XSD.integer)))
    return _rdf_reply(g, accept)


@router.get("/.well-known/void", summary="VoID statistics of the graph / グラフの VoID 統計",
            responses={200: {"content": {m: {} for m in GRAPH_TYPES}}})
async def void(request: Request) -> Response:
    svc = service_of(request)
    base = _base(request)
    stats = await statistics(svc)
    g = Graph()
    g.bind("void", VOID)
    g.bind("kf", KF)
    g.bind("dcterms", DCTERMS)
    d = URIRef(f"{base}/.well-known/void#keifu")
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, DCTERMS.title, Literal("keifu 系譜: 日本の公共政策の系譜グラフ", lang="ja")))
    g.add((d, DCTERMS.title, Literal("keifu: knowledge graph of Japanese public policy", lang="en")))
    g.add((d, VOID.sparqlEndpoint, URIRef(f"{base}/sparql")))
    g.add((d, VOID.uriSpace, Literal(ID_BASE)))
    g.add((d, VOID.vocabulary, URIRef(str(KF))))
    graphs: dict[str, int] = stats["graphs"]  # type: ignore[assignment]
    n = lambda v: Literal(v, datatype=XSD.integer)  # noqa: E731
    g.add((d, VOID.triples, n(sum(graphs.values()))))
    g.add((d, VOID.distinctSubjects, n(stats["subjects"])))
    g.add((d, VOID.distinctObjects, n(stats["objects"])))
    g.add((d, VOID.classes, n(len(stats["classes"]))))  # type: ignore[arg-type]
    g.add((d, VOID.properties, n(len(stats["properties"]))))  # type: ignore[arg-type]
    for i, (c, k) in enumerate(sorted(stats["classes"].items())):  # type: ignore[union-attr]
        part = URIRef(f"{base}/.well-known/void#class{i}")
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(c)))
        g.add((part, VOID.entities, n(k)))
    for i, (p, k) in enumerate(sorted(stats["properties"].items())):  # type: ignore[union-attr]
        part = URIRef(f"{base}/.well-known/void#property{i}")
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(p)))
        g.add((part, VOID.triples, n(k)))
    for i, (name, k) in enumerate(sorted(graphs.items())):
        sub = URIRef(f"{base}/.well-known/void#graph{i}")
        g.add((d, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, DCTERMS.source, URIRef(name)))
        g.add((sub, VOID.triples, n(k)))
    return to_response(_rdf_reply(g, parse_accept(request.headers.get("accept"))))
