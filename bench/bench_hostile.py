"""Hostile load on ``keifu serve`` (issue 16), bounded and on loopback only.

(a) Memory: the server's resident memory (the sum over the server process and all its children, read from
    /proc every 50 ms) while idle, and its peak while three bomb PDFs are validated at once: three copies of
    one content stream of 4 million text operators (41 KB each), then the three kinds of bomb together (that
    one, a Flate stream inflating to 1 GiB, 3,000 pages). The server runs with its default caps
    (``--validate-memory`` 2048 MiB per validation worker, ``--validate-workers`` CPUs/2, page caps).
(b) Fairness: a point query's latency (p50 / p99 over ``--seconds`` of back-to-back probes from their own
    client address) while N runaway clients each re-send a cartesian-product query, N = 0, 1, 3, 6. Each
    runaway client has its own loopback address (127.0.1.k), so the per-client limit does not hide them;
    ``--one-client`` sends them all from one address instead. Target: p99 with 3 runaways < 2x p99 with none.

    python bench/bench_hostile.py [--seconds 15] [--timeout 5] [--skip-memory] [--skip-fairness] [--one-client]
                                  [--variant NAME=ENV=VALUE,...] [--serve KEIFU-SERVE-OPTIONS...]

``--timeout`` is the server's query time limit (default 5 s here, so runaways are killed and their workers
restarted within each phase). At most ``--max-probes`` probes per phase; every request has a client timeout.
The machine is shared: compare figures of one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from pdfbombs import inflate_bomb, many_pages, text_operator_bomb  # noqa: E402
from test_api_fixtures import build_samples, free_port, stop, wait_ready  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every process descending from it (from /proc)."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                rss[int(entry)] = int(f.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
        parent[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    keep, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for child, pp in parent.items():
            if pp == p and child not in keep:
                keep.add(child)
                frontier.append(child)
    return sum(rss.get(p, 0) for p in keep)


class Sampler(threading.Thread):
    """Peak of :func:`tree_rss` while running."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.halt = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.05)

    def stop(self) -> int:
        self.halt.set()
        self.join()
        return self.peak


def mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


def memory(base: str, pid: int, tmp: Path) -> None:
    ops = text_operator_bomb(tmp / "operators.pdf", 4_000_000)
    infl = inflate_bomb(tmp / "inflate.pdf", 1024**3)
    pages = many_pages(tmp / "pages.pdf", 3000)
    print(f"bombs: {ops.name} {ops.stat().st_size:,} B, {infl.name} {infl.stat().st_size:,} B, "
          f"{pages.name} {pages.stat().st_size:,} B")
    time.sleep(2)
    idle = max(tree_rss(pid) for _ in range(10) if time.sleep(0.1) is None)
    print(f"\n(a) server memory (process tree RSS); idle {mb(idle)}")
    print(f"{'round':<34} {'peak':>9} {'above idle':>11} {'seconds':>8}  answers")
    for label, files in (("3 x 4M text operators", [ops] * 3), ("operators + inflate + 3,000 pages", [ops, infl, pages])):
        sampler = Sampler(pid)
        sampler.start()
        t0 = time.monotonic()
        with ThreadPoolExecutor(3) as ex:
            replies = list(ex.map(lambda p: httpx.post(f"{base}/validate", content=p.read_bytes(), timeout=300,
                                                       headers={"X-Filename": p.name}), files))
        took = time.monotonic() - t0
        peak = sampler.stop()
        answers = ", ".join(f"{r.status_code} {r.json()['error']['code']}" for r in replies)
        print(f"{label:<34} {mb(peak):>9} {mb(peak - idle):>11} {took:>8.1f}  {answers}")
        time.sleep(3)  # killed workers are replaced
    alive = httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=30).status_code
    print(f"after: server answers {alive}; tree RSS {mb(tree_rss(pid))}")


def _client(address: str, timeout: float) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout)


