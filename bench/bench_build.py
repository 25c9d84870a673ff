"""Time `keifu build` on a folder (default ../shared/corpus): whole command and in-process stages.

    python bench/bench_build.py [FOLDER] [RUNS]

Prints medians over RUNS fresh builds (new store each time). The machine is shared and noisy:
compare the figures of one run with each other, not with another day's.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from keifu.extract.pipeline import extract_file
from keifu.graph.build import build, expand_inputs
from keifu.graph.emit import emit_file
from keifu.graph.store import Store
from keifu.graph.validate import shapes_graph, validate_graph


def median_ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:8.1f} ms"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    files = expand_inputs([folder])
    shapes_graph()  # load once, as a long-running build would
    cli, inproc, inproc_novalid, extract, emit, validate = [], [], [], [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "keifu.cli", "build", str(folder), "--store", f"{d}/a"],
                           check=True, capture_output=True)
            cli.append(time.perf_counter() - t)
            t = time.perf_counter()
            list(build([folder], Store(f"{d}/b")))
            inproc.append(time.perf_counter() - t)
            t = time.perf_counter()
            list(build([folder], Store(f"{d}/c"), validate=False))
            inproc_novalid.append(time.perf_counter() - t)
        te = tm = tv = 0.0
        for f in files:
            t0 = time.perf_counter()
            ef = extract_file(f)
            t1 = time.perf_counter()
            g = emit_file(ef)
            t2 = time.perf_counter()
            validate_graph(g)
            t3 = time.perf_counter()
            te, tm, tv = te + t1 - t0, tm + t2 - t1, tv + t3 - t2
        extract.append(te)
        emit.append(tm)
        validate.append(tv)
    print(f"{len(files)} files in {folder}, {runs} runs, medians")
    print(f"  keifu build (new process, incl. start-up) {median_ms(cli)}")
    print(f"  build in process                          {median_ms(inproc)}")
    print(f"  build in process, --no-validate           {median_ms(inproc_novalid)}")
    print(f"    extraction (read→segment→parse)         {median_ms(extract)}")
    print(f"    RDF emission                            {median_ms(emit)}")
    print(f"    SHACL validation                        {median_ms(validate)}")


if __name__ == "__main__":
    main()
