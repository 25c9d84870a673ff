"""Named queries: ``queries/*.rq`` as REST (GET /queries, GET /queries/{name}?param=…).

A file's header comment declares it::

    # title: 法人の指標 / Indicators of an agency
    # description: …
    # param: agency text required 法人名の一部 / part of the agency's name
    # example: agency=研究開発

Parameter types: ``text`` (plain literal), ``ja`` (literal @ja), ``iri``, ``integer``, ``decimal``, ``date``.
Values become RDF terms (pyoxigraph checks and escapes them) bound with VALUES at the top of the query's
WHERE group; nothing the client sends is pasted into the query text.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from keifu.graph.named_query import (  # noqa: F401 - re-exported: the parser lives in the graph layer
    TYPES,
    NamedQuery,
    Param,
    bound_query,
    load_queries,
    parse_query_file,
    term,
)
from keifu.graph.sparql_text import names_dataset

from .replies import error
from .service import service_of, to_response
from .sparql import accept_of
from .worker import Job

router = APIRouter(tags=["named queries 保存クエリ"])


def _queries(request: Request) -> dict[str, NamedQuery]:
    svc = service_of(request)
    if "queries" not in svc.cache:
        svc.cache["queries"] = load_queries(svc.queries_dir)
    return svc.cache["queries"]  # type: ignore[return-value]


@router.get("/queries", summary="list the named queries / 保存クエリの一覧")
async def list_queries(request: Request) -> JSONResponse:
    out = []
    for q in _queries(request).values():
        d = q.public()
        try:  # the query with its example values bound, for the query page's example buttons
            d["example_sparql"] = bound_query(q, dict(parse_qsl(q.example)))
        except ValueError:
            d["example_sparql"] = None
        out.append(d)
    return JSONResponse(out)


@router.get("/queries/{name}", summary="run a named query / 保存クエリを実行",
            description="Parameters as declared by GET /queries; results negotiated like /sparql (JSON by default).")
async def run_named(name: str, request: Request) -> Response:
    svc = service_of(request)
    nq = _queries(request).get(name)
    if nq is None:
        return to_response(error(404, "no-query", f"no named query {name}", f"保存クエリ {name} はありません"))
    items = list(request.query_params.multi_items())
    given = {k: v for k, v in items if k != "format"}
    if len(given) != len([k for k, _ in items if k != "format"]):
        return to_response(error(400, "repeated-parameter", "a parameter is given more than once",
                                 "同じパラメーターが複数回指定されています"))
    try:
        text = bound_query(nq, given)
    except ValueError as e:
        return to_response(error(400, "bad-parameter", str(e), f"パラメーターの誤り: {getattr(e, 'ja', e)}"))
    return to_response(await svc.backend.query(Job(text, accept_of(request, items), max_rows=svc.limits.max_rows,
                                                     own_dataset=names_dataset(text))))
