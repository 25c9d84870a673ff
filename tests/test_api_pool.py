"""The query worker pool on the sample store, driven directly (no HTTP), on asyncio's loop and on uvloop
when it is installed (uvicorn picks uvloop then, and the pool must work the same on it)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_api_fixtures import sample_store_path  # noqa: F401 - fixture

from keifu.api.pool import QueryPool
from keifu.api.worker import Job
from keifu.graph.store import Store
from keifu.graph.vocab import sparql_prefixes

ASK = "ASK { ?s ?p ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
JSON = [("application/sparql-results+json", 1.0)]


def _loops() -> list[str]:
    return ["asyncio"] + (["uvloop"] if importlib.util.find_spec("uvloop") else [])


def _runner(name: str) -> asyncio.Runner:
    factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    if name == "uvloop":
        import uvloop
        factory = uvloop.new_event_loop
    return asyncio.Runner(loop_factory=factory)


@pytest.mark.parametrize("loop", _loops())
def test_time_limit_kills_only_the_runaway_and_dropped_requests_keep_their_worker(
        sample_store_path: Path, loop: str) -> None:  # noqa: F811
    async def scenario() -> None:
        pool = QueryPool(str(sample_store_path), workers=2, timeout=1.5)
        await pool.start()
        try:
            replies = await asyncio.gather(*[pool.run(Job(ASK, JSON)) for _ in range(20)])  # 10× the workers
            assert all(r.status == 200 and json.loads(r.body)["boolean"] is True for r in replies)

            ev = asyncio.get_running_loop()
            t0 = ev.time()
            runaway = asyncio.ensure_future(pool.run(Job(RUNAWAY, JSON)))
            await asyncio.sleep(0.3)
            served = await pool.run(Job(ASK, JSON))  # the other worker answers meanwhile
            assert served.status == 200 and not runaway.done()
            stopped = await runaway
            assert stopped.status == 503 and json.loads(stopped.body)["error"]["code"] == "timeout"
            assert 1.4 <= ev.time() - t0 <= 3.0 and pool.killed == 1
            while len(pool.free) < 2:  # the replacement takes requests once it has opened the store
                assert ev.time() - t0 < 30, "no replacement worker"
                await asyncio.sleep(0.05)

            dropped = asyncio.ensure_future(pool.run(Job(ASK, JSON)))
            await asyncio.sleep(0)  # sent to a worker, answer not read yet
            dropped.cancel()
            with pytest.raises(asyncio.CancelledError):
                await dropped
            replies = await asyncio.gather(*[pool.run(Job(ASK, JSON)) for _ in range(6)])
            assert all(r.status == 200 for r in replies)
            assert pool.killed == 1 and len(pool.workers) == len(pool.free) == 2  # the dropped one came back
        finally:
            await pool.close()

    with _runner(loop) as r:
        r.run(scenario())


LABELS = sparql_prefixes() + "SELECT ?o ?l WHERE { ?o a kf:Objective ; rdfs:label ?l } ORDER BY ?o ?l"
NEW = ox.Quad(ox.NamedNode("http://example.org/o"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
              ox.Literal("新しい目標", language="ja"), ox.NamedNode("http://example.org/g"))


@pytest.mark.parametrize("memory", [False, True])
def test_workers_answer_like_the_store_and_fresh_ones_see_a_write(sample_store_path: Path, tmp_path: Path,  # noqa: F811
                                                                 memory: bool) -> None:
    path = tmp_path / "store"
    shutil.copytree(sample_store_path, path)
    with Store(path, read_only=True) as st:
        expected = st.ox.query(LABELS, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    ask = f"ASK {{ GRAPH {NEW.graph_name} {{ {NEW.subject} ?p {NEW.object} }} }}"

    def write() -> None:
        with Store(path) as st:
            st.ox.add(NEW)

    async def scenario() -> None:
        pool = QueryPool(str(path), workers=2, timeout=30, memory=memory)
        await pool.start()
        try:
            got = await asyncio.gather(*[pool.run(Job(LABELS, JSON)) for _ in range(4)])
            assert all(r.status == 200 and r.body == expected for r in got)
            assert json.loads((await pool.run(Job(ask, JSON))).body)["boolean"] is False
            await pool.exclusive(write)
            seen = await pool.run(Job(ask, JSON), timeout=120)  # generous: the machine may be loaded
            assert json.loads(seen.body).get("boolean") is True, seen.body
            # a refresh (after a build by another process): the old workers answer until the fresh ones are ready
            old = set(pool.workers)
            busy = asyncio.ensure_future(pool.run(Job(RUNAWAY, JSON), timeout=30))  # one old worker is busy
            await asyncio.sleep(0.2)
            during = asyncio.ensure_future(pool.refresh())
            while not during.done():
                assert (await pool.run(Job(LABELS, JSON), timeout=120)).status == 200
            await during
            assert not (old & pool.workers) and len(pool.workers) == 2
            assert (await pool.run(Job(LABELS, JSON), timeout=120)).body == expected
            busy.cancel()
            await asyncio.sleep(0.2)
            assert not any(w.proc.is_alive() for w in old if w not in pool.retired)
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_a_long_query_runs_at_low_priority_until_it_answers(sample_store_path: Path) -> None:  # noqa: F811
    """A query running past SLOW_AFTER has its worker at SCHED_IDLE (or nice NICE_SLOW, by SLOW_POLICY);
    afterwards the worker is back to normal (or, where that needs privileges, replaced)."""
    import os

    from keifu.api import pool as pool_mod

    async def scenario() -> None:
        pool = QueryPool(str(sample_store_path), workers=1, timeout=3, slow_after=pool_mod.SLOW_AFTER,
                         slow_policy=pool_mod.SLOW_POLICY)
        await pool.start()
        try:
            (w,) = pool.workers
            task = asyncio.ensure_future(pool.run(Job(RUNAWAY, JSON)))
            await asyncio.sleep(pool_mod.SLOW_AFTER + 0.5)
            assert w.niced and lowered(w.proc.pid)
            await task  # stopped at the time limit: that worker is replaced
            r = await pool.run(Job(ASK, JSON), timeout=60)
            assert r.status == 200
            (fresh,) = pool.workers
            assert not lowered(fresh.proc.pid)
            # a long query that answers in time (~1 s of CPU here): lowered while it runs, then back to normal
            slow = Job("SELECT (COUNT(*) AS ?n) WHERE { VALUES ?k { 1 2 3 4 5 6 } ?a ?b ?c . ?d ?e ?f }", JSON)
            task = asyncio.ensure_future(pool.run(slow, timeout=60))
            await asyncio.sleep(pool_mod.SLOW_AFTER + 0.2)
            assert task.done() or lowered(fresh.proc.pid)
            r = await task
            assert r.status == 200 and b"n" in r.body and not lowered(next(iter(pool.workers)).proc.pid)
            # a heavy client's query (its last one ran long) is lowered from the start
            slow.low_priority = True
            task = asyncio.ensure_future(pool.run(slow, timeout=60))
            await asyncio.sleep(min(0.1, pool_mod.SLOW_AFTER / 2))
            assert task.done() or lowered(fresh.proc.pid)
            assert (await task).status == 200 and not lowered(fresh.proc.pid)
        finally:
            await pool.close()

    def lowered(pid: int) -> bool:
        if pool_mod.SLOW_POLICY == "idle" and hasattr(os, "SCHED_IDLE"):
            return os.sched_getscheduler(pid) == os.SCHED_IDLE
        return os.getpriority(os.PRIO_PROCESS, pid) == pool_mod.NICE_SLOW

    asyncio.run(scenario())


def test_a_reserve_worker_answers_short_queries_while_the_others_run_long_ones(sample_store_path: Path) -> None:  # noqa: F811
    """With every regular worker running a query past SLOW_AFTER, a reserve worker takes the next request at
    once; while a regular worker runs a short query, the reserve stays out (the next request waits its turn)."""
    import time

    from keifu.api import pool as pool_mod

    async def scenario() -> None:
        pool = QueryPool(str(sample_store_path), workers=1, timeout=4, reserve=1, slow_after=pool_mod.SLOW_AFTER)
        await pool.start()
        try:
            assert len(pool.workers) == 2 and len(pool.spare) == 1 and len(pool.free) == 1
            runaway = asyncio.ensure_future(pool.run(Job(RUNAWAY, JSON)))
            await asyncio.sleep(0.05)
            assert not pool._all_slow()  # busy, not yet long: a request now would wait, not take the reserve
            await asyncio.sleep(pool_mod.SLOW_AFTER + 0.2)
            t0 = time.monotonic()
            r = await pool.run(Job(ASK, JSON), timeout=30)
            took = time.monotonic() - t0
            assert r.status == 200 and took < 1.5 and not runaway.done(), took
            assert len(pool.spare) == 1  # the reserve came back to wait for the next such moment
            assert (await runaway).status == 503  # the runaway still ends at its time limit
            while len(pool.spare) + len(pool.free) < 2:  # its worker is replaced, as a regular one
                await asyncio.sleep(0.05)
            assert sum(w.reserve for w in pool.workers) == 1
        finally:
            await pool.close()

    asyncio.run(scenario())
