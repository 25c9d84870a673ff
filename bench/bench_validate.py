"""Latency of POST /validate on loopback, against ``keifu serve`` as users start it (its own process, over a
store of the bundled samples; it warms up on a sample and freezes its long-lived objects before serving).

    python bench/bench_validate.py [REQUESTS] [DRAFT ...]

Drafts default to tests/fixtures/draft_rd_good.txt (a one-agency 中長期目標 draft with an axis table) and,
when ../shared/corpus is present, 000_*.txt (a real one-agency 中長期目標, 1,700 lines). The first request of
each draft warms the shapes and caches and is not counted; then p50 / p90 / p99 over REQUESTS requests, and
the CPU time the server and its validation workers spent per request (from /proc, so that a shared machine's
waits can be told from work). Then, in this process, the median wall and CPU time of each stage of one
validation (extraction, emission, SHACL with all shapes, and the whole of keifu.graph.draft.validate_bytes),
so a slow figure can be put down to its stage.
Target (issue 19): p50 under 150 ms for a full agency's objectives (1,783 lines). The machine is shared:
compare figures of one run, and CPU beside wall.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and all its descendants alive now (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}
    for d in Path("/proc").glob("[0-9]*"):
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(d.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, (0, 0.0))[1]
        todo.extend(c for c, (parent, _) in stats.items() if parent == p)
    return total


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))] * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    drafts = [Path(p) for p in sys.argv[2:]] or [REPO / "tests" / "fixtures" / "draft_rd_good.txt"]
    if len(sys.argv) <= 2:
        drafts += sorted((REPO.parent / "shared" / "corpus").glob("000_*.txt"))
    port = _port()
    tmp = tempfile.TemporaryDirectory()
    store = Path(tmp.name) / "store"  # keifu serve as users start it, over the bundled samples
    subprocess.run([sys.executable, "-m", "keifu.cli", "build", str(REPO / "samples"), "--store", str(store)],
                   check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "keifu.cli", "serve", "--store", str(store), "--port", str(port)],
                            env={**os.environ}, stdout=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/validate"
        with httpx.Client(timeout=60) as client:
            deadline = time.time() + 30
            while True:
                try:
                    client.get(url)
                    break
                except httpx.TransportError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.1)
            print(f"POST /validate on loopback, {n} requests each (after one warm-up), "
                  f"server pid {proc.pid}")
            for d in drafts:
                data = d.read_bytes()
                headers = {"X-Filename": d.name, "Content-Type": "text/plain; charset=utf-8"}
                r = client.post(url, content=data, headers=headers)
                r.raise_for_status()
                results = len(r.json()["results"])
                times = []
                cpu0 = _tree_cpu(proc.pid)
                for _ in range(n):
                    t = time.perf_counter()
                    client.post(url, content=data, headers=headers).raise_for_status()
                    times.append(time.perf_counter() - t)
                cpu = (_tree_cpu(proc.pid) - cpu0) / n  # a worker replaced meanwhile loses its share: a floor
                lines = data.count(b"\n")
                print(f"{d.name:32s} {len(data) / 1024:6.1f} KB {lines:5d} lines {results:3d} results  "
                      f"p50 {_pct(times, 0.5):7.1f} ms  p90 {_pct(times, 0.9):7.1f} ms  "
                      f"p99 {_pct(times, 0.99):7.1f} ms  mean {statistics.mean(times) * 1000:7.1f} ms  "
                      f"server CPU {cpu * 1000:6.1f} ms/request")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        tmp.cleanup()
    _stages(drafts, max(5, min(n, 30)))


def _stages(drafts: list[Path], runs: int) -> None:
    """Median of each stage of one validation, in this process (documents only; RDF drafts skip extraction)."""
    from keifu.extract.pipeline import extract_file
    from keifu.graph.draft import validate_bytes
    from keifu.graph.emit import emit_file
    from keifu.graph.validate import validate_graph

    print(f"in process, median of {runs} runs (wall / CPU):  extraction      emission         SHACL"
          "  validate_bytes")
    for d in drafts:
        if d.suffix.lower() not in (".txt", ".text", ".pdf"):
            continue
        data = d.read_bytes()
        validate_bytes(data, d.name)  # warm-up, as the server's first request
        rows = []
        for _ in range(runs):
            marks = [(time.perf_counter(), time.process_time())]
            ef = extract_file(d)
            marks.append((time.perf_counter(), time.process_time()))
            g = emit_file(ef)
            marks.append((time.perf_counter(), time.process_time()))
            validate_graph(g)
            marks.append((time.perf_counter(), time.process_time()))
            validate_bytes(data, d.name)
            marks.append((time.perf_counter(), time.process_time()))
            rows.append([(b[0] - a[0], b[1] - a[1]) for a, b in zip(marks, marks[1:], strict=False)])
        med = [(statistics.median(r[i][0] for r in rows) * 1000, statistics.median(r[i][1] for r in rows) * 1000)
               for i in range(4)]
        print(f"{d.name:32s}        " + "  ".join(f"{w:6.1f} /{c:6.1f} ms" for w, c in med))


if __name__ == "__main__":
    main()
