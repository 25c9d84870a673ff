"""SPARQL endpoint benchmark: keifu serve vs Oxigraph's own server (the real limit) and rdflib, same ~10⁵ triples.

The real corpus graph (or the samples when the corpus is absent) is replicated with renamed IRIs until it
holds about ``--triples`` quads. Every server runs as its own process on 127.0.0.1 and serves that graph:
keifu serve with the store on disk (--memory off), keifu serve as it starts by default on a graph of this
size (--memory auto = on: each query worker holds a copy of the store in memory), and rdflib (a Dataset loaded from the N-Quads dump of keifu's store, union default graph like
keifu's, behind http.server with TCP_NODELAY; without it every answer waited ~40 ms for a delayed ACK, as
headers and body go out in two writes), and Oxigraph's own server (the ``oxigraph`` CLI from PyPI, Rust, the
engine keifu embeds) twice: ``oxigraph serve-read-only --union-default-graph`` on keifu's store on disk (what
``keifu --memory off`` does), and ``oxigraph serve`` in memory, loaded with the same N-Quads and the same merge
of all graphs into its default graph that keifu's in-memory workers make. Before measuring, every sampled query is sent to every server one
at a time and must get the same number of rows; then each server gets a 1 s warm-up.

The client is the same for all: ``--clients`` threads, each on one keep-alive connection, sending the next
query as soon as the last one is answered (closed loop) and counting an answer when it is a 200 with SPARQL
JSON bindings. It is a minimal HTTP/1.1 client (see :class:`Client`) because it shares the 2 cores with the
servers: httpx took ~1 ms of CPU per request, which capped keifu near 700 req/s whatever the server did.
For each workload (a point query, and a lineage query, kf:partOf* then kf:basedOn, for 200 objectives) the
servers take turns in ``--rounds`` rounds, so background load on a shared machine falls on all of them
alike; each gets ``--seconds`` in all.

Reported per query and server: requests/s, p50/p99 latency, CPU ms per answered request (the server's
process tree, from /proc) and the throughput ratio to the Oxigraph server of the same storage (disk for
``keifu --memory off``, memory for the others). uvicorn runs on httptools and uvloop when they
are installed (uvicorn[standard]); the line "keifu serve: http=…, loop=…" says which ran.

    python bench/bench_sparql.py [--triples 100000] [--seconds 8] [--clients 4] [--workers N] [--rounds 4]
                                 [--no-rdflib] [--only point|lineage]

``oxigraph`` is looked up beside this Python, then on PATH (``pip install oxigraph``, the ``bench`` extra); without
it the Oxigraph peers are left out and said so.

keifu serve runs with its default number of query workers (CPUs + 1) unless ``--workers`` is given.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from test_api_fixtures import free_port, serve_process  # noqa: E402

from keifu.api.cli import default_workers  # noqa: E402
from keifu.graph.build import build  # noqa: E402
from keifu.graph.store import Store  # noqa: E402
from keifu.graph.vocab import ID_BASE, sparql_prefixes  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
P = sparql_prefixes()
POINT = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
LINEAGE = (P + "SELECT DISTINCT ?plan ?label WHERE {{ <{iri}> kf:partOf* ?anc . ?anc kf:basedOn ?plan . "
           "?plan rdfs:label ?label }}")

#: keifu serve configurations measured: store read from disk, and as it starts by default at this size (the
#: store copied into each worker)
KEIFU = {"keifu --memory off": ["--memory", "off"], "keifu (default)": []}

RDFLIB_SERVER = r'''
import sys, json
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import parse_qs
from rdflib import Dataset
ds = Dataset(default_union=True)
ds.parse(sys.argv[1], format="nquads")
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: without this, 40 ms delayed-ACK stalls
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


def oxigraph_cli() -> str | None:
    """The ``oxigraph`` server binary: beside this interpreter (a venv's bin), else on PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


def wait_http(url: str, proc: subprocess.Popen, seconds: float = 60.0) -> None:
    """Wait until ``url`` answers an ASK (the server is up), or fail if ``proc`` exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            status, _ = Client(url).send(Client(url).request("ASK {}"))
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


def oxigraph_servers(cli: str, store: str, nq: Path, stack: ExitStack) -> dict[str, tuple[str, int]]:
    """Oxigraph's own server on disk (read-only on keifu's store, union default graph as keifu's --memory off) and
    in memory (the N-Quads loaded, then the merge of all graphs inserted into the default graph, as keifu's
    in-memory workers do): name → (query URL, pid)."""
    out: dict[str, tuple[str, int]] = {}
    for name, args in (("oxigraph disk", ["serve-read-only", "--location", store, "--union-default-graph"]),
                       ("oxigraph memory", ["serve"])):
        port = free_port()
        proc = subprocess.Popen([cli, *args, "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        stack.callback(lambda p=proc: (p.terminate(), p.wait(10)))
        url = f"http://127.0.0.1:{port}/query"
        wait_http(url, proc)
        if name == "oxigraph memory":
            for path, ctype, body in (("/store", "application/n-quads", nq.read_bytes()),
                                      ("/update", "application/sparql-update",
                                       b"INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")):
                with socket.create_connection(("127.0.0.1", port), timeout=300) as sock:
                    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\n"
                                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
                    head = sock.recv(4096)
                    assert head[9:10] == b"2", head[:200]
        out[name] = (url, proc.pid)
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and all its descendants (Linux /proc; 0 elsewhere)."""
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for d in Path("/proc").glob("[0-9]*"):
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d.name)] = int(fields[1])
        used[int(d.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, todo = set(), [pid]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, pp in parent.items() if pp == p and c not in tree]
    return sum(used.get(p, 0.0) for p in tree)


class Client:
    """One keep-alive HTTP/1.1 connection sending prepared form POSTs and reading Content-Length answers.

    Deliberately minimal (a few µs of CPU per request, where http.client takes ~0.25 ms and httpx ~1 ms):
    the client runs on the same cores as the servers, and what it burns is taken from the faster one.
    """

    _LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.I)
    _CHUNKED = re.compile(rb"\r\ntransfer-encoding:\s*chunked", re.I)  # Oxigraph's server streams its answers

    def __init__(self, url: str) -> None:
        u = urlsplit(url)
        self.addr, self.path = (u.hostname or "127.0.0.1", u.port or 80), u.path or "/"
        self.sock: socket.socket | None = None
        self.buf = b""

    def request(self, query: str) -> bytes:
        """The bytes of a POST of ``query`` (form-encoded, asking for SPARQL JSON results)."""
        body = urlencode({"query": query}).encode()
        return (f"POST {self.path} HTTP/1.1\r\nHost: {self.addr[0]}:{self.addr[1]}\r\n"
                f"Accept: application/sparql-results+json\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def _recv(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def send(self, request: bytes) -> tuple[int, bytes]:
        """Status and body of the answer to ``request`` (reconnecting after an error)."""
        try:
            if self.sock is None:
                self.sock = socket.create_connection(self.addr, timeout=60)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.buf = b""
            self.sock.sendall(request)
            while (end := self.buf.find(b"\r\n\r\n")) < 0:
                self._recv()
            head = self.buf[:end]
            m = self._LENGTH.search(head)
            if m is None:
                if self._CHUNKED.search(head) is None:
                    raise ValueError(f"answer without Content-Length: {head[:200]!r}")
                self.buf = self.buf[end + 4:]
                return int(head[9:12]), self._chunks()
            start, n = end + 4, int(m.group(1))
            while len(self.buf) < start + n:
                self._recv()
            body, self.buf = self.buf[start:start + n], self.buf[start + n:]
            return int(head[9:12]), body
        except BaseException:
            self.close()
            raise

    def _chunks(self) -> bytes:
        """A chunked body (no trailers), from ``self.buf`` on."""
        parts = []
        while True:
            while (eol := self.buf.find(b"\r\n")) < 0:
                self._recv()
            n = int(self.buf[:eol].split(b";")[0], 16)
            while len(self.buf) < eol + 2 + n + 2:
                self._recv()
            parts.append(self.buf[eol + 2:eol + 2 + n])
            self.buf = self.buf[eol + 2 + n + 2:]
            if n == 0:
                return b"".join(parts)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def rows(url: str, queries: list[str]) -> list[int]:
    """Rows answered for each query (to check that both servers give the same answers)."""
    c = Client(url)
    out = []
    for q in queries:
        status, data = c.send(c.request(q))
        assert status == 200, (url, status, data[:300])
        out.append(len(json.loads(data)["results"]["bindings"]))
    c.close()
    return out


def load(url: str, queries: list[str], seconds: float, clients: int, seed: int = 0) -> tuple[list[float], int, float]:
    """Closed-loop load: ``clients`` threads, each on its own keep-alive connection, sending the next query as
    soon as the last one is answered; an answer counts when it is a 200 with SPARQL JSON bindings.
    Returns (latencies of the good answers, errors, wall seconds)."""
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        rnd = random.Random(seed * 1000 + k)
        c = Client(url)
        requests = [c.request(q) for q in queries]
        mine, bad = [], 0
        while time.monotonic() < stop:
            req = rnd.choice(requests)
            t0 = time.perf_counter()
            try:
                status, data = c.send(req)
                ok = status == 200 and b'"bindings"' in data
            except (OSError, ValueError):
                ok = False
            dt = time.perf_counter() - t0
            if ok:
                mine.append(dt)
            else:
                bad += 1
        c.close()
        with lock:
            lat.extend(mine)
            errors[0] += bad

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, errors[0], time.monotonic() - t0


def summary(lat: list[float], errors: int, wall: float, cpu: float) -> dict[str, float]:
    lat = sorted(lat)
    n = len(lat)
    pct = lambda q: 1000 * lat[min(n - 1, int(q * n))] if n else float("nan")  # noqa: E731
    return {"rps": n / wall, "p50_ms": pct(0.5), "p99_ms": pct(0.99), "cpu_ms": 1000 * cpu / max(n, 1),
            "n": n, "errors": errors}


def server_stack() -> str:
    """What uvicorn will run keifu serve on: its http=auto and loop=auto pick these when installed."""
    have = lambda m: importlib.util.find_spec(m) is not None  # noqa: E731
    return f"http={'httptools' if have('httptools') else 'h11'}, loop={'uvloop' if have('uvloop') else 'asyncio'}"


#: the peer each server's throughput is compared with: Oxigraph's server on the same kind of storage
PEER = {"keifu --memory off": "oxigraph disk", "keifu (default)": "oxigraph memory",
        "oxigraph disk": "oxigraph disk", "oxigraph memory": "oxigraph memory", "rdflib": "oxigraph memory"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--triples", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=8.0, help="load time per server and query, over all rounds")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--workers", type=int, default=None, help="keifu serve --workers (default: keifu's own)")
    ap.add_argument("--rounds", type=int, default=4, help="turns each server takes per query")
    ap.add_argument("--no-rdflib", action="store_true", help="leave the rdflib endpoint out")
    ap.add_argument("--only", choices=["point", "lineage"], help="one workload only")
    ap.add_argument("--serve", nargs=argparse.REMAINDER, default=[], help="the rest is passed to keifu serve")
    args = ap.parse_args()
    cli = oxigraph_cli()
    if cli is None:
        print("oxigraph CLI not found (pip install oxigraph): the Oxigraph peers are left out")
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
        if args.only:
            workloads = {args.only: workloads[args.only]}
        workers = args.workers or default_workers()
        print(f"keifu serve: {server_stack()}, --workers {workers} {' '.join(args.serve)}; {args.clients} clients, "
              f"{args.rounds} rounds of {args.seconds / args.rounds:g} s per server and query")
        results: dict[str, dict[str, dict[str, float]]] = {}
        store = str(Path(tmp) / "store")
        with ExitStack() as stack:
            urls: dict[str, str] = {}
            pids: dict[str, int] = {}
            if not args.no_rdflib:
                port = free_port()
                t0 = time.perf_counter()
                rdf = subprocess.Popen([sys.executable, "-c", RDFLIB_SERVER, str(nq), str(port)], stdout=subprocess.PIPE)
                stack.callback(lambda: (rdf.terminate(), rdf.wait(10)))
                assert rdf.stdout is not None and rdf.stdout.readline().strip() == b"ready"
                print(f"rdflib endpoint loaded in {time.perf_counter() - t0:.1f} s")
                urls["rdflib"], pids["rdflib"] = f"http://127.0.0.1:{port}/", rdf.pid
            if cli is not None:
                t0 = time.perf_counter()
                for name, (url, pid) in oxigraph_servers(cli, store, nq, stack).items():
                    urls[name], pids[name] = url, pid
                print(f"oxigraph servers ready in {time.perf_counter() - t0:.1f} s ({cli})")
            for server, extra in KEIFU.items():
                base, proc = stack.enter_context(serve_process("--store", store, "--workers", str(workers),
                                                               *extra, *args.serve))
                urls[server], pids[server] = f"{base}/sparql", proc.pid
            for name, qs in workloads.items():
                # the same answers everywhere; done one at a time first, which also warms rdflib's parser
                # (pyparsing settles each parse action on its first call, and that is not thread-safe)
                counts = {server: rows(url, qs) for server, url in urls.items()}
                first = next(iter(counts.values()))
                assert all(c == first for c in counts.values()), f"{name}: the servers disagree"
                for url in urls.values():  # warm-up: caches, connections, code paths
                    load(url, qs, 1.0, args.clients)
                got: dict[str, list] = {s: [[], 0, 0.0, 0.0] for s in urls}
                for r in range(args.rounds):
                    order = list(urls) if r % 2 == 0 else list(reversed(urls))
                    for server in order:
                        c0 = cpu_seconds(pids[server])
                        lat, err, wall = load(urls[server], qs, args.seconds / args.rounds, args.clients, seed=r)
                        g = got[server]
                        g[0] += lat
                        g[1] += err
                        g[2] += wall
                        g[3] += cpu_seconds(pids[server]) - c0
                results[name] = {s: summary(*g) for s, g in got.items()}
                print(f"{name}: {len(qs)} queries, {sum(first)} rows in all, the same on every server")
    w = max(map(len, next(iter(results.values()))))
    print(f"\n{'query':8} {'server':{w}} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>7} {'n':>6} {'err':>4} "
          f"{'× oxigraph':>11}")
    for name, by in results.items():
        for server, r in by.items():
            peer = by.get(PEER[server])
            ratio = f"{r['rps'] / max(peer['rps'], 1e-9):10.2f}×" if peer else f"{'-':>11}"
            print(f"{name:8} {server:{w}} {r['rps']:8.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['cpu_ms']:7.2f} "
                  f"{r['n']:6d} {r['errors']:4d} {ratio}")
    print("(cpu ms: CPU time of the server's processes per answered request; × oxigraph: throughput ratio to Oxigraph's "
          "server on the same storage: disk for keifu --memory off, memory for the others)")
    print(json.dumps({k: {s: {m: round(v, 2) for m, v in r.items()} for s, r in by.items()} for k, by in results.items()}))


if __name__ == "__main__":
    main()
