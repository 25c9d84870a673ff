"""Lineage API: GET /trace, /lineage (JSON, GraphML, DOT, SVG or the viewer page), /lineage/search,
/lineage/view and /report/coverage.

The store comes from ``app.state.store`` (a :class:`keifu.graph.store.Store` or a path), else from the
``KEIFU_STORE`` environment variable (default ``store``). Errors are JSON with Japanese and English
messages; an ambiguous name answers 300 with the candidates. /trace answers the default answer (direct and
relevant document-level attributions, each row saying which); ``all=true`` adds the rest, flagged ``"default": false``.

/trace, /lineage, /lineage/search and /report/coverage run as jobs of the app's query workers
(:mod:`keifu.api.trace_jobs`: the time limit and memory cap of a query apply), or in a thread when the app has no
workers. /trace reads the persistent trace index (:mod:`keifu.graph.lineage.trace_index`): a page with ``limit``
and ``offset``, the whole answer streamed part by part.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from keifu.extract.errors import KeifuError
from keifu.graph.store import Store
from keifu.settings import setting

from .errors import ApiError
from .trace_jobs import H_AFTER, H_NEXT, H_STAMP, H_WHOLE, LineageJob, TraceJob, run_job, source
from .worker import Reply

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"lineage.js": "text/javascript; charset=utf-8"}

router = APIRouter(tags=["lineage 系譜"])
log = logging.getLogger("keifu.api.lineage")


def lineage_store(request: Request) -> Store:
    """The store the app serves: ``app.state.store`` (Store or path), else ``$KEIFU_STORE`` or ``./store``."""
    state = request.app.state
    st = getattr(state, "store", None)
    if isinstance(st, Store):
        return st
    opened = getattr(state, "lineage_store", None)
    if opened is None:
        try:
            opened = Store.for_reading(st or str(setting("store")))
        except KeifuError as e:
            raise ApiError(503, "no-store", e.message_en, e.message_ja) from e
        state.lineage_store = opened
    return opened


StoreDep = Annotated[Store, Depends(lineage_store)]


def _wants(request: Request, fmt: str | None, mime: str) -> bool:
    return fmt is None and mime in request.headers.get("accept", "").split(",")[0]


#: rows of the first part of a streamed answer (small: its first byte comes soon), then of each later part
FIRST_PART, NEXT_PART = 50, 2000


def _pool(request: Request) -> object | None:
    """The query workers of the app's backend (None in an app without them: trace jobs then run in a thread)."""
    service = getattr(request.app.state, "service", None)
    return getattr(getattr(service, "backend", None), "pool", None)


def _runner(request: Request) -> Callable[[TraceJob | LineageJob], Awaitable[Reply]]:
    """How trace and lineage jobs run: in the time-limited query workers when the app has them, else in a thread
    here."""
    pool = _pool(request)
    if pool is not None:
        return pool.run  # type: ignore[attr-defined,no-any-return]
    store = lineage_store(request)
    src = source(store)

    async def here(job: TraceJob | LineageJob) -> Reply:
        return await run_in_threadpool(run_job, job, src)

    return here


def _reply(r: Reply, csv: bool) -> Response:
    headers = {k: v for k, v in r.headers.items() if not k.startswith("X-Trace-")}
    if r.status == 200 and csv:
        headers["Content-Disposition"] = 'attachment; filename="trace.csv"'
    return Response(r.body, status_code=r.status, media_type=r.media, headers=headers)


@router.get("/trace", summary="indicators that trace to a national plan / 国の計画にたどり着く指標",
            description="Without ``limit`` the whole answer is streamed, read part by part from the trace index; "
                        "with ``limit`` (and ``offset``) one page of it, in a stable order. ``total`` counts the "
                        "whole answer, ``next_offset`` is the offset of the next page (null at the end). / "
                        "``limit`` なしでは全件を逐次送信し、``limit``（と ``offset``）では安定した順序の 1 ページを返す。")
