"""SPARQL 1.1 Graph Store HTTP Protocol at ``/store`` (indirect identification: ``?graph=IRI`` or ``?default``).

GET/HEAD read a graph in any RDF format offered by content negotiation. PUT (replace), POST (merge, also as
``multipart/form-data``: one RDF document per part) and DELETE need the write token; a source file's graph can
so be fetched or replaced over HTTP. POST to ``/store`` without a graph creates a new graph (201, its IRI in
``Location``). The default graph reads as the merge of all graphs; writes to it go to
:data:`~keifu.graph.store.DEFAULT_GRAPH`, which that merge includes.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Annotated
from uuid import uuid4

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from keifu.graph.store import DEFAULT_GRAPH
from keifu.graph.vocab import ID_BASE

from .replies import Reply, error, syntax_error
from .results import GRAPH_TYPES, parse_accept
from .security import Refused, read_body, require_write
from .service import service_of, to_response
from .worker import Job

router = APIRouter(tags=["Graph Store"])
_GRAPH_DOC = "IRI of the named graph (one per source file) / 名前付きグラフの IRI"


def _name(graph: str | None, default: str | None, new: bool = False) -> str | None:
    """The graph named by the request; None means the default graph. With ``new`` (POST), naming no graph
    asks for a new one, whose IRI is minted here."""
    if graph is not None and default is not None:
        raise Refused(error(400, "graph-and-default", "give either graph= or default, not both",
                            "graph= と default の両方は指定できません"))
    if graph is None and default is None:
        if new:
            return f"{ID_BASE}graph/{uuid4().hex}"
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
    default: Annotated[str | None, Query(description="the default graph (merge of all graphs)")] = None,
) -> Response:
    svc = service_of(request)
    try:
        name = _name(graph, default)
    except Refused as r:
        return to_response(r.reply)
    accept = parse_accept(request.headers.get("accept"))
    if name is not None:
        g = ox.NamedNode(name)
        ask = await svc.backend.query(Job(svc.backend.ask_graph.format(g=g), [("application/sparql-results+json", 1.0)]))
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


def _rdf_format(ctype: str) -> ox.RdfFormat:
    ctype = ctype.split(";")[0].strip().lower()
    fmt = GRAPH_TYPES.get(ctype) or (ox.RdfFormat.from_media_type(ctype) if ctype else None)
    if fmt is None:
        raise Refused(error(415, "unsupported-media-type", f"unsupported RDF type {ctype or 'none'}; use one of "
                            f"{', '.join(GRAPH_TYPES)}", f"未対応の RDF 形式 {ctype or 'なし'} です"))
    return fmt


def _parse(body: bytes, fmt: ox.RdfFormat, base: str) -> list[ox.Triple]:
    try:
        parsed = list(ox.parse(body, format=fmt, base_iri=base))
    except SyntaxError as e:
        raise Refused(syntax_error(e)) from e
    return [q.triple if isinstance(q, ox.Quad) else q for q in parsed]


async def _triples(request: Request, limit: int, base: str) -> list[ox.Triple]:
    """The RDF in the request body; a ``multipart/form-data`` body holds one RDF document per part, each with
    its own Content-Type (Graph Store Protocol §5.5: their merge is added)."""
    ctype = request.headers.get("content-type", "")
    if ctype.split(";")[0].strip().lower() != "multipart/form-data":
        fmt = _rdf_format(ctype)
        return _parse(await read_body(request, limit), fmt, base)
    body = await read_body(request, limit)
    msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode("latin-1") + body)
    if not msg.is_multipart():
        raise Refused(error(400, "bad-multipart", "malformed multipart/form-data body",
                            "multipart/form-data の本文が不正です"))
    triples: list[ox.Triple] = []
    for part in msg.iter_parts():
        payload = part.get_payload(decode=True) or b""
        triples += _parse(payload, _rdf_format(part.get("content-type", "")), base)
    return triples


async def _write(request: Request, graph: str | None, default: str | None, method: str) -> Response:
    svc = service_of(request)
    headers: dict[str, str] = {}
    try:
        require_write(request, svc.limits)
        name = _name(graph, default, new=method == "POST")
        if method == "DELETE":
            reply = await svc.backend.delete_graph(name)
        else:
            base = name or DEFAULT_GRAPH.value
            triples = await _triples(request, svc.limits.max_body, base)
            put = svc.backend.put_graph if method == "PUT" else svc.backend.post_graph
            reply = await put(name, triples)
            if graph is None and default is None and reply.status < 300:  # a new graph: say where it is
                reply, headers = Reply(201, reply.media, reply.body), {"Location": str(name)}
    except Refused as r:
        return to_response(r.reply)
    svc.changed()
    reply.headers.update(headers)
    return to_response(reply)


@router.put("/store", summary="replace a graph (token) / グラフを置換（要トークン）")
async def put_graph(request: Request, graph: Annotated[str | None, Query(description=_GRAPH_DOC)] = None,
                    default: str | None = None) -> Response:
    return await _write(request, graph, default, "PUT")


@router.post("/store", summary="add to a graph, or a new one without ?graph (token) / グラフに追加（要トークン）")
async def post_graph(request: Request, graph: Annotated[str | None, Query(description=_GRAPH_DOC)] = None,
                     default: str | None = None) -> Response:
    return await _write(request, graph, default, "POST")


@router.delete("/store", summary="delete a graph (token) / グラフを削除（要トークン）")
async def delete_graph(request: Request, graph: Annotated[str | None, Query(description=_GRAPH_DOC)] = None,
                       default: str | None = None) -> Response:
    return await _write(request, graph, default, "DELETE")
