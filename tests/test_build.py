"""Build, store, export and query end to end on the bundled samples (and the corpus when present)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import REPO, SAMPLES, corpus_file
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from keifu.cli import main
from keifu.extract.pipeline import extract_file
from keifu.graph.build import build
from keifu.graph.emit import emit_file, source_iri
from keifu.graph.lineage import LINEAGE_GRAPH
from keifu.graph.plan_register import REGISTER_GRAPH
from keifu.graph.shared import SHARED_GRAPH
from keifu.graph.store import Store, StoreError

Q_OBJ = "SELECT (COUNT(?o) AS ?n) WHERE { ?o a <https://w3id.org/keifu/ns#Objective> }"


def _count(store: Store, q: str = Q_OBJ) -> int:
    return int(next(iter(store.select(q)))["n"])


def _source_graphs(store: Store) -> list[str]:
    return [g for g in store.graphs() if g not in (str(LINEAGE_GRAPH), str(REGISTER_GRAPH), str(SHARED_GRAPH))]


def test_same_inputs_give_the_same_graph():
    a = emit_file(extract_file(SAMPLES / "objectives_compendium.txt"))
    b = emit_file(extract_file(SAMPLES / "objectives_compendium.txt"))
    assert len(a) > 300 and isomorphic(a, b)
    assert sorted(a) == sorted(b)  # no blank nodes: identical triple for triple


def test_build_stores_one_named_graph_per_file(tmp_path):
    store = Store(tmp_path / "st")
    results = list(build([SAMPLES], store))
    assert [r.error for r in results] == [None, None]
    # one graph per source file, plus the derived lineage graph (kf:tracesTo) that build materialises
    assert _source_graphs(store) == sorted(str(source_iri(p.name)) for p in SAMPLES.glob("*.txt"))
    assert str(LINEAGE_GRAPH) in store.graphs()
    assert str(SHARED_GRAPH) in store.graphs()  # facts about plans, bodies, agencies …, once (issue 19)
    assert _count(store) == sum(d.objectives for r in results for d in r.documents)
    # every objective carries provenance back to its file and line
    rows = list(store.select("""
        PREFIX kf: <https://w3id.org/keifu/ns#> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?o ?line ?quote ?title WHERE { ?o a kf:Objective ; kf:line ?line ; kf:quote ?quote ;
          prov:wasDerivedFrom/<http://purl.org/dc/terms/title> ?title }"""))
    assert len(rows) == _count(store) and all(r["quote"] and int(r["line"]) > 0 for r in rows)


def test_rebuild_replaces_the_graph_and_a_failure_keeps_it(tmp_path):
    store = Store(tmp_path / "st")
    src = tmp_path / "doc.txt"
    src.write_bytes((SAMPLES / "objectives_compendium.txt").read_bytes())
    list(build([src], store))
    before = len(store)
    list(build([src], store))
    assert len(store) == before  # replaced, not appended
    src.write_bytes(b"\x00\x01\x02 binary junk \xff\xfe" * 50)
    (res,) = list(build([src], store))
    assert res.error and "doc.txt" in res.error
    assert len(store) == before  # the old graph is untouched


def test_a_bad_file_does_not_stop_the_batch(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_text("", encoding="utf-8")
    store = Store(tmp_path / "st")
    results = list(build([bad, SAMPLES / "annual_plan.txt"], store))
    assert results[0].error and "empty.txt" in results[0].error
    assert results[1].error is None and results[1].documents[0].kind == "annual-plan"


def test_store_is_atomic_when_loading_fails(tmp_path):
    store = Store(tmp_path / "st")
    g = emit_file(extract_file(SAMPLES / "annual_plan.txt"))
    store.replace_graph(g)
    n = len(store)
    broken = Graph(identifier=g.identifier)
    for t in list(g)[:50]:
        broken.add(t)
    # an IRI the store refuses, after valid triples: the load fails part-way
    broken.add((URIRef("https://example.org/a b"), URIRef("https://example.org/p"), Literal("x")))
    with pytest.raises(StoreError, match="could not store"):
        store.replace_graph(broken)
    assert len(store) == n
    assert store.graphs() == [str(g.identifier)]  # no staging graph left behind
    # a staging graph left by a crash is invisible after reopening
    staging = ox.NamedNode("https://w3id.org/keifu/id/staging/crashed")
    store.ox.add(ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("x"), staging))
    del store
    assert len(Store(tmp_path / "st")) == n


