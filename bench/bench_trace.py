"""Benchmark: /trace over HTTP against a real ``keifu serve`` process, at about 10⁵, 10⁶ and 10⁷ quads on disk.

The scaled graphs are the real one (the corpus built into a store) replicated with renamed IRIs: every instance
IRI gets a replica prefix except national plans, laws and government bodies, which stay shared (as in reality:
more agencies and documents citing the same plans), so one plan's trace grows with the graph. Each scaled store
is closed as a build closes it: lineage materialised, the trace index written, the build marked complete.

Measured per size: the closing steps (materialise, trace index: wall and CPU seconds, index size); then with the
server on the store (``--memory off``: on disk): the first request after start (cold) for the first 50 rows and
for the full answer, the first 50 rows warm (p50 of ``--requests``), the full answer warm (first byte and whole,
p50), and the server's CPU seconds (its process and its query workers) and peak RSS over the run.

With ``--live`` each server is measured a second time without the trace index (the answer traced from the live
lineage index, as before the index existed), in the same run: the ratio of the two is the index's gain.

    python bench/bench_trace.py [--corpus ../shared/corpus] [--sizes 100000 1000000] [--plan 健康・医療戦略] [--live]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox

from keifu.graph.build import build
from keifu.graph.lineage import LINEAGE_GRAPH, materialise
from keifu.graph.lineage.trace_index import INDEX_FILE, build_index
from keifu.graph.store import Store
from keifu.graph.vocab import ID_BASE

SHARED = tuple(ID_BASE + p for p in ("plan/", "law/", "body/"))
TICK = os.sysconf("SC_CLK_TCK")


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
        store.ox.bulk_extend([ox.Quad(*(_rename(t, k) if k else t for t in (q.subject, q.predicate, q.object,
                                                                             q.graph_name))) for q in base])
    store.flush()
    return store


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(wall s, CPU s of this process, result)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def close_build(store: Store) -> str:
    """What a build's closing steps do: lineage, trace index, complete. A line of figures."""
    store.begin_build()
    lineage = ox.NamedNode(str(LINEAGE_GRAPH))
    if store.ox.contains_named_graph(lineage):  # a full materialisation, not the unchanged-digest shortcut
        store.ox.remove_graph(lineage)
    w_mat, c_mat, rep = timed(lambda: materialise(store))
    w_idx, c_idx, irep = timed(lambda: build_index(store))
    store.end_build()
    return (f"materialise {w_mat:.1f} s (CPU {c_mat:.1f} s; {rep.traced:,} kf:tracesTo), trace index "  # type: ignore[union-attr]
            f"{w_idx:.1f} s (CPU {c_idx:.1f} s; {irep.rows:,} rows, {irep.bytes / 1e6:.1f} MB)")  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _family(pid: int) -> list[int]:
    """The server and its descendants (query workers, the fork server, validation workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def _cpu(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])  # utime, stime
        except (OSError, IndexError):
            pass
    return total / TICK


def _peak_rss(pids: list[int]) -> dict[int, int]:
    """VmHWM (kB) of each process."""
    out = {}
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[p] = int(line.split()[1])
        except OSError:
            pass
    return out


class Server:
    """``keifu serve`` on a store, in its own process."""

    def __init__(self, store: Path, workers: int, timeout: float) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        exe = Path(sys.executable).with_name("keifu")
        cmd = [str(exe), "serve", "--store", str(store), "--port", str(self.port), "--workers", str(workers),
               "--memory", "off", "--timeout", str(timeout), "--validate-workers", "1"]
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while True:
            try:
                if httpx.get(self.base + "/lineage/view", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode()[-2000:])  # type: ignore[union-attr]
            time.sleep(0.05)
        self.started = time.perf_counter() - t0
        self.client = httpx.Client(base_url=self.base, timeout=600)

    def cpu(self) -> float:
        return _cpu(_family(self.proc.pid))

    def rss(self) -> tuple[float, float]:
        """(server process, largest query worker) peak RSS in MB."""
        peaks = _peak_rss(_family(self.proc.pid))
        own = peaks.pop(self.proc.pid, 0)
        return own / 1024, max(peaks.values(), default=0) / 1024

    def get(self, **params: object) -> tuple[float, float, int, int]:
        """(first byte s, whole answer s, bytes, status) of one /trace request."""
        t0 = time.perf_counter()
        first = None
        size = 0
        with self.client.stream("GET", "/trace", params=params) as r:
            for chunk in r.iter_raw():
                if first is None:
                    first = time.perf_counter() - t0
                size += len(chunk)
        return first or 0.0, time.perf_counter() - t0, size, r.status_code

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def serve_and_measure(path: Path, plan: str, requests: int, workers: int, timeout: float, live: bool = False) -> str:
    """The figures of one server; with ``live``, of one that has no trace index (it is moved aside meanwhile)."""
    index = path / INDEX_FILE
    if live:
        index.rename(index.with_suffix(".aside"))
        try:
            return "without the index (live): " + serve_and_measure(path, plan, max(3, requests // 4), workers,
                                                                      max(timeout, 900.0))
        finally:
            index.with_suffix(".aside").rename(index)
    srv = Server(path, workers, timeout)
    try:
        cpu0 = srv.cpu()
        cold = srv.get(plan=plan, limit=50)
        cold_full = srv.get(plan=plan)
        assert cold[3] == 200 and cold_full[3] == 200, (cold, cold_full)
        page = [srv.get(plan=plan, limit=50) for _ in range(requests)]
        full = [srv.get(plan=plan) for _ in range(max(3, requests // 4))]
        rows = srv.client.get("/trace", params={"plan": plan, "limit": 1}).json()["total"]
        cpu = srv.cpu() - cpu0
        own, worker = srv.rss()
        p50 = statistics.median
        return (f"server ready {srv.started:.1f} s; /trace?plan={plan}: {rows:,} rows; cold: first 50 rows "
                f"{cold[1] * 1000:.0f} ms, then full answer first byte {cold_full[0] * 1000:.0f} ms / whole "
                f"{cold_full[1] * 1000:.0f} ms; warm p50: first 50 rows {p50(x[1] for x in page) * 1000:.1f} ms, "
                f"full answer first byte {p50(x[0] for x in full) * 1000:.1f} ms / whole "
                f"{p50(x[1] for x in full) * 1000:.0f} ms ({full[0][2] / 1e6:.1f} MB); server CPU {cpu:.2f} s over "
                f"{2 + len(page) + len(full)} requests; peak RSS server {own:.0f} MB, largest worker {worker:.0f} MB")
    finally:
        srv.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--plan", default="健康・医療戦略")
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--dir", help="where the stores go (default: a temporary folder, removed)")
    ap.add_argument("--live", action="store_true", help="measure each server without the trace index too")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        real = Store(Path(tmp) / "real")
        t0 = time.perf_counter()
        results = list(build([args.corpus], real, validate=False))
        assert all(r.error is None for r in results), [r.error for r in results if r.error]
        print(f"corpus build (no SHACL; lineage and trace index included): {time.perf_counter() - t0:.2f} s for "
              f"{len(results)} files", flush=True)
        base = [q for q in real.ox if q.graph_name != ox.NamedNode(str(LINEAGE_GRAPH))]
        real.close()
        for live in (False, True) if args.live else (False,):
            print(f"corpus ({len(base):,} quads): " + serve_and_measure(
                Path(tmp) / "real", args.plan, args.requests, args.workers, args.timeout, live), flush=True)
        for n in args.sizes:
            path = Path(tmp) / f"s{n}"
            w, c, store = timed(lambda n=n, path=path: scaled_store(base, n, path))
            print(f"~{n:,}: {len(store):,} quads loaded in {w:.1f} s; " + close_build(store), flush=True)  # type: ignore[arg-type]
            store.close()  # type: ignore[union-attr]
            for live in (False, True) if args.live else (False,):
                print(f"~{n:,}: " + serve_and_measure(path, args.plan, args.requests, args.workers, args.timeout,
                                                      live), flush=True)


if __name__ == "__main__":
    main()
