"""Time `keifu build` on a folder (default ../shared/corpus): whole command, in-process build, and each stage.

    python bench/bench_build.py [FOLDER] [RUNS]
    python bench/bench_build.py --copies 1,8,64 [FOLDER]     # scaling: N copies, each a different agency
    python bench/bench_build.py --graph-class [FOLDER] [RUNS]  # graph/indexed.py vs rdflib's SimpleMemory
    python bench/bench_build.py --rebuild 64 [FOLDER]          # one file rebuilt in a store of 64 copies vs alone
    python bench/bench_build.py --writes 4 [FOLDER]            # store writes: one graph at a time vs one batch
    python bench/bench_build.py --synthetic 1000000,10000000 [FOLDER]  # store writes + closing phase at 10⁶, 10⁷

Prints medians over RUNS fresh builds (new store each time):

* the command as a user runs it (new process, start-up and worker processes included; default ``--jobs``), and
  its phases as ``keifu build --timings`` reports them (start-up, files, links, lineage, flush; optimize only
  for stores above MEMORY_MAX_QUADS, which the server reads from disk);
* the build in process, with and without validation, split into the files phase (extraction, emission and
  validation in the workers, store writes in the parent as graphs arrive) and the closing phase (plan
  linking, policy links, lineage materialisation, flush);
* each stage alone, file after file in this process: extraction, emission, SHACL per shapes file and with all
  shapes, store writes (N-Triples into a fresh store), plan linking, policy links, lineage materialisation.

With ``--copies`` it builds N copies of the folder instead, each copy's agencies renamed (a prefix before every
agency name the extraction finds, so each copy is a different agency citing the same national plans, as ~90 real
agencies do), generated at run time in a temporary folder, and reports per size the command's CPU time (its
worker processes included) and peak RSS, both per copy and relative to one copy, and the closing phase's share
(plan links, policy links, lineage, flush) of the build.

With ``--rebuild N`` it builds N copies, then builds one of the files again into that store and, apart, into a
fresh store: the command's CPU and wall time each (the goal: the rebuild costs at most twice the file alone); then
once more into the store after an edit of one line of the file (what the rebuild recomputes then depends on it).

With ``--writes N`` it stores the graphs of N copies into fresh stores one graph at a time (as every file was
stored before) and as one batch (:meth:`Store.store_many`, as the build now does), alternating, CPU and wall.

With ``--synthetic`` it builds the folder once, then a store of about N quads made of replicas of its file graphs
(every IRI of the replica renamed except plans, laws and government bodies, which stay shared as in reality),
bulk-loaded a batch of replicas at a time, then runs the closing phase (plan links, plan register, policy links,
lineage) over it in a child process: seconds, CPU and peak RSS of each step.

With ``--graph-class`` it compares the graph the emitter fills (keifu.graph.indexed.IndexedGraph) with rdflib's
``Graph(store="SimpleMemory")``: CPU time of emission, N-Triples and SHACL per file, alternating the two in each
run, and checks both give the same triples and SHACL results.

The machine is shared and noisy: compare the figures of one run with each other, not with another day's. A
speed probe (a fixed loop, alone and two at once) is printed before and after the runs.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from keifu.extract.facts import agency_key
from keifu.extract.pipeline import extract_file
from keifu.graph.build import FileResult, _store, build, expand_inputs
from keifu.graph.emit import emit_file
from keifu.graph.emit.evaluation import link_plans
from keifu.graph.emit.policy import link_across
from keifu.graph.lineage import LINEAGE_GRAPH, materialise
from keifu.graph.plan_register import REGISTER_GRAPH
from keifu.graph.store import Store
from keifu.graph.validate import shapes_graph, validate_graph
from keifu.resources import turtle_files


def median_ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:8.1f} ms"


def _timed_build(folder: Path, store: Store, validate: bool = True) -> tuple[float, float]:
    """(files phase, whole build) in seconds: the last file result arrives at the end of the files phase."""
    t0 = time.perf_counter()
    last = t0
    for _ in build([folder], store, validate=validate):
        last = time.perf_counter()
    return last - t0, time.perf_counter() - t0


def _stages(files: list[Path], shapes: list[str], d: str) -> dict[str, float]:
    """Each stage alone, in this process, file after file."""
    out: dict[str, float] = defaultdict(float)
    store = Store(f"{d}/stages")
    for f in files:
        t0 = time.perf_counter()
        ef = extract_file(f)
        t1 = time.perf_counter()
        g = emit_file(ef)
        t2 = time.perf_counter()
        out["extraction (read→segment→parse)"] += t1 - t0
        out["RDF emission"] += t2 - t1
        t = time.perf_counter()
        nt = g.serialize(format="nt", encoding="utf-8")  # as the build: before SHACL, which mirrors it
        out["N-Triples for the store and the SPARQL mirror (worker side)"] += time.perf_counter() - t
        for name in shapes:
            t = time.perf_counter()
            validate_graph(g, shapes_graph((name,)), ntriples=nt)
            out[f"SHACL {name}"] += time.perf_counter() - t
        t = time.perf_counter()
        validate_graph(g, ntriples=nt)
        out["SHACL, all shapes in one run"] += time.perf_counter() - t
        t = time.perf_counter()
        _store(FileResult(f), str(g.identifier), nt, store)
        out["store writes (parent side)"] += time.perf_counter() - t
    for label, step in (("plan linking", link_plans), ("policy links", link_across),
                        ("lineage materialisation", materialise), ("store flush", Store.flush)):
        t = time.perf_counter()
        step(store)
        out[label] += time.perf_counter() - t
    store.close()
    return out


def _phases(stderr: str) -> dict[str, float]:
    """``keifu build --timings``: "… timings: start-up 0.700 s, files 2.100 s, …" → {phase: seconds}."""
    line = next((ln for ln in stderr.splitlines() if "timings:" in ln), "")
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"([a-z][a-z -]*?) ([0-9.]+) s", line.split(":", 1)[-1])}


_PROBE = "import time; t = time.perf_counter(); sum(i * i for i in range(10**7)); print(time.perf_counter() - t)"


def machine_speed() -> str:
    """A fixed loop, alone and two at once: the machine's speed drifts (it ran 1.5-2x slower for hours), so
    figures are only comparable at a similar probe."""
    solo = float(subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True).stdout)
    pair = [subprocess.Popen([sys.executable, "-c", _PROBE], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    both = [float(p.communicate()[0]) for p in pair]
    return f"probe {solo:.2f} s alone, {max(both):.2f} s two at once"


def _bytecode() -> str:
    """Whether keifu's modules start from cached bytecode (README set-up) or are compiled at every start."""
    import importlib.util

    import keifu.graph.build as mod

    cached = Path(importlib.util.cache_from_source(mod.__file__)).exists()
    return "cached" if cached else "not cached (compiled at every start: run the README's compileall)"


