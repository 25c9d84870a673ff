"""Where a point query's CPU goes in keifu serve, layer by layer, in one process (issue 19: the endpoint vs the engine).

bench/bench_sparql.py measures the whole server against Oxigraph's own; this splits keifu's time:

1. engine: ``Store.query`` (parse + evaluate) and + SPARQL JSON serialization, in this process;
2. worker: :func:`keifu.api.worker.execute` (dataset arguments, negotiation, the capped writer) on the same store;
3. relay: one :class:`keifu.api.pool.QueryPool` round trip of a trivial ``ASK {}`` (pickling, the socket pair,
   the event loop's wake-ups), the server's CPU only;
4. app: the ASGI app answering POST ``/sparql`` with an instant backend (no worker): request parsing, checks,
   response and headers; the HTTP server (uvicorn) is not included.

CPU is this process's (``time.process_time``), per request, best of ``--repeat`` runs (the machine is shared).

    python bench/bench_sparql_layers.py [--triples 100000] [--n 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sparql import POINT, replicated_store  # noqa: E402

from keifu.api.app import create_app  # noqa: E402
from keifu.api.backend import PREFIX_MAP, LocalBackend  # noqa: E402
from keifu.api.pool import QueryPool  # noqa: E402
from keifu.api.security import Limits  # noqa: E402
from keifu.api.worker import Job, execute, open_store  # noqa: E402

JSON = [("application/sparql-results+json", 1.0)]


def best(f, n: int, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Least CPU µs per call of ``f(i)`` over ``repeat`` runs of ``n`` calls."""
    out = []
    for _ in range(repeat):
        c0 = time.process_time()
        for i in range(n):
            f(i)
        out.append((time.process_time() - c0) / n * 1e6)
    return min(out)


async def abest(f, n: int, repeat: int) -> float:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        c0 = time.process_time()
        for i in range(n):
            await f(i)
        out.append((time.process_time() - c0) / n * 1e6)
    return min(out)


async def relay_and_app(store: str, queries: list[str], n: int, repeat: int) -> tuple[float, float]:
    pool = QueryPool(store, 1, 30, PREFIX_MAP)
    await pool.start()
    ask = Job("ASK {}", JSON)
    try:
        relay = await abest(lambda _i: pool.run(ask), n, repeat)
    finally:
        await pool.close()
    backend = LocalBackend(store, workers=1)
    app = create_app(backend, Limits())
    bodies = [urlencode({"query": q}).encode() for q in queries]
    async with app.router.lifespan_context(app):
        reply = await backend.query(Job(queries[0], JSON))

        async def instant(_job: Job, _timeout: float | None = None) -> object:
            return reply
        backend.query = instant  # type: ignore[method-assign]

        async def one(i: int) -> None:
            body, sent = bodies[i % len(bodies)], []
            msgs = [{"type": "http.request", "body": body, "more_body": False}]

            async def receive() -> dict:
                return msgs.pop() if msgs else {"type": "http.disconnect"}

            async def send(m: dict) -> None:
                sent.append(m)
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                     "scheme": "http", "path": "/sparql", "raw_path": b"/sparql", "root_path": "", "query_string": b"",
                     "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"application/sparql-results+json"),
                                 (b"content-type", b"application/x-www-form-urlencoded"),
                                 (b"content-length", str(len(body)).encode())],
                     "client": ("127.0.0.1", 5555), "server": ("127.0.0.1", 8000)}
            await app(scope, receive, send)
            assert sent[0]["status"] == 200, sent[0]
        app_us = await abest(one, n, repeat)
    return relay, app_us


def engine_and_worker(st: ox.Store, jobs: list[Job], memory: bool, n: int, repeat: int) -> tuple[float, float, float]:
    """CPU µs of the engine alone, with JSON serialization, and of the worker's ``execute``."""
    kw = {} if memory else {"use_default_graph_as_union": True}
    k = len(jobs)
    q = best(lambda i: list(st.query(jobs[i % k].query, **kw)), n, repeat)
    qs = best(lambda i: st.query(jobs[i % k].query, **kw).serialize(format=ox.QueryResultsFormat.JSON), n, repeat)
    ex = best(lambda i: execute(st, jobs[i % k], PREFIX_MAP, merged=memory), n, repeat)
    return q, qs, ex


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--n", type=int, default=2000, help="requests per measurement")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "store")
        quads, objs = replicated_store(Path(store), args.triples)
        queries = [POINT.format(iri=o) for o in random.Random(7).sample(objs, min(200, len(objs)))]
        jobs = [Job(q, JSON, base="http://127.0.0.1:8000/sparql") for q in queries]
        print(f"store: {quads} quads; {len(queries)} point queries; CPU µs per request, best of {args.repeat}")
        for memory in (True, False):
            q, qs, ex = engine_and_worker(open_store(store, memory), jobs, memory, args.n, args.repeat)
            print(f"{'memory' if memory else 'disk':6}  engine query {q:7.1f}   + JSON {qs:7.1f}   worker execute {ex:7.1f}")
        relay, app_us = asyncio.run(relay_and_app(store, queries, args.n, args.repeat))
        print(f"relay (pool round trip of ASK {{}}, server side) {relay:7.1f}")
        print(f"app (POST /sparql through the ASGI app, instant backend) {app_us:7.1f}")


if __name__ == "__main__":
    main()
