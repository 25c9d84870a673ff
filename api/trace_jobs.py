"""Trace and lineage requests as jobs of the query workers: the time limit and the memory cap of a SPARQL query
apply, and a runaway trace is stopped as a runaway query is.

A job asks for the whole answer (``part="whole"``: one JSON document or CSV text, as /trace has always answered)
or for one part of a streamed answer (``"first"``: the head and the first rows; ``"next"``: more rows). The rows
come from the persistent trace index beside the store (:mod:`keifu.graph.lineage.trace_index`), checked against
the store the worker sees; when the index is missing, of another build or cannot answer the name, the job is
answered from the live lineage index instead (slow on a big store, but still under the time limit), and always
as a whole document. The server (:mod:`keifu.api.lineage`) runs jobs through the pool, or in a thread when it
has no pool.
"""

from __future__ import annotations

import json
import logging
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from keifu.extract.errors import KeifuError
from keifu.graph.lineage import index_for, layer_of_class, stored_digest, traced_classes
from keifu.graph.lineage.coverage import coverage
from keifu.graph.lineage.render import resolve_node, subgraph, to_dot, to_graphml, to_json, to_svg
from keifu.graph.lineage.trace import AmbiguousName, NameNotFound, find_nodes, trace
from keifu.graph.lineage.trace_index import StaleIndex, TraceIndex, build_stamp, index_path
from keifu.graph.store import Store
from keifu.graph.vocab import KF

from .worker import Reply, error

log = logging.getLogger("keifu.api.trace_jobs")
INDICATOR = str(KF.Indicator)
JSON = "application/json"
CSV = "text/csv; charset=utf-8"
#: reply headers: rows in this reply, the offset of the next part ("" at the end), the index's stamp, and
#: whether the body is a whole document (the live answer) rather than a part
H_ROWS, H_NEXT, H_STAMP, H_WHOLE = "X-Trace-Rows", "X-Trace-Next", "X-Trace-Stamp", "X-Trace-Whole"
H_AFTER = "X-Trace-After"  # the number of the last row sent: the cursor of the next part


@dataclass(slots=True)
class LineageJob:
    """A /lineage (``kind="lineage"``), /lineage/search (``"search"``) or /report/coverage (``"coverage"``) request:
    answered from the live lineage index, which each worker loads on its first such job."""

    kind: str
    params: dict[str, Any]


@dataclass(slots=True)
class TraceJob:
    """One /trace request (or one part of it)."""

    plan: str
    goals: bool = False
    evidence: bool = True
    everything: bool = False
    offset: int = 0
    limit: int | None = None
    fmt: str = "json"  # json | csv
    part: str = "whole"  # whole | first | next
    #: the index stamp of a stream's first part: a later part read from another index is refused
    stamp: str | None = None
    #: a later part: the number of the last row sent (read on from there, not skipped to by offset)
    after: int | None = None


class _Source:
    """What a worker (or the server without workers) reads: the store's directory, its Oxigraph handle, and a
    keifu Store for the live fallback (opened on first need)."""

    def __init__(self, path: str | None, ox_store: Any, store: Store | None = None) -> None:
        self.path, self.ox = path, ox_store
        self._store: Store | None = None  # a worker's, over its own handle (made on first need)
        self._given = weakref.ref(store) if store is not None else None  # the server's (not kept alive by this)
        self._index: tuple[tuple[int, int], TraceIndex] | None = None
        self._digest: str | None | bool = False
        self._snapshot = store is None  # a worker's read-only handle: the store it sees never changes

    def store(self) -> Store:
        given = self._given() if self._given is not None else None
        if given is not None:
            return given
        if self._store is None:
            self._store = Store.over(self.ox, self.path)
        return self._store

    def digest(self) -> str | None:
        """The lineage digest of the store as this process sees it (a worker's handle is a snapshot: read once)."""
        if self._digest is False or not self._snapshot:
            self._digest = stored_digest(SimpleNamespace(ox=self.ox))  # type: ignore[arg-type]
        return self._digest  # type: ignore[return-value]

    def index(self) -> TraceIndex:
        """The trace index, reopened when its file is replaced; StaleIndex unless it matches the store."""
        if self.path is None:
            raise StaleIndex("an in-memory store has none", "メモリ上のストアにはありません")
        path = index_path(self.path)
        try:
            st = os.stat(path)
        except OSError:
            raise StaleIndex(f"{path.name} not found (run keifu build)",
                             f"{path.name} がありません（keifu build を実行）") from None
        key = (st.st_ino, st.st_mtime_ns)
        if self._index is None or self._index[0] != key:
            if self._index is not None:
                self._index[1].close()
                self._index = None
            self._index = (key, TraceIndex(path))
        ti = self._index[1]
        ti.check(build_stamp(self.path), self.digest())
        return ti


_SOURCES: weakref.WeakKeyDictionary[Store, _Source] = weakref.WeakKeyDictionary()


def source(store: Store) -> _Source:
    """The source of a Store read in this process (the server without workers), kept while the Store lives."""
    src = _SOURCES.get(store)
    if src is None or src.ox is not store.ox:
        src = _SOURCES[store] = _Source(str(store.path) if store.path is not None else None, store.ox, store)
    return src


def indexed_rows(store: Store, plan: str, evidence: bool = True, fmt: str = "json") -> list[str] | None:
    """The rows of the default answer for ``plan`` as JSON texts (or CSV lines), read in this process from the trace
    index; None when the index is not current or holds no answer for ``plan`` (the caller traces live). Raises
    AmbiguousName / NameNotFound as trace does."""
    try:
        page = source(store).index().page(plan, evidence=evidence, fmt=fmt)
    except StaleIndex:
        return None
    return page.rows if page is not None else None


