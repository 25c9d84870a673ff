"""Time the evaluation-framework steps on a folder (default ../shared/corpus) and print what they found.

    python bench/bench_evaluation.py [FOLDER] [RUNS]

Stages timed (medians over RUNS): axis-table parsing and body-indicator parsing (the plug-in parsers,
re-run on already extracted documents), their RDF emitters, the evaluation shapes in SHACL, and the
graph-level plan → objective linking over a store. Also prints per-agency counts: rows, axes,
indicators by kind, targets. The machine is shared and noisy: compare figures within one run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from keifu.extract.evaluation.axis_table import parse_axis_tables
from keifu.extract.evaluation.body_indicators import parse_body_indicators
from keifu.extract.pipeline import extract_file
from keifu.graph.build import build, expand_inputs
from keifu.graph.emit import Emitter, emit_file
from keifu.graph.emit.evaluation import emit_axis_tables, emit_body_indicators, link_plans
from keifu.graph.store import Store
from keifu.graph.validate import shapes_graph, validate_graph
from keifu.graph.vocab import mint


def _median(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:8.1f} ms"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    files = expand_inputs([folder])
    extracted = [extract_file(f) for f in files]
    t_axis, t_body, t_emit, t_shapes, t_link = [], [], [], [], []
    eval_shapes = shapes_graph(("evaluation.ttl",))
    for _ in range(runs):
        a = b = e = s = 0.0
        for ef in extracted:
            for d in ef.documents:
                if d.segment.doc_class == "ObjectivesDocument":
                    t0 = time.perf_counter()
                    parse_axis_tables(ef.source, d)
                    a += time.perf_counter() - t0
                if d.segment.doc_class in ("ObjectivesDocument", "AgencyPlan"):
                    t0 = time.perf_counter()
                    parse_body_indicators(ef.source, d)
                    b += time.perf_counter() - t0
            em = Emitter(ef)
            t0 = time.perf_counter()
            for d in ef.documents:
                dnode = mint("doc", em.fkey, d.number)
                onodes = em.objectives(d, dnode)
                emit_axis_tables(em, d, dnode, onodes)
                emit_body_indicators(em, d, dnode, onodes)
            e += time.perf_counter() - t0
            g = emit_file(ef)
            t0 = time.perf_counter()
            validate_graph(g, eval_shapes)
            s += time.perf_counter() - t0
        t_axis.append(a)
        t_body.append(b)
        t_emit.append(e)
        t_shapes.append(s)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "st")
        list(build(files, store, validate=False, jobs=1))
        for _ in range(runs):
            t0 = time.perf_counter()
            report = link_plans(store)
            t_link.append(time.perf_counter() - t0)
        store.close()
    print(f"files: {len(files)}, runs: {runs}")
    print(f"axis tables (parse)          {_median(t_axis)}")
    print(f"body indicators (parse)      {_median(t_body)}")
    print(f"objectives + evaluation RDF  {_median(t_emit)}  (objectives emitted again as the base)")
    print(f"evaluation shapes (SHACL)    {_median(t_shapes)}")
    print(f"plan links over the store    {_median(t_link)}")
    print()
    print("per document: rows, axes, indicators by kind, targets, plan links")
    for ef in extracted:
        for d in ef.documents:
            at = d.extras.get("axis_table")
            bi = d.extras.get("body_indicators")
            if at is None and bi is None:
                continue
            kinds: Counter[str] = Counter()
            rows = axes = targets = 0
            if at is not None:
                rows, axes = len(at.rows), sum(len(r.axes) for r in at.rows)
                kinds.update(i.kind for r in at.rows for i in r.indicators)
            if bi is not None:
                kinds.update(i.kind for i in bi.indicators)
                targets = sum(len(i.targets) for i in bi.indicators)
            print(f"  {ef.source.name[:3]} #{d.number} {d.facts.agency or '-'}: rows {rows}, axes {axes}, "
                  f"indicators {dict(sorted(kinds.items()))}, targets {targets}, "
                  f"problems {len(at.problems) if at else 0}")
    for line in report.lines():
        print(line)


if __name__ == "__main__":
    main()
