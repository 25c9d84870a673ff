"""Latency of POST /validate on loopback, against ``keifu serve`` as users start it (its own process, over a
store of the bundled samples; it warms up on a sample and freezes its long-lived objects before serving).

    python bench/bench_validate.py [REQUESTS] [DRAFT ...]

Drafts default to tests/fixtures/draft_rd_good.txt (a one-agency 中長期目標 draft with an axis table) and,
when ../shared/corpus is present, 000_*.txt (a real one-agency 中長期目標, 1,700 lines). The first request of
each draft warms the shapes and caches and is not counted; then p50 / p90 / p99 over REQUESTS requests.
Then, in this process, the median of each stage of one validation (extraction, emission, SHACL with all shapes,
and the whole of keifu.graph.draft.validate_bytes), so a slow figure can be put down to its stage.
Target: p50 under 300 ms for a typical text draft. The machine is shared: compare figures of one run.
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
                for _ in range(n):
                    t = time.perf_counter()
                    client.post(url, content=data, headers=headers).raise_for_status()
                    times.append(time.perf_counter() - t)
                lines = data.count(b"\n")
                print(f"{d.name:32s} {len(data) / 1024:6.1f} KB {lines:5d} lines {results:3d} results  "
                      f"p50 {_pct(times, 0.5):7.1f} ms  p90 {_pct(times, 0.9):7.1f} ms  "
                      f"p99 {_pct(times, 0.99):7.1f} ms  mean {statistics.mean(times) * 1000:7.1f} ms")
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

    print(f"in process, median of {runs} runs:      extraction   emission      SHACL  validate_bytes")
    for d in drafts:
        if d.suffix.lower() not in (".txt", ".text", ".pdf"):
            continue
        data = d.read_bytes()
        validate_bytes(data, d.name)  # warm-up, as the server's first request
        rows = []
        for _ in range(runs):
            t0 = time.perf_counter()
            ef = extract_file(d)
            t1 = time.perf_counter()
            g = emit_file(ef)
            t2 = time.perf_counter()
            validate_graph(g)
            t3 = time.perf_counter()
            validate_bytes(data, d.name)
            t4 = time.perf_counter()
            rows.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3))
        med = [statistics.median(r[i] for r in rows) * 1000 for i in range(4)]
        print(f"{d.name:32s}        " + "  ".join(f"{m:8.1f} ms" for m in med))


if __name__ == "__main__":
    main()