def dispatch(answer: Callable[[Any], Reply], path: str, ox_store: Any) -> Callable[[Any], Reply]:
    """The worker's answer function: trace jobs here, anything else to ``answer``."""
    src = _Source(path, ox_store)

    def run(job: Any) -> Reply:
        return run_job(job, src) if isinstance(job, TraceJob | LineageJob) else answer(job)

    return run


def run_job(job: TraceJob | LineageJob, src: _Source) -> Reply:
    """The reply to a trace or lineage job; never raises."""
    try:
        if isinstance(job, LineageJob):
            return _lineage(job, src)
        try:
            ti = src.index()
        except StaleIndex as e:
            if job.part == "next":  # a stream whose index went away: stop it rather than mix two builds
                return _stale(e)
            log.info("%s", e.message_en)
            return _live(job, src)
        if job.stamp is not None and job.stamp != ti.meta["build"]:
            return _stale(StaleIndex("rebuilt during the answer", "応答の途中で再構築されました"))
        page = ti.page(job.plan, job.goals, job.everything, job.evidence, job.offset, job.limit, job.fmt,
                       None if job.part == "first" else "page", job.after)
        if page is None:  # a name or IRI the index holds no answer for: the live index may
            return _live(job, src)
        n = len(page.rows)
        nxt = job.offset + n if job.limit is not None and n == job.limit and job.offset + n < page.total else None
        headers = {H_ROWS: str(n), H_NEXT: "" if nxt is None else str(nxt), H_STAMP: ti.meta["build"],
                   H_AFTER: "" if page.last is None else str(page.last)}
        if job.fmt == "csv":
            body = (ti.meta["csv_head"] if job.part != "next" else "") + "".join(page.rows)
            return Reply(200, CSV, body.encode(), headers)
        rows = ", ".join(page.rows)
        if job.part == "next":
            return Reply(200, JSON, ((", " if rows else "") + rows).encode(), headers)
        if job.part == "first":  # the head counts the rows from the offset on; they follow in later parts
            head = page.head(extra={"total": page.total, "offset": job.offset, "next_offset": None})
            return Reply(200, JSON, (head + rows).encode(), headers)
        extra = {"total": page.total, "offset": job.offset, "next_offset": nxt}
        return Reply(200, JSON, (page.head(extra=extra) + rows + "]}").encode(), headers)
    except AmbiguousName as e:  # the candidates beside the error, as keifu.api.errors.keifu_error has them
        body = {"error": {"code": "ambiguous-name", "message_ja": e.message_ja, "message_en": e.message_en},
                "candidates": [c.as_dict() for c in e.candidates]}
        return Reply(300, JSON, json.dumps(body, ensure_ascii=False).encode())
    except NameNotFound as e:
        return error(404, "not-found", e.message_en, e.message_ja)
    except KeifuError as e:
        return error(500, "trace-failed", e.message_en, e.message_ja)


def _lineage(job: LineageJob, src: _Source) -> Reply:
    idx = index_for(src.store())
    p = job.params
    if job.kind == "search":
        found = find_nodes(idx, p["q"], set(layer_of_class()) | {str(KF.Agency)}, p["limit"])
        return _json({"query": p["q"], "candidates": [c.as_dict() for c in found]})
    if job.kind == "coverage":
        return _json(coverage(idx, orphan_limit=p["orphans"]).as_dict())
    cand = resolve_node(idx, p["node"])
    view = subgraph(idx, cand.iri, p["direction"], p["depth"], max_nodes=p["max_nodes"], expand=p["expand"],
                    kinds=p["kinds"], agency=p["agency"], hide=p["hide"])
    fmt = p["format"]
    if fmt == "graphml":
        return Reply(200, "application/graphml+xml; charset=utf-8", to_graphml(view).encode())
    if fmt == "dot":
        return Reply(200, "text/vnd.graphviz; charset=utf-8", to_dot(view).encode())
    if fmt == "svg":
        return Reply(200, "image/svg+xml; charset=utf-8", to_svg(view).encode())
    body = to_json(view)
    body["node"] = cand.as_dict()
    return _json(body)


def _json(body: object) -> Reply:
    return Reply(200, JSON, json.dumps(body, ensure_ascii=False).encode())


def _stale(e: StaleIndex) -> Reply:
    return error(503, "index-changed", e.message_en, e.message_ja)


def _live(job: TraceJob, src: _Source) -> Reply:
    """The answer from the live lineage index, as a whole document (a part request too)."""
    classes = [INDICATOR, *(sorted(traced_classes() - {INDICATOR}) if job.goals else [])]
    limit = None if job.part == "first" else job.limit  # the first part of a stream: answered whole here
    res = trace(index_for(src.store()), job.plan, classes=classes, evidence=job.evidence, limit=limit,
                everything=job.everything, offset=job.offset)
    headers = {H_ROWS: str(len(res.rows)), H_NEXT: "", H_WHOLE: "1"}
    if job.fmt == "csv":
        return Reply(200, CSV, res.csv().encode(), headers)
    total = res.total if res.total is not None else len(res.rows)
    nxt = job.offset + len(res.rows) if job.offset + len(res.rows) < total else None
    body = {**res.as_dict(), "total": total, "offset": job.offset, "next_offset": nxt}
    rows = body.pop("rows")
    return Reply(200, JSON, json.dumps({**body, "rows": rows}, ensure_ascii=False).encode(), headers)