_DIGITS = "〇一二三四五六七八九"


def _tag(k: int) -> str:
    """A prefix that makes copy ``k``'s agencies new names (三七地区 for copy 37)."""
    return "".join(_DIGITS[int(d)] for d in str(k)) + "地区"


def agency_names(files: list[Path]) -> list[str]:
    """The agencies' names without their legal form, as the extraction finds them, longest first."""
    keys = {agency_key(d.facts.agency) for f in files for d in extract_file(f).documents if d.facts.agency}
    return sorted((k for k in keys if len(k) >= 3), key=lambda k: (-len(k), k))


def make_copies(files: list[Path], n: int, out: Path, names: list[str]) -> list[Path]:
    """``n`` copies of ``files`` in ``out``, copy k's agency names prefixed by :func:`_tag` (copy 0 unchanged)."""
    pattern = re.compile("|".join(map(re.escape, names))) if names else None
    made = []
    for k in range(n):
        for f in files:
            text = f.read_text(encoding="utf-8")
            if k and pattern is not None:
                tag = _tag(k)
                text = pattern.sub(lambda m: tag + m.group(0), text)  # noqa: B023 - used at once, in this pass
            dest = out / f"c{k:03d}_{f.name}"
            dest.write_text(text, encoding="utf-8")
            made.append(dest)
    return made


def _run_measured(cmd: list[str]) -> tuple[str, float, float, int]:
    """(output, wall s, CPU s of the process and its workers, peak RSS in MB of the largest of them)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    err = proc.stdout.read() if proc.stdout else ""
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd} failed ({proc.returncode}): {err[-2000:]}")
    return err, time.perf_counter() - t, ru.ru_utime + ru.ru_stime, ru.ru_maxrss // 1024


CLOSING = ("plan links", "policy links", "lineage", "flush")

#: One build in a child process: what the command does (default --jobs), plus the parent's CPU time in the
#: closing phase (from the last file result to the end), which wall times on a shared machine cannot give.
_CHILD = """
import json, sys, time
from keifu.graph.build import build
from keifu.graph.store import Store
store, timings = Store(sys.argv[2]), {}
last = time.process_time()
for _ in build([sys.argv[1]], store, timings=timings):
    last = time.process_time()
