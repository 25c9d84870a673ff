"""The web service: SPARQL 1.1 endpoint, Graph Store, named queries, VoID, the query page at ``/``, the analyst's
pages (``/home``, ``/plans`` … :mod:`keifu.api.pages`), docs at ``/docs`` (offline: :mod:`keifu.api.docs`).

``create_app`` takes a backend (embedded store or remote server) and the limits; routers of other API
modules listed in :data:`EXTRA_ROUTERS` (lineage, draft validation) are mounted on the same app.
"""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from keifu.graph.vocab import sparql_prefixes
from keifu.resources import data_dir

from . import describe, docs, errors, graphstore, named_queries, sparql
from .backend import Backend, LocalBackend
from .drafts import DraftPool
from .security import Limits, SecurityHeaders
from .service import Service

STATIC = Path(__file__).resolve().parent / "static"
#: the named queries bundled with the repository
DEFAULT_QUERIES = data_dir("queries")
#: routers of other API modules served by the same app
EXTRA_ROUTERS = ["keifu.api.lineage", "keifu.api.validate", "keifu.api.pages"]


def _page() -> str:
    """The query page with the prefixes baked in (no request needed before the editor shows)."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    return html.replace("/*PREFIXES*/\"\"", json.dumps(sparql_prefixes()))


def create_app(backend: Backend, limits: Limits | None = None, queries_dir: Path | None = DEFAULT_QUERIES) -> FastAPI:
    """The ASGI app; the backend starts and stops with it (worker processes live as long as the app)."""
    limits = limits or Limits()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await backend.start()
        if isinstance(backend, LocalBackend):
            app.state.store = backend.reader  # the lineage API reads the same store in-process
            backend.on_reopen = lambda st: setattr(app.state, "store", st)
        await drafts.start()  # its workers warm up: shapes parsed before the first draft arrives
        gc.freeze()  # long-lived objects leave the collector's generations: less time per request
        yield
        await drafts.close()
        await backend.close()

    app = sparql.SparqlFirst(title="keifu 系譜 SPARQL", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="SPARQL 1.1 endpoint over the keifu policy graph / 政策の系譜グラフの SPARQL エンドポイント")
    errors.install(app)
    app.state.service = Service(backend, limits, queries_dir)
    pool = getattr(backend, "pool", None)
    app.state.service.long_per_client = max(1, pool.size - 1) if pool is not None else 4
    drafts = app.state.drafts = DraftPool(limits.validate_workers, limits.validate_timeout, limits.validate_memory)
    for r in (sparql.router, describe.router, graphstore.router, named_queries.router):
        app.include_router(r)
    for mod in EXTRA_ROUTERS:
        app.include_router(import_module(mod).router)
    app.add_middleware(SecurityHeaders)
    if limits.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(limits.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Accept", "Content-Type", "Authorization"], expose_headers=["Warning"])
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    docs.install(app)  # Swagger UI from keifu's own files: /docs works offline
    page = _page()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def query_page() -> HTMLResponse:
        return HTMLResponse(page)

    return app
