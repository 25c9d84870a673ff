"""Query worker process: runs one SPARQL query at a time on its own read-only store handle.

pyoxigraph cannot interrupt a running query from Python, so queries run here, in a separate process the
server can kill when the time limit passes. Jobs and replies travel as pickled frames (replies as plain
tuples, which pickle cheaply); SELECT results are written by oxigraph itself unless they may pass the row limit.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from keifu.extract.limits import memory_exhausted
from keifu.settings import setting

from .replies import Reply, bad_graph_iri, error, not_acceptable, syntax_error
from .results import GRAPH_TYPES, RESULT_TYPES, negotiate, write_boolean, write_solutions, write_triples
from .sandbox import without_network


@dataclass(slots=True)
class Job:
    """One query: text, dataset (protocol's default-graph-uri / named-graph-uri) and the client's Accept."""

    query: str
    accept: list[tuple[str, float]]
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    max_rows: int = setting("max_rows")  # type: ignore[assignment]
    #: base IRI of relative IRIs in the query (the endpoint's URL)
    base: str | None = None
    #: the query names its own dataset (FROM / FROM NAMED; told by the server: workers import no lexer)
    own_dataset: bool = False
    #: run at low priority from the start (the client's last query ran long: see Service.heavy); read by the pool
    low_priority: bool = False


def render(res: object, job: Job, prefixes: dict[str, str] | None) -> Reply:
    """Serialize a query result in the negotiated format, cut at ``job.max_rows``."""
    if isinstance(res, bool | ox.QueryBoolean):
        offered = list(dict.fromkeys(RESULT_TYPES))
        media = negotiate(job.accept, offered)
        if media is None:
            return not_acceptable("ASK", offered)
        return Reply(200, media, write_boolean(RESULT_TYPES[media], bool(res)))
    if hasattr(res, "variables"):  # pyoxigraph solutions, or parsed remote ones
        offered = list(RESULT_TYPES)
        media = negotiate(job.accept, offered)
        if media is None:
            return not_acceptable("SELECT", offered)
        variables = [v.value for v in res.variables]
        rows = [tuple(s) for s in islice(res, job.max_rows + 1)]
        headers = _cut(rows, job.max_rows)
        return Reply(200, media, write_solutions(RESULT_TYPES[media], variables, rows), headers)
    offered = list(GRAPH_TYPES)
    media = negotiate(job.accept, offered)
    if media is None:
        return not_acceptable("CONSTRUCT/DESCRIBE", offered)
    triples = list(islice(res, job.max_rows + 1))  # type: ignore[call-overload]
    headers = _cut(triples, job.max_rows)
    return Reply(200, media, write_triples(GRAPH_TYPES[media], triples, prefixes), headers)


#: SELECT result format → (oxigraph format, a byte string that each solution writes at least once). Counting
#: it bounds the number of rows from above: JSON opens an object per solution (and per term), XML writes a
#: ``<result`` element (``<`` in text is always escaped), CSV and TSV end each row with a newline.
_OX_RESULTS: dict[str, tuple[ox.QueryResultsFormat, bytes]] = {
    "json": (ox.QueryResultsFormat.JSON, b"{"),
    "xml": (ox.QueryResultsFormat.XML, b"<result"),
    "csv": (ox.QueryResultsFormat.CSV, b"\n"),
    "tsv": (ox.QueryResultsFormat.TSV, b"\n"),
}


class _OverLimit(Exception):
    """Raised from inside oxigraph's writer: the result may have more rows than allowed."""


class _Capped:
    """Write target for ``QuerySolutions.serialize``: keeps the bytes and stops the writer as soon as the
    marks seen (an upper bound of the rows written) pass the limit, so a huge result is never written out."""

    __slots__ = ("parts", "mark", "tail", "seen", "limit")

    def __init__(self, mark: bytes, limit: int) -> None:
        self.parts: list[bytes] = []
        self.mark, self.tail, self.seen, self.limit = mark, b"", 0, limit

    def write(self, chunk: bytes) -> int:
        k = len(self.mark) - 1
        if k:  # a mark cut between two chunks
            self.seen += (self.tail + chunk[:k]).count(self.mark)
            self.tail = (self.tail + chunk)[-k:]
        self.seen += chunk.count(self.mark)
        if self.seen > self.limit:
            raise _OverLimit
        self.parts.append(bytes(chunk))
        return len(chunk)

    def flush(self) -> None:
        """Called by the writer at the end; the bytes are already kept."""


def render_solutions(res: ox.QuerySolutions, job: Job) -> Reply | None:
    """SELECT results serialized by oxigraph (several times faster than building them in Python); None when
    the result may pass ``job.max_rows``, to be cut row by row by :func:`render` instead."""
    offered = list(RESULT_TYPES)
    media = negotiate(job.accept, offered)
    if media is None:
        return not_acceptable("SELECT", offered)
    fmt, mark = _OX_RESULTS[RESULT_TYPES[media]]
    out = _Capped(mark, job.max_rows)
    try:
        res.serialize(out, format=fmt)
    except _OverLimit:
        return None
    return Reply(200, media, b"".join(out.parts))


def _cut(items: list, limit: int) -> dict[str, str]:
    """Truncate to the row limit and say so in headers (as Virtuoso does with ResultSetMaxRows)."""
    if len(items) <= limit:
        return {}
    del items[limit:]
    return {"X-SPARQL-MaxRows": str(limit),
            "Warning": f'199 keifu "result truncated at {limit} rows"'}  # header values must be Latin-1


def dataset(job: Job, merged: bool) -> dict[str, object]:
    """pyoxigraph's dataset arguments for ``job`` (raises ValueError for a bad graph IRI).

    A dataset given by the protocol is exactly the graphs listed (SPARQL Protocol §2.1.4); else a query's own
    FROM / FROM NAMED; else the service's: every named graph, and as default graph the merge of all graphs —
    the store's own default graph when the worker ``merged`` them into it, else oxigraph's union of graphs.
    """
    if job.default_graphs or job.named_graphs:
        return {"default_graph": [ox.NamedNode(g) for g in job.default_graphs],
                "named_graphs": [ox.NamedNode(g) for g in job.named_graphs]}
    if merged or job.own_dataset:
        return {}
    return {"use_default_graph_as_union": True}


def execute(store: ox.Store, job: Job, prefixes: dict[str, str] | None = None, merged: bool = False) -> Reply:
    """Run ``job`` on ``store``; never raises."""
    try:
        kwargs = dataset(job, merged)
    except ValueError as e:
        return bad_graph_iri(e)
    try:
        res = _query(store, job, kwargs)
        if isinstance(res, ox.QuerySolutions):
            reply = render_solutions(res, job)
            if reply is not None:
                return reply
            res = _query(store, job, kwargs)  # maybe over the row limit: run again and cut it
        return render(res, job, prefixes)
    except SyntaxError as e:
        return syntax_error(e)
    except ValueError as e:  # a base IRI from a malformed Host header
        return error(400, "bad-request", f"bad request: {e}", f"不正な要求: {e}")
    except Exception as e:  # noqa: BLE001 - evaluation errors go back to the client, the worker lives on
        return error(500, "query-failed", f"query failed: {type(e).__name__}: {e}",
                     f"クエリの実行に失敗しました: {type(e).__name__}: {e}")


def _query(store: ox.Store, job: Job, kwargs: dict[str, object]) -> object:
    """``store.query``, given the base IRI only when the query does not parse without one: parsing a base costs
    ~5 µs, a tenth of a point query, and few queries have relative IRIs (``kwargs`` keeps it for a rerun)."""
    try:
        return store.query(job.query, **kwargs)
    except SyntaxError:
        if job.base is None or "base_iri" in kwargs:
            raise
        kwargs["base_iri"] = job.base
        return store.query(job.query, **kwargs)


def open_store(store_path: str, memory: bool = False) -> ox.Store:
    """The worker's store: a read-only handle, or with ``memory`` a private in-memory copy of it (lookups
    about 3× faster than through RocksDB, for the graph's size in RAM and a copy on every worker start).

    The copy's default graph is the merge of all graphs, each triple once (the RDF merge the service's default
    graph is; oxigraph's union of graphs repeats a triple stated in two graphs), so the copy holds each triple
    of a named graph twice."""
    store = ox.Store.read_only(store_path)
    if not memory:
        return store
    copy = ox.Store()
    copy.extend(store.quads_for_pattern(None, None, None, None))  # Python terms: blank node ids are kept
    for g in store.named_graphs():  # empty named graphs too
        copy.add_graph(g)
    copy.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")  # the merge: in the engine, ~0.3 s per 10⁵
    return copy


def serve(conn: Connection, store_path: str, prefixes: dict[str, str], memory: bool = False,
          network: bool = False) -> None:
    """Worker main loop: open the store, say so (an empty frame), answer jobs until the socket closes.

    Without ``network`` the worker first leaves the network (:func:`keifu.api.sandbox.without_network`): it
    needs none, so a SERVICE call that got past the request check still reaches no server."""
    if not network:
        without_network()
    store = open_store(store_path, memory)
    from .trace_jobs import dispatch  # trace jobs (issue 19); imported by the fork server before any fork

    answer_jobs(conn, dispatch(lambda job: execute(store, job, prefixes, merged=memory), store_path, store))


def answer_jobs(conn: Connection, answer: Callable[[Any], Reply]) -> None:
    """Say the worker is ready (an empty frame), then answer pickled jobs until the socket closes. Replies
    travel as plain tuples, which pickle cheaply; the last field asks the pool to replace this worker, which
    it does once the worker has touched its memory cap (its libraries' state can no longer be trusted)."""
    conn.send_bytes(b"")
    while True:
        try:
            job = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        reply = answer(job)
        spent = memory_exhausted()
        conn.send_bytes(pickle.dumps((reply.status, reply.media, reply.body, reply.headers, spent),
                                     pickle.HIGHEST_PROTOCOL))
        if spent:
            return