closing = time.process_time() - last
print(json.dumps({"quads": len(store), "closing_cpu": closing, "timings": timings}))
"""


def scaling(folder: Path, sizes: list[int]) -> None:
    """Build 1, 8, 64 … copies (distinct agencies); CPU and peak RSS per copy, closing share of CPU and wall."""
    import json

    files = expand_inputs([folder])
    names = agency_names(files)
    print(f"{len(files)} files in {folder}; agencies renamed per copy: {len(names)}; {machine_speed()}")
    print("  CPU: the build's process and its workers; closing: plan links, policy links, lineage, flush "
          "(share of CPU, and of wall time)")
    print(f"  {'copies':>6} {'files':>5} {'quads':>9} {'wall s':>8} {'CPU s':>8} {'CPU/copy':>9} {'vs 1':>6} "
          f"{'RSS MB':>7} {'closing CPU':>11} {'wall':>6}  phases (wall s)")
    base: float | None = None
    for n in sizes:
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "in"
            src.mkdir()
            make_copies(files, n, src, names)
            out, wall, cpu, rss = _run_measured([sys.executable, "-c", _CHILD, str(src), f"{d}/store"])
            got = json.loads(out.strip().splitlines()[-1])
        ph = got["timings"]
        per = cpu / n
        base = base if base is not None else per
        closing = sum(ph.get(k, 0.0) for k in CLOSING)
        detail = ", ".join(f"{k} {v:.2f}" for k, v in ph.items())
        print(f"  {n:6d} {n * len(files):5d} {got['quads']:9d} {wall:8.1f} {cpu:8.1f} {per:9.2f} {per / base:6.2f} "
              f"{rss:7d} {got['closing_cpu'] / cpu:11.1%} {closing / sum(ph.values()):6.1%}  {detail}", flush=True)


def writes(folder: Path, n: int) -> None:
    """Store writes: each graph alone against one batch, same graphs, alternating, CPU and wall."""
    import resource

    from keifu.graph.build import process_file

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    files = expand_inputs([folder])
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in"
        src.mkdir()
        graphs = []
        for f in make_copies(files, n, src, agency_names(files)):
            _, g, nt = process_file(f, validate=False)
            if g is not None and nt is not None:
                graphs.append((str(g.identifier), nt))
        print(f"{len(graphs)} graphs, {sum(len(nt) for _, nt in graphs) / 1e6:.1f} MB of N-Triples; {machine_speed()}")
        for k in range(4):
            label = ("one graph at a time", "one batch")[k % 2]
            store = Store(f"{d}/s{k}")
            t, c = time.perf_counter(), cpu()
            if k % 2:
                assert not store.store_many(graphs)
            else:
                for name, nt in graphs:
                    store.replace_ntriples(name, nt)
            store.flush()
            print(f"  {label:20s} {time.perf_counter() - t:6.2f} s wall {cpu() - c:6.2f} s CPU  {len(store):,} quads",
                  flush=True)
            store.close()


def rebuild_one(folder: Path, n: int) -> None:
    """One file rebuilt in a store of ``n`` copies, against the same file built alone (the command, CPU)."""
    files = expand_inputs([folder])
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in"
        src.mkdir()
        made = make_copies(files, n, src, agency_names(files))
        one = max(made, key=lambda f: f.stat().st_size if f.name.startswith("c000_") else -1)

        def cmd(inputs: str, store: str) -> list[str]:
            return [sys.executable, "-m", "keifu.cli", "build", inputs, "--store", store, "--timings"]

        _, wall0, cpu0, _ = _run_measured(cmd(str(src), f"{d}/all"))
        print(f"{n} copies ({len(made)} files) built in {wall0:.1f} s, {cpu0:.1f} s CPU; file {one.name}; "
              f"{machine_speed()}")
        runs = (("alone, fresh store", f"{d}/alone", False), (f"rebuilt in the store of {len(made)} files", f"{d}/all",
                                                               False),
                ("alone, again", f"{d}/alone", False), ("rebuilt after an edit", f"{d}/all", True))
        for label, store, edit in runs:
            if edit:
                _edit(one)
            out, wall, cpu, rss = _run_measured(cmd(str(one), store))
            print(f"  {label:36s} {wall:7.2f} s wall {cpu:7.2f} s CPU  peak RSS {rss} MB  "
                  f"{next((ln for ln in out.splitlines() if 'timings:' in ln), '').split(': ', 1)[-1]}", flush=True)


def _edit(path: Path) -> None:
    """Change one line of body text in the second half of a file (its first four characters), as a user's edit
    would: the file's graph changes, so the rebuild recomputes what depends on it."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(k for k in range(len(lines) // 2, len(lines)) if len(lines[k].strip()) > 20)
    lines[i] = lines[i].replace(lines[i].strip()[:4], "架空変更", 1)
    path.write_text("".join(lines), encoding="utf-8")


