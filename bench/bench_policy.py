"""Time what issue 4 adds to a build: 事前分析表 row recovery, slide parsing, their RDF, the cross-file
link step and the indicators CSV export.

    python bench/bench_policy.py [CORPUS] [RUNS]

Prints medians over RUNS. The policy-table and slide parsers run inside ``extract_file``; their share is
measured by calling them again on the already-extracted document. The machine is shared and noisy.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from keifu.extract.pipeline import extract_file
from keifu.extract.policy.table import parse_policy_table
from keifu.extract.slides import parse_slides
from keifu.graph.build import build
from keifu.graph.emit import EMITTERS, Emitter, emit_file
from keifu.graph.emit.policy import link_across
from keifu.graph.store import Store
from keifu.graph.table_export import write_indicators_csv


def ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:8.1f} ms"


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    table_file = next(corpus.glob("003_*.txt"))
    deck_file = next(corpus.glob("004_*.txt"))
    t_ef, d_ef = extract_file(table_file), extract_file(deck_file)
    t_doc, d_doc = t_ef.documents[0], d_ef.documents[0]
    parse_t, parse_d, emit_t, emit_d = [], [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        table = parse_policy_table(t_ef.source, t_doc)
        parse_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        parse_slides(d_ef.source, d_doc)
        parse_d.append(time.perf_counter() - t0)
        for ef, doc, acc in ((t_ef, t_doc, emit_t), (d_ef, d_doc, emit_d)):
            emit_file(ef)  # loads plug-ins
            em = Emitter(ef)
            t0 = time.perf_counter()
            for name in ("policy_table", "slides"):
                if name in doc.extras:
                    EMITTERS[name](em, doc, doc.extras[name], em.document(doc), [])
            acc.append(time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        list(build([table_file, deck_file], store, validate=False, jobs=1))
        link, csv = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            link_across(store)
            link.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rows = write_indicators_csv(store, Path(tmp) / "ind.csv")
            csv.append(time.perf_counter() - t0)
        store.close()
    print(f"003 rows recovered: {len(table.rows)}; indicators {sum(len(r.indicators) for r in table.rows)}")
    print(f"parse 事前分析表 (003)   {ms(parse_t)}")
    print(f"parse slides (004)       {ms(parse_d)}")
    print(f"emit 003 policy RDF      {ms(emit_t)}")
    print(f"emit 004 slide RDF       {ms(emit_d)}")
    print(f"link_across (store)      {ms(link)}")
    print(f"indicators CSV ({rows} rows) {ms(csv)}")


if __name__ == "__main__":
    main()
