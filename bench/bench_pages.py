"""Benchmark: latency of each analyst page (and search) on the corpus, over HTTP on loopback.

The corpus is built into a temporary store (or ``--store`` is used as it is), served by uvicorn in a thread
with the pages and lineage routers, and every page is asked ``--n`` times after one warm-up request (which
pays the lineage index and the search index once). Prints p50, p90 and max per page, and the page's size.

    python bench/bench_pages.py [--corpus ../shared/corpus | --store STORE] [--n 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from fastapi import FastAPI

from keifu.api import pages
from keifu.api.lineage import router as lineage_router
from keifu.graph.build import build
from keifu.graph.store import Store
from keifu.graph.vocab import sparql_prefixes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_api_fixtures import serve_app  # noqa: E402


def _first(store: Store, q: str) -> str:
    for r in store.select(sparql_prefixes() + q):
        return next(iter(r.values()))  # type: ignore[return-value]
    raise SystemExit(f"nothing for {q}")


def targets(store: Store) -> dict[str, tuple[str, dict[str, str]]]:
    """One representative of each page, the heaviest where it matters (the plan with most indicators…)."""
    big_plan = _first(store, """SELECT ?p WHERE { ?i a kf:Indicator ; kf:tracesTo ?p } GROUP BY ?p
                                ORDER BY DESC(COUNT(DISTINCT ?i)) LIMIT 1""")
    health = _first(store, 'SELECT ?p WHERE { ?p a kf:NationalPlan ; rdfs:label ?l FILTER(STR(?l) = "健康・医療戦略") } LIMIT 1')
    agency = _first(store, """SELECT ?a WHERE { ?a a kf:Agency . ?d kf:setFor ?a . ?i kf:inDocument ?d ; a kf:Indicator }
                             GROUP BY ?a ORDER BY DESC(COUNT(DISTINCT ?i)) LIMIT 1""")
    doc = _first(store, """SELECT ?d WHERE { ?o kf:inDocument ?d ; a kf:Goal } GROUP BY ?d
                          ORDER BY DESC(COUNT(DISTINCT ?o)) LIMIT 1""")
    ind = _first(store, """SELECT ?i WHERE { ?i a kf:Indicator ; kf:hasObservation ?o } GROUP BY ?i
                          ORDER BY DESC(COUNT(?o)) LIMIT 1""")
    obj = _first(store, "SELECT ?o WHERE { ?o a kf:Objective ; kf:hasIndicator ?i } LIMIT 1")
    return {
        "home": ("/home", {}), "plans": ("/plans", {}),
        "plan 健康・医療戦略": ("/plan", {"iri": health}), "plan (most indicators)": ("/plan", {"iri": big_plan}),
        "plan trace.csv": ("/plan/trace.csv", {"iri": health}), "plan trace.xlsx": ("/plan/trace.xlsx", {"iri": health}),
        "agency (most indicators)": ("/agency", {"iri": agency}), "document (most goals)": ("/document", {"iri": doc}),
        "indicator (most values)": ("/indicator", {"iri": ind}), "objective": ("/objective", {"iri": obj}),
        "source": ("/source", {"iri": ind}),
        "search がん": ("/search", {"q": "がん"}), "search 核融合": ("/search", {"q": "核融合"}),
        "search json 医療": ("/search", {"q": "医療", "format": "json"}),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    ap.add_argument("--store", help="an existing store (not rebuilt)")
    ap.add_argument("--n", type=int, default=30, help="requests per page after the warm-up")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        if args.store:
            store = Store.for_reading(args.store)
        else:
            store = Store(Path(tmp) / "store")
            t = time.perf_counter()
            results = list(build([args.corpus], store, validate=False))
            print(f"built {len(results)} files, {len(store)} quads in {time.perf_counter() - t:.2f} s")
        app = FastAPI()
        app.include_router(pages.router)
        app.include_router(lineage_router)
        app.state.store = store
        cases = targets(store)
        with serve_app(app) as base, httpx.Client(base_url=base, timeout=60) as client:
            print(f"{'page':<26} {'first ms':>9} {'p50 ms':>8} {'p90 ms':>8} {'max ms':>8} {'KiB':>7}")
            slow = []
            for name, (path, params) in cases.items():
                t = time.perf_counter()
                r = client.get(path, params=params)
                first = (time.perf_counter() - t) * 1000
                assert r.status_code == 200, (name, r.status_code)
                times = []
                for _ in range(args.n):
                    t = time.perf_counter()
                    client.get(path, params=params)
                    times.append((time.perf_counter() - t) * 1000)
                times.sort()
                p50, p90 = statistics.median(times), times[int(0.9 * (len(times) - 1))]
                slow += [name] if p50 >= 100 else []
                print(f"{name:<26} {first:9.1f} {p50:8.1f} {p90:8.1f} {times[-1]:8.1f} {len(r.content) / 1024:7.1f}")
        print("all pages p50 < 100 ms" if not slow else f"p50 ≥ 100 ms: {', '.join(slow)}")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