_SYNTHETIC = """
import json, re, resource, sys, time
from pathlib import Path
import pyoxigraph as ox
from keifu.graph.emit.evaluation import link_plans
from keifu.graph.emit.policy import link_across
from keifu.graph.lineage import LINEAGE_GRAPH, materialise
from keifu.graph.plan_register import REGISTER_GRAPH
from keifu.graph.plan_register import register_plans
from keifu.graph.store import Store
base, target, path = Path(sys.argv[1]).read_bytes(), int(sys.argv[2]), sys.argv[3]
own = re.compile(rb"<https://w3id[.]org/keifu/id/(?!plan/|law/|body/)")
copies = max(1, round(target / base.count(b"\\n")))
store, out = Store(path), {}
def step(name, fn):
    t, c = time.perf_counter(), time.process_time()
    fn()
    out[name] = (time.perf_counter() - t, time.process_time() - c)
def load():
    for k in range(0, copies, 16):  # 16 replicas (~0.6 M quads) a bulk load, as the build batches graphs
        data = b"".join(own.sub(b"<https://w3id.org/keifu/id/r%d/" % j, base) for j in range(k, min(k + 16, copies)))
        store.ox.bulk_load(data, format=ox.RdfFormat.N_QUADS)
step("store writes (bulk loads)", load)
step("plan links", lambda: link_plans(store))
step("plan register", lambda: register_plans(store))
step("policy links", lambda: link_across(store))
step("lineage", lambda: materialise(store))
step("flush", store.flush)
print(json.dumps({"quads": len(store), "copies": copies, "steps": out,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def synthetic(folder: Path, sizes: list[int]) -> None:
    """Store writes and the closing phase at about ``sizes`` quads, from replicas of the folder's graphs."""
    import json

    with tempfile.TemporaryDirectory() as d:
        store = Store(f"{d}/real")
        list(build([folder], store, validate=False))
        # lineage and register: recomputed by the closing phase; the shared graph is replicated with the rest (a
        # replica's plans, laws and bodies are the same nodes: their facts stay stored once)
        skip = {str(LINEAGE_GRAPH), str(REGISTER_GRAPH)}
        quads = [q for q in store.ox if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in skip)]
        if any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
            raise SystemExit("the corpus graph has blank nodes: replicas would share them")
        base = Path(d) / "base.nq"
        base.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        store.close()
        print(f"synthetic stores from {len(quads):,} quads of {folder}; {machine_speed()}")
        for n in sizes:
            out, wall, cpu, rss = _run_measured([sys.executable, "-c", _SYNTHETIC, str(base), str(n), f"{d}/s{n}"])
            got = json.loads(out.strip().splitlines()[-1])
            steps = ", ".join(f"{k} {w:.1f} s ({c:.1f} CPU)" for k, (w, c) in got["steps"].items())
            print(f"  {got['quads']:,} quads ({got['copies']} replicas): {wall:.1f} s, {cpu:.1f} s CPU, peak RSS "
                  f"{rss:,} MB; {steps}", flush=True)
            shutil.rmtree(f"{d}/s{n}", ignore_errors=True)


def _simple_memory(identifier: object = None) -> object:
    from rdflib import Graph

    return Graph(store="SimpleMemory", identifier=identifier)


def _memory(identifier: object = None) -> object:
    from rdflib import Graph

    return Graph(identifier=identifier)


def _shacl_ready(g: object) -> object:
    """pyshacl wraps the data graph in a Dataset, which needs a context-aware store: SimpleMemory is copied."""
    from rdflib import Graph

    return Graph(identifier=g.identifier) + g if g.store.__class__.__name__ == "SimpleMemory" else g  # type: ignore[attr-defined]


