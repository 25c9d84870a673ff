"""Benchmark: kf:tracesTo materialisation and trace latency through the API at about 10⁵ and 10⁶ triples.

The scaled graphs are the real one (the corpus built into a store) replicated with renamed IRIs: every
instance IRI gets a replica prefix except national plans, laws and government bodies, which stay shared —
as in reality, more agencies and documents citing the same plans. So one plan's trace grows with the graph.

    python bench/bench_trace.py [--corpus ../shared/corpus] [--sizes 100000 1000000] [--plan 健康・医療戦略]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from fastapi import FastAPI
from fastapi.testclient import TestClient

from keifu.api.lineage import router
from keifu.graph.build import build
from keifu.graph.lineage import LINEAGE_GRAPH, materialise
from keifu.graph.store import Store
from keifu.graph.vocab import ID_BASE

SHARED = tuple(ID_BASE + p for p in ("plan/", "law/", "body/"))


def _rename(term: ox.NamedNode | ox.BlankNode | ox.Literal, k: int):  # noqa: ANN202
    if isinstance(term, ox.NamedNode) and term.value.startswith(ID_BASE) and not term.value.startswith(SHARED):
        return ox.NamedNode(f"{ID_BASE}r{k}/{term.value[len(ID_BASE):]}")
    if isinstance(term, ox.BlankNode):
        return ox.BlankNode(f"{term.value}r{k}")
    return term


def scaled_store(base: list[ox.Quad], target: int, path: Path) -> Store:
    """``base`` replicated (replica 0 is the original) until the store holds about ``target`` quads."""
    copies = max(1, round(target / len(base)))
    store = Store(path)
    for k in range(copies):
        store.ox.extend([ox.Quad(*(_rename(t, k) if k else t for t in (q.subject, q.predicate, q.object,
                                                                        q.graph_name))) for q in base])
    store.flush()
    return store


def timed(fn, repeat: int = 1) -> tuple[float, object]:  # noqa: ANN001
    best, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best.append(time.perf_counter() - t0)
    return statistics.median(best), out


def bench(store: Store, plan: str, label: str) -> None:
    lineage = ox.NamedNode(str(LINEAGE_GRAPH))
    if store.ox.contains_named_graph(lineage):  # time a full materialisation, not the unchanged-digest shortcut
        store.ox.remove_graph(lineage)
    t_mat, rep = timed(lambda: materialise(store))
    app = FastAPI()
    app.include_router(router)
    app.state.store = store
    client = TestClient(app)

    def call(**params: object) -> object:
        r = client.get("/trace", params={"plan": plan, **params})
        assert r.status_code == 200, r.text[:300]
        return r

    t_cold, r = timed(call)  # the first request loads the lineage index from the store
    rows = r.json()["count"]  # type: ignore[union-attr]
    t_warm, r = timed(call, repeat=5)
    size = len(r.content)  # type: ignore[union-attr]
    t_csv, _ = timed(lambda: call(format="csv"), repeat=3)
    t_page, _ = timed(lambda: call(limit=50), repeat=5)
    print(f"{label}: {len(store):,} quads; materialise {t_mat:.2f} s ({rep.traced:,} kf:tracesTo over "  # type: ignore[union-attr]
          f"{rep.edges:,} edges); /trace?plan={plan}: {rows:,} indicators, cold {t_cold * 1000:.0f} ms, "
          f"warm JSON {t_warm * 1000:.0f} ms ({size / 1e6:.1f} MB), CSV {t_csv * 1000:.0f} ms, "
          f"first 50 rows {t_page * 1000:.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--plan", default="健康・医療戦略")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        real = Store(Path(tmp) / "real")
        t0 = time.perf_counter()
        results = list(build([args.corpus], real, validate=False))
        t_build = time.perf_counter() - t0
        assert all(r.error is None for r in results), [r.error for r in results if r.error]
        print(f"corpus build (no SHACL, materialisation included): {t_build:.2f} s for {len(results)} files")
        bench(real, args.plan, "corpus")
        base = [q for q in real.ox if q.graph_name != ox.NamedNode(str(LINEAGE_GRAPH))]
        real.close()
        for n in args.sizes:
            t_load, store = timed(lambda n=n: scaled_store(base, n, Path(tmp) / f"s{n}"))
            print(f"scaled to {len(store):,} quads in {t_load:.1f} s")  # type: ignore[arg-type]
            bench(store, args.plan, f"~{n:,}")  # type: ignore[arg-type]
            store.close()  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