def test_cli_build_export_query(tmp_path, capsys):
    st = str(tmp_path / "st")
    assert main(["build", str(SAMPLES), "--store", st]) == 0
    out = capsys.readouterr().out
    assert "annual-plan" in out and "国立研究開発法人海洋未来研究機構" in out
    for ext in ("nq", "trig", "ttl", "jsonld", "nt"):
        target = tmp_path / f"all.{ext}"
        assert main(["export", "--store", st, "-o", str(target)]) == 0
        if ext in ("nq", "trig", "jsonld"):
            ds = Dataset()
            ds.parse(target, format={"nq": "nquads", "trig": "trig", "jsonld": "json-ld"}[ext])
            assert len(list(ds.graphs())) >= 2
        else:
            g = Graph().parse(target, format={"ttl": "turtle", "nt": "nt"}[ext])
            assert len(g) > 500
    capsys.readouterr()
    assert main(["query", "--store", st, "--format", "json", "SELECT DISTINCT ?l WHERE { ?a a kf:Agency ; rdfs:label ?l } ORDER BY ?l"]) == 0
    labels = [r["l"] for r in json.loads(capsys.readouterr().out)]
    assert labels == ["国立研究開発法人海洋未来研究機構", "独立行政法人地域交流振興機構"]
    q = tmp_path / "q.rq"
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?c a kf:Citation }", encoding="utf-8")
    assert main(["query", "--store", st, "--format", "csv", f"@{q}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "n" and int(lines[1]) > 5
    assert main(["query", "--store", st, "SELECT ?x WHERE { ?x "]) == 2
    assert "構文エラー" in capsys.readouterr().err


def test_cli_build_exit_code_on_errors(tmp_path):
    bad = tmp_path / "junk.txt"
    bad.write_bytes(b"\x00" * 100)
    proc = subprocess.run([sys.executable, "-m", "keifu.cli", "build", str(bad), "--store", str(tmp_path / "s")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "junk.txt" in proc.stderr


def test_command_exits_without_teardown_and_loses_nothing(tmp_path):
    """The console command leaves with os._exit after main(): the summary is printed in full and the store
    holds everything (it is closed before), as after an in-process build."""
    st = tmp_path / "s"
    proc = subprocess.run([sys.executable, "-m", "keifu.cli", "build", str(SAMPLES), "--store", str(st)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "files stored" in proc.stdout.splitlines()[-1]
    quads = int(proc.stdout.rsplit("files stored; ", 1)[1].split()[0])
    with Store.for_reading(st) as store:
        assert len(store) == quads > 0
    reference = Store(tmp_path / "r")
    list(build([SAMPLES], reference))
    assert len(reference) == quads
    reference.close()


def test_corpus_builds_without_errors(tmp_path):
    corpus_file("000")
    store = Store(tmp_path / "st")
    results = list(build([corpus_file("000").parent], store, validate=False))
    assert len(results) == 5 and all(r.error is None for r in results)
    kinds = [d.kind for r in results for d in r.documents]
    assert kinds.count("mid-long-term-objectives") == 5 and "policy-evaluation" in kinds and "briefing" in kinds
    assert isinstance(store.ox, ox.Store) and len(_source_graphs(store)) == 5


def test_parallel_and_serial_builds_store_the_same_quads(tmp_path):
    serial, parallel = Store(tmp_path / "a"), Store(tmp_path / "b")
    r1 = list(build([SAMPLES], serial, jobs=1))
    r2 = list(build([SAMPLES], parallel, jobs=2))
    assert [r.path for r in r1] == [r.path for r in r2]  # input order kept
    assert [(d.kind, d.objectives, d.citations) for r in r1 for d in r.documents] == \
        [(d.kind, d.objectives, d.citations) for r in r2 for d in r.documents]
    assert set(map(str, serial.ox)) == set(map(str, parallel.ox))


def test_read_only_store_opens_queries_and_closes(tmp_path):
    """A server holds the store read-only; closing it must not try to flush (Oxigraph refuses)."""
    with Store(tmp_path / "st") as store:
        list(build([SAMPLES], store, validate=False))
    ro = Store(tmp_path / "st", read_only=True)
    assert _count(ro) > 0
    ro.close()
    assert not hasattr(ro, "ox")


def test_cli_summary_prints_every_count_in_full(tmp_path, capsys):
    """The per-document breakdown (axes, indicators by kind, targets …) is printed unclipped."""
    assert main(["build", str(SAMPLES), "--store", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    breakdown = out.split("nodes by class", 1)[1]
    results = list(build([SAMPLES], Store(tmp_path / "t"), validate=False))
    for d in (d for r in results for d in r.documents):
        assert f"Goal:{d.counts['Goal']}" in breakdown
        assert all(f"{k}:{v}" in breakdown for k, v in d.counts.items() if "://" not in k)


def test_build_reports_the_seconds_of_each_phase(tmp_path, capsys):
    """build(timings=…) fills every phase, leaving out the caller's time between results; the CLI prints them
    with start-up when asked (--timings), and only then."""
    timings: dict[str, float] = {}
    for _ in build([SAMPLES], Store(tmp_path / "a"), timings=timings):
        pass
    assert list(timings) == ["files", "plan links", "policy links", "lineage", "flush"]
    assert all(v >= 0 for v in timings.values()) and timings["files"] > 0
    slow: dict[str, float] = {}
    slept, start = 0.0, time.perf_counter()
    for _ in build([SAMPLES], Store(tmp_path / "b"), validate=False, jobs=1, timings=slow):
        time.sleep(0.3)  # the caller's own time is not the build's
        slept += 0.3
    elapsed = time.perf_counter() - start
    assert slept > 0 and sum(slow.values()) <= elapsed - slept + 0.01  # holds however loaded the machine is
    assert main(["build", str(SAMPLES), "--store", str(tmp_path / "c")]) == 0
    assert "timings" not in capsys.readouterr().err
    assert main(["build", str(SAMPLES), "--store", str(tmp_path / "d"), "--timings"]) == 0
    err = capsys.readouterr().err
    line = next(ln for ln in err.splitlines() if "timings" in ln)
    for phase in ("start-up", "files", "plan links", "policy links", "lineage", "flush", "total"):
        assert f"{phase} " in line, (phase, line)
    assert "optimize" not in line  # a store the server copies into memory is not compacted


def test_build_compacts_only_stores_served_from_disk(tmp_path, capsys, monkeypatch):
    """Compaction speeds up reads from disk; ``keifu serve`` copies stores up to MEMORY_MAX_QUADS into memory."""
    from keifu.graph import cli as graph_cli

    calls: list[str] = []
    monkeypatch.setattr(Store, "optimize", lambda self: calls.append(str(self.path)))
    assert main(["build", str(SAMPLES), "--store", str(tmp_path / "small")]) == 0
    assert calls == []
    monkeypatch.setattr(graph_cli, "MEMORY_MAX_QUADS", 10)
    assert main(["build", str(SAMPLES), "--store", str(tmp_path / "large"), "--timings"]) == 0
    assert calls == [str(tmp_path / "large")]
    assert "optimize " in next(ln for ln in capsys.readouterr().err.splitlines() if "timings" in ln)
    # one small file rebuilt in a store many times its size: not worth rewriting the whole store
    unseen = REPO / "tests" / "fixtures" / "unseen"
    main(["build", str(unseen), "--store", str(tmp_path / "large")])
    calls.clear()
    small = min(unseen.glob("*.txt"), key=lambda f: f.stat().st_size)
    main(["build", str(small), "--store", str(tmp_path / "large")])
    assert calls == []


@pytest.mark.parametrize("existing", [False, True])
def test_bad_graph_data_leaves_the_store_as_it_was(tmp_path, existing):
    """New or replaced, a graph whose data breaks half-way is not stored at all, and no staging graph remains."""
    store = Store(tmp_path / "st")
    name = "http://example.org/g"
    good = b'<http://example.org/s> <http://example.org/p> "old" .\n'
    if existing:
        store.replace_ntriples(name, good)
    before = sorted(str(q) for q in store.ox)
    bad = b'<http://example.org/s> <http://example.org/p> "new" .\n' * 50 + b"<broken\n"
    with pytest.raises(StoreError):
        store.replace_ntriples(name, bad)
    assert sorted(str(q) for q in store.ox) == before
    assert store.graphs() == ([name] if existing else [])


def test_each_command_imports_only_its_module():
    """``keifu build`` must not import the lineage viewer's or the server's modules before its first file; the
    command table must still name the module that adds each command."""
    import argparse
    from importlib import import_module

    from keifu import cli

    full = cli.parser([])
    sub = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(cli.COMMANDS)
    for command, module in cli.COMMANDS.items():
        p = argparse.ArgumentParser()
        own = p.add_subparsers()
        import_module(module).add_commands(own)
        assert command in own.choices, (command, module)
    code = ("import sys; from keifu.cli import parser; parser(['build', 'x']); "
            "print(sorted(m for m in ('networkx', 'fastapi', 'keifu.graph.lineage', 'keifu.api.app') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_bulk_load_cut_short_by_a_crash_is_removed_at_the_next_open(tmp_path):
    """A new graph is bulk-loaded (not one transaction); it is listed as loading first, so a build killed
    part-way leaves a listed partial graph, which the next write-open removes: the store is as it was."""
    from keifu.graph import store as store_mod

    path = tmp_path / "st"
    st = Store(path)
    st.replace_ntriples("http://example.org/kept", b'<http://example.org/s> <http://example.org/p> "kept" .\n')
    before = sorted(str(q) for q in st.ox)
    target = ox.NamedNode("http://example.org/partial")
    st.ox.add(ox.Quad(target, store_mod._PARTIAL, target, store_mod._LOADING))  # what a crash leaves behind
    st.ox.bulk_load(b'<http://example.org/s> <http://example.org/p> "half" .\n', format=ox.RdfFormat.N_TRIPLES,
                    to_graph=target)
    st.close()
    st = Store(path)
    assert sorted(str(q) for q in st.ox) == before
    assert st.graphs() == ["http://example.org/kept"]


def test_parallel_batched_writes_keep_the_later_input_of_a_graph(tmp_path):
    """Graphs from the workers are stored in batches; two inputs naming the same graph (same file name in two
    folders) still end as in a serial build: the later input's graph is the one stored."""
    samples = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".txt")[:2]
    inputs = []
    for k, src in enumerate(samples):
        (tmp_path / f"in{k}").mkdir()
        dest = tmp_path / f"in{k}" / "same-name.txt"
        dest.write_bytes(src.read_bytes())
        inputs.append(dest)
    serial, parallel = Store(tmp_path / "a"), Store(tmp_path / "b")
    list(build(inputs, serial, jobs=1, validate=False))
    results = list(build(inputs, parallel, jobs=2, validate=False))
    assert [r.path for r in results] == inputs and all(r.error is None for r in results)
    assert set(map(str, serial.ox)) == set(map(str, parallel.ox))
    assert len(_source_graphs(parallel)) == 1


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux only")
def test_workers_end_with_a_build_killed_outright(tmp_path):
    """A build killed with SIGKILL leaves no worker process waiting forever on the pool's queue."""
    import os
    import signal

    for k in range(6):
        for src in SAMPLES.glob("*.txt"):
            (tmp_path / f"{k}_{src.name}").write_bytes(src.read_bytes())
    proc = subprocess.Popen([sys.executable, "-m", "keifu.cli", "build", str(tmp_path), "--store",
                             str(tmp_path / "st"), "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the build ended before its workers could be seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:  # do not leave them behind even when the test fails
        os.kill(w, signal.SIGKILL)
    assert not left, f"workers still running after their build was killed: {left}"
