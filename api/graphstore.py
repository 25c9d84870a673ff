"""SPARQL 1.1 Graph Store HTTP Protocol at ``/store`` (indirect identification: ``?graph=IRI`` or ``?default``).

GET/HEAD read a graph in any RDF format offered by content negotiation. PUT (replace), POST (merge) and
DELETE need the write token; a source file's graph can so be fetched or replaced over HTTP.
"""

from __future__ import annotations

import json
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from .results import GRAPH_TYPES, parse_accept
from .security import Refused, read_body, require_write
from .service import service_of, to_response
from .worker import Job, Reply, error, syntax_error

router = APIRouter(tags=["Graph Store"])
_GRAPH_DOC = "IRI of the named graph (one per source file) / 名前付きグラフの IRI"


def _name(graph: str | None, default: str | None) -> str | None:
    """The graph named by the request; None means the default graph."""
    if graph is not None and default is not None:
        raise Refused(error(400, "graph-and-default", "give either graph= or default, not both",
                            "graph= と default の両方は指定できません"))
    if graph is None and default is None:
        raise Refused(error(400, "no-graph", "name a graph with ?graph=IRI or ?default",
                            "?graph=IRI または ?default でグラフを指定してください"))
    if graph is not None:
        try:
            ox.NamedNode(graph)
        except ValueError as e:
            raise Refused(error(400, "bad-iri", f"bad graph IRI: {e}", f"グラフ IRI が不正です: {e}")) from e
    return graph


@router.api_route("/store", methods=["GET", "HEAD"], summary="read a graph / グラフを取得",
                  responses={200: {"content": {m: {} for m in GRAPH_TYPES}}})
async def get_graph(
    request: Request,
    graph: Annotated[str | None, Query(description=_GRAPH_DOC)] = None,
    default: Annotated[str | None, Query(description="the default graph (union of all graphs)")] = None,
) -> Response:
    svc = service_of(request)
    try:
        name = _name(graph, default)
    except Refused as r:
        return to_response(r.reply)
    accept = parse_accept(request.headers.get("accept"))
    if name is not None:
        g = ox.NamedNode(name)
        ask = await svc.backend.query(Job(f"ASK {{ GRAPH {g} {{ ?s ?p ?o }} }}",
                                          [("application/sparql-results+json", 1.0)]))
        if ask.status != 200:
            return to_response(ask)
        if not json.loads(ask.body)["boolean"]:
            return to_response(error(404, "no-graph", f"no graph {name}", f"グラフ {name} はありません"))
        q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}"
    else:
        q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    reply = await svc.backend.query(Job(q, accept, max_rows=svc.limits.max_rows))
    if request.method == "HEAD":
        reply = Reply(reply.status, reply.media, b"", reply.headers)
    return to_response(reply)


async def _triples(request: Request, limit: int, base: str) -> list[ox.Triple]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = GRAPH_TYPES.get(ctype) or (ox.RdfFormat.from_media_type(ctype) if ctype else None)
    if fmt is None:
        raise Refused(error(415, "unsupported-media-type", f"unsupported RDF type {ctype or 'none'}; use one of "
                            f"{', '.join(GRAPH_TYPES)}", f"未対応の RDF 形式 {ctype or 'なし'} です"))
    body = await read_body(request, limit)
    try:
        parsed = list(ox.parse(body, format=fmt, base_iri=base))
    except SyntaxError as e:
        raise Refused(syntax_error(e)) from e
    return [q.triple if isinstance(q, ox.Quad) else q for q in parsed]


async def _write(request: Request, graph: str | None, default: str | None, method: str) -> Response:
    svc = service_of(request)
    try:
        require_write(request, svc.limits)
        name = _name(graph, default)
        if name is None:
            return to_response(error(400, "default-read-only", "the default graph is the union of all graphs; "
                                     "write to a named graph", "既定グラフは全グラフの和です。名前付きグラフに書いてください"))
        if method == "DELETE":
            reply = await svc.backend.delete_graph(name)
        else:
            triples = await _triples(request, svc.limits.max_body, name)
            put = svc.backend.put_graph if method == "PUT" else svc.backend.post_graph
            reply = await put(name, triples)
    except Refused as r:
        return to_response(r.reply)
    svc.changed()
    return to_response(reply)


@router.put("/store", summary="replace a graph (token) / グラフを置換（要トークン）")
async def put_graph(request: Request, graph: Annotated[str | None, Query(description=_GRAPH_DOC)] = None,
                    default: str | None = None) -> Response:
    return await _write(request, graph, default, "PUT")


@router.post("/store", summary="add to a graph (token) / グラフに追加（要トークン）")
async def post_graph(request: Request, graph: Annotated[str | None, Query(description=_GRAPH_DOC)] = None,
                     default: str | None = None) -> Response:
    return await _write(request, graph, default, "POST")


@router.delete("/store", summary="delete a graph (token) / グラフを削除（要トークン）")
async def delete_graph(request: Request, graph: Annotated[str | None, Query(description=_GRAPH_DOC)] = None,
                       default: str | None = None) -> Response:
    return await _write(request, graph, default, "DELETE")
