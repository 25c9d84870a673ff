"""What a write through the API costs now that it keeps links, lineage and the trace index current.

    python bench/bench_api_write.py [FOLDER] [WRITES]

Builds FOLDER (default ../shared/corpus) into a temporary store, serves it (``keifu serve``, its own process,
one worker), then alternates WRITES times: a Graph Store PUT of a small graph, and its DELETE. Each write also
takes back the shared facts of the graph it replaces and derives links, lineage and the trace index again
(keifu.graph.build.derive), with the query workers out of service. Prints p50 / max wall time per write and the
server's CPU per write (from /proc), beside one in-process ``derive`` of the same store (wall and CPU), the part
of a write that grows with the store.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from test_api_fixtures import free_port, stop, wait_ready  # noqa: E402

from keifu.graph.build import build, derive  # noqa: E402
from keifu.graph.store import Store  # noqa: E402

TOKEN = "bench-token"
SMALL = b'<http://example.org/s> <http://example.org/p> "note"@ja .\n'


def _cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its children that have ended (utime + stime + cutime + cstime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "corpus"
    writes = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "store"
        with Store(path) as st:
            results = list(build([folder], st, validate=False))
            t, c = time.perf_counter(), time.process_time()
            derive(st)
            print(f"{folder}: {len(results)} files, {len(st):,} quads; derive in process "
                  f"{time.perf_counter() - t:.2f} s ({time.process_time() - c:.2f} s CPU)")
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "keifu.cli", "serve", "--store", str(path), "--port", str(port),
                                 "--host", "127.0.0.1", "--workers", "1", "--write-token", TOKEN],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(proc, f"{url}/sparql", 60, lambda: "")
            auth = {"Authorization": f"Bearer {TOKEN}"}
            graph = {"graph": "http://example.org/bench-note"}
            walls = []
            cpu0 = _cpu(proc.pid)
            for k in range(writes):
                t = time.perf_counter()
                if k % 2 == 0:
                    r = httpx.put(f"{url}/store", params=graph, content=SMALL, timeout=600,
                                  headers={"Content-Type": "application/n-triples", **auth})
                else:
                    r = httpx.delete(f"{url}/store", params=graph, headers=auth, timeout=600)
                assert r.status_code < 300, r.text
                walls.append(time.perf_counter() - t)
            cpu = (_cpu(proc.pid) - cpu0) / writes
            print(f"  {writes} writes (PUT / DELETE of a one-triple graph): p50 {statistics.median(walls) * 1000:.0f} ms, "
                  f"max {max(walls) * 1000:.0f} ms wall; server CPU {cpu * 1000:.0f} ms a write")
        finally:
            stop(proc)


if __name__ == "__main__":
    main()