def fairness(base: str, seconds: float, timeout: float, one_client: bool, max_probes: int) -> None:
    with _client("127.0.0.2", 30) as c:
        iri = c.get(f"{base}/sparql", params={"query": "SELECT ?s WHERE { ?s a ?c } LIMIT 1"},
                    headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"][0]["s"]["value"]
    probe = f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
    print(f"\n(b) point query while N runaway clients re-send a cartesian product ({seconds:g} s per N; "
          f"server time limit {timeout:g} s; runaways from {'one address' if one_client else 'an address each'})")
    print(f"{'N':>2} {'probes':>7} {'failed':>7} {'p50 ms':>8} {'p99 ms':>16} {'max ms':>8}  runaway answers; failed probes")
    base_p99 = None
    for n in (0, 1, 3, 6):
        halt = threading.Event()
        answers: Counter[str] = Counter()

        def runaway(k: int, halt: threading.Event = halt, answers: Counter[str] = answers) -> None:
            with _client("127.0.1.1" if one_client else f"127.0.1.{k + 1}", timeout + 30) as c:
                while not halt.is_set():
                    try:
                        r = c.get(f"{base}/sparql", params={"query": RUNAWAY})
                        code = r.json().get("error", {}).get("code", "") if r.status_code != 200 else ""
                        answers[f"{r.status_code} {code}".strip()] += 1
                        if r.status_code == 503:
                            time.sleep(float(r.headers.get("Retry-After", "1")))
                    except httpx.HTTPError as e:
                        answers[type(e).__name__] += 1

        threads = [threading.Thread(target=runaway, args=(k,), daemon=True) for k in range(n)]
        for t in threads:
            t.start()
        time.sleep(1.0 if n else 0)
        lat: list[float] = []
        failed: Counter[str] = Counter()
        with _client("127.0.0.2", 60) as c:
            end = time.monotonic() + seconds
            while time.monotonic() < end and len(lat) < max_probes:
                t0 = time.perf_counter()
                try:
                    r = c.get(f"{base}/sparql", params={"query": probe}, headers={"Accept": "application/sparql-results+json"})
                    if r.status_code != 200:
                        failed[f"{r.status_code} {r.json().get('error', {}).get('code', '')}"] += 1
                except httpx.HTTPError as e:
                    failed[type(e).__name__] += 1
                lat.append(time.perf_counter() - t0)
        halt.set()
        for t in threads:
            t.join()
        q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
        p50, p99 = q[49] * 1000, q[98] * 1000
        base_p99 = p99 if n == 0 else base_p99
        p99s = f"{p99:.1f}" + (f" ({p99 / base_p99:.2f}x)" if n and base_p99 else "")
        print(f"{n:>2} {len(lat):>7} {sum(failed.values()):>7} {p50:>8.1f} {p99s:>16} {max(lat) * 1000:>8.1f}  "
              + (", ".join(f"{k}: {v}" for k, v in sorted(answers.items())) or "-")
              + ("; " + ", ".join(f"{k}: {v}" for k, v in sorted(failed.items())) if failed else ""))
        time.sleep(timeout + 2 if n else 0)  # the last runaways are killed and their workers replaced


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=15.0, help="probing time per N")
    ap.add_argument("--timeout", type=float, default=5.0, help="the server's query time limit")
    ap.add_argument("--max-probes", type=int, default=5000)
    ap.add_argument("--one-client", action="store_true", help="all runaways from one address")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-fairness", action="store_true")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=ENV=VALUE,…",
                    help="also measure fairness on a server with these environment settings, e.g. "
                    "--variant nice-1s=KEIFU_SLOW_QUERY_POLICY=nice,KEIFU_SLOW_QUERY_AFTER=1 (repeatable)")
    ap.add_argument("--serve", nargs=argparse.REMAINDER, default=[],
                    help="the rest is passed to keifu serve (e.g. --serve --validate-memory 1024)")
    args = ap.parse_args()
    variants: list[tuple[str, dict[str, str]]] = [("defaults", {})]
    for v in args.variant:
        name, _, settings = v.partition("=")
        variants.append((name, dict(kv.split("=", 1) for kv in settings.split(",") if kv)))
    with tempfile.TemporaryDirectory(prefix="keifu-hostile-") as tmp_:
        tmp = Path(tmp_)
        store = build_samples(tmp / "store")
        for k, (name, env) in enumerate(variants):
            port = free_port()
            log = open(tmp / "serve.log", "wb")  # noqa: SIM115 - a file, not a pipe that could fill and block the server
            proc = subprocess.Popen([sys.executable, "-m", "keifu.cli", "serve", "--store", str(store), "--host",
                                     "127.0.0.1", "--port", str(port), "--timeout", str(args.timeout), *args.serve],
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env={**os.environ, **env})
            base = f"http://127.0.0.1:{port}"
            try:
                wait_ready(proc, f"{base}/sparql", 120, lambda: (tmp / "serve.log").read_text(errors="replace"))
                print(f"\n[{name}] keifu serve pid {proc.pid} on {base} (--timeout {args.timeout:g} "
                      f"{' '.join(args.serve)} {' '.join(f'{a}={b}' for a, b in env.items())}); {os.cpu_count()} CPUs")
                if not args.skip_memory and k == 0:
                    memory(base, proc.pid, tmp)
                if not args.skip_fairness:
                    fairness(base, args.seconds, args.timeout, args.one_client, args.max_probes)
                if proc.poll() is not None:
                    print("the server exited!")
            finally:
                stop(proc)
                log.close()


if __name__ == "__main__":
    main()