def graph_classes(folder: Path, runs: int) -> None:
    """IndexedGraph against rdflib's SimpleMemory store for what a worker does with a file's graph."""
    import keifu.graph.emit as emit_mod

    files = expand_inputs([folder])
    extracted = [extract_file(f) for f in files]
    shapes_graph()
    indexed = emit_mod.IndexedGraph
    contenders = (("IndexedGraph", indexed), ("SimpleMemory", _simple_memory), ("Memory", _memory))
    cpu: dict[str, dict[str, list[float]]] = {k: defaultdict(list) for k, _ in contenders}
    answers: dict[str, list[object]] = defaultdict(list)
    for run in range(runs):
        for name, cls in contenders[:: 1 if run % 2 else -1]:
            emit_mod.IndexedGraph = cls  # type: ignore[assignment]
            try:
                times: dict[str, float] = defaultdict(float)
                got = []
                for ef in extracted:
                    t = time.process_time()
                    g = emit_file(ef)
                    t1 = time.process_time()
                    nt = g.serialize(format="nt", encoding="utf-8")
                    t2 = time.process_time()
                    _, results, _ = validate_graph(_shacl_ready(g), ntriples=nt)  # type: ignore[arg-type]
                    t3 = time.process_time()
                    times["emission"] += t1 - t
                    times["N-Triples"] += t2 - t1
                    times["SHACL"] += t3 - t2
                    got.append((sorted(nt.splitlines()), sorted((r.focus, r.message_en) for r in results)))
                for k, v in times.items():
                    cpu[name][k].append(v)
                cpu[name]["total"].append(sum(times.values()))
                answers[name] = got
            finally:
                emit_mod.IndexedGraph = indexed  # type: ignore[assignment]
    same = answers["IndexedGraph"] == answers["SimpleMemory"] == answers["Memory"]
    print(f"{len(files)} files, {runs} runs, CPU medians; same triples and SHACL results: {same}; {machine_speed()}")
    print("  (SimpleMemory's SHACL includes copying it into a context-aware graph, which pyshacl needs)")
    for k in ("emission", "N-Triples", "SHACL", "total"):
        a, b, c = (statistics.median(cpu[n][k]) for n, _ in contenders)
        print(f"  {k:10s} IndexedGraph {a * 1000:8.1f} ms   SimpleMemory {b * 1000:8.1f} ms ({b / a:4.2f}x)   "
              f"Memory {c * 1000:8.1f} ms ({c / a:4.2f}x)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--writes":
        writes(Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).resolve().parents[2] / "shared" /
               "corpus", int(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--rebuild":
        rebuild_one(Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).resolve().parents[2] / "shared" /
                    "corpus", int(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--synthetic":
        synthetic(Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).resolve().parents[2] / "shared" /
                  "corpus", [int(x) for x in sys.argv[2].split(",")])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--graph-class":
        graph_classes(Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[2] / "shared" /
                      "corpus", int(sys.argv[3]) if len(sys.argv) > 3 else 3)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--copies":
        sizes = [int(x) for x in sys.argv[2].split(",")]
        scaling(Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).resolve().parents[2] / "shared" / "corpus",
                sizes)
        return
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    files = expand_inputs([folder])
    shapes = [p.name for p in turtle_files("shapes")]
    shapes_graph()  # load once, as a long-running build would
    for name in shapes:
        shapes_graph((name,))
    before = machine_speed()
    cli: list[float] = []
    phases: dict[str, list[float]] = defaultdict(list)
    whole: dict[str, list[float]] = defaultdict(list)
    stages: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "keifu.cli", "build", str(folder), "--store", f"{d}/a",
                                   "--timings"], check=True, capture_output=True, text=True)
            cli.append(time.perf_counter() - t)
            for name, seconds in _phases(done.stderr).items():
                phases[name].append(seconds)
            files_phase, total = _timed_build(folder, Store(f"{d}/b"))
            whole["build in process"].append(total)
            whole["  files phase (workers + store writes)"].append(files_phase)
            whole["  closing phase (links, lineage, flush)"].append(total - files_phase)
            whole["build in process, --no-validate"].append(_timed_build(folder, Store(f"{d}/c"), False)[1])
            for k, v in _stages(files, shapes, d).items():
                stages[k].append(v)
    print(f"{len(files)} files in {folder}, {runs} runs, medians; keifu's bytecode {_bytecode()}")
    print(f"  machine before: {before}; after: {machine_speed()}")
    print(f"  keifu build (new process, incl. start-up)      {median_ms(cli)}")
    for k, v in phases.items():  # as the command reports them with --timings
        print(f"    {k:44s} {median_ms(v)}")
    for k, v in whole.items():
        print(f"  {k:46s} {median_ms(v)}")
    print("  stages alone, one process, file after file:")
    for k, v in stages.items():
        print(f"    {k:44s} {median_ms(v)}")


if __name__ == "__main__":
    main()