async def get_trace(
    request: Request,
    plan: Annotated[str, Query(description="plan IRI or name (partial, width- and spacing-insensitive)")],
    format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None,
    goals: bool = False, evidence: bool = True,
    limit: Annotated[int | None, Query(ge=1, description="rows of a page / 1 ページの行数")] = None,
    offset: Annotated[int, Query(ge=0, description="rows skipped before the page (with limit, the "
                                                   "next_offset of the previous page) / 読み飛ばす行数")] = 0,
    all: Annotated[bool, Query(description="add document-level attributions judged not relevant (flagged "
                                           "\"default\": false) / 関連の低い文書レベルの帰属も含める")] = False,
) -> Response:
    csv = format == "csv" or _wants(request, format, "text/csv")
    run = _runner(request)
    job = TraceJob(plan, goals, evidence, all, offset, limit, "csv" if csv else "json")
    if limit is not None:
        return _reply(await run(job), csv)
    first = await run(replace(job, part="first", limit=FIRST_PART))
    if first.status != 200 or first.headers.get(H_WHOLE):
        return _reply(first, csv)

    async def parts() -> AsyncIterator[bytes]:
        yield first.body
        nxt, stamp, after = first.headers.get(H_NEXT), first.headers.get(H_STAMP), first.headers.get(H_AFTER)
        while nxt:
            r = await run(replace(job, part="next", offset=int(nxt), limit=NEXT_PART, stamp=stamp,
                                  after=int(after) if after else None))
            if r.status != 200:  # the index changed or the part ran over the time limit: the answer stays cut
                log.warning("trace stream cut / 追跡の送信を中断: %s", r.body[:300])
                return
            yield r.body
            nxt, after = r.headers.get(H_NEXT), r.headers.get(H_AFTER)
        if not csv:
            yield b"]}"

    headers = {"Content-Disposition": 'attachment; filename="trace.csv"'} if csv else {}
    return StreamingResponse(parts(), media_type=first.media, headers=headers)


@router.get("/lineage/search", summary="find plans, agencies, objectives by name / 名称で検索")
async def search(request: Request, q: Annotated[str, Query(min_length=1)],
                 limit: Annotated[int, Query(ge=1, le=200)] = 30) -> Response:
    return _reply(await _runner(request)(LineageJob("search", {"q": q, "limit": limit})), False)


def _viewer(request: Request) -> HTMLResponse:
    base = str(request.scope.get("root_path", "")).rstrip("/")
    html = (STATIC / "lineage.html").read_text(encoding="utf-8").replace("__BASE__", base)
    return HTMLResponse(html)


@router.get("/lineage/view", response_class=HTMLResponse, summary="lineage viewer / 系譜ビューア")
def view_page(request: Request) -> HTMLResponse:
    return _viewer(request)


@router.get("/lineage/assets/{name}", include_in_schema=False)
def asset(name: str) -> Response:
    if name not in ASSETS:
        raise ApiError(404, "not-found", "not found", "ありません")
    return Response((STATIC / name).read_bytes(), media_type=ASSETS[name])


@router.get("/lineage", summary="the lineage subgraph around a node / ノードの周りの系譜")
async def get_lineage(
    request: Request,
    node: Annotated[str | None, Query(description="IRI or name of a plan, agency, objective or indicator")] = None,
    direction: Annotated[str, Query(pattern="^(up|down|both)$")] = "both",
    depth: Annotated[int, Query(ge=1, le=20)] = 4,
    format: Annotated[str | None, Query(pattern="^(json|graphml|dot|svg)$")] = None,
    max_nodes: Annotated[int, Query(ge=1, le=5000)] = 400,
    expand: Annotated[list[str] | None, Query(description="nodes whose neighbours are added (repeatable)")] = None,
    kinds: Annotated[str | None, Query(description="only these classes, comma-separated (Indicator,Objective…)")] = None,
    agency: Annotated[str | None, Query(description="only nodes of this agency (its name) and of none")] = None,
    hide: Annotated[str | None, Query(description="leave out these classes, comma-separated")] = None,
) -> Response:
    if node is None or _wants(request, format, "text/html"):
        return _viewer(request)
    for fmt, mime in (("graphml", "application/graphml+xml"), ("dot", "text/vnd.graphviz"), ("svg", "image/svg+xml")):
        if format is None and _wants(request, format, mime):
            format = fmt
    params = {"node": node, "direction": direction, "depth": depth, "max_nodes": max_nodes, "expand": expand or (),
              "kinds": [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None, "agency": agency or None,
              "hide": [k.strip() for k in (hide or "").split(",") if k.strip()], "format": format or "json"}
    return _reply(await _runner(request)(LineageJob("lineage", params)), False)


@router.get("/report/coverage", summary="coverage of national plans, orphans, cycles / 網羅性の報告")
async def get_coverage(request: Request, orphans: Annotated[int | None, Query(ge=0)] = 200) -> Response:
    return _reply(await _runner(request)(LineageJob("coverage", {"orphans": orphans})), False)
