"""SPARQL endpoint benchmark: keifu serve vs an rdflib in-memory endpoint over the same ~10⁵ triples.

The real corpus graph (or the samples when the corpus is absent) is replicated with renamed IRIs until it
holds about ``--triples`` quads. Both servers run as separate processes on 127.0.0.1; a thread-pool client
sends a point query and a lineage query (kf:partOf* then kf:basedOn) for varying objectives and reports
requests/s and p50/p99 latency for each, and the throughput ratio.

    python bench/bench_sparql.py [--triples 100000] [--seconds 8] [--clients 4]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from keifu.graph.build import build  # noqa: E402
from keifu.graph.store import Store  # noqa: E402
from keifu.graph.vocab import ID_BASE, sparql_prefixes  # noqa: E402
from test_api_fixtures import free_port, serve  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
P = sparql_prefixes()
POINT = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
LINEAGE = (P + "SELECT DISTINCT ?plan ?label WHERE {{ <{iri}> kf:partOf* ?anc . ?anc kf:basedOn ?plan . "
           "?plan rdfs:label ?label }}")

RDFLIB_SERVER = r'''
import sys, json
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import parse_qs
from rdflib import Dataset
ds = Dataset(default_union=True)
ds.parse(sys.argv[1], format="nquads")
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        q = parse_qs(body)["query"][0]
        out = ds.query(q).serialize(format="json")
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), H)
print("ready", flush=True)
srv.serve_forever()
'''


def replicated_store(path: Path, target: int) -> tuple[int, list[str]]:
    """Build the corpus, copy it with IRIs renamed (…/id/rN/…) until ~target quads; returns (quads, objectives)."""
    src = Store()
    inputs = [CORPUS] if CORPUS.is_dir() else [REPO / "samples"]
    list(build(inputs, src, validate=False))
    base = list(src.ox)
    copies = max(1, round(target / len(base)))

    def rename(t: object, k: int) -> object:
        if isinstance(t, ox.NamedNode) and t.value.startswith(ID_BASE):
            return ox.NamedNode(f"{ID_BASE}r{k}/{t.value[len(ID_BASE):]}")
        return t

    with Store(path) as st:
        for k in range(copies):
            st.ox.bulk_extend([ox.Quad(rename(q.subject, k), q.predicate, rename(q.object, k), rename(q.graph_name, k))
                               for q in base])
        objs = [r["o"] for r in st.select(P + "SELECT ?o WHERE { ?o a kf:Objective ; kf:partOf ?x }")]
        n = len(st)
    return n, objs  # type: ignore[return-value]


def load(url: str, queries: list[str], seconds: float, clients: int) -> dict[str, float]:
    """Closed-loop load: ``clients`` threads, each sending the next query as soon as the last answered."""
    lat: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        with httpx.Client(timeout=60, headers={"Accept": "application/sparql-results+json"}) as c:
            while time.monotonic() < stop:
                q = rnd.choice(queries)
                t0 = time.perf_counter()
                r = c.post(url, data={"query": q})
                dt = time.perf_counter() - t0
                with lock:
                    if r.status_code == 200 and "results" in r.json():
                        lat.append(dt)
                    else:
                        errors[0] += 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    lat.sort()
    return {"rps": len(lat) / wall, "p50_ms": 1000 * statistics.median(lat) if lat else float("nan"),
            "p99_ms": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("nan"),
            "n": len(lat), "errors": errors[0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        n, objs = replicated_store(Path(tmp) / "store", args.triples)
        print(f"store: {n} quads, {len(objs)} objectives with a parent ({time.perf_counter() - t0:.1f} s)")
        nq = Path(tmp) / "graph.nq"
        with Store(Path(tmp) / "store") as st:
            nq.write_bytes(ox.serialize(list(st.ox), format=ox.RdfFormat.N_QUADS))
        rnd = random.Random(7)
        sample = rnd.sample(objs, min(200, len(objs)))
        workloads = {"point": [POINT.format(iri=o) for o in sample], "lineage": [LINEAGE.format(iri=o) for o in sample]}
        port = free_port()
        t0 = time.perf_counter()
        rdf = subprocess.Popen([sys.executable, "-c", RDFLIB_SERVER, str(nq), str(port)], stdout=subprocess.PIPE)
        assert rdf.stdout is not None and rdf.stdout.readline().strip() == b"ready"
        print(f"rdflib endpoint loaded in {time.perf_counter() - t0:.1f} s")
        results: dict[str, dict[str, dict[str, float]]] = {}
        try:
            with serve("--store", str(Path(tmp) / "store"), "--workers", str(args.workers)) as base:
                for name, qs in workloads.items():
                    a = httpx.post(f"{base}/sparql", data={"query": qs[0]}, headers={"Accept": "application/sparql-results+json"}).json()
                    b = httpx.post(f"http://127.0.0.1:{port}/", data={"query": qs[0]}).json()
                    assert len(a["results"]["bindings"]) == len(b["results"]["bindings"]), (name, a, b)
                    load(f"{base}/sparql", qs, 1.0, args.clients)  # warm-up: caches, connections
                    results[name] = {"keifu": load(f"{base}/sparql", qs, args.seconds, args.clients),
                                     "rdflib": load(f"http://127.0.0.1:{port}/", qs, args.seconds, args.clients)}
        finally:
            rdf.terminate()
            rdf.wait(10)
    print(f"\n{'query':8} {'server':7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'n':>6} {'err':>4}")
    for name, by in results.items():
        for server, r in by.items():
            print(f"{name:8} {server:7} {r['rps']:8.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['n']:6d} {r['errors']:4d}")
        print(f"{name:8} ratio   {by['keifu']['rps'] / max(by['rdflib']['rps'], 1e-9):8.1f}×")
    print(json.dumps({k: {s: {m: round(v, 2) for m, v in r.items()} for s, r in by.items()} for k, by in results.items()}))


if __name__ == "__main__":
    main()
