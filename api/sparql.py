"""SPARQL 1.1 Protocol at ``/sparql``: query by GET, POST form or POST sparql-query; update with the token.

A GET without ``query`` answers the Service Description. Status codes: 400 malformed (line and column),
401/403 writes without the token, 406 no acceptable format, 413 body too large, 415 unknown body type,
503 over the time limit.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response
from starlette.types import Receive, Scope, Send

from keifu.graph.sparql_text import add_using, names_dataset, query_form

from .describe import service_description
from .replies import bad_graph_iri, error
from .results import GRAPH_TYPES, RESULT_TYPES, SHORT_NAMES, parse_accept
from .security import SECURITY_HEADERS, Refused, check_query, read_body, require_write
from .service import Service, service_of, to_response
from .worker import Job

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
_POST_DOC = {
    "requestBody": {"content": {
        FORM: {"schema": {"type": "object", "properties": {
            "query": {"type": "string"}, "update": {"type": "string"},
            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
            "named-graph-uri": {"type": "array", "items": {"type": "string"}}}}},
        QUERY_TYPE: {"schema": {"type": "string"}},
        UPDATE_TYPE: {"schema": {"type": "string"}},
    }},
    "responses": {"200": {"content": {m: {} for m in [*dict.fromkeys(RESULT_TYPES), *GRAPH_TYPES]}}},
}


def accept_of(request: Request, params: list[tuple[str, str]]) -> list[tuple[str, float]]:
    """``?format=`` (short name or media type) wins over the Accept header, for links typed by hand."""
    fmt = (next((v for k, v in params if k == "format"), None) or "").strip().lower()
    if fmt in SHORT_NAMES:
        return [(m, 1.0) for m in SHORT_NAMES[fmt]]
    if fmt in RESULT_TYPES or fmt in GRAPH_TYPES:
        return [(fmt, 1.0)]
    return parse_accept(request.headers.get("accept"))  # an unknown format= is ignored, as other servers do


def endpoint_url(request: Request) -> str:
    """The endpoint's own URL: the base IRI of relative IRIs in queries and updates (Protocol: "MAY be the
    service endpoint")."""
    scope, host = request.scope, request.headers.get("host")
    if not host:
        return str(request.url.replace(query="", fragment=""))
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"  # 1 µs, not 15


def graphs_of(params: list[tuple[str, str]], key: str) -> list[str]:
    """The graph IRIs given as ``key`` parameters, each checked (400 for a malformed one)."""
    graphs = [v for k, v in params if k == key]
    try:
        for g in graphs:
            ox.NamedNode(g)
    except ValueError as e:
        raise Refused(bad_graph_iri(e)) from e
    return graphs


def _client_busy(en: str, ja: str) -> Response:
    r = error(503, "client-busy", en, ja)
    r.headers["Retry-After"] = "5"
    return to_response(r)


async def run_query(svc: Service, request: Request, text: str, params: list[tuple[str, str]]) -> Response:
    """Check, run and answer one query (shared by GET and both POST forms)."""
    check_query(text, svc.limits)
    client = request.client.host if request.client else ""
    now = asyncio.get_running_loop().time()
    if svc.long_running(client, now) >= svc.long_per_client:
        return _client_busy(f"this client already has {svc.long_per_client} long queries running; wait for them "
                            "to finish", f"このクライアントは時間のかかるクエリを既に {svc.long_per_client} 件実行中です。"
                            "終わるのを待ってください")
    if svc.is_heavy(client, now) and svc.heavy_running(now) >= svc.long_per_client:
        return _client_busy(f"long queries already hold {svc.long_per_client} workers and the last query of this "
                            "client ran long; one worker is kept for short queries: try again shortly",
                            f"時間のかかるクエリが既に {svc.long_per_client} 件の作業プロセスを使っており、このクライアントの直前の"
                            "クエリも長時間かかりました。短いクエリのために1つ空けてあります。しばらくしてから再度お試しください")
    job = Job(text, accept_of(request, params),
              default_graphs=graphs_of(params, "default-graph-uri"),
              named_graphs=graphs_of(params, "named-graph-uri"),
              max_rows=svc.limits.max_rows, base=endpoint_url(request), own_dataset=names_dataset(text),
              low_priority=svc.is_heavy(client, now))
    n = svc.begin(client, now)
    try:
        reply = await svc.backend.query(job)
    finally:
        svc.end(client, n, asyncio.get_running_loop().time())
    if reply.status == 400 and query_form(text) == "update":  # the query parser refused it: say why
        reply = error(400, "update-as-query", "this is an update: POST it as update= or application/sparql-update",
                      "更新要求です。update= または application/sparql-update で POST してください")
    return to_response(reply)


