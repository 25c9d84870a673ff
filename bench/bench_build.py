"""Time `keifu build` on a folder (default ../shared/corpus): whole command, in-process build, and each stage.

    python bench/bench_build.py [FOLDER] [RUNS]

Prints medians over RUNS fresh builds (new store each time):

* the command as a user runs it (new process, start-up and worker processes included; default ``--jobs``), and
  its phases as ``keifu build --timings`` reports them (start-up, files, links, lineage, flush; optimize only
  for stores above MEMORY_MAX_QUADS, which the server reads from disk);
* the build in process, with and without validation, split into the files phase (extraction, emission and
  validation in the workers, store writes in the parent as graphs arrive) and the closing phase (plan
  linking, policy links, lineage materialisation, flush);
* each stage alone, file after file in this process: extraction, emission, SHACL per shapes file and with all
  shapes, store writes (N-Triples into a fresh store), plan linking, policy links, lineage materialisation.

The machine is shared and noisy: compare the figures of one run with each other, not with another day's. A
speed probe (a fixed loop, alone and two at once) is printed before and after the runs.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from keifu.extract.pipeline import extract_file
from keifu.graph.build import FileResult, _store, build, expand_inputs
from keifu.graph.emit import emit_file
from keifu.graph.emit.evaluation import link_plans
from keifu.graph.emit.policy import link_across
from keifu.graph.lineage import materialise
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


def main() -> None:
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