async def run_update(svc: Service, request: Request, text: str, params: list[tuple[str, str]]) -> Response:
    require_write(request, svc.limits)
    using, using_named = graphs_of(params, "using-graph-uri"), graphs_of(params, "using-named-graph-uri")
    if using or using_named:
        try:
            text = add_using(text, using, using_named)
        except ValueError as e:
            return to_response(error(400, "dataset-conflict", f"using-graph-uri / using-named-graph-uri cannot be "
                                     f"combined with USING or WITH in the update ({e})",
                                     "using-graph-uri / using-named-graph-uri は更新文の USING・WITH と併用できません"))
    check_query(text, svc.limits, update=True)
    reply = await svc.backend.update(text, endpoint_url(request))
    svc.changed()
    return to_response(reply)


def _charset_refused(content_type: str) -> Response | None:
    """415 unless the body is UTF-8: the protocol's only encoding (a charset parameter may say so)."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return to_response(error(415, "unsupported-charset", f"request bodies must be UTF-8 (got {value.strip()})",
                                     f"要求本文は UTF-8 で送ってください（受信: {value.strip()}）"))
    return None


def _one(params: list[tuple[str, str]], key: str) -> str | None:
    values = [v for k, v in params if k == key]
    if len(values) > 1:
        raise Refused(error(400, "repeated-parameter", f"parameter {key} given more than once",
                            f"パラメーター {key} が複数回指定されています"))
    return values[0] if values else None


@router.get("/sparql", summary="SPARQL query (GET) or the Service Description / クエリまたはサービス記述",
            responses={200: {"content": {m: {} for m in [*dict.fromkeys(RESULT_TYPES), *GRAPH_TYPES]}}})
async def sparql_get(
    request: Request,
    # declared for the OpenAPI page only: the values are read from request.query_params (repeats are refused)
    _query: Annotated[str | None, Query(alias="query", description="SPARQL 1.1 query")] = None,
    _default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri")] = None,
    _named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri")] = None,
    _format: Annotated[str | None, Query(alias="format", description="json, xml, csv, tsv, turtle, ntriples, rdfxml, jsonld, trig, nquads")] = None,
) -> Response:
    svc = service_of(request)
    params = list(request.query_params.multi_items())
    try:
        if "update" in request.query_params:
            return to_response(error(400, "update-by-get", "updates must be POSTed", "更新は POST で送ってください"))
        text = _one(params, "query")
        if text is None:
            return to_response(await service_description(svc, request, accept_of(request, params)))
        return await run_query(svc, request, text, params)
    except Refused as r:
        return to_response(r.reply)


@router.post("/sparql", summary="SPARQL query or update (POST) / クエリまたは更新", openapi_extra=_POST_DOC)
async def sparql_post(request: Request) -> Response:
    svc = service_of(request)
    params = list(request.query_params.multi_items())
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    refused = _charset_refused(request.headers.get("content-type", ""))
    if refused is not None:
        return refused
    try:
        body = await read_body(request, svc.limits.max_body)
        if ctype == FORM:
            params += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            query, update = _one(params, "query"), _one(params, "update")
            if query is not None and update is not None:
                return to_response(error(400, "query-and-update", "give either query or update, not both",
                                         "query と update の両方は指定できません"))
            if update is not None:
                return await run_update(svc, request, update, params)
            if query is None:
                return to_response(error(400, "no-query", "missing query= or update=",
                                         "query= または update= がありません"))
            return await run_query(svc, request, query, params)
        if ctype == QUERY_TYPE:
            return await run_query(svc, request, body.decode("utf-8", "replace"), params)
        if ctype == UPDATE_TYPE:
            return await run_update(svc, request, body.decode("utf-8", "replace"), params)
        return to_response(error(415, "unsupported-media-type",
                                 f"POST body must be {FORM}, {QUERY_TYPE} or {UPDATE_TYPE} (got {ctype or 'none'})",
                                 f"POST 本文は {FORM}・{QUERY_TYPE}・{UPDATE_TYPE} のいずれかです（受信: {ctype or 'なし'}）"))
    except Refused as r:
        return to_response(r.reply)


class SparqlFirst(FastAPI):
    """The FastAPI app, answering GET and POST ``/sparql`` with the handlers above before its middleware stack.

    Per point query the stack cost ~30 µs of the server's CPU (FastAPI's error, telemetry and body-limit
    layers, the security-header wrapper, the router and dependency solving), most of what the server adds to
    the engine's ~60 µs. The handlers read everything from the request themselves, bound the body
    (``read_body``) and answer errors in the API's format, so skipping the layers changes no answer; the
    security headers are added here. A cross-origin request (an ``Origin`` header while CORS is configured)
    takes the full way, through CORSMiddleware; so does what this does not claim (other methods, a root path).
    The routes stay registered for the OpenAPI document.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/sparql" and scope["method"] in ("GET", "POST"):
            svc: Service = self.state.service
            if not (svc.limits.cors_origins and any(k == b"origin" for k, _ in scope["headers"])):
                scope["app"] = self
                request = Request(scope, receive)
                response = await (sparql_get(request) if scope["method"] == "GET" else sparql_post(request))
                present = {k for k, _ in response.raw_headers}
                response.raw_headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
